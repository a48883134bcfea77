import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// The audit log: one row per change. No foreign keys: an event outlives the person, token or
// job it names. One index per list filter, each ending in the id, so every filter with its
// time bounds and keyset pages (newest first) is one index range scan.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("audit_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("actor_name", "text", (c) => c.notNull())
    .addColumn("credential_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_kind", "text", (c) => c.notNull())
    .addColumn("target_id", "text")
    .addColumn("target_name", "text")
    .addColumn("team_id", "text")
    .addColumn("before", "text")
    .addColumn("after", "text")
    .addColumn("client_address", "text")
    .addColumn("user_agent", "text")
    .execute();
  for (const column of ["actor_id", "actor_name", "action", "target_id", "target_name", "team_id"]) {
    await db.schema.createIndex(`audit_events_${column}`).on("audit_events").columns([column, "id"]).execute();
  }
}
