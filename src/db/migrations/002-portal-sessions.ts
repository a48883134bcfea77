import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// Browser sessions (one row per signed-in browser, any sign-in method) and the portal's
// Start-here milestones.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id", "id"]).execute();

  await db.schema
    .createTable("portal_progress")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("portal_progress_pk", ["user_id", "step"])
    .execute();
}
