import { type Kysely, sql } from "kysely";

// A run's latest metric values carry the run's experiment (a run never changes experiment), so
// that a search ordered by a metric can read one experiment's values in order from an index and
// stop at the page, instead of walking every run of the experiment and sorting them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("tracking_latest_metrics")
    .addColumn("experiment_id", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await sql`UPDATE tracking_latest_metrics SET experiment_id = (SELECT r.experiment_id FROM tracking_runs r WHERE r.id = tracking_latest_metrics.run_id)
    WHERE EXISTS (SELECT 1 FROM tracking_runs r WHERE r.id = tracking_latest_metrics.run_id)`.execute(db);
  await db.schema
    .createIndex("tracking_latest_metrics_experiment")
    .on("tracking_latest_metrics")
    .columns(["experiment_id", "key", "is_nan", "value"])
    .execute();
}
