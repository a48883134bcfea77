import { problems } from "../../../core/errors.ts";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Executor, ExitInfo, ExitListener, JobUsage, LaunchRequest, ProcessHandle, ReattachOutcome } from "../executor.ts";
import type { NodeCapacity } from "../../scheduler/types.ts";
import { lastLine } from "../../../environments/containers/engine.ts";
import { detectJobCgroups, type JobCgroups } from "./cgroups.ts";
import { containerEnvironment, containerName, envFileText, gpuDeviceArgs, podmanCreateArgs, removeCgroupParent, removeContainer } from "./container-job.ts";
import { prepare } from "./prepare.ts";
import { DiskWatcher } from "./disk-watch.ts";
import { detectInventory } from "./inventory.ts";
import type { LocalExecutorFeatures, LocalExecutorOptions } from "./options.ts";
import { inputMode, placeInputs } from "./inputs.ts";
import { jobEnvironment } from "./job-environment-variables.ts";
import { JobUsageReader } from "./job-usage.ts";
import { ensureJobUserCanReach, type JobUser, jobUserFor, resolveJobUser } from "./job-user.ts";
import { InlineLauncher, type Launcher, LauncherPool, ProcessLauncher, type SpawnEvent, type SpawnSpec } from "./launcher.ts";
import { decodeShellStatus, isBwrap, isRunning, listProcesses, readIfPresent, readStat, trySignal } from "./proc.ts";
import { resolveProgram } from "./resolve-program.ts";
import { RssWatcher } from "./rss-watcher.ts";
import { prepareWorkspaceSession } from "./workspace-session.ts";
import { bwrapArgs, findBwrap, isUnder, OUTSIDE_ENV, probeBubblewrap, type SandboxLayout, systemLayout, visibleInSandbox } from "./sandbox.ts";
import { STATE_FILES } from "./spawn-job.ts";
import { diskStop, readStatusRecord, startErrorInfo } from "./state-records.ts";
import { waitForPredecessors } from "./launcher-registry.ts";

export type { LocalExecutorFeatures, LocalExecutorOptions } from "./options.ts";

// Runs jobs as processes on this machine.
//
// A job is one process tree and nothing else: bwrap and the job inside it, or the job alone
// without a sandbox. A small launcher process (launcher-main.ts) creates it, as the job's
// unprivileged user, in its own session and process group, inside its cgroups (memory and
// process limits), and writes its exit status to the job's state dir the moment it ends, so
// the status survives a server restart. Nothing from the job's spec touches a process outside
// the sandbox: bwrap gets a fixed environment and "/" as its working directory, and the job's
// own environment is applied inside (sandbox.ts).

/** Held until it is in its cgroups (the launcher then writes a line to fd 3), then becomes the job. */
const UNSANDBOXED_GATE = 'read -r _ <&3; exec 3<&-; exec "$@"';
/** bwrap's status fd, after stdin, stdout, stderr and the gate (spawn-job.ts). */
const BWRAP_STATUS_FD = 4;

interface Job {
  req: LaunchRequest;
  pid: number;
  startTime: string;
  onExit: ExitListener;
  sandboxed: boolean;
  /** It runs in a podman container (the process is `podman start --attach`). */
  container: boolean;
  cgroup: boolean;
  oomKilled: boolean;
  cancelling: boolean;
  killed: boolean;
  timers: NodeJS.Timeout[];
  done: boolean;
  /** From the launcher's record, for jobs whose end was found by polling. */
  peak: number | null;
  /** Why Plinth stopped it, when it did (disk allowance). */
  stopped: ExitInfo["stopped"];
  /** A poll found it ended with no record yet. */
  missedRecord?: boolean;
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
  #cgroups: JobCgroups | null = null;
  #disk: DiskWatcher | null = null;
  #watcher: RssWatcher | null = null;
  #usage: JobUsageReader | null = null;
  #bwrap: string | null = null;
  #layout: SandboxLayout | null = null;
  #hidden: string[];
  readonly #jobUser: JobUser | null;
  #launcher: Launcher | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(opts: LocalExecutorOptions = {}) {
    this.#opts = opts;
    this.#log = opts.logger ?? { warn: (msg) => process.emitWarning(msg) };
    this.#jobUser = opts.jobUser === undefined ? jobUserFor("nobody") : opts.jobUser;
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
    const env = jobEnvironment(req, sandboxed, this.#jobUser !== null);
    // The job's environment, shared by jobs, is seen read-only where it lies.
    const environmentBinds = sandboxed ? [req.environment?.path, req.environment?.shims].filter((p) => p !== undefined).map((p) => ({ source: p, target: p })) : [];
    // In a sandbox the shell would search PATH among what the job can see, so do the same.
    const visible = sandboxed
      ? (path: string) => environmentBinds.some((b) => isUnder(path, b.target)) || visibleInSandbox(this.#layout!, { workdir: req.workdir, hiddenPaths: this.#hidden }, path)
      : undefined;
    let user: JobUser | null;
    try {
      user = this.#userFor(req);
    } catch (err) {
      return this.#failStart(req, { reason: "start_failed", message: (err as Error).message }, onExit);
    }
    if (req.image) return this.#launchContainer(req, user, onExit);
    let binds: Array<{ source: string; target: string }> = [...environmentBinds];
    if (req.inputs?.length) {
      try {
        const placed = await placeInputs(req, inputMode(sandboxed, user !== null));
        Object.assign(env, placed.env);
        binds = [...environmentBinds, ...placed.binds];
      } catch (err) {
        return this.#failStart(req, { reason: "input_unavailable", message: `Could not give the job its inputs: ${(err as Error).message}` }, onExit);
      }
    }
    let writable: Array<{ source: string; target: string }> = [];
    if (req.workspace) {
      try {
        const session = prepareWorkspaceSession(req, req.workspace, user, sandboxed);
        writable = session.writable;
        binds = [...binds, ...session.readOnly];
        Object.assign(env, session.env);
      } catch (err) {
        return this.#failStart(req, { reason: "start_failed", message: `Could not prepare the workspace's home folder: ${(err as Error).message}` }, onExit);
      }
    }
    const program = resolveProgram(req.argv[0] ?? "", env.PATH!, req.workdir, visible, user);
    if ("reason" in program) return this.#failStart(req, program, onExit);

    const spec: SpawnSpec = { file: "", args: [], env, cwd: req.workdir, log: req.logPath, stateDir: req.stateDir, gate: null, ...this.#preparation(req, user, true) };
    const argv = [program.path, ...req.argv.slice(1)];
    if (sandboxed) {
      // bwrap runs outside the sandbox: a fixed environment, a folder the job cannot write, and
      // its arguments (the job's environment among them) through the gate, never argv.
      // bwrap takes options, not the command, from fd 3; the job's command is no secret (ps shows it anyway).
      const options = this.#sandboxArgs(req, env, binds, writable).slice(0, -1);
      Object.assign(spec, { file: this.#bwrap!, args: ["--args", "3", "--", ...argv], env: { ...OUTSIDE_ENV }, cwd: "/", gate: options, bwrapStatus: true });
    } else if (spec.cgroupProcs) {
      Object.assign(spec, { file: "/bin/sh", args: ["-c", UNSANDBOXED_GATE, argv[0]!, ...argv], gate: [] });
    } else {
      Object.assign(spec, { file: argv[0]!, args: argv.slice(1) });
    }
    return this.#start(req, spec, onExit, { sandboxed, container: false });
  }

  /**
   * What the launcher prepares before the process starts: its folders (the job's handed to its
   * user), stale records of an earlier attempt cleared, its cgroups made and limited, and
   * whether the process joins them (`join`; a container joins below them instead).
   */
  #preparation(req: LaunchRequest, user: JobUser | null, join_: boolean): Pick<SpawnSpec, "prepare" | "cgroupProcs" | "cgroupResult" | "user"> {
    const stale = [STATE_FILES.process, STATE_FILES.exitStatus, STATE_FILES.bwrapStatus, STATE_FILES.startError, STATE_FILES.oomKilled];
    const out: Pick<SpawnSpec, "prepare" | "cgroupProcs" | "cgroupResult" | "user"> = { prepare: { dirs: [req.workdir, req.stateDir], remove: { dir: req.stateDir, files: stale }, writes: [] } };
    if (user) {
      out.user = { uid: user.uid, gid: user.gid };
      out.prepare!.own = { paths: [req.workdir], uid: user.uid, gid: user.gid };
      out.prepare!.modes = this.#foldersAbove(req.workdir).map((path) => ({ path, mode: 0o711 }));
    }
    const cgroups = this.#cgroups;
    if (cgroups) {
      const plan = cgroups.plan(req.jobId, { memoryBytes: req.memoryBytes, maxProcesses: this.#maxProcesses() });
      out.prepare!.dirs!.push(...plan.preparation.dirs);
      out.prepare!.writes!.push(...plan.preparation.writes);
      if (join_) out.cgroupProcs = plan.procs;
      const pidsBase = cgroups.bases.get("pids");
      out.cgroupResult = { version: cgroups.version, memoryDir: cgroups.memoryDir(req.jobId), pidsDir: pidsBase ? join(pidsBase, req.jobId) : null };
    }
    return out;
  }

  /** A job whose spec names an image: its container made, then `podman start --attach` launched as the job (container-job.ts). */
  async #launchContainer(req: LaunchRequest, user: JobUser | null, onExit: ExitListener): Promise<ProcessHandle> {
    const engine = this.#opts.containers?.() ?? "This server runs no containers.";
    if (typeof engine === "string") return this.#failStart(req, { reason: "start_failed", message: engine }, onExit);
    const env = containerEnvironment(req, req.gpus.map((g) => (g.fake ? String(g.index) : g.uuid)).join(","));
    let binds: Array<{ source: string; target: string }> = [];
    try {
      const placed = await placeInputs(req, "bind");
      Object.assign(env, placed.env);
      binds = placed.binds;
    } catch (err) {
      return this.#failStart(req, { reason: "input_unavailable", message: `Could not give the job its inputs: ${(err as Error).message}` }, onExit);
    }
    const { prepare: preparation, ...rest } = this.#preparation(req, user, false);
    const envFile = join(req.stateDir, "container.env");
    try {
      // The container is made here, so its folder and cgroup must exist first.
      prepare(preparation);
      writeFileSync(envFile, envFileText(env), { mode: 0o600 });
      const plan = { image: req.image!.id, argv: req.argv, workdir: resolve(req.workdir), envFile, user: rest.user ?? null, cpus: req.cpus, maxProcesses: this.#maxProcesses(), cgroupParent: this.#cgroups?.containerParent(req.jobId) ?? null, memoryBytes: req.memoryBytes, network: this.#opts.network ?? true, readOnlyBinds: binds, gpus: gpuDeviceArgs(req.gpus) };
      const created = await engine.run({ args: podmanCreateArgs(req.jobId, plan), timeoutMs: 120_000 });
      if (created.code !== 0) throw new Error(`podman could not create the job's container from ${req.image!.reference}: ${lastLine(created.stderr)}`);
    } catch (err) {
      this.#cgroups?.remove(req.jobId);
      return this.#failStart(req, { reason: "start_failed", message: (err as Error).message }, onExit);
    } finally {
      rmSync(envFile, { force: true });
    }
    const spec: SpawnSpec = { file: engine.program, args: ["start", "--attach", containerName(req.jobId)], env: engine.environment(), cwd: "/", log: req.logPath, stateDir: req.stateDir, gate: null, ...(rest.cgroupResult && { cgroupResult: rest.cgroupResult }) };
    return this.#start(req, spec, onExit, { sandboxed: false, container: true });
  }

  async #start(req: LaunchRequest, spec: SpawnSpec, onExit: ExitListener, kind: { sandboxed: boolean; container: boolean }): Promise<ProcessHandle> {
    const job: Job = { req, pid: 0, startTime: "0", onExit, ...kind, cgroup: this.#cgroups !== null, oomKilled: false, cancelling: false, killed: false, timers: [], done: false, peak: null, stopped: null };
    let started: { pid: number; startTime: string };
    try {
      started = await this.#launcher!.spawn(spec, (event) => this.#launcherEvent(job, event));
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
      this.#watch(job);
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

  async reattach(req: LaunchRequest, handle: ProcessHandle | null, onExit: ExitListener): Promise<ReattachOutcome> {
    const features = this.#features ?? (await this.ready());
    const startError = readIfPresent(join(req.stateDir, STATE_FILES.startError));
    if (startError) return startErrorInfo(JSON.parse(startError) as StartError);
    // The launcher's record is the truth; the server may have stopped before it stored the pid.
    const recorded = /^(\d+) (\d+)/.exec(readIfPresent(join(req.stateDir, STATE_FILES.process)) ?? "");
    const proc = recorded ? { pid: Number(recorded[1]), startTime: recorded[2]! } : handle;
    if (!proc || proc.pid === 0) return "not-started";
    if (isRunning(proc.pid, proc.startTime)) {
      const job: Job = {
        req,
        pid: proc.pid,
        startTime: proc.startTime,
        onExit,
        sandboxed: features.sandbox === "bubblewrap" && !req.image,
        container: req.image !== undefined,
        cgroup: this.#cgroups?.exists(req.jobId) ?? false,
        oomKilled: false,
        cancelling: false,
        killed: false,
        timers: [],
        done: false,
        peak: null,
        stopped: null,
      };
      this.#jobs.set(req.jobId, job);
      this.#watch(job);
      this.#poll(job);
      return { running: proc };
    }
    // The launcher writes the record just after it reaps the process: a job that ended this very
    // moment gets a short while more before it is called gone.
    let record = readStatusRecord(req.stateDir);
    if (!record) {
      await new Promise((r) => setTimeout(r, 100));
      record = readStatusRecord(req.stateDir);
    }
    // Whatever the job left behind goes before anyone may start it again.
    this.#killLeftovers(req.jobId, proc.pid, proc.startTime);
    if (req.image) await this.#removeContainer(req.jobId);
    if (this.#cgroups?.exists(req.jobId)) this.#cgroups.remove(req.jobId);
    if (!record) return "gone";
    return { ...record, startError: null };
  }

  async usage(jobId: string): Promise<JobUsage | null> {
    const job = this.#jobs.get(jobId);
    if (!job || job.done || job.pid === 0) return null;
    this.#usage ??= new JobUsageReader({ cgroups: this.#cgroups, nvidiaSmi: this.#opts.nvidiaSmi ?? "nvidia-smi", machineMemory: async () => (await this.inventory())[0]!.memoryBytes });
    const { req } = job;
    return this.#usage.read({ jobId, pgid: job.pid, startTime: job.startTime, cpus: req.cpus, memoryBytes: req.memoryBytes, gpus: req.gpus, cgroup: job.cgroup });
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
    this.#cgroups = await detectJobCgroups(memoryMode === "auto" || memoryMode === "cgroup" ? ["memory", "pids"] : ["pids"]);
    let memoryLimit: LocalExecutorFeatures["memoryLimit"] = "none";
    if (this.#cgroups?.has("memory")) memoryLimit = this.#cgroups.version === 1 ? "cgroup-v1" : "cgroup-v2";
    else if (memoryMode === "cgroup") {
      throw problems.cannotRunJobs(
        "executor.memoryLimit is 'cgroup', but no writable memory cgroup was found below this process's own.",
        "Run Plinth as root or as a systemd service with Delegate=yes, or set executor.memoryLimit to auto.",
      );
    }
    if (memoryLimit === "none" && memoryMode !== "none") {
      this.#watcher = new RssWatcher(this.#opts.memoryWatchIntervalMs ?? 250);
      memoryLimit = "watch";
    }
    const processLimit = this.#cgroups?.has("pids") && this.#maxProcesses() > 0 ? "cgroup" : "none";
    if (processLimit === "none" && this.#maxProcesses() > 0) {
      this.#log.warn("Jobs' process counts are not capped: no writable pids cgroup was found, so a fork bomb in a job can exhaust this machine's processes.");
    }
    const reserve = this.#opts.diskReserveBytes ?? 0;
    if (this.#opts.dataDir && ((this.#opts.diskLimitBytes ?? 0) > 0 || reserve > 0)) {
      this.#disk = new DiskWatcher({ dataDir: this.#opts.dataDir, reserveBytes: reserve, intervalMs: this.#opts.diskWatchIntervalMs ?? 2000 });
    }

    const user = this.#jobUser;
    const sandboxMode = this.#opts.sandbox ?? "auto";
    let sandboxUnavailable: string | null = null;
    if (sandboxMode !== "none") {
      this.#bwrap = findBwrap();
      this.#layout = systemLayout(this.#opts.readOnlyPaths);
      const probe = this.#bwrap ? await probeBubblewrap(this.#bwrap, this.#layout, user) : { ok: false as const, error: "bwrap is not installed" };
      if (!probe.ok) {
        sandboxUnavailable = probe.error;
        if (sandboxMode === "bubblewrap") {
          throw problems.cannotRunJobs(
            `executor.sandbox is 'bubblewrap', but it cannot run here: ${probe.error}`,
            "Install bubblewrap (apt install bubblewrap) and allow user namespaces, or set executor.sandbox to auto to run jobs without it.",
          );
        }
        this.#log.warn(`Jobs run without a sandbox (${probe.error}); install bubblewrap to keep them away from Plinth's data and each other.`);
        this.#bwrap = null;
      }
    }
    if (user && this.#opts.dataDir) await ensureJobUserCanReach(this.#opts.dataDir, user);
    const registry = this.#opts.dataDir ? join(this.#opts.dataDir, "launchers") : null;
    if (registry) {
      mkdirSync(registry, { recursive: true, mode: 0o700 });
      await waitForPredecessors(registry, (msg) => this.#log.warn(msg));
    }
    if ((this.#opts.launcher ?? "process") === "process") {
      // One launcher per core, two at most: more would only wait for the same cores.
      const count = Math.max(1, Math.min(2, availableParallelism()));
      const launcher = new LauncherPool(Array.from({ length: count }, () => new ProcessLauncher((msg) => this.#log.warn(msg), registry)));
      launcher.warm();
      this.#launcher = launcher;
    } else {
      this.#launcher = new InlineLauncher();
    }
    return { sandbox: this.#bwrap ? "bubblewrap" : "none", sandboxUnavailable, memoryLimit, processLimit, jobUser: user?.name ?? null };
  }

  /** The folders between the data directory and a job's folder, which its user must be able to pass. */
  #foldersAbove(workdir: string): string[] {
    const top = this.#opts.dataDir ? resolve(this.#opts.dataDir) : null;
    const out: string[] = [];
    for (let dir = dirname(resolve(workdir)); top !== null && dir.startsWith(`${top}/`); dir = dirname(dir)) out.push(dir);
    return out;
  }

  #maxProcesses(): number {
    return this.#opts.maxProcesses ?? 4096;
  }


  #sandboxArgs(req: LaunchRequest, env: Record<string, string>, readOnlyBinds: Array<{ source: string; target: string }>, writableBinds: Array<{ source: string; target: string }> = []): string[] {
    return bwrapArgs(
      this.#layout!,
      {
        workdir: resolve(req.workdir),
        env,
        hiddenPaths: this.#hidden,
        gpuIndices: req.gpus.filter((g) => !g.fake).map((g) => g.index),
        network: this.#opts.network ?? true,
        readOnlyBinds,
        writableBinds,
      },
      BWRAP_STATUS_FD,
    );
  }

  /**
   * Who the job runs as: the Unix account a Keeper mapped its owner to, or the default job
   * user. Only a server running as root can switch; otherwise jobs run as the server's user.
   */
  #userFor(req: LaunchRequest): JobUser | null {
    if (!this.#jobUser || req.runAs === undefined) return this.#jobUser;
    try {
      return resolveJobUser(req.runAs);
    } catch {
      throw new Error(
        `The job's owner is mapped to the Unix account '${req.runAs}', which this machine does not have or which is root; jobs never run as root. A Keeper fixes the mapping with \`plinth users set NAME --unix-user ACCOUNT\`.`,
      );
    }
  }

  #failStart(req: LaunchRequest, error: StartError, onExit: ExitListener): ProcessHandle {
    // Recorded so a restart before the service stores the outcome still finds it.
    try {
      mkdirSync(req.stateDir, { recursive: true });
      writeFileSync(join(req.stateDir, STATE_FILES.startError), JSON.stringify(error));
      writeFileSync(req.logPath, `plinth: ${error.message}\n`, { flag: "a" });
    } catch {
      // the outcome still reaches onExit
    }
    setImmediate(() => onExit(startErrorInfo(error)));
    return { pid: 0, startTime: "0" };
  }

  #watch(job: Job): void {
    if (this.#watcher && job.req.memoryBytes > 0) {
      this.#watcher.watch(job.pid, job.req.memoryBytes, () => {
        job.oomKilled = true;
        this.#record(job, STATE_FILES.oomKilled, "");
        this.#kill(job);
      });
    }
    this.#disk?.watch(job.req.jobId, [job.req.workdir, job.req.logPath], this.#opts.diskLimitBytes ?? 0, (verdict) => {
      job.stopped = diskStop(verdict);
      this.#record(job, STATE_FILES.stopped, JSON.stringify(job.stopped));
      this.#kill(job);
    });
  }

  /** Writes down why Plinth stopped a job, so a restarted server still tells it. */
  #record(job: Job, file: string, content: string): void {
    try {
      writeFileSync(join(job.req.stateDir, file), content);
    } catch {
      // reported live regardless
    }
  }

  /** Every process of the job: its process group, plus its cgroup (which also holds any that called setsid). */
  #members(jobId: string, pgid: number): number[] {
    const pids = new Set(listProcesses().filter((p) => p.pgrp === pgid).map((p) => p.pid));
    if (this.#cgroups) for (const pid of this.#cgroups.pids(jobId)) pids.add(pid);
    return [...pids];
  }

  #terminate(job: Job, attempt = 0): void {
    if (job.done || job.killed) return;
    // bwrap itself dies on SIGTERM, which would record an exit while the job is still cleaning
    // up, so a sandboxed job's own processes get the signal, not bwrap; while bwrap is still
    // setting up there are none yet, so try again shortly.
    if (!job.sandboxed) {
      trySignal(-job.pid, "SIGTERM");
      return;
    }
    const targets = this.#members(job.req.jobId, job.pid).filter((pid) => !isBwrap(pid));
    if (targets.length === 0) {
      job.timers.push(setTimeout(() => this.#terminate(job, attempt + 1), Math.min(1000, 20 * 2 ** attempt)));
      return;
    }
    for (const pid of targets) trySignal(pid, "SIGTERM");
  }

  /** SIGKILL to all of the job; a sandboxed job's bwrap then exits by itself and its status is recorded. */
  #kill(job: Job): void {
    if (job.done) return;
    job.killed = true;
    for (const pid of this.#members(job.req.jobId, job.pid)) if (!(job.sandboxed && isBwrap(pid))) trySignal(pid, "SIGKILL");
    const last = setTimeout(() => {
      if (!job.done) trySignal(-job.pid, "SIGKILL");
    }, 2000);
    last.unref();
    job.timers.push(last);
  }

  /**
   * SIGKILL to what is left of an ended job, until nothing is: its next attempt may start only
   * then. Its process group counts only while no other process has taken the leader's pid (the
   * kernel hands out no pid still in use as a group id, so then the group is the job's).
   */
  #killLeftovers(jobId: string, pgid: number, startTime: string): void {
    const reused = readStat(pgid) !== null && readStat(pgid)!.startTime !== startTime;
    for (let round = 0; round < 50; round++) {
      const left = reused ? (this.#cgroups?.pids(jobId) ?? []) : this.#members(jobId, pgid);
      if (left.length === 0) return;
      for (const pid of left) trySignal(pid, "SIGKILL");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
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
      const record = readStatusRecord(job.req.stateDir);
      // The launcher writes the record right after it reaps the process: give it one more poll.
      if (!record && !job.missedRecord) {
        job.missedRecord = true;
        continue;
      }
      // Still none: the launcher went before the job ended, so how it ended is unknown (lost).
      const status = record ?? { exitCode: null, signal: null, outOfMemory: job.oomKilled, peakMemoryBytes: null, forkRefusals: 0, stopped: null };
      job.oomKilled ||= status.outOfMemory;
      job.peak = status.peakMemoryBytes;
      job.stopped ??= status.stopped ?? null;
      this.#finish(job, status);
    }
  }

  #finish(job: Job, status: { exitCode: number | null; signal: string | null; forkRefusals?: number }): void {
    if (job.done || this.#closed) return;
    job.done = true;
    for (const t of job.timers) clearTimeout(t);
    this.#jobs.delete(job.req.jobId);
    this.#reattached.delete(job);
    if (this.#reattached.size === 0 && this.#pollTimer) {
      clearInterval(this.#pollTimer);
      this.#pollTimer = null;
    }
    this.#disk?.unwatch(job.req.jobId);
    this.#usage?.forget(job.req.jobId);
    // Whatever the job left running in its group ends with it.
    trySignal(-job.pid, "SIGKILL");
    let outOfMemory = job.oomKilled;
    let peak = job.peak;
    let forkRefusals = status.forkRefusals ?? 0;
    if (job.cgroup) {
      const id = job.req.jobId;
      for (const pid of this.#cgroups!.pids(id)) trySignal(pid, "SIGKILL");
      const r = this.#cgroups!.result(id);
      outOfMemory ||= r.oomKills > 0;
      peak = r.peakBytes ?? peak;
      forkRefusals = Math.max(forkRefusals, r.forkRefusals);
      if (!job.container) this.#removeCgroup(id, 20);
    }
    if (job.container) {
      // The kernel counts a container's OOM kill in the container's own cgroup, which podman
      // removes as it ends: killed with its memory at the limit, by nobody else, is that.
      const limit = job.req.memoryBytes;
      outOfMemory ||= !job.killed && !job.cancelling && status.signal === "SIGKILL" && limit > 0 && peak !== null && peak >= limit * 0.95;
      this.#removeContainer(job.req.jobId).then(() => job.cgroup && this.#removeCgroup(job.req.jobId, 20));
    }
    if (this.#watcher) peak = this.#watcher.unwatch(job.pid) ?? peak;
    job.onExit({ exitCode: status.exitCode, signal: status.signal, outOfMemory, startError: null, peakMemoryBytes: peak, forkRefusals, stopped: job.stopped });
  }

  /** The ended job's container, and the cgroups podman made for it in every hierarchy. */
  async #removeContainer(jobId: string): Promise<void> {
    const engine = this.#opts.containers?.();
    if (!engine || typeof engine === "string") return;
    try {
      await removeContainer(engine, jobId);
    } catch (err) {
      this.#log.warn(`Could not remove the container of job ${jobId}: ${(err as Error).message}`);
    }
    const parent = this.#cgroups?.containerParent(jobId);
    if (parent) removeCgroupParent(parent);
  }

  #removeCgroup(jobId: string, triesLeft: number): void {
    if (this.#cgroups!.remove(jobId) || triesLeft === 0) return;
    setTimeout(() => this.#removeCgroup(jobId, triesLeft - 1), 100).unref();
  }
}
