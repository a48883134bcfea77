import type { Kysely } from "kysely";

// Workspaces (see src/workspaces/tables.ts): one row per workspace, kept across its sessions;
// each session is a job (`job_id`, the latest). Events record every lifecycle transition.
// Team settings hold what a team's Keepers set for its workspaces (idle stop).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("workspaces")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("app", "text", (c) => c.notNull())
    .addColumn("spec", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("job_id", "text")
    .addColumn("app_token", "text", (c) => c.notNull())
    .addColumn("stop_reason", "text")
    .addColumn("message", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("started_at", "bigint")
    .addColumn("last_active_at", "bigint")
    .addColumn("stop_at", "bigint")
    .addUniqueConstraint("workspaces_owner_name", ["user_id", "name"])
    .execute();
  await db.schema.createIndex("workspaces_state").on("workspaces").columns(["state"]).execute();
  await db.schema.createIndex("workspaces_team").on("workspaces").columns(["team_id", "id"]).execute();
  // Every job's change is looked up here (is it a workspace's session?).
  await db.schema.createIndex("workspaces_job").on("workspaces").columns(["job_id"]).execute();

  await db.schema
    .createTable("workspace_events")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("from_state", "text")
    .addColumn("to_state", "text", (c) => c.notNull())
    .addColumn("detail", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("workspace_events_of").on("workspace_events").columns(["workspace_id", "at"]).execute();

  await db.schema
    .createTable("workspace_team_settings")
    .addColumn("team_id", "text", (c) => c.primaryKey())
    .addColumn("idle_stop_seconds", "integer", (c) => c.notNull())
    .addColumn("max_lifetime_seconds", "integer")
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
}
