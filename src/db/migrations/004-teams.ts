import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// People get a profile and teams; jobs get a team and a visibility. Everyone already here
// joins the team `default` (platform admins as its admins), and every existing job becomes
// that team's, visible to the team, which is what every member could see before.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("teams")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("team_members")
    .addColumn("team_id", "text", (c) => c.notNull().references("teams.id"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("role", "text", (c) => c.notNull())
    // Who put the person there: "keeper" (by hand) or "sso" (a group claim, synced at each sign-in).
    .addColumn("source", "text", (c) => c.notNull().defaultTo("keeper"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("team_members_pk", ["team_id", "user_id"])
    .execute();
  await db.schema.createIndex("team_members_user").on("team_members").columns(["user_id", "team_id"]).execute();

  for (const column of ["display_name", "email", "password_hash", "unix_user", "primary_team_id"]) {
    await db.schema.alterTable("users").addColumn(column, "text").execute();
  }
  await db.schema.alterTable("users").addColumn("removed_at", "bigint").execute();
  await db.schema.alterTable("api_tokens").addColumn("scopes", "text").execute();

  await db.schema.alterTable("jobs").addColumn("team_id", "text").execute();
  await db.schema.alterTable("jobs").addColumn("visibility", "text", (c) => c.notNull().defaultTo("team")).execute();
  // The list filters of the policy: a team's jobs, and the public ones.
  await db.schema.createIndex("jobs_team").on("jobs").columns(["team_id", "id"]).execute();
  await db.schema.createIndex("jobs_visibility").on("jobs").columns(["visibility", "id"]).execute();

  const now = Date.now();
  const teamId = "team_default";
  await db.insertInto("teams").values({ id: teamId, name: "default", description: "Everyone who joined before teams existed, and anyone added without a team.", created_at: now }).execute();
  const users = await db.selectFrom("users").select(["id", "role"]).execute();
  for (const u of users) {
    await db.insertInto("team_members").values({ team_id: teamId, user_id: u.id, role: u.role === "admin" ? "admin" : "member", source: "keeper", created_at: now }).execute();
  }
  await db.updateTable("users").set({ primary_team_id: teamId }).execute();
  await db.updateTable("jobs").set({ team_id: teamId }).execute();
}
