import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tailOfFile } from "../../../core/file-tail.ts";
import type { Engine, EngineEnd, EngineJob, EngineJobPaths, EngineNode, EngineWatcher } from "../engine.ts";
import { batchScript, SLURM_FILES, type SlurmJobPlan, type SlurmSettings, sbatchArgs, slurmJobName, variablesFile } from "./batch-script.ts";
import { nodeUsable, parseSinfo, SINFO_ARGS } from "./inventory.ts";
import { LogMirror } from "./log-mirror.ts";
import type { SlurmCommands } from "./slurm-commands.ts";
import { phaseOf } from "./states.ts";

// Jobs on a Slurm cluster: each is written into the shared folder (its work folder, its log,
// and a private state folder with its batch script and variables) and handed to sbatch; Slurm
// schedules and runs it. One poll of squeue for all of them follows their states: the cost is
// in proportion to the jobs Slurm still knows of this user's (live ones, and those ended within
// MinJobAge), never to all jobs ever submitted. A job Slurm no longer lists has ended: how is
// read from the exit status its script wrote. After a restart of Plinth, jobs are picked up again
// from the Slurm id kept in their state folder; while slurmctld is down, polls fail and nothing
// is concluded.

export interface SlurmEngineOptions {
  commands: SlurmCommands;
  /** A folder the compute nodes see at the same path: jobs live in sharedDir/jobs/<id>. */
  sharedDir: string;
  settings: SlurmSettings;
  /** GPU models as specs name them → the cluster's gres types. */
  gpuTypes?: Record<string, string>;
  pollIntervalMs?: number;
  /** The user whose jobs squeue lists (Plinth's own account on the cluster). */
  user: string;
  /**
   * Where Plinth keeps a job's log on its own disk: the shared log is copied there as it grows
   * (see log-mirror.ts). Unset: Plinth reads the shared log itself (tests of the engine alone).
   */
  logPathOf?: (jobId: string) => string;
}

export interface SlurmJobPaths extends EngineJobPaths {
  /** Its private folder on the shared file system: the script, the variables, the exit status. */
  stateDir: string;
  /** The log Slurm writes, on the shared file system. */
  sharedLogPath: string;
}

/** The job's log in its shared folder. */
const SHARED_LOG = "output.log";

interface Tracked {
  jobId: string;
  slurmId: string;
  watcher: EngineWatcher;
  gpus: number;
  said: string;
}

interface SqueueRow {
  state: string;
  reason: string;
  nodes: string;
  partition: string;
  name: string;
}

/** squeue's format: id, state, reason, nodes, partition, name. */
const SQUEUE_FORMAT = "%i|%T|%r|%N|%P|%j";

export class SlurmEngine implements Engine {
  readonly kind = "slurm";
  readonly #o: SlurmEngineOptions;
  readonly #tracked = new Map<string, Tracked>();
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  readonly #logs: LogMirror;

  constructor(o: SlurmEngineOptions) {
    this.#o = o;
    this.#logs = new LogMirror(o.sharedDir);
  }

  paths(jobId: string): SlurmJobPaths {
    const root = join(this.#o.sharedDir, "jobs", jobId);
    const sharedLogPath = join(root, SHARED_LOG);
    return { workdir: join(root, "work"), logPath: this.#o.logPathOf?.(jobId) ?? sharedLogPath, sharedLogPath, stateDir: join(root, "state") };
  }

  /** The job's folders on the shared file system, made before its code and inputs are put there. */
  async prepare(jobId: string): Promise<SlurmJobPaths> {
    const p = this.paths(jobId);
    await mkdir(p.workdir, { recursive: true });
    await mkdir(p.stateDir, { recursive: true, mode: 0o700 });
    await chmod(p.stateDir, 0o700);
    return p;
  }

  /** Writes the job's script and variables and submits it; resolves with Slurm's job id. */
  async submit(job: EngineJob, watcher: EngineWatcher): Promise<string> {
    const paths = await this.prepare(job.jobId);
    const gpuType = job.gpuModel === undefined ? undefined : this.#o.gpuTypes?.[job.gpuModel];
    const full: SlurmJobPlan = {
      jobId: job.jobId,
      argv: job.argv,
      env: job.env,
      ...paths,
      // Slurm writes the log where the compute node can: the shared folder.
      logPath: paths.sharedLogPath,
      cpus: job.cpus,
      memoryBytes: job.memoryBytes,
      gpus: job.gpus,
      ...(gpuType !== undefined && { gpuType }),
      timeLimitMs: job.timeoutMs,
      priority: job.priority,
      ...(job.image && { image: job.image.reference }),
    };
    const envPath = join(paths.stateDir, SLURM_FILES.env);
    const scriptPath = join(paths.stateDir, SLURM_FILES.script);
    await writeFile(envPath, variablesFile(full.env), { mode: 0o600 });
    await writeFile(scriptPath, batchScript(full, envPath, join(paths.stateDir, SLURM_FILES.exitStatus), this.#o.settings.containers), { mode: 0o700 });
    const out = await this.#o.commands.run("sbatch", sbatchArgs(full, this.#o.settings, scriptPath));
    const slurmId = out.trim().split(";")[0]!;
    if (!/^\d+$/.test(slurmId)) throw new Error(`sbatch answered "${out.trim()}" instead of a job id`);
    await writeFile(join(paths.stateDir, SLURM_FILES.jobId), `${slurmId}\n`);
    this.#track({ jobId: job.jobId, slurmId, watcher, gpus: job.gpus, said: "" });
    return slurmId;
  }

  /** After a restart: follows the job again, from the Slurm id in its state folder; false when it has none (never submitted). */
  async resume({ jobId, gpus, engineId }: Pick<EngineJob, "jobId" | "gpus"> & { engineId?: string | null }, watcher: EngineWatcher): Promise<boolean> {
    // The id Plinth recorded wins: the job itself could rewrite the file in its state folder.
    const slurmId = engineId ?? (await readFile(join(this.paths(jobId).stateDir, SLURM_FILES.jobId), "utf8").catch(() => "")).trim();
    if (!/^\d+$/.test(slurmId)) return false;
    this.#track({ jobId, slurmId, watcher, gpus, said: "" });
    return true;
  }

  /** scancel: Slurm sends SIGTERM, then SIGKILL after its KillWait; the end is seen by the next polls. */
  async cancel(jobId: string): Promise<void> {
    const t = this.#tracked.get(jobId);
    if (t) await this.#o.commands.run("scancel", [t.slurmId]);
  }

  async inventory(): Promise<EngineNode[]> {
    return parseSinfo(await this.#o.commands.run("sinfo", SINFO_ARGS)).map((n) => ({
      name: n.name,
      groups: n.partitions,
      cpus: n.cpus,
      memoryBytes: n.memoryBytes,
      gpus: n.gpus.map((g) => ({ model: g.type, count: g.count })),
      state: n.state,
      usable: nodeUsable(n),
    }));
  }

  /** One look at squeue for every job followed; what changed goes to the watchers. */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#tracked.clear();
  }

  #track(t: Tracked): void {
    this.#tracked.set(t.jobId, t);
    this.#timer ??= setInterval(() => {
      this.poll().catch(() => {
        // slurmctld unreachable (restarting): nothing is concluded; the next poll tries again
      });
    }, this.#o.pollIntervalMs ?? 1000);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    // Only the jobs followed before squeue is asked: one submitted meanwhile is not in its answer.
    const followed = [...this.#tracked.values()];
    if (followed.length === 0) return;
    const out = await this.#o.commands.run("squeue", ["--noheader", "--states", "all", "--user", this.#o.user, "--format", SQUEUE_FORMAT]);
    const rows = new Map<string, SqueueRow>();
    for (const line of out.split("\n")) {
      const [id, state, reason, nodes, partition, name] = line.trim().split("|");
      if (id && state) rows.set(id, { state, reason: reason ?? "", nodes: nodes ?? "", partition: partition ?? "", name: name ?? "" });
    }
    for (const t of followed) {
      if (this.#tracked.get(t.jobId) !== t) continue;
      const listed = rows.get(t.slurmId) ?? (await this.#lookUp(t));
      // Only the Slurm job Plinth submitted for it counts, by its name as well as its id.
      const row = listed && listed.name === slurmJobName(t.jobId) ? listed : undefined;
      const phase = row ? phaseOf({ state: row.state, reason: row.reason, partition: row.partition, gpus: t.gpus }) : null;
      if (phase?.phase === "waiting") {
        if (t.said !== phase.why) t.watcher.waiting(phase.why);
        t.said = phase.why;
      } else if (phase?.phase === "running") {
        if (t.said !== "running") t.watcher.running(row!.nodes);
        t.said = "running";
        await this.#copyLog(t.jobId, false);
      } else {
        // It ran and ended between two looks: where it ran is still worth saying.
        if (t.said !== "running" && row?.nodes) t.watcher.running(row.nodes);
        await this.#finish(t, row?.state ?? "");
      }
    }
    if (this.#tracked.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  /**
   * A job squeue did not list: asked about by its id before anything is concluded, as squeue's
   * answer can miss a job that changed while it was being made. Undefined when Slurm no longer
   * knows the job.
   */
  async #lookUp(t: Tracked): Promise<SqueueRow | undefined> {
    const out = await this.#o.commands.run("scontrol", ["show", "job", "--oneliner", t.slurmId]).catch((err: unknown) => {
      // "Invalid job id specified": Slurm has forgotten it. Anything else: no answer, nothing concluded.
      if (/Invalid job id/i.test((err as Error).message)) return "";
      throw err;
    });
    const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(out)?.[1] ?? "";
    const state = field("JobState");
    if (!state) return undefined;
    return { state, reason: field("Reason"), nodes: field("NodeList").replace(/^\(null\)$/, ""), partition: field("Partition"), name: field("JobName") };
  }

  /** The job ended (or Slurm forgot it): its recorded exit status decides how, with Slurm's state where known. */
  async #finish(t: Tracked, slurmState: string): Promise<void> {
    this.#tracked.delete(t.jobId);
    const { stateDir, logPath } = this.paths(t.jobId);
    await this.#copyLog(t.jobId, true);
    const recorded = (await readFile(join(stateDir, SLURM_FILES.exitStatus), "utf8").catch(() => "")).trim();
    const exitCode = /^\d+$/.test(recorded) ? Number(recorded) : null;
    // Slurm no longer lists it: its script's record is all there is; without one it is lost.
    let state = slurmState || (exitCode === null ? "LOST" : exitCode === 0 ? "COMPLETED" : "FAILED");
    // Killed before its script could write its status: Slurm's own record says by what.
    const slurmExit = exitCode === null && slurmState ? await this.#slurmExitCode(t.slurmId) : `${exitCode ?? 0}:0`;
    // Without cgroups, a job over its memory is killed by Slurm's accounting and marked FAILED;
    // slurmstepd says why in the job's log.
    if (exitCode === null && (state === "FAILED" || state === "CANCELLED") && OVER_MEMORY.test(await tailOfFile(logPath, 8192))) state = "OUT_OF_MEMORY";
    const phase = phaseOf({ state, reason: "", exitCode: slurmExit });
    if (phase.phase !== "ended") throw new Error(`a job that ended in state ${state} read as ${phase.phase}`);
    const { phase: _, ...outcome } = phase;
    const end: EngineEnd = { outcome, exitCode, engineState: state };
    t.watcher.ended(end);
  }

  /** Brings the shared log's new lines into Plinth's copy (all of them once the job has ended). */
  async #copyLog(jobId: string, ended: boolean): Promise<void> {
    const to = this.#o.logPathOf?.(jobId);
    if (!to) return;
    await (ended ? this.#logs.drain(jobId, SHARED_LOG, to) : this.#logs.copy(jobId, SHARED_LOG, to)).catch(() => {
      // The shared file system hiccuped: the next look copies what this one missed.
    });
  }

  /** The real path the job's working folder must have: what reading its outputs checks against. */
  async workdirRealPath(jobId: string): Promise<string> {
    return join(await this.#logs.realJobDir(jobId), "work");
  }

  /** Slurm's "code:signal" for an ended job, while it still knows it. */
  async #slurmExitCode(slurmId: string): Promise<string> {
    const out = await this.#o.commands.run("scontrol", ["show", "job", slurmId]).catch(() => "");
    return /\bExitCode=(\d+:\d+)/.exec(out)?.[1] ?? "0:0";
  }
}

/** What slurmstepd writes into a job's log when it kills the job for its memory (accounting or cgroup). */
const OVER_MEMORY = /Exceeded job memory limit|oom-kill event|oom_kill event/i;
