import type { DB } from "../../db/database.ts";
import type { SshKeysTable } from "./tables.ts";

export class SshKeyStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  /** Inserts the key; false when a key with its fingerprint is already there (kept as it is). */
  async insert(row: SshKeysTable): Promise<boolean> {
    const r = await this.#db.insertInto("ssh_keys").values(row).onConflict((oc) => oc.column("fingerprint").doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  byId(id: string): Promise<SshKeysTable | undefined> {
    return this.#db.selectFrom("ssh_keys").selectAll().where("id", "=", id).executeTakeFirst();
  }

  byFingerprint(fingerprint: string): Promise<SshKeysTable | undefined> {
    return this.#db.selectFrom("ssh_keys").selectAll().where("fingerprint", "=", fingerprint).executeTakeFirst();
  }

  of(userId: string): Promise<SshKeysTable[]> {
    return this.#db.selectFrom("ssh_keys").selectAll().where("user_id", "=", userId).orderBy("id").execute();
  }

  /** The keys of these people (all keys when null), oldest first per person. */
  ofUsers(userIds: readonly string[] | null): Promise<SshKeysTable[]> {
    if (userIds !== null && userIds.length === 0) return Promise.resolve([]);
    let q = this.#db.selectFrom("ssh_keys").selectAll();
    if (userIds !== null) q = q.where("user_id", "in", userIds);
    return q.orderBy("user_id").orderBy("id").execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom("ssh_keys").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async deleteAllOf(userId: string): Promise<number> {
    const r = await this.#db.deleteFrom("ssh_keys").where("user_id", "=", userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
