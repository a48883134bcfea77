import type { DB } from "../db/database.ts";

/**
 * Who may use which uploaded code. The store keeps each file's bytes once for everyone, but
 * a person may use a file only after sending its bytes themselves (proof they have it), and
 * a bundle only after registering it from files they may use: a hash alone opens nothing.
 */
export class CodeGrants {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  async grant(kind: "blob" | "bundle", hash: string, userId: string, at: number): Promise<void> {
    await this.#db
      .insertInto("code_grants")
      .values({ kind, hash, user_id: userId, created_at: at })
      .onConflict((oc) => oc.columns(["kind", "hash", "user_id"]).doNothing())
      .execute();
  }

  async has(kind: "blob" | "bundle", hash: string, userId: string): Promise<boolean> {
    const row = await this.#db.selectFrom("code_grants").select("hash").where("kind", "=", kind).where("hash", "=", hash).where("user_id", "=", userId).executeTakeFirst();
    return row !== undefined;
  }

  /** Of these blobs, the ones the person may use. */
  async blobsOf(userId: string, hashes: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < hashes.length; i += 500) {
      const rows = await this.#db
        .selectFrom("code_grants")
        .select("hash")
        .where("kind", "=", "blob")
        .where("user_id", "=", userId)
        .where("hash", "in", hashes.slice(i, i + 500))
        .execute();
      for (const r of rows) out.add(r.hash);
    }
    return out;
  }
}
