import type { ResourceRequest } from "../spec.ts";

// The scheduler's view of the world: plain data, no database, no clock of its own, so the
// same policy code runs in the server, in property tests and on a virtual clock in bench/.

export interface GpuInfo {
  /** Index as the driver numbers it (what CUDA_VISIBLE_DEVICES takes). */
  index: number;
  uuid: string;
  model: string;
  memoryBytes: number;
  /** True for configured stand-ins on machines without NVIDIA GPUs. */
  fake: boolean;
}

export interface NodeCapacity {
  name: string;
  cpus: number;
  memoryBytes: number;
  gpus: GpuInfo[];
}

export interface PendingJob {
  id: string;
  userId: string;
  /** The job's team; null (or absent) for a job that belongs to no team. */
  teamId?: string | null;
  name: string;
  priority: number;
  /** Milliseconds since epoch (or virtual time) when the job entered the queue. */
  queuedAt: number;
  /** Expected run time: the job's estimate, else the median of earlier runs with its name, else null. */
  expectedDurationMs: number | null;
  resources: ResourceRequest;
}

export interface RunningJob {
  id: string;
  userId: string;
  /** The job's team; null (or absent) for a job that belongs to no team. */
  teamId?: string | null;
  node: string;
  cpus: number;
  memoryBytes: number;
  gpuIndices: number[];
  startedAt: number;
  /** startedAt + expected duration (capped by the timeout), or null when unknown. */
  expectedEndAt: number | null;
}

export interface SchedulerLimits {
  /** Most GPUs one user may hold at once; undefined = no limit. */
  maxGpusPerUser?: number;
  /** Most jobs one user may run at once; undefined = no limit. */
  maxRunningJobsPerUser?: number;
}

/**
 * How much each factor moves a job in the queue, in seconds of waiting: a job's rank is the
 * time it has waited plus these terms, so ageing always wins in the end and nothing starves.
 */
export interface PolicyWeights {
  /** Seconds of waiting that one point of priority is worth. */
  priorityS: number;
  /** Seconds of waiting a job loses each time its expected run time doubles. */
  shortJobS: number;
  /** Seconds of waiting a job loses when its user accounts for all recent usage. */
  fairShareS: number;
}

export interface PolicyConfig extends SchedulerLimits {
  /** Half-life of recorded usage for fair share. */
  fairShareHalfLifeMs: number;
  /** Duration assumed for a job with no estimate and no history. */
  defaultDurationMs: number;
  /** Ranking weights; missing ones take DEFAULT_WEIGHTS from policy.ts. */
  weights?: Partial<PolicyWeights>;
}

export interface Placement {
  jobId: string;
  node: string;
  gpuIndices: number[];
}

export interface ScheduleInput {
  now: number;
  nodes: NodeCapacity[];
  running: RunningJob[];
  pending: PendingJob[];
  /**
   * Decayed resource usage (GPU-seconds plus CPU-seconds weighted), from UsageLedger, keyed by
   * usageKey(teamId, userId): per user within each team, so fair share sees teams and people.
   */
  usage: ReadonlyMap<string, number>;
  config: PolicyConfig;
  /** Quotas per user and per team, set by Keepers; none when absent. See quotas.ts. */
  quotas?: QuotaInput;
}

/** Limits of one quota; a missing field is no limit (for a user: the platform-wide default). */
export interface QuotaLimits {
  /** Most GPUs held at once. */
  gpus?: number;
  /** Most jobs running at once. */
  runningJobs?: number;
  /** Most GPU-seconds used in the rolling window (7 days), by jobs that ran or still run. */
  gpuSeconds?: number;
}

/** One user's or one team's quota, with what the GPU-hours part needs to know now. */
export interface ScopeQuota {
  limits: QuotaLimits;
  /** How the scope is named in messages: "team vision", "ana". */
  label: string;
  /** GPU-seconds used in the window as of `now` (finished jobs, and running ones so far). */
  windowUsedS?: number;
  /**
   * While the scope has used up its GPU-hours: when its usage is expected to fall below the
   * limit again (Infinity for never). Its GPU jobs wait until then; absent when not used up.
   */
  windowHeldUntil?: number;
}

export interface QuotaInput {
  users: ReadonlyMap<string, ScopeQuota>;
  teams: ReadonlyMap<string, ScopeQuota>;
}

export interface ScheduleDecision {
  /** Jobs to start now, in order. */
  start: Placement[];
  /** The queue in the order the policy would run it (including jobs in `start`). */
  order: string[];
}

export interface QueueForecast {
  jobId: string;
  /** 1-based position in run order. */
  position: number;
  /** Expected start (ms since epoch), or null when it cannot be estimated. */
  expectedStartAt: number | null;
}

export type FitVerdict = { ok: true } | { ok: false; reason: string; hint: string };
