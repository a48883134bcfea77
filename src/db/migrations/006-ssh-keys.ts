import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// SSH public keys, each belonging to one person. A key's fingerprint is unique across the
// platform: the same key on two people would let one of them sign in to hosts as the other.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("ssh_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("bits", "integer", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull().unique())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("comment", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("added_by", "text", (c) => c.notNull().references("users.id"))
    .execute();
  await db.schema.createIndex("ssh_keys_user").on("ssh_keys").columns(["user_id", "id"]).execute();
}
