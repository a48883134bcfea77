import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Executor, ExitInfo, ExitListener, LaunchRequest, ProcessHandle } from "../executor.ts";
import type { NodeCapacity } from "../../scheduler/types.ts";
import { detectInventory, type InventoryOptions } from "./inventory.ts";
import { InlineLauncher, type Launcher, ProcessLauncher, type SpawnEvent } from "./launcher.ts";
import { detectMemoryCgroups, type MemoryCgroups, RssWatcher } from "./memory.ts";
import type { Preparation } from "./prepare.ts";
import { decodeShellStatus, isRunning, listProcesses } from "./proc.ts";
import { bwrapArgs, findBwrap, probeBubblewrap, type SandboxLayout, systemLayout, visibleInSandbox } from "./sandbox.ts";

// Runs jobs as processes on this machine.
//
// Each job runs under a small /bin/sh supervisor that stays outside the sandbox, joins the
// job's memory cgroup, waits for the job and writes its exit status to the job's state dir, so
// the status survives a server restart. The supervisor traps TERM/INT/HUP with a handler (not
// an ignore, which the job would inherit) so a cancel reaches the job with default signal
// dispositions while the supervisor lives on to record the result. Jobs get their own session
// and process group (detached), write their output straight into the log file, and are
// created by a small launcher process (launcher.ts) rather than by the server itself.

const SUPERVISOR = [
  "trap : TERM INT HUP",
  '_plinth_cg=$1; shift; [ -z "$_plinth_cg" ] || echo $$ > "$_plinth_cg/cgroup.procs"',
  '"$@"; s=$?; o=0; p=',
  // Read the cgroup's OOM-kill count and peak while it exists, so the record is complete
  // even if the cgroup is gone by the time a restarted server reads it. Builtins only: no forks.
  'if [ -n "$_plinth_cg" ]; then for f in "$_plinth_cg/memory.oom_control" "$_plinth_cg/memory.events"; do [ -r "$f" ] && while read -r k v; do [ "$k" = oom_kill ] && o=$v; done < "$f"; done',
  'for f in "$_plinth_cg/memory.max_usage_in_bytes" "$_plinth_cg/memory.peak"; do [ -r "$f" ] && read -r p < "$f"; done; fi',
  'echo $s $o $p > "$0"; exit $s',
].join("\n");
const STATUS_FILE = "exit-status";
const START_ERROR_FILE = "start-error.json";
const OOM_FILE = "oom-killed";
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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
  /**
   * "process" (default) creates jobs from a small launcher process, so the cost of fork() does
   * not grow with the server's memory nor block its event loop; "inline" spawns from the server.
   */
  launcher?: "process" | "inline";
  /** How often to look for the end of jobs found running after a restart (not our children). */
  reattachPollMs?: number;
  logger?: { warn(msg: string): void };
}

export interface LocalExecutorFeatures {
  sandbox: "bubblewrap" | "none";
  /** Why the sandbox is off in "auto" mode, when bubblewrap is missing or fails. */
  sandboxUnavailable: string | null;
  memoryLimit: "cgroup-v1" | "cgroup-v2" | "watch" | "none";
}

interface Job {
  req: LaunchRequest;
  pid: number;
  startTime: string;
  onExit: ExitListener;
  sandboxed: boolean;
  cgroup: boolean;
  oomKilled: boolean;
  cancelling: boolean;
  killed: boolean;
  timers: NodeJS.Timeout[];
  done: boolean;
  /** From the supervisor's record, for jobs whose end was found by polling. */
  peak: number | null;
}

type StartError = NonNullable<ExitInfo["startError"]>;

export class LocalExecutor implements Executor {
  readonly name = "local";
  readonly #opts: LocalExecutorOptions;
  readonly #jobs = new Map<string, Job>();
  readonly #reattached = new Set<Job>();
  readonly #log: { warn(msg: string): void };
  #ready: Promise<LocalExecutorFeatures> | null = null;
  #features: LocalExecutorFeatures | null = null;
  #inventory: Promise<NodeCapacity> | null = null;
  #cgroups: MemoryCgroups | null = null;
  #watcher: RssWatcher | null = null;
  #bwrap: string | null = null;
  #layout: SandboxLayout | null = null;
  #hidden: string[];
  #launcher: Launcher | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(opts: LocalExecutorOptions = {}) {
    this.#opts = opts;
    this.#log = opts.logger ?? { warn: (msg) => process.emitWarning(msg) };
    this.#hidden = [...(opts.dataDir ? [opts.dataDir] : []), ...(opts.hiddenPaths ?? [])].map((p) => resolve(p));
  }

  /** Detects the sandbox and memory limiting once; launch waits for it on first use. */
  ready(): Promise<LocalExecutorFeatures> {
    this.#ready ??= this.#detect().then((f) => {
      this.#features = f;
      return f;
    });
    return this.#ready;
  }

  async inventory(): Promise<NodeCapacity[]> {
    this.#inventory ??= detectInventory(this.#opts);
    return [await this.#inventory];
  }

  async launch(req: LaunchRequest, onExit: ExitListener): Promise<ProcessHandle> {
    const features = this.#features ?? (await this.ready());
    const sandboxed = features.sandbox === "bubblewrap";
    const env = this.#env(req, sandboxed);
    // In a sandbox the shell would search PATH among what the job can see, so do the same.
    const visible = sandboxed ? (path: string) => visibleInSandbox(this.#layout!, { workdir: req.workdir, hiddenPaths: this.#hidden }, path) : undefined;
    const program = resolveProgram(req.argv[0] ?? "", env.PATH!, req.workdir, visible);
    if ("reason" in program) return this.#failStart(req, program, onExit);

    // The launcher makes the directories and the cgroup; a state dir that already existed may
    // hold a previous attempt's records.
    const preparation: Required<Preparation> = { dirs: [req.workdir, req.stateDir], remove: [STATUS_FILE, OOM_FILE].map((f) => join(req.stateDir, f)), writes: [] };
    let cgroupDir = "";
    if (this.#cgroups && req.memoryBytes > 0) {
      const plan = this.#cgroups.plan(req.jobId, req.memoryBytes);
      cgroupDir = plan.dir;
      preparation.dirs.push(...plan.preparation.dirs!);
      preparation.writes.push(...plan.preparation.writes!);
    }

    const argv = [program.path, ...req.argv.slice(1)];
    const inner = sandboxed ? [this.#bwrap!, ...this.#sandboxArgs(req), ...argv] : argv;
    const job: Job = { req, pid: 0, startTime: "0", onExit, sandboxed, cgroup: cgroupDir !== "", oomKilled: false, cancelling: false, killed: false, timers: [], done: false, peak: null };
    let started: { pid: number; startTime: string };
    try {
      started = await this.#launcher!.spawn(
        { file: "/bin/sh", args: ["-c", SUPERVISOR, join(req.stateDir, STATUS_FILE), cgroupDir, ...inner], cwd: req.workdir, env, log: req.logPath, prepare: preparation },
        (event) => this.#launcherEvent(job, event),
      );
    } catch (err) {
      if (job.cgroup) this.#cgroups!.remove(req.jobId);
      // spawn() reports a missing cwd as if the program were missing.
      const message = existsSync(req.workdir) ? (err as Error).message : `the job's working directory ${req.workdir} does not exist`;
      return this.#failStart(req, { reason: "start_failed", message }, onExit);
    }
    job.pid = started.pid;
    job.startTime = started.startTime;
    // A quick job may already have ended and been reported.
    if (!job.done) {
      this.#jobs.set(req.jobId, job);
      this.#watchMemory(job);
    }
    return started;
  }

  async cancel(jobId: string, graceMs: number): Promise<void> {
    // A launch waiting for detection registers its job first (promise continuations run in order).
    if (!this.#features) await this.ready();
    const job = this.#jobs.get(jobId);
    if (!job || job.done || job.cancelling) return;
    job.cancelling = true;
    this.#terminate(job);
    job.timers.push(setTimeout(() => this.#kill(job), graceMs));
  }

  async reattach(req: LaunchRequest, handle: ProcessHandle, onExit: ExitListener): Promise<"running" | "gone" | ExitInfo> {
    const features = this.#features ?? (await this.ready());
    if (handle.pid === 0) {
      const text = readIfPresent(join(req.stateDir, START_ERROR_FILE));
      return text ? startErrorInfo(JSON.parse(text) as StartError) : "gone";
    }
    if (isRunning(handle.pid, handle.startTime)) {
      const job: Job = {
        req,
        pid: handle.pid,
        startTime: handle.startTime,
        onExit,
        sandboxed: features.sandbox === "bubblewrap",
        cgroup: this.#cgroups?.exists(req.jobId) ?? false,
        oomKilled: false,
        cancelling: false,
        killed: false,
        timers: [],
        done: false,
        peak: null,
      };
      this.#jobs.set(req.jobId, job);
      this.#watchMemory(job);
      this.#poll(job);
      return "running";
    }
    const record = readStatusRecord(req.stateDir);
    if (this.#cgroups?.exists(req.jobId)) this.#cgroups.remove(req.jobId);
    if (!record) return "gone";
    return { ...record, startError: null };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = null;
    this.#watcher?.stop();
    this.#launcher?.close();
    for (const job of this.#jobs.values()) for (const t of job.timers) clearTimeout(t);
    this.#jobs.clear();
    this.#reattached.clear();
  }

  async #detect(): Promise<LocalExecutorFeatures> {
    const memoryMode = this.#opts.memoryLimit ?? "auto";
    let memoryLimit: LocalExecutorFeatures["memoryLimit"] = "none";
    if (memoryMode === "auto" || memoryMode === "cgroup") {
      this.#cgroups = await detectMemoryCgroups();
      if (this.#cgroups) memoryLimit = this.#cgroups.version === 1 ? "cgroup-v1" : "cgroup-v2";
      else if (memoryMode === "cgroup") throw new Error("memoryLimit is 'cgroup' but no writable memory cgroup was found below this process's own");
    }
    if (memoryLimit === "none" && memoryMode !== "none") {
      this.#watcher = new RssWatcher(this.#opts.memoryWatchIntervalMs ?? 250);
      memoryLimit = "watch";
    }

    const sandboxMode = this.#opts.sandbox ?? "auto";
    let sandboxUnavailable: string | null = null;
    if (sandboxMode !== "none") {
      this.#bwrap = findBwrap();
      this.#layout = systemLayout(this.#opts.readOnlyPaths);
      const probe = this.#bwrap ? await probeBubblewrap(this.#bwrap, this.#layout) : { ok: false as const, error: "bwrap is not installed" };
      if (!probe.ok) {
        sandboxUnavailable = probe.error;
        if (sandboxMode === "bubblewrap") throw new Error(`sandbox is 'bubblewrap' but it cannot run here: ${probe.error}`);
        this.#log.warn(`Jobs run without a sandbox (${probe.error}); install bubblewrap to keep them away from Plinth's data and each other.`);
        this.#bwrap = null;
      }
    }
    if ((this.#opts.launcher ?? "process") === "process") {
      const launcher = new ProcessLauncher((msg) => this.#log.warn(msg));
      launcher.warm();
      this.#launcher = launcher;
    } else {
      this.#launcher = new InlineLauncher();
    }
    return { sandbox: this.#bwrap ? "bubblewrap" : "none", sandboxUnavailable, memoryLimit };
  }

  #env(req: LaunchRequest, sandboxed: boolean): Record<string, string> {
    // Real GPUs in a sandbox are named by UUID: with only some /dev/nvidia* present the driver
    // may renumber what the job sees, and a UUID means the same GPU either way.
    const gpus = req.gpus.map((g) => (sandboxed && !g.fake ? g.uuid : String(g.index))).join(",");
    const env: Record<string, string> = {
      PATH: process.env.PATH || DEFAULT_PATH,
      HOME: sandboxed ? req.workdir : (process.env.HOME ?? req.workdir),
      LANG: process.env.LANG || "C.UTF-8",
      CUDA_DEVICE_ORDER: "PCI_BUS_ID",
      ...req.env,
      PLINTH_JOB_ID: req.jobId,
      CUDA_VISIBLE_DEVICES: gpus,
      NVIDIA_VISIBLE_DEVICES: gpus,
    };
    // The supervisor's own variable: one that came with the request would be exported to the job.
    delete env._plinth_cg;
    return env;
  }

  #sandboxArgs(req: LaunchRequest): string[] {
    return bwrapArgs(this.#layout!, {
      workdir: resolve(req.workdir),
      hiddenPaths: this.#hidden,
      gpuIndices: req.gpus.filter((g) => !g.fake).map((g) => g.index),
      network: this.#opts.network ?? true,
    });
  }

  #failStart(req: LaunchRequest, error: StartError, onExit: ExitListener): ProcessHandle {
    // Recorded so a restart before the service stores the outcome still finds it; pid 0 marks it.
    try {
      mkdirSync(req.stateDir, { recursive: true });
      writeFileSync(join(req.stateDir, START_ERROR_FILE), JSON.stringify(error));
      writeFileSync(req.logPath, `plinth: ${error.message}\n`, { flag: "a" });
    } catch {
      // the outcome still reaches onExit
    }
    setImmediate(() => onExit(startErrorInfo(error)));
    return { pid: 0, startTime: "0" };
  }

  #watchMemory(job: Job): void {
    if (!this.#watcher || job.req.memoryBytes <= 0) return;
    this.#watcher.watch(job.pid, job.req.memoryBytes, () => {
      job.oomKilled = true;
      try {
        writeFileSync(join(job.req.stateDir, OOM_FILE), "");
      } catch {
        // reported live regardless
      }
      this.#kill(job);
    });
  }

  /** Every process of the job: its process group, plus its cgroup (which also holds any that called setsid). */
  #members(job: Job): number[] {
    const pids = new Set(listProcesses().filter((p) => p.pgrp === job.pid).map((p) => p.pid));
    if (job.cgroup) for (const pid of this.#cgroups!.pids(job.req.jobId)) pids.add(pid);
    return [...pids];
  }

  #terminate(job: Job, attempt = 0): void {
    if (job.done || job.killed) return;
    // Signal only once the job's process has exec'd: between fork and exec the child still runs
    // the supervisor's trap handler, which would swallow the signal. It shows as the same
    // cmdline as the supervisor. bwrap itself dies on SIGTERM, which would let the supervisor
    // record an exit while the job is still cleaning up, so a sandboxed job's own processes
    // get the signal, not bwrap.
    const supervisor = readIfPresent(`/proc/${job.pid}/cmdline`);
    const targets = this.#members(job).filter((pid) => {
      if (pid === job.pid) return false;
      const cmdline = readIfPresent(`/proc/${pid}/cmdline`);
      return cmdline !== null && cmdline !== supervisor && !(job.sandboxed && isBwrap(pid));
    });
    if (targets.length === 0) {
      job.timers.push(setTimeout(() => this.#terminate(job, attempt + 1), Math.min(1000, 20 * 2 ** attempt)));
      return;
    }
    if (job.sandboxed) for (const pid of targets) trySignal(pid, "SIGTERM");
    else trySignal(-job.pid, "SIGTERM");
  }

  /** SIGKILL to all of the job but its supervisor, which then records the kill; the supervisor too if it lingers. */
  #kill(job: Job): void {
    if (job.done) return;
    job.killed = true;
    for (const pid of this.#members(job)) if (pid !== job.pid) trySignal(pid, "SIGKILL");
    const last = setTimeout(() => {
      if (!job.done) trySignal(-job.pid, "SIGKILL");
    }, 2000);
    last.unref();
    job.timers.push(last);
  }

  #launcherEvent(job: Job, event: SpawnEvent): void {
    job.pid = event.pid;
    if ("lost" in event) {
      // The launcher died: watch the job like one found after a restart.
      if (!job.done && !this.#closed) this.#poll(job);
      return;
    }
    this.#finish(job, event.signal ? { exitCode: null, signal: event.signal } : decodeShellStatus(event.code ?? 0));
  }

  #poll(job: Job): void {
    this.#reattached.add(job);
    this.#pollTimer ??= setInterval(() => this.#pollReattached(), this.#opts.reattachPollMs ?? 1000);
  }

  #pollReattached(): void {
    for (const job of this.#reattached) {
      if (isRunning(job.pid, job.startTime)) continue;
      // No record means the supervisor itself was killed, which only SIGKILL does.
      const record = readStatusRecord(job.req.stateDir) ?? { exitCode: null, signal: "SIGKILL", outOfMemory: job.oomKilled, peakMemoryBytes: null };
      job.oomKilled ||= record.outOfMemory;
      job.peak = record.peakMemoryBytes;
      this.#finish(job, record);
    }
  }

  #finish(job: Job, status: { exitCode: number | null; signal: string | null }): void {
    if (job.done || this.#closed) return;
    job.done = true;
    for (const t of job.timers) clearTimeout(t);
    this.#jobs.delete(job.req.jobId);
    this.#reattached.delete(job);
    if (this.#reattached.size === 0 && this.#pollTimer) {
      clearInterval(this.#pollTimer);
      this.#pollTimer = null;
    }
    // Whatever the job left running in its group ends with it.
    trySignal(-job.pid, "SIGKILL");
    let outOfMemory = job.oomKilled;
    let peak = job.peak;
    if (job.cgroup) {
      const id = job.req.jobId;
      for (const pid of this.#cgroups!.pids(id)) trySignal(pid, "SIGKILL");
      const r = this.#cgroups!.result(id);
      outOfMemory ||= r.oomKilled;
      peak = r.peakBytes ?? peak;
      this.#removeCgroup(id, 20);
    } else if (this.#watcher) {
      peak = this.#watcher.unwatch(job.pid) ?? peak;
    }
    job.onExit({ ...status, outOfMemory, startError: null, peakMemoryBytes: peak });
  }

  #removeCgroup(jobId: string, triesLeft: number): void {
    if (this.#cgroups!.remove(jobId) || triesLeft === 0) return;
    setTimeout(() => this.#removeCgroup(jobId, triesLeft - 1), 100).unref();
  }
}

/**
 * Resolves argv[0] as the shell would, to report a missing or non-executable program before
 * launch. `visible` narrows the search to what a sandboxed job can see.
 */
export function resolveProgram(program: string, pathEnv: string, cwd: string, visible?: (path: string) => boolean): { path: string } | StartError {
  if (program === "") return { reason: "command_not_found", message: "empty command" };
  const hiddenHint = (path: string) => `${program}: only found at ${path}, which sandboxed jobs cannot see; a keeper can add its directory to executor.readOnlyPaths in plinth.yaml`;
  if (program.includes("/")) {
    const path = resolve(cwd, program);
    const kind = fileKind(path);
    if (kind !== "missing" && visible && !visible(path)) return { reason: "command_not_found", message: hiddenHint(path) };
    if (kind === "executable") return { path };
    if (kind === "missing") return { reason: "command_not_found", message: `${program}: no such file` };
    return { reason: "permission_denied", message: `${program}: ${kind === "directory" ? "is a directory" : "permission denied (not executable)"}` };
  }
  let denied: string | null = null;
  let hidden: string | null = null;
  for (const dir of pathEnv.split(":")) {
    const path = resolve(cwd, dir || ".", program);
    const kind = fileKind(path);
    if (kind === "missing" || kind === "directory") continue;
    if (visible && !visible(path)) hidden ??= path;
    else if (kind === "executable") return { path };
    else denied ??= path;
  }
  if (denied) return { reason: "permission_denied", message: `${program}: ${denied} is not executable` };
  if (hidden) return { reason: "command_not_found", message: hiddenHint(hidden) };
  return { reason: "command_not_found", message: `${program}: command not found (PATH=${pathEnv})` };
}

function fileKind(path: string): "executable" | "not-executable" | "directory" | "missing" {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    return "missing";
  }
  if (!st) return "missing";
  if (st.isDirectory()) return "directory";
  try {
    accessSync(path, constants.X_OK);
    return "executable";
  } catch {
    return "not-executable";
  }
}

/** The supervisor's record: "<status> <oom kills> <peak bytes>", the last two when a cgroup was used. */
function readStatusRecord(stateDir: string): Omit<ExitInfo, "startError"> | null {
  const m = /^(\d+)(?: (\d+))?(?: (\d+))?\s*$/.exec(readIfPresent(join(stateDir, STATUS_FILE)) ?? "");
  if (!m) return null;
  return {
    ...decodeShellStatus(Number(m[1])),
    outOfMemory: Number(m[2] ?? 0) > 0 || existsSync(join(stateDir, OOM_FILE)),
    peakMemoryBytes: m[3] ? Number(m[3]) : null,
  };
}

function startErrorInfo(error: StartError): ExitInfo {
  return { exitCode: null, signal: null, outOfMemory: false, startError: error, peakMemoryBytes: null };
}

function isBwrap(pid: number): boolean {
  return readIfPresent(`/proc/${pid}/comm`)?.trim() === "bwrap";
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  // 0 and ±1 mean "our own group" and "every process" to kill(2): never what is meant here.
  if (Math.abs(pid) <= 1) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function readIfPresent(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

