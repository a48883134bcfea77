import type { Subject } from "../identity/policy.ts";
import type { JobDetailView } from "../jobs/view.ts";
import { canEnterWorkspace, mayStopWorkspace } from "./access.ts";
import { appUrl } from "./apps.ts";
import type { StopReason, WorkspaceSpec, WorkspaceView } from "./spec.ts";
import type { WorkspaceRow } from "./store.ts";

// A workspace as people see it: with its owner's and team's names, why it waits (its job's
// place in the queue, the quota that holds it), how long it has been unused and when it stops.

export interface ViewContext {
  owner: string;
  team: string;
  job: JobDetailView | null;
  idleStopMs: number;
  gpuUtilization: Array<number | null>;
  now: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toWorkspaceView(subject: Subject, row: WorkspaceRow, c: ViewContext): WorkspaceView {
  const spec = JSON.parse(row.spec) as WorkspaceSpec;
  const up = row.state === "running" || row.state === "idle_warned";
  const since = row.last_active_at ?? row.started_at;
  return {
    id: row.id,
    name: row.name,
    app: row.app,
    state: row.state,
    owner: c.owner,
    ownerId: row.user_id,
    team: c.team,
    shared: row.visibility === "team",
    jobId: row.job_id,
    url: appUrl(row.app, row.id),
    resources: { cpus: spec.resources.cpus, memory: String(spec.resources.memory), gpus: spec.resources.gpus },
    environment: typeof spec.environment === "string" ? spec.environment : spec.environment?.packages?.join(", ") ?? null,
    environmentSpec: spec.environment ?? null,
    datasets: spec.datasets,
    message: row.state === "requested" ? (waitingMessage(c.job) ?? row.message) : row.message,
    stopReason: row.stop_reason as StopReason | null,
    createdAt: new Date(row.created_at).toISOString(),
    startedAt: iso(row.started_at),
    lastActiveAt: iso(row.last_active_at),
    idleSeconds: up && since !== null ? Math.max(0, Math.round((c.now - since) / 1000)) : null,
    idleStopAt: up && since !== null ? iso(since + c.idleStopMs) : null,
    stopAt: iso(row.stop_at),
    gpuUtilization: c.gpuUtilization,
    mayOpen: canEnterWorkspace(subject, row),
    mayStop: mayStopWorkspace(subject, row),
  };
}

/** Why a requested workspace has not started, and when it should: from its job's place in the queue. */
export function waitingMessage(job: JobDetailView | null): string | null {
  if (job?.state === "starting") return "Preparing its Python environment and folders (a new environment takes a minute or two, once).";
  if (job?.state !== "queued") return null;
  if (job.heldBy) return `Waiting: ${job.heldBy.message}`;
  const q = job.queue;
  if (!q) return "Waiting for its resources.";
  const when = q.expectedStartAt ? `, expected to start around ${new Date(q.expectedStartAt).toISOString().slice(11, 16)} UTC` : "";
  return q.position <= 1 && !when ? "Starting as soon as its CPUs, memory and GPUs are free." : `Waiting for its resources: number ${q.position} in the queue${when}.`;
}
