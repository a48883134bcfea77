import type { DB } from "../../db/database.ts";
import type { NamedEnvironmentsTable, NamedEnvironmentUsesTable, NamedEnvironmentVersionsTable } from "./tables.ts";

/** The named environments' tables, and only those. */
export class NamedEnvironmentStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  named(teamId: string, name: string): Promise<NamedEnvironmentsTable | undefined> {
    return this.#db.selectFrom("named_environments").selectAll().where("team_id", "=", teamId).where("name", "=", name).executeTakeFirst();
  }

  /** The environments of these teams, by team then name. */
  inTeams(teamIds: string[]): Promise<NamedEnvironmentsTable[]> {
    if (teamIds.length === 0) return Promise.resolve([]);
    return this.#db.selectFrom("named_environments").selectAll().where("team_id", "in", teamIds).orderBy("team_id").orderBy("name").execute();
  }

  all(): Promise<NamedEnvironmentsTable[]> {
    return this.#db.selectFrom("named_environments").selectAll().orderBy("team_id").orderBy("name").execute();
  }

  version(environmentId: string, version: number): Promise<NamedEnvironmentVersionsTable | undefined> {
    return this.#db.selectFrom("named_environment_versions").selectAll().where("environment_id", "=", environmentId).where("version", "=", version).executeTakeFirst();
  }

  /** Every version of one environment, newest first. */
  versions(environmentId: string): Promise<NamedEnvironmentVersionsTable[]> {
    return this.#db.selectFrom("named_environment_versions").selectAll().where("environment_id", "=", environmentId).orderBy("version", "desc").execute();
  }

  /** The latest version of each of these environments. */
  async latestOf(environments: NamedEnvironmentsTable[]): Promise<Map<string, NamedEnvironmentVersionsTable>> {
    const out = new Map<string, NamedEnvironmentVersionsTable>();
    if (environments.length === 0) return out;
    const rows = await this.#db
      .selectFrom("named_environment_versions")
      .selectAll()
      .where((eb) => eb.or(environments.map((e) => eb.and([eb("environment_id", "=", e.id), eb("version", "=", e.latest_version)]))))
      .execute();
    for (const row of rows) out.set(row.environment_id, row);
    return out;
  }

  /**
   * Adds a name with its first version, or a version to a name, in one transaction. The
   * version number comes from the row, so two publishers at once get two numbers, never one.
   */
  async publish(create: NamedEnvironmentsTable | null, environmentId: string, version: Omit<NamedEnvironmentVersionsTable, "environment_id" | "version">, description: string | undefined): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      if (create) {
        await trx.insertInto("named_environments").values(create).execute();
      } else {
        await trx
          .updateTable("named_environments")
          .set((eb) => ({ latest_version: eb("latest_version", "+", 1), updated_at: version.created_at, ...(description !== undefined && { description }) }))
          .where("id", "=", environmentId)
          .execute();
      }
      const { latest_version } = await trx.selectFrom("named_environments").select("latest_version").where("id", "=", environmentId).executeTakeFirstOrThrow();
      await trx
        .insertInto("named_environment_versions")
        .values({ ...version, environment_id: environmentId, version: latest_version })
        .execute();
      return latest_version;
    });
  }

  async setDescription(environmentId: string, description: string, at: number): Promise<void> {
    await this.#db.updateTable("named_environments").set({ description, updated_at: at }).where("id", "=", environmentId).execute();
  }

  /** Removes a name, its versions and the record of its uses (the jobs keep what they were pinned to). */
  async remove(environmentId: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom("named_environment_uses").where("environment_id", "=", environmentId).execute();
      await trx.deleteFrom("named_environment_versions").where("environment_id", "=", environmentId).execute();
      await trx.deleteFrom("named_environments").where("id", "=", environmentId).execute();
    });
  }

  async recordUse(row: NamedEnvironmentUsesTable): Promise<void> {
    // A job is submitted once; a repeated record (a retry of the insert) changes nothing.
    await this.#db.insertInto("named_environment_uses").values(row).onConflict((oc) => oc.column("job_id").doNothing()).execute();
  }

  /** The jobs that used an environment lately, newest first. */
  recentUses(environmentId: string, limit: number): Promise<NamedEnvironmentUsesTable[]> {
    return this.#db.selectFrom("named_environment_uses").selectAll().where("environment_id", "=", environmentId).orderBy("used_at", "desc").limit(limit).execute();
  }
}
