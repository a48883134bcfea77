import type { Generated } from "kysely";
import type { JobState } from "./spec.ts";

export interface JobsTable {
  id: string;
  user_id: string;
  name: string;
  state: JobState;
  priority: number;
  /** The spec as submitted (JSON), for "edit and resubmit". */
  spec: string;
  /** The normalised spec (JSON): argv, env, resources in plain units, policies. */
  normalized: string;
  cpus: number;
  memory_bytes: number;
  gpus: number;
  estimate_ms: number | null;
  timeout_ms: number | null;
  attempt: number;
  retry_of: string | null;
  retried_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  node: string | null;
  /** GPUs given to the job (JSON array of GpuInfo). */
  gpu_assignment: string | null;
  pid: number | null;
  pid_start_time: string | null;
  exit_code: number | null;
  signal: string | null;
  reason: string | null;
  message: string | null;
  hint: string | null;
  log_tail: string | null;
  peak_memory_bytes: number | null;
  /** The team the job belongs to, for the authorization policy. */
  team_id: string | null;
  visibility: "private" | "team" | "public";
  /** Where it runs: `local` (this machine) or the name of a cluster engine under `executors`. */
  executor: string;
  /** The engine's id for it (Slurm job id, Kubernetes Job name) once submitted there. */
  engine_id: string | null;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: string;
  from_state: string | null;
  to_state: string;
  at: number;
  detail: string | null;
}

export interface JobLabelsTable {
  job_id: string;
  key: string;
  value: string;
}

export interface CodeGrantsTable {
  kind: "blob" | "bundle";
  hash: string;
  user_id: string;
  created_at: number;
}

export interface JobTables {
  code_grants: CodeGrantsTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  job_labels: JobLabelsTable;
}
