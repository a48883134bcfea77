import type { Kysely } from "kysely";

// Tracking: experiments, runs, params, tags and metrics, as MLflow has them, per team (see
// src/tracking/tables.ts). Metric history is append-only; the latest point per (run, key) is
// kept apart so that searches over thousands of runs filter and sort by one indexed row each.
// No foreign keys, as elsewhere.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tracking_experiments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("artifact_location", "text", (c) => c.notNull())
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("creation_time", "bigint", (c) => c.notNull())
    .addColumn("last_update_time", "bigint", (c) => c.notNull())
    .addUniqueConstraint("tracking_experiments_team_name", ["team_id", "name"])
    .execute();
  await db.schema.createIndex("tracking_experiments_name").on("tracking_experiments").columns(["name", "id"]).execute();

  await db.schema
    .createTable("tracking_experiment_tags")
    .addColumn("experiment_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_experiment_tags_pk", ["experiment_id", "key"])
    .execute();

  await db.schema
    .createTable("tracking_runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("experiment_id", "text", (c) => c.notNull())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("start_time", "bigint", (c) => c.notNull())
    .addColumn("end_time", "bigint")
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("artifact_uri", "text", (c) => c.notNull())
    .addColumn("job_id", "text")
    .addColumn("parent_run_id", "text")
    .addColumn("deleted_time", "bigint")
    .execute();
  // Searches list an experiment's runs newest first; a job finds its run.
  await db.schema.createIndex("tracking_runs_experiment").on("tracking_runs").columns(["experiment_id", "start_time", "id"]).execute();
  await db.schema.createIndex("tracking_runs_job").on("tracking_runs").columns(["job_id"]).execute();

  for (const table of ["tracking_params", "tracking_run_tags"]) {
    await db.schema
      .createTable(table)
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["run_id", "key"])
      .execute();
    // Filters on a key's value across runs.
    await db.schema.createIndex(`${table}_key`).on(table).columns(["key", "value"]).execute();
  }

  // History (append-only) and the latest point per (run, key): the same columns.
  for (const table of ["tracking_metrics", "tracking_latest_metrics"]) {
    let create = db.schema
      .createTable(table)
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "double precision", (c) => c.notNull())
      .addColumn("is_nan", "integer", (c) => c.notNull())
      .addColumn("step", "bigint", (c) => c.notNull())
      .addColumn("timestamp", "bigint", (c) => c.notNull());
    if (table === "tracking_latest_metrics") create = create.addPrimaryKeyConstraint("tracking_latest_metrics_pk", ["run_id", "key"]);
    await create.execute();
  }
  await db.schema.createIndex("tracking_metrics_run_key").on("tracking_metrics").columns(["run_id", "key", "step", "timestamp"]).execute();
  await db.schema.createIndex("tracking_latest_metrics_key").on("tracking_latest_metrics").columns(["key", "value"]).execute();

  // A run's artifacts: files under the run's artifact root, their bytes blobs in the store.
  await db.schema
    .createTable("tracking_artifacts")
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("modified_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_artifacts_pk", ["run_id", "path"])
    .execute();
  // Garbage collection asks which blobs are still named.
  await db.schema.createIndex("tracking_artifacts_sha256").on("tracking_artifacts").columns(["sha256"]).execute();
}
