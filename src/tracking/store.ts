import { type Compilable, CompiledQuery, sql } from "kysely";
import type { DB } from "../db/database.ts";
import type {
  TrackingExperimentsTable,
  TrackingExperimentTagsTable,
  TrackingLatestMetricsTable,
  TrackingMetricsTable,
  TrackingParamsTable,
  TrackingRunsTable,
  TrackingRunTagsTable,
} from "./tables.ts";

// The tracking module's tables, and only those. Who may see what is the service's business;
// searches take a query already narrowed to what the asker may read.

/** A metric point as it is logged. NaN is a value like any other here; the store splits it out. */
export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface RunWrites {
  params?: Array<{ key: string; value: string }>;
  tags?: Array<{ key: string; value: string }>;
  metrics?: MetricPoint[];
}

/** A param that was already logged with another value (MLflow's params are immutable). */
export class ParamChanged extends Error {
  readonly key: string;
  readonly old: string;
  readonly value: string;
  constructor(key: string, old: string, value: string) {
    super(`param ${key} changed`);
    this.key = key;
    this.old = old;
    this.value = value;
  }
}

const metricRow = (runId: string, m: MetricPoint): TrackingMetricsTable => ({
  run_id: runId,
  key: m.key,
  value: Number.isNaN(m.value) ? 0 : m.value,
  is_nan: Number.isNaN(m.value) ? 1 : 0,
  step: m.step,
  timestamp: m.timestamp,
});

/** What writing to a run needs to know of it. */
export type RunRef = Pick<TrackingRunsTable, "id" | "experiment_id">;

/** Rows per INSERT: few statement shapes, far below either database's limit on parameters. */
const ROWS_PER_STATEMENT = 100;
const METRIC_COLUMNS = ["run_id", "key", "value", "is_nan", "step", "timestamp"] as const;
const LATEST_COLUMNS = [...METRIC_COLUMNS, "experiment_id"] as const;

/** The rows' values in the column order the statement was compiled with. */
function rowParameters<R>(rows: readonly R[], columns: readonly (keyof R)[]): unknown[] {
  const out: unknown[] = [];
  for (const row of rows) for (const column of columns) out.push(row[column]);
  return out;
}

/** A row of each column's name, for compiling a statement's shape (the values become parameters). */
function shapeRows<C extends string>(columns: readonly C[], rows: number): Array<Record<C, string>> {
  const row = Object.fromEntries(columns.map((c) => [c, c])) as unknown as Record<C, string>;
  return Array.from({ length: rows }, () => row);
}

const insertMetrics = (db: DB, rows: number) => db.insertInto("tracking_metrics").values(shapeRows(METRIC_COLUMNS, rows) as never);

const upsertLatest = (db: DB, rows: number) =>
  db
    .insertInto("tracking_latest_metrics")
    .values(shapeRows(LATEST_COLUMNS, rows) as never)
    .onConflict((oc) =>
      oc
        .columns(["run_id", "key"])
        .doUpdateSet((eb) => ({ value: eb.ref("excluded.value"), is_nan: eb.ref("excluded.is_nan"), step: eb.ref("excluded.step"), timestamp: eb.ref("excluded.timestamp") }))
        // MLflow's order of points (see `later`), as one row comparison.
        .where(
          sql<boolean>`(excluded.step, excluded.timestamp, excluded.is_nan, excluded.value) > (tracking_latest_metrics.step, tracking_latest_metrics.timestamp, tracking_latest_metrics.is_nan, tracking_latest_metrics.value)`,
        ),
    );

/** SQL text of statements built by shape (a name and a row count), compiled on first use. */
class StatementShapes {
  readonly #db: DB;
  readonly #compiled = new Map<string, string>();

  constructor(db: DB) {
    this.#db = db;
  }

  sql(name: string, rows: number, build: (db: DB, rows: number) => Compilable): string {
    const id = `${name}:${rows}`;
    let text = this.#compiled.get(id);
    if (text === undefined) {
      text = build(this.#db, rows).compile().sql;
      this.#compiled.set(id, text);
    }
    return text;
  }
}

/** Whether point `a` replaces `b` as the latest: larger step, then timestamp, then value (MLflow's order; NaN above all). */
function later(a: TrackingMetricsTable, b: TrackingLatestMetricsTable): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (a.is_nan !== b.is_nan) return a.is_nan > b.is_nan;
  return a.value > b.value;
}

export class TrackingStore {
  readonly db: DB;
  readonly #shapes: StatementShapes;

  constructor(db: DB) {
    this.db = db;
    this.#shapes = new StatementShapes(db);
  }

  // ---- experiments ----

  async createExperiment(row: TrackingExperimentsTable, tags: Array<{ key: string; value: string }>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("tracking_experiments").values(row).execute();
      if (tags.length > 0) await trx.insertInto("tracking_experiment_tags").values(tags.map((t) => ({ experiment_id: row.id, ...t }))).execute();
    });
  }

  experiment(id: string): Promise<TrackingExperimentsTable | undefined> {
    return this.db.selectFrom("tracking_experiments").selectAll().where("id", "=", id).executeTakeFirst();
  }

  experimentIn(teamId: string, name: string): Promise<TrackingExperimentsTable | undefined> {
    return this.db.selectFrom("tracking_experiments").selectAll().where("team_id", "=", teamId).where("name", "=", name).executeTakeFirst();
  }

  experimentsNamed(name: string): Promise<TrackingExperimentsTable[]> {
    return this.db.selectFrom("tracking_experiments").selectAll().where("name", "=", name).orderBy("id").execute();
  }

  async experimentTags(ids: string[]): Promise<Map<string, TrackingExperimentTagsTable[]>> {
    const out = new Map<string, TrackingExperimentTagsTable[]>();
    if (ids.length === 0) return out;
    const rows = await this.db.selectFrom("tracking_experiment_tags").selectAll().where("experiment_id", "in", ids).orderBy("key").execute();
    for (const r of rows) out.set(r.experiment_id, [...(out.get(r.experiment_id) ?? []), r]);
    return out;
  }

  async updateExperiment(id: string, change: Partial<Pick<TrackingExperimentsTable, "name" | "lifecycle_stage">>, now: number): Promise<void> {
    await this.db
      .updateTable("tracking_experiments")
      .set({ ...change, last_update_time: now })
      .where("id", "=", id)
      .execute();
  }

  async setExperimentTag(tag: TrackingExperimentTagsTable, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("tracking_experiment_tags")
        .values(tag)
        .onConflict((oc) => oc.columns(["experiment_id", "key"]).doUpdateSet({ value: tag.value }))
        .execute();
      await trx.updateTable("tracking_experiments").set({ last_update_time: now }).where("id", "=", tag.experiment_id).execute();
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<boolean> {
    const r = await this.db.deleteFrom("tracking_experiment_tags").where("experiment_id", "=", experimentId).where("key", "=", key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Marks an experiment and its runs deleted (or active again), in one transaction. */
  async setExperimentStage(id: string, stage: "active" | "deleted", now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable("tracking_experiments").set({ lifecycle_stage: stage, last_update_time: now }).where("id", "=", id).execute();
      await trx
        .updateTable("tracking_runs")
        .set({ lifecycle_stage: stage, deleted_time: stage === "deleted" ? now : null })
        .where("experiment_id", "=", id)
        .where("lifecycle_stage", "=", stage === "deleted" ? "active" : "deleted")
        .execute();
    });
  }

  // ---- runs ----

  /** A new run with its first tags and params, in one transaction. */
  async createRun(row: TrackingRunsTable, writes: RunWrites): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("tracking_runs").values(row).execute();
      if (writes.tags?.length) await trx.insertInto("tracking_run_tags").values(writes.tags.map((t) => ({ run_id: row.id, ...t }))).execute();
      if (writes.params?.length) await trx.insertInto("tracking_params").values(writes.params.map((p) => ({ run_id: row.id, ...p }))).execute();
    });
  }

  run(id: string): Promise<TrackingRunsTable | undefined> {
    return this.db.selectFrom("tracking_runs").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The run a job made (the newest, should there be several). */
  runOfJob(jobId: string): Promise<TrackingRunsTable | undefined> {
    return this.db.selectFrom("tracking_runs").selectAll().where("job_id", "=", jobId).orderBy("start_time", "desc").executeTakeFirst();
  }

  runsByIds(ids: string[]): Promise<TrackingRunsTable[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom("tracking_runs").selectAll().where("id", "in", ids).execute();
  }

  async updateRun(id: string, change: Partial<Pick<TrackingRunsTable, "status" | "end_time" | "name" | "lifecycle_stage" | "deleted_time">>): Promise<void> {
    if (Object.keys(change).length === 0) return;
    await this.db.updateTable("tracking_runs").set(change).where("id", "=", id).execute();
  }

  /**
   * Logs params, tags and metrics in one transaction: all of them or none. A param already
   * logged with another value fails the whole batch (ParamChanged); the same value again is
   * accepted, as MLflow does. Tags replace; metric points append and move the latest point.
   */
  async write(run: RunRef, writes: RunWrites): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const params = writes.params ?? [];
      if (params.length > 0) {
        const keys = [...new Set(params.map((p) => p.key))];
        const existing = new Map((await trx.selectFrom("tracking_params").select(["key", "value"]).where("run_id", "=", run.id).where("key", "in", keys).execute()).map((r) => [r.key, r.value]));
        const fresh = new Map<string, string>();
        for (const p of params) {
          const old = existing.get(p.key) ?? fresh.get(p.key);
          if (old !== undefined && old !== p.value) throw new ParamChanged(p.key, old, p.value);
          if (old === undefined) fresh.set(p.key, p.value);
        }
        if (fresh.size > 0) await trx.insertInto("tracking_params").values([...fresh].map(([key, value]) => ({ run_id: run.id, key, value }))).execute();
      }
      const tags = new Map((writes.tags ?? []).map((t) => [t.key, t.value])); // the last of a key wins
      for (const [key, value] of tags) {
        await trx
          .insertInto("tracking_run_tags")
          .values({ run_id: run.id, key, value })
          .onConflict((oc) => oc.columns(["run_id", "key"]).doUpdateSet({ value }))
          .execute();
      }
      if (tags.has("mlflow.runName")) await trx.updateTable("tracking_runs").set({ name: tags.get("mlflow.runName")! }).where("id", "=", run.id).execute();
      const metrics = (writes.metrics ?? []).map((m) => metricRow(run.id, m));
      if (metrics.length > 0) await this.#writeMetrics(trx, run, metrics);
    });
  }

  /**
   * Appends the points and moves each key's latest point, in statements of a few fixed shapes
   * (compiled once, kept prepared by the database): the upsert itself decides, in SQL, whether
   * a point is later than the one kept, so nothing is read first.
   */
  async #writeMetrics(trx: DB, run: RunRef, metrics: TrackingMetricsTable[]): Promise<void> {
    for (let i = 0; i < metrics.length; i += ROWS_PER_STATEMENT) {
      const chunk = metrics.slice(i, i + ROWS_PER_STATEMENT);
      await trx.executeQuery(CompiledQuery.raw(this.#shapes.sql("metrics", chunk.length, insertMetrics), rowParameters(chunk, METRIC_COLUMNS)));
    }
    const newest = new Map<string, TrackingLatestMetricsTable>();
    for (const m of metrics) {
      const seen = newest.get(m.key);
      if (!seen || later(m, seen)) newest.set(m.key, { ...m, experiment_id: run.experiment_id });
    }
    const latest = [...newest.values()];
    for (let i = 0; i < latest.length; i += ROWS_PER_STATEMENT) {
      const chunk = latest.slice(i, i + ROWS_PER_STATEMENT);
      await trx.executeQuery(CompiledQuery.raw(this.#shapes.sql("latest", chunk.length, upsertLatest), rowParameters(chunk, LATEST_COLUMNS)));
    }
  }

  async deleteTag(runId: string, key: string): Promise<boolean> {
    const r = await this.db.deleteFrom("tracking_run_tags").where("run_id", "=", runId).where("key", "=", key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Params, tags and latest metrics of these runs, by run id. */
  async runData(ids: string[]): Promise<Map<string, { params: TrackingParamsTable[]; tags: TrackingRunTagsTable[]; metrics: TrackingLatestMetricsTable[] }>> {
    const out = new Map(ids.map((id) => [id, { params: [] as TrackingParamsTable[], tags: [] as TrackingRunTagsTable[], metrics: [] as TrackingLatestMetricsTable[] }]));
    if (ids.length === 0) return out;
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const [params, tags, metrics] = await Promise.all([
        this.db.selectFrom("tracking_params").selectAll().where("run_id", "in", batch).orderBy("key").execute(),
        this.db.selectFrom("tracking_run_tags").selectAll().where("run_id", "in", batch).orderBy("key").execute(),
        this.db.selectFrom("tracking_latest_metrics").selectAll().where("run_id", "in", batch).orderBy("key").execute(),
      ]);
      for (const p of params) out.get(p.run_id)!.params.push(p);
      for (const t of tags) out.get(t.run_id)!.tags.push(t);
      for (const m of metrics) out.get(m.run_id)!.metrics.push(m);
    }
    return out;
  }

  /** The largest step logged for a metric of a run; null when it has none. */
  async lastStep(runId: string, key: string): Promise<number | null> {
    const row = await this.db.selectFrom("tracking_latest_metrics").select("step").where("run_id", "=", runId).where("key", "=", key).executeTakeFirst();
    return row ? Number(row.step) : null;
  }

  /**
   * At most `most` of a metric's points, in step order, evenly spread over its whole history
   * (the first and the last always among them): what a chart of a long history needs.
   */
  async metricHistorySpread(runId: string, key: string, most: number): Promise<{ points: TrackingMetricsTable[]; thinned: boolean }> {
    const counted = await this.db.selectFrom("tracking_metrics").select((eb) => eb.fn.countAll<number>().as("n")).where("run_id", "=", runId).where("key", "=", key).executeTakeFirstOrThrow();
    const total = Number(counted.n);
    if (total <= most) return { points: await this.metricHistory(runId, key, 0, most), thinned: false };
    // Every stride-th point from the first, and the last.
    const stride = Math.ceil((total - 1) / Math.max(1, most - 1));
    const numbered = this.db
      .selectFrom("tracking_metrics")
      .selectAll()
      .select(sql<number>`row_number() over (order by step, timestamp, value) - 1`.as("n"))
      .where("run_id", "=", runId)
      .where("key", "=", key)
      .as("numbered");
    const rows = await this.db
      .selectFrom(numbered)
      .select(["run_id", "key", "value", "is_nan", "step", "timestamp"])
      .where((eb) => eb.or([eb(sql`n % ${stride}`, "=", 0), eb("n", "=", total - 1)]))
      .orderBy("n")
      .execute();
    return { points: rows, thinned: true };
  }

  /** A metric's points in step, then timestamp order, after `offset`. */
  metricHistory(runId: string, key: string, offset: number, limit: number): Promise<TrackingMetricsTable[]> {
    return this.db
      .selectFrom("tracking_metrics")
      .selectAll()
      .where("run_id", "=", runId)
      .where("key", "=", key)
      .orderBy("step")
      .orderBy("timestamp")
      .orderBy("value")
      .offset(offset)
      .limit(limit)
      .execute();
  }
}
