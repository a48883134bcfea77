import type { DB } from "../../db/database.ts";
import type { AccessKeysTable } from "./tables.ts";

/** The access-keys table, and only it. */
export class AccessKeyStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  insert(row: AccessKeysTable): Promise<unknown> {
    return this.#db.insertInto("access_keys").values(row).execute();
  }

  get(id: string): Promise<AccessKeysTable | undefined> {
    return this.#db.selectFrom("access_keys").selectAll().where("id", "=", id).executeTakeFirst();
  }

  of(userId: string): Promise<AccessKeysTable[]> {
    return this.#db.selectFrom("access_keys").selectAll().where("user_id", "=", userId).orderBy("id").execute();
  }

  async revoke(id: string, userId: string | null, at: number): Promise<boolean> {
    let q = this.#db.updateTable("access_keys").set({ revoked_at: at }).where("id", "=", id).where("revoked_at", "is", null);
    if (userId !== null) q = q.where("user_id", "=", userId);
    return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
  }

  async revokeAllOf(userId: string, at: number): Promise<number> {
    const r = await this.#db.updateTable("access_keys").set({ revoked_at: at }).where("user_id", "=", userId).where("revoked_at", "is", null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  touch(id: string, at: number): Promise<unknown> {
    return this.#db.updateTable("access_keys").set({ last_used_at: at }).where("id", "=", id).execute();
  }

  async keyIds(): Promise<string[]> {
    return (await this.#db.selectFrom("access_keys").select("key_id").distinct().execute()).map((r) => r.key_id);
  }

  stale(currentKeyId: string): Promise<Array<Pick<AccessKeysTable, "id" | "sealed">>> {
    return this.#db.selectFrom("access_keys").select(["id", "sealed"]).where("key_id", "<>", currentKeyId).execute();
  }

  async reseal(id: string, before: string, sealed: string, keyId: string): Promise<boolean> {
    const r = await this.#db.updateTable("access_keys").set({ sealed, key_id: keyId }).where("id", "=", id).where("sealed", "=", before).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
