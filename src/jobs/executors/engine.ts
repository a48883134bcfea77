import type { FailureReason } from "../spec.ts";

// An engine is a cluster scheduler Plinth hands jobs to (Slurm, Kubernetes): the engine decides
// where and when each job runs; Plinth prepares it, submits it, and mirrors what the engine says
// of it. Unlike the local executor, an engine's jobs skip Plinth's own scheduler: they are
// submitted at once and wait in the engine's queue, with the engine's reason shown in words.

/** What an engine is asked to run; its code and inputs are already in its `workdir`. */
export interface EngineJob {
  jobId: string;
  /** The job's name in Plinth, for labels and the engine's own listings. */
  name: string;
  argv: string[];
  /**
   * The job's whole environment, secrets included. The engine keeps it off command lines and out
   * of anything others can read (Slurm: a file only its user reads; Kubernetes: a Secret).
   */
  env: Record<string, string>;
  /** Where its code and inputs were put (from `prepare`): its working directory as it runs. */
  workdir: string;
  /** Inputs as the job sees them: PLINTH_INPUT_<NAME> is set to their paths by the caller. */
  inputs: Array<{ name: string; dir: string }>;
  cpus: number;
  memoryBytes: number;
  gpus: number;
  /** The GPU model the spec asks for (`resources.gpuModel`), as Plinth names it. */
  gpuModel?: string;
  timeoutMs: number | null;
  /** Plinth's priority, -100..100. */
  priority: number;
  /** The image it runs in (its environment), as the spec named it and as it was pinned. */
  image?: { reference: string; id: string };
  /** Who it is, for labels on the engine's side. */
  owner: { userId: string; userName: string; teamId: string | null };
}

/** Where an engine put a job's folder and log, before its code and inputs go there. */
export interface EngineJobPaths {
  /** The job's working directory (for Slurm, on the shared file system). */
  workdir: string;
  /** Its log, on this machine: Plinth reads and streams it from there. */
  logPath: string;
  /** The working directory's path as the job sees it where it runs, when not `workdir` (a pod's own mount). */
  seenAs?: string;
}

/** How a job on an engine ended, in Plinth's terms. */
export type EngineOutcome = { outcome: "succeeded" } | { outcome: "failed"; reason: FailureReason; message: string; hint: string | null };

export interface EngineEnd {
  /** The job's exit code where the engine or the job's script recorded one; null when killed or never run. */
  exitCode: number | null;
  outcome: EngineOutcome;
  /** The engine's own word for the end (COMPLETED, TIMEOUT, OOMKilled…), shown beside Plinth's. */
  engineState: string;
}

/** What an engine tells of one job, in order: waiting (maybe again, with a new reason), running, ended once. */
export interface EngineWatcher {
  /** Waiting in the engine's queue; `why` is plain words ("waiting for 2 GPUs on partition gpu"). */
  waiting(why: string): void;
  /** It started; `where` names the node (or pod). */
  running(where: string): void;
  ended(end: EngineEnd): void;
}

/** One node of an engine's cluster, for the cluster page and for refusing at submit what no node could hold. */
export interface EngineNode {
  name: string;
  /** Slurm partitions, or the Kubernetes node's pool (its node-pool label), that the node is in. */
  groups: string[];
  cpus: number;
  memoryBytes: number;
  /** GPUs by model ("" when the cluster names none). */
  gpus: Array<{ model: string; count: number }>;
  /** The engine's word for its state: idle, mixed, allocated, drained, down, ready, not-ready… */
  state: string;
  /** Whether the engine would start jobs on it now. */
  usable: boolean;
}

export interface Engine {
  readonly kind: "slurm" | "kubernetes";
  /** Where the job's folders are, without making them. */
  paths(jobId: string): EngineJobPaths;
  /** Makes the job's folders and says where they are; its code and inputs go there next. */
  prepare(jobId: string): Promise<EngineJobPaths>;
  /** Submits the job; resolves with the engine's id for it once the engine has it. */
  submit(job: EngineJob, watcher: EngineWatcher): Promise<string>;
  /** After a restart of Plinth: follows the job again (by the engine's id Plinth recorded, when it has one); false when the engine never had it. */
  resume(job: Pick<EngineJob, "jobId" | "gpus"> & { engineId?: string | null }, watcher: EngineWatcher): Promise<boolean>;
  /**
   * The real path (no symbolic links) the job's working folder must have, where the job could
   * change what is above it (a shared file system it writes as the same account): reading its
   * outputs checks the folder it opened is that one. Absent: the folder is Plinth's alone.
   */
  workdirRealPath?(jobId: string): Promise<string>;
  /** Asks the engine to stop the job; its end comes through the watcher. Idempotent. */
  cancel(jobId: string): Promise<void>;
  inventory(): Promise<EngineNode[]>;
  /** Stops watching (server shutdown) without touching the jobs. */
  close(): Promise<void>;
}
