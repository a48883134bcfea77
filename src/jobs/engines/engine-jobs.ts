import { cp, mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import { dataEnvName } from "../data-spec.ts";
import type { Engine, EngineEnd, EngineNode, EngineWatcher } from "../executors/engine.ts";
import type { ExitInfo } from "../executors/executor.ts";
import { PreparationFailure, type PreparationDeps, prepareJob } from "../launch-preparation.ts";
import { type Retries, retryIdFor } from "../retries.ts";
import type { RunDirs } from "../run-dirs.ts";
import type { FailureReason, JobSpec, NormalizedJob } from "../spec.ts";
import type { JobPatch, JobRow, JobStore } from "../store.ts";
import { type EngineCapabilities, engineRefusal, type Refusal } from "./engine-fit.ts";

// Jobs on cluster engines, from submit to end. Such a job skips Plinth's scheduler: it is
// prepared (code, inputs, secrets, tracked run) in the engine's folder and submitted at once;
// it stays queued while the engine holds it, with the engine's reason as its message, becomes
// running when the engine starts it, and ends as the engine says, through the same exit
// records as a local job. runs/<id>/work and runs/<id>/output.log link to the engine's folder,
// so logs, outputs and failure explanations are read as for any job.

/** A configured cluster: its name under `executors`, its engine, and what it can do. */
export interface ClusterExecutor {
  name: string;
  engine: Engine;
  caps: EngineCapabilities;
  /** The teams whose jobs may run there, by name; absent: every team's. */
  teams?: string[];
  /** Plinth's address as the cluster's jobs reach it (for experiment tracking); absent: the one tracking gives. */
  plinthUrl?: string;
}

export interface EngineJobsOptions {
  clusters: ClusterExecutor[];
  store: JobStore;
  runDirs: RunDirs;
  clock: Clock;
  logger: Logger;
  retries: Retries;
  preparation: PreparationDeps;
  changed(row: Pick<JobRow, "id" | "state" | "user_id">): void;
  recordExit(row: JobRow, info: ExitInfo, now: number): Promise<void>;
  /** How long a cluster's node list is reused for refusals and the cluster page. */
  inventoryTtlMs?: number;
}

/** A cluster's nodes as last read, or why they could not be. */
export interface ClusterInventory {
  name: string;
  kind: Engine["kind"];
  nodes: EngineNode[];
  error: string | null;
  readAt: number;
}

/** Where a job's inputs are copied in its folder: the cluster's nodes do not see this machine's. */
const INPUTS_FOLDER = ".inputs";

export class EngineJobs {
  readonly #o: EngineJobsOptions;
  readonly #clusters: Map<string, ClusterExecutor>;
  readonly #inventories = new Map<string, Promise<ClusterInventory>>();
  readonly #chains = new Map<string, Promise<void>>();

  constructor(o: EngineJobsOptions) {
    this.#o = o;
    this.#clusters = new Map(o.clusters.map((c) => [c.name, c]));
  }

  get names(): string[] {
    return [...this.#clusters.keys()];
  }

  /** Why this cluster could never run the job; its nodes as last read (unknown nodes refuse nothing). */
  async refusal(name: string, spec: Pick<JobSpec, "environment">, job: NormalizedJob, team: { id: string; idOf(name: string): Promise<string | null> }): Promise<Refusal | null> {
    const cluster = this.#cluster(name);
    if (cluster.teams && !(await Promise.all(cluster.teams.map((t) => team.idOf(t)))).includes(team.id)) {
      return { reason: `only jobs of ${cluster.teams.join(", ")} may run there`, hint: "Run it with one of those teams (--team), or ask a Keeper to add yours to the executor's `teams`." };
    }
    const inventory = await this.inventory(name);
    return engineRefusal(spec, job, cluster.caps, inventory.error ? null : inventory.nodes);
  }

  /** A cluster's nodes, read at most once per TTL; a failure is kept as its error, for the same time. */
  inventory(name: string): Promise<ClusterInventory> {
    const cluster = this.#cluster(name);
    const now = this.#o.clock.now();
    const cached = this.#inventories.get(name);
    const ttl = this.#o.inventoryTtlMs ?? 10_000;
    const fresh = cached?.then((c) => (now - c.readAt < ttl ? c : null));
    const read = async (): Promise<ClusterInventory> => {
      const known = await fresh;
      if (known) return known;
      try {
        return { name, kind: cluster.engine.kind, nodes: await cluster.engine.inventory(), error: null, readAt: this.#o.clock.now() };
      } catch (err) {
        return { name, kind: cluster.engine.kind, nodes: [], error: (err as Error).message, readAt: this.#o.clock.now() };
      }
    };
    const next = read();
    this.#inventories.set(name, next);
    return next;
  }

  /** Every cluster's inventory, for the cluster page. */
  inventories(): Promise<ClusterInventory[]> {
    return Promise.all(this.names.map((n) => this.inventory(n)));
  }

  /** Prepares a queued job in its cluster's folder and submits it; a failure ends it, with why. */
  async dispatch(row: JobRow, job: NormalizedJob): Promise<void> {
    const id = row.id;
    const cluster = this.#cluster(row.executor);
    let engineId: string;
    try {
      const paths = await cluster.engine.prepare(id);
      await this.#link(id, paths);
      const prepared = await prepareJob(this.#o.preparation, { id, job, userId: row.user_id, teamId: row.team_id, visibility: row.visibility, workdir: paths.workdir });
      const env: Record<string, string> = { ...prepared.env, PLINTH_JOB_ID: id, PLINTH_JOB_NAME: row.name };
      // The tracking server is this Plinth, at the address the cluster's nodes reach it by (unless the spec names its own).
      if (cluster.plinthUrl && env.MLFLOW_TRACKING_URI !== undefined && job.env.MLFLOW_TRACKING_URI === undefined) env.MLFLOW_TRACKING_URI = cluster.plinthUrl;
      const inputs: Array<{ name: string; dir: string }> = [];
      for (const input of prepared.inputs) {
        const dir = join(INPUTS_FOLDER, input.name);
        await cp(input.dir, join(paths.workdir, dir), { recursive: true, dereference: true, force: true });
        inputs.push({ name: input.name, dir });
        env[dataEnvName("input", input.name)] = join(paths.seenAs ?? paths.workdir, dir);
      }
      // Cancelled while it was being prepared: it is never submitted.
      if ((await this.#o.store.get(id))?.state !== "queued") return;
      const owner = { userId: row.user_id, userName: row.user_id, teamId: row.team_id };
      const r = job.resources;
      engineId = await cluster.engine.submit(
        {
          jobId: id,
          name: row.name,
          argv: job.argv,
          env,
          workdir: paths.workdir,
          inputs,
          cpus: r.cpus,
          memoryBytes: r.memoryBytes,
          gpus: r.gpus,
          ...(r.gpuModel !== undefined && r.gpus > 0 && { gpuModel: r.gpuModel }),
          timeoutMs: job.timeoutMs,
          priority: job.priority,
          ...(job.image && { image: { reference: job.image.reference, id: job.image.id } }),
          owner,
        },
        this.#watcher(id),
      );
    } catch (err) {
      const f = err instanceof PreparationFailure ? err : new PreparationFailure("start_failed", `${row.executor} did not take the job: ${(err as Error).message}`, "Check the cluster's state with `plinth cluster`; the server log has details.");
      await this.#failQueued(id, f.reason, f.message, f.hint ?? null);
      return;
    }
    await this.#o.store.patch(id, { engine_id: engineId });
    const now = await this.#o.store.get(id);
    // Cancelled while it was being submitted: the cancel reaches the engine now.
    if (now && now.state === "cancelled") await cluster.engine.cancel(id);
  }

  /** After a restart: follows each cluster job again, submits those a stop interrupted, and marks lost those the cluster no longer knows. */
  async resume(rows: JobRow[]): Promise<void> {
    for (const row of rows) {
      const cluster = this.#clusters.get(row.executor);
      if (!cluster) {
        await this.#lose(row, `Its executor, ${row.executor}, is no longer configured.`);
        continue;
      }
      const job = JSON.parse(row.normalized) as NormalizedJob;
      const followed = await cluster.engine.resume({ jobId: row.id, gpus: job.resources.gpus, engineId: row.engine_id }, this.#watcher(row.id)).catch((err: unknown) => {
        this.#o.logger.warn({ err, jobId: row.id }, "could not follow a cluster job again; it is marked lost");
        return false;
      });
      if (followed) {
        if (row.state === "cancelled" || row.state === "timed_out") await cluster.engine.cancel(row.id);
      } else if (row.state === "queued" && row.engine_id === null) await this.dispatch(row, job);
      else if (row.state === "queued" || row.state === "running") await this.#lose(row, `${row.executor} no longer knows the job.`);
    }
  }

  /** Where a cluster job's outputs are read from, and the real path that folder must have; null for a job of this machine. */
  async outputsFolder(row: JobRow): Promise<{ workdir: string; realPath?: string } | null> {
    const cluster = this.#clusters.get(row.executor);
    if (!cluster) return null;
    const paths = cluster.engine.paths(row.id);
    const realPath = await cluster.engine.workdirRealPath?.(row.id);
    return { workdir: paths.workdir, ...(realPath && { realPath }) };
  }

  async cancel(row: JobRow): Promise<void> {
    await this.#cluster(row.executor).engine.cancel(row.id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clusters.values()].map((c) => c.engine.close()));
  }

  #cluster(name: string): ClusterExecutor {
    const cluster = this.#clusters.get(name);
    if (!cluster) throw new Error(`no executor named ${name}`);
    return cluster;
  }

  /** runs/<id>/work and runs/<id>/output.log point into the engine's folder, where the job really is. */
  async #link(id: string, paths: { workdir: string; logPath: string }): Promise<void> {
    const runDir = this.#o.runDirs.runDir(id);
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    for (const [link, target] of [
      [this.#o.runDirs.workdir(id), paths.workdir],
      [this.#o.runDirs.logPath(id), paths.logPath],
    ] as const) {
      if (link === target) continue;
      await rm(link, { recursive: true, force: true });
      await symlink(target, link);
    }
  }

  #watcher(id: string): EngineWatcher {
    return {
      waiting: (why) => this.#inOrder(id, () => this.#waiting(id, why)),
      running: (where) => this.#inOrder(id, () => this.#running(id, where)),
      ended: (end) => this.#inOrder(id, () => this.#ended(id, end)),
    };
  }

  /** Runs one job's events one after another, in the order the engine told them. */
  #inOrder(id: string, step: () => Promise<void>): void {
    const before = this.#chains.get(id) ?? Promise.resolve();
    const next = before
      .then(step)
      .catch((err: unknown) => this.#o.logger.error({ err, jobId: id }, "could not record what the cluster said of a job"))
      .finally(() => {
        if (this.#chains.get(id) === next) this.#chains.delete(id);
      });
    this.#chains.set(id, next);
  }

  /** Resolves once every event received so far is recorded (for a clean stop). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#chains.values()]);
  }

  async #waiting(id: string, why: string): Promise<void> {
    const row = await this.#o.store.get(id);
    if (row?.state !== "queued") return;
    const words = why.trim().replace(/\.+$/, "");
    const message = `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
    if (row.message === message) return;
    await this.#o.store.patch(id, { message });
    this.#o.changed(row);
  }

  async #running(id: string, where: string): Promise<void> {
    const now = this.#o.clock.now();
    const row = await this.#o.store.get(id);
    if (row?.state !== "queued") return;
    if (await this.#o.store.transition(id, "queued", "running", now, { started_at: now, node: where, message: null }, { executor: row.executor, node: where })) this.#o.changed({ ...row, state: "running" });
  }

  async #ended(id: string, end: EngineEnd): Promise<void> {
    const row = await this.#o.store.get(id);
    if (!row) return;
    const { exitCode, ...engine } = end;
    const outcome = end.outcome;
    const info: ExitInfo = {
      exitCode,
      signal: null,
      outOfMemory: outcome.outcome === "failed" && outcome.reason === "out_of_memory",
      startError: null,
      peakMemoryBytes: null,
      engine,
    };
    await this.#o.recordExit(row, info, this.#o.clock.now());
  }

  async #failQueued(id: string, reason: FailureReason, message: string, hint: string | null): Promise<void> {
    const now = this.#o.clock.now();
    const before = await this.#o.store.get(id);
    if (!before) return;
    const patch: JobPatch = { finished_at: now, reason, message, hint, retried_by: retryIdFor(before, reason, now) };
    if (!(await this.#o.store.transition(id, "queued", "failed", now, patch, null))) return;
    const failed = { ...before, ...patch, state: "failed" as const };
    this.#o.changed(failed);
    await this.#o.retries.maybeRetry(failed);
  }

  async #lose(row: JobRow, message: string): Promise<void> {
    const now = this.#o.clock.now();
    const job = JSON.parse(row.normalized) as NormalizedJob;
    const patch: JobPatch = {
      finished_at: now,
      reason: "lost",
      message,
      hint: job.retry.on.includes("lost") && row.attempt <= job.retry.count ? "It is being retried automatically." : "Run it again with `plinth jobs retry`; add `retries: 1` to retry lost jobs automatically.",
      retried_by: retryIdFor(row, "lost", now),
    };
    if (!(await this.#o.store.transition(row.id, row.state, "lost", now, patch, null))) return;
    const lost = { ...row, ...patch, state: "lost" as const };
    this.#o.changed(lost);
    await this.#o.retries.maybeRetry(lost);
  }
}
