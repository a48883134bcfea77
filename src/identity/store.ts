import type { DB } from "../db/database.ts";
import type { ApiTokensTable, UsersTable } from "./tables.ts";

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

  userById(id: string): Promise<UsersTable | undefined> {
    return this.#db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  userByName(name: string): Promise<UsersTable | undefined> {
    return this.#db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  }

  listUsers(): Promise<UsersTable[]> {
    return this.#db.selectFrom("users").selectAll().orderBy("name").execute();
  }

  insertToken(token: ApiTokensTable): Promise<unknown> {
    return this.#db.insertInto("api_tokens").values(token).execute();
  }

  tokenByHash(hash: string): Promise<(ApiTokensTable & { user_name: string; user_role: UsersTable["role"] }) | undefined> {
    return this.#db
      .selectFrom("api_tokens")
      .innerJoin("users", "users.id", "api_tokens.user_id")
      .selectAll("api_tokens")
      .select(["users.name as user_name", "users.role as user_role"])
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

  touchToken(id: string, at: number): Promise<unknown> {
    return this.#db.updateTable("api_tokens").set({ last_used_at: at }).where("id", "=", id).execute();
  }
}
