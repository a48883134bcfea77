import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { batchScript, SLURM_FILES, type SlurmJobPlan, type SlurmSettings, sbatchArgs, variablesFile } from "./batch-script.ts";
import { parseSinfo, SINFO_ARGS, type SlurmNode } from "./inventory.ts";
import type { SlurmCommands } from "./slurm-commands.ts";
import { phaseOf, type SlurmPhase } from "./states.ts";

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
  pollIntervalMs?: number;
  /** The user whose jobs squeue lists (Plinth's own account on the cluster). */
  user: string;
}

/** What the engine tells about one job, in order: waiting (maybe again), running, ended once. */
export interface SlurmWatcher {
  waiting(why: string): void;
  running(node: string): void;
  ended(end: SlurmEnd): void;
}

export interface SlurmEnd {
  phase: Extract<SlurmPhase, { phase: "ended" }>;
  /** The job's exit code as its script recorded it; null when it was killed (or never ran). */
  exitCode: number | null;
  /** Slurm's state, e.g. COMPLETED, TIMEOUT; "" when Slurm no longer knew the job. */
  slurmState: string;
}

export interface SlurmJobPaths {
  workdir: string;
  logPath: string;
  stateDir: string;
}

interface Tracked {
  jobId: string;
  slurmId: string;
  watcher: SlurmWatcher;
  gpus: number;
  said: string;
}

/** squeue's format: id, state, reason, nodes, partition. */
const SQUEUE_FORMAT = "%i|%T|%r|%N|%P";

export class SlurmEngine {
  readonly #o: SlurmEngineOptions;
  readonly #tracked = new Map<string, Tracked>();
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;

  constructor(o: SlurmEngineOptions) {
    this.#o = o;
  }

  paths(jobId: string): SlurmJobPaths {
    const root = join(this.#o.sharedDir, "jobs", jobId);
    return { workdir: join(root, "work"), logPath: join(root, "output.log"), stateDir: join(root, "state") };
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
  async submit(plan: Omit<SlurmJobPlan, keyof SlurmJobPaths>, watcher: SlurmWatcher): Promise<string> {
    const paths = await this.prepare(plan.jobId);
    const full: SlurmJobPlan = { ...plan, ...paths };
    const envPath = join(paths.stateDir, SLURM_FILES.env);
    const scriptPath = join(paths.stateDir, SLURM_FILES.script);
    await writeFile(envPath, variablesFile(full.env), { mode: 0o600 });
    await writeFile(scriptPath, batchScript(full, envPath, join(paths.stateDir, SLURM_FILES.exitStatus)), { mode: 0o700 });
    const out = await this.#o.commands.run("sbatch", sbatchArgs(full, this.#o.settings, scriptPath));
    const slurmId = out.trim().split(";")[0]!;
    if (!/^\d+$/.test(slurmId)) throw new Error(`sbatch answered "${out.trim()}" instead of a job id`);
    await writeFile(join(paths.stateDir, SLURM_FILES.jobId), `${slurmId}\n`);
    this.#track({ jobId: plan.jobId, slurmId, watcher, gpus: plan.gpus, said: "" });
    return slurmId;
  }

  /** After a restart: follows the job again, from the Slurm id in its state folder; false when it has none (never submitted). */
  async resume(jobId: string, watcher: SlurmWatcher, gpus = 0): Promise<boolean> {
    const slurmId = (await readFile(join(this.paths(jobId).stateDir, SLURM_FILES.jobId), "utf8").catch(() => "")).trim();
    if (!/^\d+$/.test(slurmId)) return false;
    this.#track({ jobId, slurmId, watcher, gpus, said: "" });
    return true;
  }

  /** scancel: Slurm sends SIGTERM, then SIGKILL after its KillWait; the end is seen by the next polls. */
  async cancel(jobId: string): Promise<void> {
    const t = this.#tracked.get(jobId);
    if (t) await this.#o.commands.run("scancel", [t.slurmId]);
  }

  async inventory(): Promise<SlurmNode[]> {
    return parseSinfo(await this.#o.commands.run("sinfo", SINFO_ARGS));
  }

  /** One look at squeue for every job followed; what changed goes to the watchers. */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  close(): void {
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
    if (this.#tracked.size === 0) return;
    const out = await this.#o.commands.run("squeue", ["--noheader", "--states", "all", "--user", this.#o.user, "--format", SQUEUE_FORMAT]);
    const rows = new Map<string, { state: string; reason: string; nodes: string; partition: string }>();
    for (const line of out.split("\n")) {
      const [id, state, reason, nodes, partition] = line.trim().split("|");
      if (id && state) rows.set(id, { state, reason: reason ?? "", nodes: nodes ?? "", partition: partition ?? "" });
    }
    for (const t of [...this.#tracked.values()]) {
      const row = rows.get(t.slurmId);
      const phase = row ? phaseOf({ state: row.state, reason: row.reason, partition: row.partition, gpus: t.gpus }) : null;
      if (phase?.phase === "waiting") {
        if (t.said !== phase.why) t.watcher.waiting(phase.why);
        t.said = phase.why;
      } else if (phase?.phase === "running") {
        if (t.said !== "running") t.watcher.running(row!.nodes);
        t.said = "running";
      } else {
        await this.#finish(t, row?.state ?? "");
      }
    }
    if (this.#tracked.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  /** The job ended (or Slurm forgot it): its recorded exit status decides how, with Slurm's state where known. */
  async #finish(t: Tracked, slurmState: string): Promise<void> {
    this.#tracked.delete(t.jobId);
    const recorded = (await readFile(join(this.paths(t.jobId).stateDir, SLURM_FILES.exitStatus), "utf8").catch(() => "")).trim();
    const exitCode = /^\d+$/.test(recorded) ? Number(recorded) : null;
    // Slurm no longer lists it: its script's record is all there is; without one it is lost.
    const state = slurmState || (exitCode === null ? "LOST" : exitCode === 0 ? "COMPLETED" : "FAILED");
    const phase = phaseOf({ state, reason: "", exitCode: `${exitCode ?? 0}:0` });
    if (phase.phase !== "ended") throw new Error(`a job that ended in state ${state} read as ${phase.phase}`);
    // Slurm's COMPLETED and FAILED say nothing the exit code does not; its own states say more.
    t.watcher.ended({ phase, exitCode, slurmState });
  }
}
