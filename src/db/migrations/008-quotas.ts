import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// Quotas that Keepers set per user and per team: GPUs held at once, jobs running at once, and
// GPU time per rolling 7 days (in GPU-seconds). A missing limit is no limit (for a user: the
// platform-wide default from config). The GPU time comes from the jobs table, read by when
// jobs finished, hence the index.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("quotas")
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("subject_id", "text", (c) => c.notNull())
    .addColumn("gpus", "integer")
    .addColumn("running_jobs", "integer")
    .addColumn("gpu_seconds_per_week", "bigint")
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("updated_by", "text")
    .addPrimaryKeyConstraint("quotas_pk", ["scope", "subject_id"])
    .execute();
  await db.schema.createIndex("jobs_finished_at").on("jobs").columns(["finished_at"]).execute();
}
