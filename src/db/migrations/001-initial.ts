import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const autoId = (col: any) => (dialect === "postgres" ? col.primaryKey() : col.primaryKey().autoIncrement());

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .addColumn("expires_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("api_tokens_user").on("api_tokens").columns(["user_id", "id"]).execute();

  await db.schema
    .createTable("jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("spec", "text", (c) => c.notNull())
    .addColumn("normalized", "text", (c) => c.notNull())
    .addColumn("cpus", "real", (c) => c.notNull())
    .addColumn("memory_bytes", "bigint", (c) => c.notNull())
    .addColumn("gpus", "integer", (c) => c.notNull())
    .addColumn("estimate_ms", "bigint")
    .addColumn("timeout_ms", "bigint")
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("retry_of", "text")
    .addColumn("retried_by", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("started_at", "bigint")
    .addColumn("finished_at", "bigint")
    .addColumn("node", "text")
    .addColumn("gpu_assignment", "text")
    .addColumn("pid", "integer")
    .addColumn("pid_start_time", "text")
    .addColumn("exit_code", "integer")
    .addColumn("signal", "text")
    .addColumn("reason", "text")
    .addColumn("message", "text")
    .addColumn("hint", "text")
    .addColumn("log_tail", "text")
    .addColumn("peak_memory_bytes", "bigint")
    .execute();
  // One index per list filter; ids sort by creation time, so (filter, id) serves keyset pages.
  await db.schema.createIndex("jobs_state").on("jobs").columns(["state", "id"]).execute();
  await db.schema.createIndex("jobs_user").on("jobs").columns(["user_id", "id"]).execute();
  await db.schema.createIndex("jobs_name").on("jobs").columns(["name", "id"]).execute();
  await db.schema.createIndex("jobs_name_finished").on("jobs").columns(["name", "state", "finished_at"]).execute();

  await db.schema
    .createTable("job_events")
    .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", autoId)
    .addColumn("job_id", "text", (c) => c.notNull())
    .addColumn("from_state", "text")
    .addColumn("to_state", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("detail", "text")
    .execute();
  await db.schema.createIndex("job_events_job").on("job_events").columns(["job_id", "id"]).execute();

  await db.schema
    .createTable("job_labels")
    .addColumn("job_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("job_labels_pk", ["job_id", "key"])
    .execute();
  await db.schema.createIndex("job_labels_kv").on("job_labels").columns(["key", "value", "job_id"]).execute();

  await db.schema
    .createTable("kv")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
}
