import type { Kysely } from "kysely";

// Named team environments (see src/environments/named/tables.ts): a name per team, its
// immutable numbered versions, each with the environment pinned when it was published, and
// which jobs used which version. No foreign keys, as elsewhere.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("named_environments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("owner_id", "text", (c) => c.notNull())
    .addColumn("latest_version", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("named_environments_team_name", ["team_id", "name"])
    .execute();

  await db.schema
    .createTable("named_environment_versions")
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("resolved", "text", (c) => c.notNull())
    .addColumn("published_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("named_environment_versions_pk", ["environment_id", "version"])
    .execute();

  await db.schema
    .createTable("named_environment_uses")
    .addColumn("job_id", "text", (c) => c.primaryKey())
    .addColumn("environment_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("used_at", "bigint", (c) => c.notNull())
    .execute();
  // An environment's page lists the jobs that used it lately, newest first.
  await db.schema.createIndex("named_environment_uses_recent").on("named_environment_uses").columns(["environment_id", "used_at"]).execute();
}
