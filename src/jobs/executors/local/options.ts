import type { ContainerEngine } from "../../../environments/containers/engine.ts";
import type { InventoryOptions } from "./inventory.ts";
import type { JobUser } from "./job-user.ts";

// What a local executor is given, and what it found it can do on this machine.

export interface LocalExecutorOptions extends InventoryOptions {
  /** "auto" uses bubblewrap when installed and working, else runs unsandboxed with a warning. */
  sandbox?: "auto" | "bubblewrap" | "none";
  /** Plinth's data directory: never visible to sandboxed jobs (except each job's own workdir). */
  dataDir?: string;
  /** More host paths hidden from sandboxed jobs (the config file's directory, secrets…). */
  hiddenPaths?: string[];
  /** Host paths sandboxed jobs may read besides the system (a conda install, shared datasets). */
  readOnlyPaths?: string[];
  /** Sandboxed jobs reach the network unless this is false. */
  network?: boolean;
  /** "auto" prefers a memory cgroup per job and falls back to watching RSS. */
  memoryLimit?: "auto" | "cgroup" | "watch" | "none";
  memoryWatchIntervalMs?: number;
  /** Who jobs run as when this process is root (null: this process is not root, jobs run as its user); default: nobody when root. */
  jobUser?: JobUser | null;
  /** Most processes and threads one job may have at once (a pids cgroup); 0: no cap. */
  maxProcesses?: number;
  /** Disk one job may fill (its folder and its log); 0: no allowance of its own. */
  diskLimitBytes?: number;
  /** Free space kept on the disk that holds the data directory: below it, the job holding the most is stopped. */
  diskReserveBytes?: number;
  diskWatchIntervalMs?: number;
  /**
   * "process" (default) creates jobs from a small launcher process, so the cost of fork() does
   * not grow with the server's memory nor block its event loop; "inline" spawns from the server.
   */
  launcher?: "process" | "inline";
  /** How often to look for the end of jobs found running after a restart (not our children). */
  reattachPollMs?: number;
  logger?: { warn(msg: string): void };
  /** The container engine for jobs that name an image, or why there is none. */
  containers?: () => ContainerEngine | string;
}

export interface LocalExecutorFeatures {
  sandbox: "bubblewrap" | "none";
  /** Why the sandbox is off in "auto" mode, when bubblewrap is missing or fails. */
  sandboxUnavailable: string | null;
  memoryLimit: "cgroup-v1" | "cgroup-v2" | "watch" | "none";
  /** How a job's process count is capped. */
  processLimit: "cgroup" | "none";
  /** The user jobs run as, when it is not this process's own. */
  jobUser: string | null;
}
