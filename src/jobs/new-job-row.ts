import type { Principal } from "../identity/service.ts";
import type { NormalizedJob, JobSpecInput } from "./spec.ts";
import type { JobRow } from "./store.ts";

export interface NewJob {
  id: string;
  user: Principal;
  /** The spec as submitted, kept for "edit and resubmit". */
  input: unknown;
  job: NormalizedJob;
  teamId: string;
  visibility: JobRow["visibility"];
  retryOf: JobRow | undefined;
  now: number;
  executor: string;
}

/** The row of a job just submitted: queued, nothing about a run yet. */
export function newJobRow({ id, user, input, job, teamId, visibility, retryOf, now, executor }: NewJob): JobRow {
  return {
    id,
    user_id: user.userId,
    name: job.name,
    state: "queued",
    priority: job.priority,
    spec: JSON.stringify(input as JobSpecInput),
    normalized: JSON.stringify(job),
    cpus: job.resources.cpus,
    memory_bytes: job.resources.memoryBytes,
    gpus: job.resources.gpus,
    estimate_ms: job.estimateMs,
    timeout_ms: job.timeoutMs,
    attempt: retryOf ? retryOf.attempt + 1 : 1,
    retry_of: retryOf?.id ?? null,
    retried_by: null,
    created_at: now,
    started_at: null,
    finished_at: null,
    node: null,
    gpu_assignment: null,
    pid: null,
    pid_start_time: null,
    exit_code: null,
    signal: null,
    reason: null,
    message: null,
    hint: null,
    log_tail: null,
    peak_memory_bytes: null,
    team_id: teamId,
    visibility,
    executor,
    engine_id: null,
  };
}
