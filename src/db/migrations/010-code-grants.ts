import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// Who may use which uploaded code: a person who sent a file's bytes (or registered a bundle
// of files they sent) may run it; knowing its hash is not enough. Code uploaded before this
// has no grants: its jobs can still be retried, and a new upload grants it again.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("code_grants")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("code_grants_pk", ["kind", "hash", "user_id"])
    .execute();
}
