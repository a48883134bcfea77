import type { DB } from "../../db/database.ts";
import type { TrackingModelAliasesTable, TrackingModelVersionsTable, TrackingRegisteredModelsTable } from "./tables.ts";

// The model registry's tables, and only those: registered models, their tags and aliases, their
// versions and the versions' tags. Who may see what is the registry's business.

export type Tag = { key: string; value: string };
export type VersionKey = { registered_model_id: string; version: number };

/** Two creations of a version at once chose the same number; the later one tries the next. */
const VERSION_ATTEMPTS = 5;

export class RegistryStore {
  readonly db: DB;

  constructor(db: DB) {
    this.db = db;
  }

  // ---- registered models ----

  async createRegisteredModel(row: TrackingRegisteredModelsTable, tags: Tag[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("tracking_registered_models").values(row).execute();
      const unique = [...new Map(tags.map((t) => [t.key, t.value]))];
      if (unique.length > 0) await trx.insertInto("tracking_registered_model_tags").values(unique.map(([key, value]) => ({ registered_model_id: row.id, key, value }))).execute();
    });
  }

  registeredModelsNamed(name: string): Promise<TrackingRegisteredModelsTable[]> {
    return this.db.selectFrom("tracking_registered_models").selectAll().where("name", "=", name).orderBy("id").execute();
  }

  registeredModelIn(teamId: string, name: string): Promise<TrackingRegisteredModelsTable | undefined> {
    return this.db.selectFrom("tracking_registered_models").selectAll().where("team_id", "=", teamId).where("name", "=", name).executeTakeFirst();
  }

  async updateRegisteredModel(id: string, change: Partial<Pick<TrackingRegisteredModelsTable, "name" | "description">>, now: number): Promise<void> {
    await this.db
      .updateTable("tracking_registered_models")
      .set({ ...change, last_update_time: now })
      .where("id", "=", id)
      .execute();
  }

  /** Deletes a registered model with its versions, tags and aliases, in one transaction. */
  async deleteRegisteredModel(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const table of ["tracking_model_aliases", "tracking_model_version_tags", "tracking_model_versions", "tracking_registered_model_tags"] as const) {
        await trx.deleteFrom(table).where("registered_model_id", "=", id).execute();
      }
      await trx.deleteFrom("tracking_registered_models").where("id", "=", id).execute();
    });
  }

  async setRegisteredModelTag(id: string, tag: Tag): Promise<void> {
    await this.db
      .insertInto("tracking_registered_model_tags")
      .values({ registered_model_id: id, ...tag })
      .onConflict((oc) => oc.columns(["registered_model_id", "key"]).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteRegisteredModelTag(id: string, key: string): Promise<boolean> {
    const r = await this.db.deleteFrom("tracking_registered_model_tags").where("registered_model_id", "=", id).where("key", "=", key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Tags and aliases of these registered models, by id. */
  async registeredModelData(ids: string[]): Promise<Map<string, { tags: Tag[]; aliases: Array<{ alias: string; version: number }> }>> {
    const out = new Map(ids.map((id) => [id, { tags: [] as Tag[], aliases: [] as Array<{ alias: string; version: number }> }]));
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const [tags, aliases] = await Promise.all([
        this.db.selectFrom("tracking_registered_model_tags").selectAll().where("registered_model_id", "in", batch).orderBy("key").execute(),
        this.db.selectFrom("tracking_model_aliases").selectAll().where("registered_model_id", "in", batch).orderBy("alias").execute(),
      ]);
      for (const t of tags) out.get(t.registered_model_id)?.tags.push({ key: t.key, value: t.value });
      for (const a of aliases) out.get(a.registered_model_id)?.aliases.push({ alias: a.alias, version: Number(a.version) });
    }
    return out;
  }

  /** The newest version in each stage of these registered models (MLflow's latest_versions). */
  async latestVersions(ids: string[]): Promise<Map<string, TrackingModelVersionsTable[]>> {
    const out = new Map(ids.map((id) => [id, [] as TrackingModelVersionsTable[]]));
    for (let i = 0; i < ids.length; i += 500) {
      const newest = this.db
        .selectFrom("tracking_model_versions")
        .select(["registered_model_id", "current_stage"])
        .select((eb) => eb.fn.max("version").as("version"))
        .where("registered_model_id", "in", ids.slice(i, i + 500))
        .where("deleted", "=", 0)
        .groupBy(["registered_model_id", "current_stage"])
        .as("newest");
      const rows = await this.db
        .selectFrom("tracking_model_versions")
        .innerJoin(newest, (join) => join.onRef("newest.registered_model_id", "=", "tracking_model_versions.registered_model_id").onRef("newest.version", "=", "tracking_model_versions.version"))
        .selectAll("tracking_model_versions")
        .orderBy("tracking_model_versions.version")
        .execute();
      for (const r of rows) out.get(r.registered_model_id)?.push(r);
    }
    return out;
  }

  // ---- versions ----

  /**
   * Adds a version numbered one above the highest the model ever had (deleted ones count), and
   * its tags, and touches the model, in one transaction.
   */
  async createVersion(row: Omit<TrackingModelVersionsTable, "version">, tags: Tag[]): Promise<TrackingModelVersionsTable> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const top = await trx
            .selectFrom("tracking_model_versions")
            .select((eb) => eb.fn.max("version").as("version"))
            .where("registered_model_id", "=", row.registered_model_id)
            .executeTakeFirst();
          const full: TrackingModelVersionsTable = { ...row, version: Number(top?.version ?? 0) + 1 };
          await trx.insertInto("tracking_model_versions").values(full).execute();
          const unique = [...new Map(tags.map((t) => [t.key, t.value]))];
          if (unique.length > 0) {
            await trx
              .insertInto("tracking_model_version_tags")
              .values(unique.map(([key, value]) => ({ registered_model_id: full.registered_model_id, version: full.version, key, value })))
              .execute();
          }
          await trx.updateTable("tracking_registered_models").set({ last_update_time: row.creation_time }).where("id", "=", row.registered_model_id).execute();
          return full;
        });
      } catch (err) {
        if (attempt >= VERSION_ATTEMPTS) throw err;
      }
    }
  }

  /** A version that is not deleted. */
  version(key: VersionKey): Promise<TrackingModelVersionsTable | undefined> {
    return this.db
      .selectFrom("tracking_model_versions")
      .selectAll()
      .where("registered_model_id", "=", key.registered_model_id)
      .where("version", "=", key.version)
      .where("deleted", "=", 0)
      .executeTakeFirst();
  }

  async updateVersion(key: VersionKey, change: Partial<Pick<TrackingModelVersionsTable, "description" | "current_stage">>, now: number, touchModel = false): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("tracking_model_versions")
        .set({ ...change, last_update_time: now })
        .where("registered_model_id", "=", key.registered_model_id)
        .where("version", "=", key.version)
        .execute();
      if (touchModel) await trx.updateTable("tracking_registered_models").set({ last_update_time: now }).where("id", "=", key.registered_model_id).execute();
    });
  }

  /** Moves every other version in `stage` to Archived (transition_model_version_stage's archive_existing_versions). */
  async archiveOthers(key: VersionKey, stage: string, now: number): Promise<void> {
    await this.db
      .updateTable("tracking_model_versions")
      .set({ current_stage: "Archived", last_update_time: now })
      .where("registered_model_id", "=", key.registered_model_id)
      .where("version", "<>", key.version)
      .where("current_stage", "=", stage)
      .where("deleted", "=", 0)
      .execute();
  }

  /** Leaves a tombstone (so the number is not given again), drops its tags and aliases, touches the model. */
  async deleteVersion(key: VersionKey, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("tracking_model_versions")
        .set({ deleted: 1, last_update_time: now, description: null, source: "", storage_location: "", run_id: null, model_id: null, run_link: null })
        .where("registered_model_id", "=", key.registered_model_id)
        .where("version", "=", key.version)
        .execute();
      for (const table of ["tracking_model_version_tags", "tracking_model_aliases"] as const) {
        await trx.deleteFrom(table).where("registered_model_id", "=", key.registered_model_id).where("version", "=", key.version).execute();
      }
      await trx.updateTable("tracking_registered_models").set({ last_update_time: now }).where("id", "=", key.registered_model_id).execute();
    });
  }

  async setVersionTag(key: VersionKey, tag: Tag): Promise<void> {
    await this.db
      .insertInto("tracking_model_version_tags")
      .values({ registered_model_id: key.registered_model_id, version: key.version, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(["registered_model_id", "version", "key"]).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteVersionTag(key: VersionKey, tagKey: string): Promise<void> {
    await this.db
      .deleteFrom("tracking_model_version_tags")
      .where("registered_model_id", "=", key.registered_model_id)
      .where("version", "=", key.version)
      .where("key", "=", tagKey)
      .execute();
  }

  /** Tags and aliases of these versions, by `<registered model id>/<version>`. */
  async versionData(keys: VersionKey[]): Promise<Map<string, { tags: Tag[]; aliases: string[] }>> {
    const out = new Map(keys.map((k) => [versionKey(k), { tags: [] as Tag[], aliases: [] as string[] }]));
    const ids = [...new Set(keys.map((k) => k.registered_model_id))];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const [tags, aliases] = await Promise.all([
        this.db.selectFrom("tracking_model_version_tags").selectAll().where("registered_model_id", "in", batch).orderBy("key").execute(),
        this.db.selectFrom("tracking_model_aliases").selectAll().where("registered_model_id", "in", batch).orderBy("alias").execute(),
      ]);
      for (const t of tags) out.get(versionKey(t))?.tags.push({ key: t.key, value: t.value });
      for (const a of aliases) out.get(versionKey(a))?.aliases.push(a.alias);
    }
    return out;
  }

  // ---- aliases ----

  async setAlias(row: TrackingModelAliasesTable): Promise<void> {
    await this.db
      .insertInto("tracking_model_aliases")
      .values(row)
      .onConflict((oc) => oc.columns(["registered_model_id", "alias"]).doUpdateSet({ version: row.version }))
      .execute();
  }

  async deleteAlias(registeredModelId: string, alias: string): Promise<void> {
    await this.db.deleteFrom("tracking_model_aliases").where("registered_model_id", "=", registeredModelId).where("alias", "=", alias).execute();
  }

  async alias(registeredModelId: string, alias: string): Promise<number | undefined> {
    const row = await this.db.selectFrom("tracking_model_aliases").select("version").where("registered_model_id", "=", registeredModelId).where("alias", "=", alias).executeTakeFirst();
    return row === undefined ? undefined : Number(row.version);
  }
}

export const versionKey = (k: VersionKey) => `${k.registered_model_id}/${Number(k.version)}`;
