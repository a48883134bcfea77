import type { DB } from "../../db/database.ts";
import type { JobSecretValuesTable, SecretsTable } from "./tables.ts";

/** The secrets module's tables, and only those. */
export class SecretStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  get(scope: string, name: string): Promise<SecretsTable | undefined> {
    return this.#db.selectFrom("secrets").selectAll().where("scope", "=", scope).where("name", "=", name).executeTakeFirst();
  }

  /** The first of `scopes` (in order) holding each name. */
  async resolve(scopes: string[], names: string[]): Promise<Map<string, SecretsTable>> {
    const found = new Map<string, SecretsTable>();
    if (scopes.length === 0 || names.length === 0) return found;
    const rows = await this.#db.selectFrom("secrets").selectAll().where("scope", "in", scopes).where("name", "in", names).execute();
    for (const scope of scopes) for (const row of rows) if (row.scope === scope && !found.has(row.name)) found.set(row.name, row);
    return found;
  }

  list(scopes: string[]): Promise<SecretsTable[]> {
    if (scopes.length === 0) return Promise.resolve([]);
    return this.#db.selectFrom("secrets").selectAll().where("scope", "in", scopes).orderBy("scope").orderBy("name").execute();
  }

  /** Inserts or replaces the value of (scope, name); returns the row as stored. */
  async upsert(row: SecretsTable): Promise<{ row: SecretsTable; created: boolean }> {
    const updated = await this.#db
      .updateTable("secrets")
      .set({ sealed: row.sealed, key_id: row.key_id, set_by: row.set_by, updated_at: row.updated_at })
      .where("id", "=", row.id)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return { row, created: false };
    await this.#db.insertInto("secrets").values(row).execute();
    return { row, created: true };
  }

  async remove(scope: string, name: string): Promise<boolean> {
    const r = await this.#db.deleteFrom("secrets").where("scope", "=", scope).where("name", "=", name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async removeScope(scope: string): Promise<number> {
    const r = await this.#db.deleteFrom("secrets").where("scope", "=", scope).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // ---- values given to jobs --------------------------------------------------------------

  async recordJobValues(row: JobSecretValuesTable): Promise<void> {
    // A job is launched once; a second launch after a restart finds the first record.
    await this.#db.deleteFrom("job_secret_values").where("job_id", "=", row.job_id).execute();
    await this.#db.insertInto("job_secret_values").values(row).execute();
  }

  jobValues(jobId: string): Promise<JobSecretValuesTable | undefined> {
    return this.#db.selectFrom("job_secret_values").selectAll().where("job_id", "=", jobId).executeTakeFirst();
  }

  // ---- for the key ring ------------------------------------------------------------------

  async keyIds(): Promise<string[]> {
    const a = await this.#db.selectFrom("secrets").select("key_id").distinct().execute();
    const b = await this.#db.selectFrom("job_secret_values").select("key_id").distinct().execute();
    return [...new Set([...a, ...b].map((r) => r.key_id))];
  }

  staleSecrets(currentKeyId: string): Promise<Array<Pick<SecretsTable, "id" | "sealed">>> {
    return this.#db.selectFrom("secrets").select(["id", "sealed"]).where("key_id", "<>", currentKeyId).execute();
  }

  staleJobValues(currentKeyId: string): Promise<Array<Pick<JobSecretValuesTable, "job_id" | "sealed">>> {
    return this.#db.selectFrom("job_secret_values").select(["job_id", "sealed"]).where("key_id", "<>", currentKeyId).execute();
  }

  /** Replaces a sealed value only if it is still the one that was re-sealed (a concurrent set wins). */
  async resealSecret(id: string, before: string, sealed: string, keyId: string): Promise<boolean> {
    const r = await this.#db.updateTable("secrets").set({ sealed, key_id: keyId }).where("id", "=", id).where("sealed", "=", before).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async resealJobValues(jobId: string, before: string, sealed: string, keyId: string): Promise<boolean> {
    const r = await this.#db.updateTable("job_secret_values").set({ sealed, key_id: keyId }).where("job_id", "=", jobId).where("sealed", "=", before).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
