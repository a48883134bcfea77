import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// Secrets (a person's or a team's, sealed), the values each job was given (sealed, so its log
// can be masked however the secrets change later), and access keys for S3-style clients
// (their secret sealed too: a request signature is checked with it, so a hash would not do).
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("secrets")
    .addColumn("id", "text", (c) => c.primaryKey())
    // "user:<user id>" or "team:<team id>": one namespace of names per person and per team.
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("sealed", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("set_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("secrets_scope_name").on("secrets").columns(["scope", "name"]).unique().execute();
  await db.schema.createIndex("secrets_key").on("secrets").columns(["key_id"]).execute();

  await db.schema
    .createTable("job_secret_values")
    .addColumn("job_id", "text", (c) => c.primaryKey())
    .addColumn("sealed", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("job_secret_values_key").on("job_secret_values").columns(["key_id"]).execute();

  await db.schema
    .createTable("access_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("sealed", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("access_keys_user").on("access_keys").columns(["user_id", "id"]).execute();
  await db.schema.createIndex("access_keys_key").on("access_keys").columns(["key_id"]).execute();
}
