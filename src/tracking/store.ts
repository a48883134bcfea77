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

/** Whether point `a` replaces `b` as the latest: larger step, then timestamp, then value (MLflow's order; NaN above all). */
function later(a: TrackingMetricsTable, b: TrackingLatestMetricsTable): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (a.is_nan !== b.is_nan) return a.is_nan > b.is_nan;
  return a.value > b.value;
}

export class TrackingStore {
  readonly db: DB;

  constructor(db: DB) {
    this.db = db;
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
  async write(runId: string, writes: RunWrites): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const params = writes.params ?? [];
      if (params.length > 0) {
        const keys = [...new Set(params.map((p) => p.key))];
        const existing = new Map((await trx.selectFrom("tracking_params").select(["key", "value"]).where("run_id", "=", runId).where("key", "in", keys).execute()).map((r) => [r.key, r.value]));
        const fresh = new Map<string, string>();
        for (const p of params) {
          const old = existing.get(p.key) ?? fresh.get(p.key);
          if (old !== undefined && old !== p.value) throw new ParamChanged(p.key, old, p.value);
          if (old === undefined) fresh.set(p.key, p.value);
        }
        if (fresh.size > 0) await trx.insertInto("tracking_params").values([...fresh].map(([key, value]) => ({ run_id: runId, key, value }))).execute();
      }
      const tags = new Map((writes.tags ?? []).map((t) => [t.key, t.value])); // the last of a key wins
      for (const [key, value] of tags) {
        await trx
          .insertInto("tracking_run_tags")
          .values({ run_id: runId, key, value })
          .onConflict((oc) => oc.columns(["run_id", "key"]).doUpdateSet({ value }))
          .execute();
      }
      if (tags.has("mlflow.runName")) await trx.updateTable("tracking_runs").set({ name: tags.get("mlflow.runName")! }).where("id", "=", runId).execute();
      const metrics = (writes.metrics ?? []).map((m) => metricRow(runId, m));
      if (metrics.length > 0) {
        for (let i = 0; i < metrics.length; i += 500) await trx.insertInto("tracking_metrics").values(metrics.slice(i, i + 500)).execute();
        const newest = new Map<string, TrackingMetricsTable>();
        for (const m of metrics) {
          const seen = newest.get(m.key);
          if (!seen || later(m, seen)) newest.set(m.key, m);
        }
        const current = new Map(
          (await trx.selectFrom("tracking_latest_metrics").selectAll().where("run_id", "=", runId).where("key", "in", [...newest.keys()]).execute()).map((r) => [r.key, r]),
        );
        for (const [key, m] of newest) {
          const was = current.get(key);
          if (was && !later(m, was)) continue;
          await trx
            .insertInto("tracking_latest_metrics")
            .values(m)
            .onConflict((oc) => oc.columns(["run_id", "key"]).doUpdateSet({ value: m.value, is_nan: m.is_nan, step: m.step, timestamp: m.timestamp }))
            .execute();
        }
      }
    });
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
