import type { FailureReason } from "../spec.ts";
import type { EngineEnd } from "./engine.ts";
import type { GpuInfo, NodeCapacity } from "../scheduler/types.ts";

// An executor runs what the scheduler placed. `local` runs processes on this machine;
// Slurm and Kubernetes executors hand the work to their engine and mirror its state.

export interface LaunchRequest {
  jobId: string;
  argv: string[];
  env: Record<string, string>;
  /** Directory the job may write; it already holds the job's code. */
  workdir: string;
  /** File that receives stdout and stderr, interleaved, as they are written. */
  logPath: string;
  /** Directory for the executor's own bookkeeping of this job (exit status file…); not visible to the job. */
  stateDir: string;
  cpus: number;
  memoryBytes: number;
  gpus: GpuInfo[];
  /** The Unix account a Keeper mapped the job's owner to; the executor's default user when absent. */
  runAs?: string;
  /**
   * Dataset versions the job reads: each a read-only folder on this machine, shared with other
   * jobs. The executor gives the job its path (as it sees it) in PLINTH_INPUT_<NAME>, and makes
   * sure the job cannot change it.
   */
  inputs?: Array<{ name: string; dir: string }>;
  /**
   * The Python environment the job runs in: `bin` goes first on its PATH; `path`, a virtual
   * environment on this machine shared with other jobs, is its VIRTUAL_ENV, which the executor
   * makes visible to the job, read-only. Without `path`, `bin` is an interpreter's own folder.
   */
  environment?: {
    path?: string;
    bin: string;
    /** A folder of links named `python` and `python3` to the interpreter, first on PATH; the executor makes it visible read-only. */
    shims?: string;
  };
  /**
   * The container image the job runs in, pinned at submit: `id` is what runs, `reference` the
   * name the spec gave (for messages). The executor mounts the job's folder and inputs into it.
   */
  image?: { id: string; reference: string };
  /**
   * A workspace's session (src/workspaces): `home`, the owner's folder on this machine, is
   * mounted writable at `homeTarget` and is the job's HOME; in a sandbox the job's user is
   * named `login` there, with bash as its shell, so SSH sessions can log in.
   */
  workspace?: { home: string; homeTarget: string; login: string; readOnly?: string[] };
}

/** What identifies a launched process across a server restart. */
export interface ProcessHandle {
  pid: number;
  /** Process start time as the kernel reports it (/proc/PID/stat field 22), to tell a reused pid apart. */
  startTime: string;
}

export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  /** The executor killed it for exceeding its memory, or the kernel's OOM killer did. */
  outOfMemory: boolean;
  /** The program could not be started at all (not found, not executable). */
  startError: { reason: Extract<FailureReason, "command_not_found" | "permission_denied" | "start_failed" | "input_unavailable">; message: string } | null;
  peakMemoryBytes: number | null;
  /** Forks refused because the job was at its process limit. */
  forkRefusals?: number;
  /** How a cluster engine (Slurm, Kubernetes) says it ended: its reasons win where it knows more than the exit code. */
  engine?: Omit<EngineEnd, "exitCode">;
  /** Plinth stopped it for a reason of its own (its disk allowance). */
  stopped?: { reason: Extract<FailureReason, "disk_limit">; message: string; hint: string } | null;
}

/** What a restarted server finds of a job it had started, or was starting. */
export type ReattachOutcome = { running: ProcessHandle } | "gone" | "not-started" | ExitInfo;

export type ExitListener = (info: ExitInfo) => void;

/** One of a running job's GPUs as its driver reports it now; what the driver does not tell (utilisation in MIG mode) is null. */
export interface GpuUsage {
  /** The GPU's number as the job sees it: its place in the job's CUDA_VISIBLE_DEVICES, from 0. */
  index: number;
  uuid: string;
  utilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
}

/** What a running job uses now of what it was given. */
export interface JobUsage {
  /**
   * CPU time used since the previous reading (the first: since the job started), as a percentage
   * of the CPUs it was given: 100 is all of them busy; more when it uses more than its share.
   */
  cpuPercent: number;
  /** Memory in use, in bytes: its cgroup's less the file cache the kernel can drop, else the resident memory of its processes. */
  memoryBytes: number;
  /** The job's memory limit, or the memory jobs may use on its machine when it has none. */
  memoryLimitBytes: number;
  /** Its GPUs that give readings (stand-in GPUs give none). */
  gpus: GpuUsage[];
}

export interface Executor {
  readonly name: string;
  /** Nodes and their CPUs, memory and GPUs. */
  inventory(): Promise<NodeCapacity[]>;
  /** Starts the job; resolves once the process exists. `onExit` fires exactly once. */
  launch(req: LaunchRequest, onExit: ExitListener): Promise<ProcessHandle>;
  /** SIGTERM to the job's whole process group, SIGKILL after `graceMs`. Idempotent. */
  cancel(jobId: string, graceMs: number): Promise<void>;
  /**
   * After a server restart, for a job that was starting or running; `handle` is what the server
   * had stored, if anything (the executor's own record wins). If the process still runs (same
   * pid and start time) it is watched again and `onExit` fires when it ends: returns
   * `{ running }`. If it ended while the server was away, returns how (an ExitInfo, recorded or
   * "gone" when the record is missing), once nothing of it is left running. "not-started": no
   * process was ever made for it, and none will be.
   */
  reattach(req: LaunchRequest, handle: ProcessHandle | null, onExit: ExitListener): Promise<ReattachOutcome>;
  /**
   * What a running job uses now; null when this executor runs no such job (not yet, or no
   * longer). The CPU figure covers the time since the previous call, so one caller asks.
   */
  usage(jobId: string): Promise<JobUsage | null>;
  /** Stops watching (server shutdown) without touching the jobs themselves. */
  close(): Promise<void>;
}
