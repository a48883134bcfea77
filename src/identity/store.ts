import type { DB } from "../db/database.ts";
import type { ApiTokensTable, TeamMembersTable, TeamRole, TeamsTable, UsersTable } from "./tables.ts";

export type TokenWithUser = ApiTokensTable & { user_name: string; user_role: UsersTable["role"]; user_removed_at: number | null };

/** People, their API tokens, teams and who belongs to which. */
export class IdentityStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  countUsers(): Promise<number> {
    return this.#db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  insertUser(user: UsersTable): Promise<unknown> {
    return this.#db.insertInto("users").values(user).execute();
  }

  updateUser(id: string, patch: Partial<Omit<UsersTable, "id" | "name" | "created_at">>): Promise<unknown> {
    return this.#db.updateTable("users").set(patch).where("id", "=", id).execute();
  }

  userById(id: string): Promise<UsersTable | undefined> {
    return this.#db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  userByName(name: string): Promise<UsersTable | undefined> {
    return this.#db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  }

  listUsers(includeRemoved = false): Promise<UsersTable[]> {
    let q = this.#db.selectFrom("users").selectAll();
    if (!includeRemoved) q = q.where("removed_at", "is", null);
    return q.orderBy("name").execute();
  }

  countActiveAdmins(): Promise<number> {
    return this.#db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("role", "=", "admin")
      .where("removed_at", "is", null)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  insertToken(token: ApiTokensTable): Promise<unknown> {
    return this.#db.insertInto("api_tokens").values(token).execute();
  }

  tokenByHash(hash: string): Promise<TokenWithUser | undefined> {
    return this.#db
      .selectFrom("api_tokens")
      .innerJoin("users", "users.id", "api_tokens.user_id")
      .selectAll("api_tokens")
      .select(["users.name as user_name", "users.role as user_role", "users.removed_at as user_removed_at"])
      .where("token_hash", "=", hash)
      .executeTakeFirst();
  }

  async isTokenActive(id: string, now: number): Promise<boolean> {
    const row = await this.#db
      .selectFrom("api_tokens")
      .select("id")
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .executeTakeFirst();
    return row !== undefined;
  }

  tokensOf(userId: string): Promise<ApiTokensTable[]> {
    return this.#db.selectFrom("api_tokens").selectAll().where("user_id", "=", userId).orderBy("id", "desc").execute();
  }

  async revokeToken(userId: string, id: string, at: number): Promise<boolean> {
    const r = await this.#db
      .updateTable("api_tokens")
      .set({ revoked_at: at })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Revokes every live token of a person; returns the ids revoked. */
  async revokeAllTokensOf(userId: string, at: number): Promise<string[]> {
    const live = await this.#db.selectFrom("api_tokens").select("id").where("user_id", "=", userId).where("revoked_at", "is", null).execute();
    if (live.length === 0) return [];
    await this.#db.updateTable("api_tokens").set({ revoked_at: at }).where("user_id", "=", userId).where("revoked_at", "is", null).execute();
    return live.map((t) => t.id);
  }

  touchToken(id: string, at: number): Promise<unknown> {
    return this.#db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", id).execute();
  }

  // Teams and memberships.

  insertTeam(team: TeamsTable): Promise<unknown> {
    return this.#db.insertInto("teams").values(team).execute();
  }

  teamByName(name: string): Promise<TeamsTable | undefined> {
    return this.#db.selectFrom("teams").selectAll().where("name", "=", name).executeTakeFirst();
  }

  teamById(id: string): Promise<TeamsTable | undefined> {
    return this.#db.selectFrom("teams").selectAll().where("id", "=", id).executeTakeFirst();
  }

  listTeams(): Promise<Array<TeamsTable & { members: number }>> {
    return this.#db
      .selectFrom("teams")
      .leftJoin("team_members", "team_members.team_id", "teams.id")
      .selectAll("teams")
      .select((eb) => eb.fn.count<number>("team_members.user_id").as("members"))
      .groupBy(["teams.id", "teams.name", "teams.description", "teams.created_at"])
      .orderBy("teams.name")
      .execute();
  }

  membershipsOf(userId: string): Promise<Array<TeamMembersTable & { team_name: string }>> {
    return this.#db
      .selectFrom("team_members")
      .innerJoin("teams", "teams.id", "team_members.team_id")
      .selectAll("team_members")
      .select("teams.name as team_name")
      .where("team_members.user_id", "=", userId)
      .orderBy("teams.name")
      .execute();
  }

  /** Every membership, for the people list: one query rather than one per person. */
  allMemberships(): Promise<Array<{ user_id: string; team_name: string; role: TeamRole }>> {
    return this.#db
      .selectFrom("team_members")
      .innerJoin("teams", "teams.id", "team_members.team_id")
      .select(["team_members.user_id", "teams.name as team_name", "team_members.role"])
      .orderBy("teams.name")
      .execute();
  }

  membersOf(teamId: string): Promise<Array<TeamMembersTable & { user_name: string; display_name: string | null }>> {
    return this.#db
      .selectFrom("team_members")
      .innerJoin("users", "users.id", "team_members.user_id")
      .selectAll("team_members")
      .select(["users.name as user_name", "users.display_name"])
      .where("team_members.team_id", "=", teamId)
      .orderBy("users.name")
      .execute();
  }

  async setMembership(row: TeamMembersTable): Promise<void> {
    await this.#db
      .insertInto("team_members")
      .values(row)
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doUpdateSet({ role: row.role, source: row.source }))
      .execute();
  }

  async removeMembership(teamId: string, userId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom("team_members").where("team_id", "=", teamId).where("user_id", "=", userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  removeAllMembershipsOf(userId: string): Promise<unknown> {
    return this.#db.deleteFrom("team_members").where("user_id", "=", userId).execute();
  }
}
