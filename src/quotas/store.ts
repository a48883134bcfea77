import type { DB } from "../db/database.ts";
import type { QuotasTable } from "./tables.ts";

export class QuotaStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  all(): Promise<QuotasTable[]> {
    return this.#db.selectFrom("quotas").selectAll().orderBy("scope").orderBy("subject_id").execute();
  }

  get(scope: QuotasTable["scope"], subjectId: string): Promise<QuotasTable | undefined> {
    return this.#db.selectFrom("quotas").selectAll().where("scope", "=", scope).where("subject_id", "=", subjectId).executeTakeFirst();
  }

  async put(row: QuotasTable): Promise<void> {
    const { scope, subject_id, ...rest } = row;
    await this.#db
      .insertInto("quotas")
      .values(row)
      .onConflict((oc) => oc.columns(["scope", "subject_id"]).doUpdateSet(rest))
      .execute();
  }

  async remove(scope: QuotasTable["scope"], subjectId: string): Promise<boolean> {
    const r = await this.#db.deleteFrom("quotas").where("scope", "=", scope).where("subject_id", "=", subjectId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
