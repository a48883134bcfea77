import { z } from "zod";
import { FAILURE_REASONS, JOB_STATES, type JobState } from "./spec.ts";
import { JobInputViewSchema, JobOutputViewSchema } from "./data-spec.ts";
import { type HeldBy, HeldBySchema } from "./quota-book.ts";
import type { JobEvent, JobRow } from "./store.ts";
import type { NormalizedJob } from "./spec.ts";
import type { GpuInfo } from "./scheduler/types.ts";

// How a job looks from outside (API, CLI --json, portal). Derived from a stored row.

export const GpuInfoSchema = z
  .object({ index: z.number().int(), uuid: z.string(), model: z.string(), memoryBytes: z.number(), fake: z.boolean() })
  .meta({ id: "Gpu" });

export const JobEventSchema = z
  .object({ from: z.enum(JOB_STATES).nullable(), to: z.enum(JOB_STATES), at: z.string(), detail: z.record(z.string(), z.unknown()).nullable() })
  .meta({ id: "JobEvent" });

export const JobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    userId: z.string(),
    teamId: z.string().nullable(),
    visibility: z.enum(["private", "team", "public"]),
    state: z.enum(JOB_STATES),
    priority: z.number().int(),
    attempt: z.number().int(),
    retryOf: z.string().nullable(),
    retriedBy: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    resources: z.object({
      cpus: z.number(),
      memoryBytes: z.number(),
      gpus: z.number().int(),
      gpuModel: z.string().optional(),
      gpuMinMemoryBytes: z.number().optional(),
    }),
    estimateMs: z.number().nullable(),
    timeoutMs: z.number().nullable(),
    node: z.string().nullable(),
    executor: z.string().meta({ description: "Where it runs: `local` (this server's machine) or the name of a cluster under the server's `executors`." }),
    engineId: z.string().nullable().meta({ description: "The cluster's own id for it, once submitted there: a Slurm job id, a Kubernetes Job's name." }),
    waiting: z.string().nullable().meta({ description: "For a job queued on a cluster: why the cluster has not started it yet, in words." }),
    assignedGpus: z.array(GpuInfoSchema),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    failure: z
      .object({ reason: z.enum(FAILURE_REASONS), message: z.string(), hint: z.string().nullable(), logTail: z.string().nullable() })
      .nullable()
      .meta({ description: "Why the job did not succeed, with what to do about it." }),
    warning: z
      .object({ message: z.string(), hint: z.string().nullable() })
      .nullable()
      .meta({ description: "Something a job that succeeded should still tell its owner: a helper process killed for memory." }),
    peakMemoryBytes: z.number().nullable(),
    labels: z.record(z.string(), z.string()),
    spec: z.record(z.string(), z.unknown()).meta({ description: "The spec as submitted." }),
    durations: z
      .object({ queuedMs: z.number().nullable(), startingMs: z.number().nullable(), runningMs: z.number().nullable() })
      .meta({ description: "Where the time went: waiting in the queue, starting up, running." }),
    queue: z
      .object({ position: z.number().int(), expectedStartAt: z.string().nullable() })
      .nullable()
      .meta({ description: "For a queued job: its place in line and when it is expected to start." }),
    heldBy: HeldBySchema.nullable(),
  })
  .meta({ id: "Job" });
export type JobView = z.infer<typeof JobSchema>;

export const JobEnvironmentSchema = z
  .object({
    key: z.string().meta({ description: "The environment's key: a hash of its lock, interpreter and platform (for an image, the image's id)." }),
    python: z.string().nullable().meta({ description: 'The full Python version, e.g. "3.11.2"; null for an image.' }),
    interpreter: z.string().nullable().meta({ description: "The interpreter it is built on, e.g. /usr/bin/python3.11; null for an image." }),
    packages: z.array(z.string()).meta({ description: 'Every package pinned at submit, as name==version, sorted ("six==1.16.0").' }),
    named: z
      .object({ name: z.string(), version: z.number().int() })
      .optional()
      .meta({ description: "The named environment version it was pinned from, when the spec named one (`environment: pytorch`)." }),
    image: z
      .object({ reference: z.string(), id: z.string(), digest: z.string().nullable() })
      .nullable()
      .meta({ description: "The container image it runs in, pinned at submit: the name given, the id that runs, its manifest digest; null for a Python environment." }),
  })
  .meta({ id: "JobEnvironment", description: "The Python environment or container image the job runs in, as pinned when it was submitted." });
export type JobEnvironmentView = z.infer<typeof JobEnvironmentSchema>;

export const JobDetailSchema = JobSchema.extend({
  environment: JobEnvironmentSchema.nullable().meta({ description: "Its Python environment, pinned at submit; null when the spec names none." }),
  events: z.array(JobEventSchema),
  inputs: z.array(JobInputViewSchema).meta({ description: "Dataset versions the job reads, as fixed at submit." }),
  outputs: z.array(JobOutputViewSchema).meta({ description: "Folders the job saves as dataset versions, with the versions they became." }),
}).meta({ id: "JobDetail" });
export type JobDetailView = z.infer<typeof JobDetailSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toJobView(row: JobRow, labels: Record<string, string>, queue: JobView["queue"], events?: JobEvent[], heldBy: HeldBy | null = null): JobView {
  // A job queued on a cluster carries the cluster's reason for the wait as its message.
  const onClusterQueue = row.state === "queued" && row.executor !== "local";
  const normalized = JSON.parse(row.normalized) as { resources: JobView["resources"] & { memoryBytes: number } };
  const firstAt = (state: JobState) => events?.find((e) => e.to_state === state)?.at ?? null;
  const startingAt = firstAt("starting");
  const runningAt = row.started_at;
  const end = row.finished_at;
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    teamId: row.team_id,
    visibility: row.visibility,
    state: row.state,
    priority: row.priority,
    attempt: row.attempt,
    retryOf: row.retry_of,
    retriedBy: row.retried_by,
    createdAt: new Date(row.created_at).toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    resources: normalized.resources,
    estimateMs: row.estimate_ms,
    timeoutMs: row.timeout_ms,
    node: row.node,
    executor: row.executor,
    engineId: row.engine_id,
    waiting: onClusterQueue ? row.message : null,
    assignedGpus: row.gpu_assignment ? (JSON.parse(row.gpu_assignment) as GpuInfo[]) : [],
    exitCode: row.exit_code,
    signal: row.signal,
    failure: row.reason
      ? { reason: row.reason as JobView["failure"] extends infer F ? (F extends { reason: infer R } ? R : never) : never, message: row.message ?? "", hint: row.hint, logTail: row.log_tail }
      : null,
    // A message without a reason is a warning on a job that otherwise went well.
    warning: !row.reason && row.message && !onClusterQueue ? { message: row.message, hint: row.hint } : null,
    peakMemoryBytes: row.peak_memory_bytes,
    labels,
    spec: JSON.parse(row.spec),
    durations: {
      queuedMs: startingAt !== null ? startingAt - row.created_at : runningAt !== null ? runningAt - row.created_at : null,
      startingMs: startingAt !== null && runningAt !== null ? runningAt - startingAt : null,
      runningMs: runningAt !== null && end !== null ? end - runningAt : null,
    },
    queue,
    heldBy,
  };
}

/** The environment a job's normalized row pinned at submit (and the named version it came from), or null. */
export function toJobEnvironmentView(row: Pick<JobRow, "normalized">): JobEnvironmentView | null {
  const { environment: env, namedEnvironment: named, image } = JSON.parse(row.normalized) as Pick<NormalizedJob, "environment" | "namedEnvironment" | "image">;
  const namedView = named && { named: { name: named.name, version: named.version } };
  if (image) return { key: image.id, python: null, interpreter: null, packages: [], image: { reference: image.reference, id: image.id, digest: image.digest }, ...namedView };
  if (!env) return null;
  return {
    key: env.key,
    python: env.python.version,
    interpreter: env.python.path,
    packages: env.packages.map((p) => `${p.name}==${p.version}`),
    image: null,
    ...namedView,
  };
}

export function toEventView(e: JobEvent): z.infer<typeof JobEventSchema> {
  return {
    from: e.from_state as JobState | null,
    to: e.to_state as JobState,
    at: new Date(e.at).toISOString(),
    detail: e.detail ? JSON.parse(e.detail) : null,
  };
}
