import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from "kysely";
import type { DB } from "../db/database.ts";
import type { Tables } from "../db/tables.ts";
import { type OwnedColumns, type Subject, visibleWhere } from "../identity/policy.ts";
import type { DataBlobsTable, DatasetAliasesTable, DatasetFilesTable, DatasetsTable, DatasetVersionsTable, DataUploadsTable } from "./tables.ts";

// The data module's tables, and only those. Authorization is the service's: lists take the
// asker and filter by the policy's own SQL condition (`visibleWhere`), never by hand.

export const DATASET_COLUMNS: OwnedColumns = { owner: "datasets.owner_id", team: "datasets.team_id", visibility: "datasets.visibility" };
const BATCH = 500;

export interface DatasetFilter {
  visibleTo: Subject;
  q?: string | undefined;
  teamId?: string | undefined;
  limit: number;
  /** Keyset: the last dataset of the previous page (newest changed first). */
  after?: { updatedAt: number; id: string } | undefined;
}

/** A version row with the dataset it belongs to. */
export type VersionWithDataset = DatasetVersionsTable & { team_id: string; dataset_name: string };

type Eb = ExpressionBuilder<Tables, "datasets">;

export class DataStore {
  readonly #db: DB;
  readonly #postgres: boolean;
  constructor(db: DB) {
    this.#db = db;
    // PostgreSQL numbers its parameters ($1); SQLite does not (?).
    this.#postgres = db.selectNoFrom(sql.val(0).as("p")).compile().sql.includes("$1");
  }

  /**
   * Hashes (or other text) as one query parameter, for `in`: however many files a version has,
   * asking about them is one query, with no limit on parameters to split around.
   */
  #anyOf(values: readonly string[]): RawBuilder<string> {
    return this.#postgres ? sql<string>`(select unnest(${sql.val(values)}::text[]))` : sql<string>`(select value from json_each(${JSON.stringify(values)}))`;
  }

  get db(): DB {
    return this.#db;
  }

  // ---- datasets ------------------------------------------------------------------------

  dataset(id: string): Promise<DatasetsTable | undefined> {
    return this.#db.selectFrom("datasets").selectAll().where("id", "=", id).executeTakeFirst();
  }

  datasetIn(teamId: string, name: string): Promise<DatasetsTable | undefined> {
    return this.#db.selectFrom("datasets").selectAll().where("team_id", "=", teamId).where("name", "=", name).executeTakeFirst();
  }

  /** Datasets of this name in any team that the subject may read. */
  datasetsNamed(name: string, visibleTo: Subject): Promise<DatasetsTable[]> {
    let q = this.#db.selectFrom("datasets").selectAll().where("name", "=", name);
    const visible = visibleWhere(visibleTo, DATASET_COLUMNS);
    if (visible) q = q.where((eb: Eb) => visible(eb) as Expression<SqlBool>);
    return q.orderBy("id").execute();
  }

  list(filter: DatasetFilter): Promise<DatasetsTable[]> {
    let q = this.#db.selectFrom("datasets").selectAll();
    const visible = visibleWhere(filter.visibleTo, DATASET_COLUMNS);
    if (visible) q = q.where((eb: Eb) => sql<boolean>`(${visible(eb)}) is true`);
    if (filter.teamId) q = q.where("team_id", "=", filter.teamId);
    if (filter.q) {
      const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([sql<boolean>`name like ${like} escape '\\'`, sql<boolean>`lower(description) like ${like} escape '\\'`]));
    }
    const after = filter.after;
    if (after) q = q.where((eb) => eb.or([eb("updated_at", "<", after.updatedAt), eb.and([eb("updated_at", "=", after.updatedAt), eb("id", "<", after.id)])]));
    return q.orderBy("updated_at", "desc").orderBy("id", "desc").limit(filter.limit).execute();
  }

  async insertDataset(row: DatasetsTable): Promise<boolean> {
    const r = await this.#db
      .insertInto("datasets")
      .values(row)
      .onConflict((oc) => oc.columns(["team_id", "name"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async updateDataset(id: string, patch: Partial<Pick<DatasetsTable, "description" | "visibility" | "expectations" | "updated_at">>): Promise<void> {
    await this.#db.updateTable("datasets").set(patch).where("id", "=", id).execute();
  }

  /** Removes a dataset with its versions, files and aliases; its blobs are collected later. */
  async deleteDataset(id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const versions = trx.selectFrom("dataset_versions").select("id").where("dataset_id", "=", id);
      await trx.deleteFrom("dataset_files").where("version_id", "in", versions).execute();
      await trx.deleteFrom("dataset_aliases").where("dataset_id", "=", id).execute();
      await trx.deleteFrom("dataset_versions").where("dataset_id", "=", id).execute();
      await trx.deleteFrom("datasets").where("id", "=", id).execute();
    });
  }

  /** Makes a removed person's private datasets their team's; returns how many. */
  async handOverPrivate(userId: string): Promise<number> {
    const r = await this.#db.updateTable("datasets").set({ visibility: "team" }).where("owner_id", "=", userId).where("visibility", "=", "private").executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  // ---- versions ------------------------------------------------------------------------

  versions(datasetId: string, limit: number): Promise<DatasetVersionsTable[]> {
    return this.#db.selectFrom("dataset_versions").selectAll().where("dataset_id", "=", datasetId).orderBy("number", "desc").limit(limit).execute();
  }

  versionByNumber(datasetId: string, number: number): Promise<DatasetVersionsTable | undefined> {
    return this.#db.selectFrom("dataset_versions").selectAll().where("dataset_id", "=", datasetId).where("number", "=", number).executeTakeFirst();
  }

  version(id: string): Promise<DatasetVersionsTable | undefined> {
    return this.#db.selectFrom("dataset_versions").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Versions whose digest starts with this hex, newest first (a few: enough to tell an ambiguous prefix). */
  versionsByDigest(datasetId: string, prefix: string): Promise<DatasetVersionsTable[]> {
    return this.#db
      .selectFrom("dataset_versions")
      .selectAll()
      .where("dataset_id", "=", datasetId)
      .where("digest", ">=", prefix)
      .where("digest", "<", `${prefix}g`)
      .orderBy("number", "desc")
      .limit(20)
      .execute();
  }

  latestVersion(datasetId: string): Promise<DatasetVersionsTable | undefined> {
    return this.#db.selectFrom("dataset_versions").selectAll().where("dataset_id", "=", datasetId).orderBy("number", "desc").limit(1).executeTakeFirst();
  }

  /** The newest version of each of these datasets. */
  async latestOf(datasetIds: string[]): Promise<Map<string, DatasetVersionsTable>> {
    const out = new Map<string, DatasetVersionsTable>();
    for (let i = 0; i < datasetIds.length; i += BATCH) {
      const ids = datasetIds.slice(i, i + BATCH);
      const rows = await this.#db
        .selectFrom("dataset_versions as v")
        .selectAll("v")
        .where("v.dataset_id", "in", ids)
        .where("v.number", "=", (eb) => eb.selectFrom("dataset_versions as w").select((w) => w.fn.max("w.number").as("n")).whereRef("w.dataset_id", "=", "v.dataset_id"))
        .execute();
      for (const r of rows) out.set(r.dataset_id, r);
    }
    return out;
  }

  /**
   * Inserts a version with its files and points `latest` and the tags at it, in one
   * transaction. The number is the next free one; false when another push took it first.
   */
  async insertVersion(version: DatasetVersionsTable, files: DatasetFilesTable[], aliases: string[]): Promise<boolean> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx.insertInto("dataset_versions").values(version).execute();
        for (let i = 0; i < files.length; i += BATCH) await trx.insertInto("dataset_files").values(files.slice(i, i + BATCH)).execute();
        for (const alias of aliases) {
          const row: DatasetAliasesTable = { dataset_id: version.dataset_id, alias, version_id: version.id, updated_at: version.created_at, updated_by: version.created_by };
          await trx
            .insertInto("dataset_aliases")
            .values(row)
            .onConflict((oc) => oc.columns(["dataset_id", "alias"]).doUpdateSet({ version_id: row.version_id, updated_at: row.updated_at, updated_by: row.updated_by }))
            .execute();
        }
        await trx.updateTable("datasets").set({ updated_at: version.created_at, last_version: version.number }).where("id", "=", version.dataset_id).execute();
      });
      return true;
    } catch (err) {
      if (await this.versionByNumber(version.dataset_id, version.number)) return false;
      throw err;
    }
  }

  /** Deletes a version, its files and the aliases on it; `latest` moves to the newest left. */
  async deleteVersion(version: DatasetVersionsTable, by: string, now: number): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom("dataset_files").where("version_id", "=", version.id).execute();
      await trx.deleteFrom("dataset_aliases").where("version_id", "=", version.id).execute();
      await trx.deleteFrom("dataset_versions").where("id", "=", version.id).execute();
      const newest = await trx
        .selectFrom("dataset_versions")
        .select("id")
        .where("dataset_id", "=", version.dataset_id)
        .orderBy("number", "desc")
        .limit(1)
        .executeTakeFirst();
      if (newest) {
        await trx
          .insertInto("dataset_aliases")
          .values({ dataset_id: version.dataset_id, alias: "latest", version_id: newest.id, updated_at: now, updated_by: by })
          .onConflict((oc) => oc.columns(["dataset_id", "alias"]).doUpdateSet({ version_id: newest.id, updated_at: now, updated_by: by }))
          .execute();
      }
      await trx.updateTable("datasets").set({ updated_at: now }).where("id", "=", version.dataset_id).execute();
    });
  }

  files(versionId: string): Promise<DatasetFilesTable[]> {
    return this.#db.selectFrom("dataset_files").selectAll().where("version_id", "=", versionId).orderBy("path").execute();
  }

  file(versionId: string, path: string): Promise<DatasetFilesTable | undefined> {
    return this.#db.selectFrom("dataset_files").selectAll().where("version_id", "=", versionId).where("path", "=", path).executeTakeFirst();
  }

  /** Profiles already computed for these blobs (a blob is profiled once). */
  async profilesOf(sha256s: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (sha256s.length === 0) return out;
    const rows = await this.#db.selectFrom("dataset_files").select(["sha256", "profile"]).where("sha256", "in", this.#anyOf(sha256s)).where("profile", "is not", null).execute();
    for (const r of rows) out.set(r.sha256, r.profile!);
    return out;
  }

  // ---- aliases -------------------------------------------------------------------------

  aliases(datasetId: string): Promise<Array<DatasetAliasesTable & { number: number }>> {
    return this.#db
      .selectFrom("dataset_aliases as a")
      .innerJoin("dataset_versions as v", "v.id", "a.version_id")
      .selectAll("a")
      .select("v.number")
      .where("a.dataset_id", "=", datasetId)
      .orderBy("a.alias")
      .execute();
  }

  alias(datasetId: string, alias: string): Promise<DatasetAliasesTable | undefined> {
    return this.#db.selectFrom("dataset_aliases").selectAll().where("dataset_id", "=", datasetId).where("alias", "=", alias).executeTakeFirst();
  }

  async setAlias(row: DatasetAliasesTable): Promise<void> {
    await this.#db
      .insertInto("dataset_aliases")
      .values(row)
      .onConflict((oc) => oc.columns(["dataset_id", "alias"]).doUpdateSet({ version_id: row.version_id, updated_at: row.updated_at, updated_by: row.updated_by }))
      .execute();
  }

  async removeAlias(datasetId: string, alias: string): Promise<boolean> {
    const r = await this.#db.deleteFrom("dataset_aliases").where("dataset_id", "=", datasetId).where("alias", "=", alias).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- blobs and who may name them -----------------------------------------------------

  /** Records a stored blob; storing it again restarts its grace period before collection. */
  async recordBlob(row: DataBlobsTable): Promise<void> {
    await this.#db
      .insertInto("data_blobs")
      .values(row)
      .onConflict((oc) => oc.column("sha256").doUpdateSet({ created_at: row.created_at }))
      .execute();
  }

  async blobSizes(sha256s: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (sha256s.length === 0) return out;
    const rows = await this.#db.selectFrom("data_blobs").select(["sha256", "size"]).where("sha256", "in", this.#anyOf(sha256s)).execute();
    for (const r of rows) out.set(r.sha256, r.size);
    return out;
  }

  async grant(userId: string, sha256: string, at: number): Promise<void> {
    await this.#db
      .insertInto("data_blob_grants")
      .values({ user_id: userId, sha256, created_at: at })
      .onConflict((oc) => oc.columns(["user_id", "sha256"]).doNothing())
      .execute();
  }

  /** Of these blobs, those the person sent themselves. */
  async grantedTo(userId: string, sha256s: string[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set();
    const rows = await this.#db.selectFrom("data_blob_grants").select("sha256").where("user_id", "=", userId).where("sha256", "in", this.#anyOf(sha256s)).execute();
    return new Set(rows.map((r) => r.sha256));
  }

  /** Of these blobs, those in a version of a dataset the subject may read. */
  async readableBlobs(subject: Subject, sha256s: string[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set();
    const visible = visibleWhere(subject, DATASET_COLUMNS);
    let q = this.#db
      .selectFrom("dataset_files as f")
      .innerJoin("dataset_versions", "dataset_versions.id", "f.version_id")
      .innerJoin("datasets", "datasets.id", "dataset_versions.dataset_id")
      .select("f.sha256")
      .distinct()
      .where("f.sha256", "in", this.#anyOf(sha256s));
    if (visible) q = q.where((eb) => visible(eb as any) as Expression<SqlBool>);
    return new Set((await q.execute()).map((r) => r.sha256));
  }

  // ---- quota usage ---------------------------------------------------------------------

  /** Bytes of the distinct blobs that the team's dataset versions name. */
  async teamBytes(teamId: string): Promise<number> {
    const distinct = this.#db
      .selectFrom("dataset_files as f")
      .innerJoin("dataset_versions as v", "v.id", "f.version_id")
      .innerJoin("datasets as d", "d.id", "v.dataset_id")
      .select(["f.sha256", "f.size"])
      .distinct()
      .where("d.team_id", "=", teamId)
      .as("b");
    const row = await this.#db
      .selectFrom(distinct)
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("b.size"), sql<number>`0`).as("bytes"))
      .executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  /** Of these blobs, those some version of the team's datasets already names (they cost it nothing more). */
  async teamBlobs(teamId: string, sha256s: string[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set();
    const rows = await this.#db
      .selectFrom("dataset_files as f")
      .innerJoin("dataset_versions as v", "v.id", "f.version_id")
      .innerJoin("datasets as d", "d.id", "v.dataset_id")
      .select("f.sha256")
      .distinct()
      .where("d.team_id", "=", teamId)
      .where("f.sha256", "in", this.#anyOf(sha256s))
      .execute();
    return new Set(rows.map((r) => r.sha256));
  }

  // ---- resumable uploads ---------------------------------------------------------------

  async insertUpload(row: DataUploadsTable): Promise<void> {
    await this.#db.insertInto("data_uploads").values(row).execute();
  }

  upload(id: string): Promise<DataUploadsTable | undefined> {
    return this.#db.selectFrom("data_uploads").selectAll().where("id", "=", id).executeTakeFirst();
  }

  openUpload(userId: string, sha256: string, size: number, now: number): Promise<DataUploadsTable | undefined> {
    return this.#db
      .selectFrom("data_uploads")
      .selectAll()
      .where("user_id", "=", userId)
      .where("sha256", "=", sha256)
      .where("size", "=", size)
      .where("expires_at", ">", now)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  async touchUpload(id: string, expiresAt: number): Promise<void> {
    await this.#db.updateTable("data_uploads").set({ expires_at: expiresAt }).where("id", "=", id).execute();
  }

  async deleteUpload(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom("data_uploads").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  expiredUploads(now: number, limit: number): Promise<DataUploadsTable[]> {
    return this.#db.selectFrom("data_uploads").selectAll().where("expires_at", "<=", now).orderBy("expires_at").limit(limit).execute();
  }

  /** Bytes of the team's uploads still open, which count against its quota while they last. */
  async openUploadBytes(teamId: string, now: number): Promise<number> {
    const row = await this.#db
      .selectFrom("data_uploads")
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("size"), sql<number>`0`).as("bytes"))
      .where("team_id", "=", teamId)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  // ---- garbage collection --------------------------------------------------------------

  /**
   * Blobs recorded before `before` that no dataset file and no open upload names, a page at
   * a time in sha256 order from `after`.
   */
  unreferencedBlobs(before: number, after: string, limit: number): Promise<DataBlobsTable[]> {
    return this.#db
      .selectFrom("data_blobs as b")
      .selectAll("b")
      .where("b.created_at", "<", before)
      .where("b.sha256", ">", after)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom("dataset_files as f").select("f.sha256").whereRef("f.sha256", "=", "b.sha256"))))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom("data_uploads as u").select("u.sha256").whereRef("u.sha256", "=", "b.sha256"))))
      .orderBy("b.sha256")
      .limit(limit)
      .execute();
  }

  /** Restarts the grace period of these blobs: a version is about to name them. */
  async touchBlobs(sha256s: string[], now: number): Promise<void> {
    if (sha256s.length === 0) return;
    await this.#db.updateTable("data_blobs").set({ created_at: now }).where("sha256", "in", this.#anyOf(sha256s)).where("created_at", "<", now).execute();
  }

  /**
   * Forgets a blob that garbage collection is about to delete, in one statement that succeeds
   * only while it is still collectable (recorded or touched before `before`, named by no file
   * and no upload): a push touching it first keeps it; one touching it after is told it is missing.
   */
  async condemnBlob(sha256: string, before: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom("data_blobs")
        .where("sha256", "=", sha256)
        .where("created_at", "<", before)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom("dataset_files as f").select("f.sha256").whereRef("f.sha256", "=", "data_blobs.sha256"))))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom("data_uploads as u").select("u.sha256").whereRef("u.sha256", "=", "data_blobs.sha256"))))
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return false;
      await trx.deleteFrom("data_blob_grants").where("sha256", "=", sha256).execute();
      return true;
    });
  }

  /** Forgets a blob once its bytes are gone, unless a file came to name it meanwhile. */
  async forgetBlob(sha256: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const named = await trx.selectFrom("dataset_files").select("sha256").where("sha256", "=", sha256).limit(1).executeTakeFirst();
      if (named) return false;
      await trx.deleteFrom("data_blob_grants").where("sha256", "=", sha256).execute();
      await trx.deleteFrom("data_blobs").where("sha256", "=", sha256).execute();
      return true;
    });
  }

  // ---- lineage -------------------------------------------------------------------------

  async recordLinks(table: "job_dataset_inputs" | "job_dataset_outputs", jobId: string, links: Array<{ name: string; versionId: string }>): Promise<void> {
    if (links.length === 0) return;
    await this.#db
      .insertInto(table)
      .values(links.map((l) => ({ job_id: jobId, name: l.name, version_id: l.versionId })))
      .onConflict((oc) => oc.columns(["job_id", "name"]).doUpdateSet((eb) => ({ version_id: eb.ref("excluded.version_id") })))
      .execute();
  }

  linksOfJob(table: "job_dataset_inputs" | "job_dataset_outputs", jobId: string) {
    return this.#db
      .selectFrom(`${table} as l` as "job_dataset_inputs as l")
      .innerJoin("dataset_versions as v", "v.id", "l.version_id")
      .innerJoin("datasets as d", "d.id", "v.dataset_id")
      .select(["l.name", "l.version_id", "v.number", "d.id as dataset_id", "d.name as dataset_name", "d.team_id", "d.owner_id", "d.visibility"])
      .where("l.job_id", "=", jobId)
      .orderBy("l.name")
      .execute();
  }

  /** Jobs that read this version, by input name. */
  readersOf(versionId: string, limit: number): Promise<Array<{ job_id: string; name: string }>> {
    return this.#db.selectFrom("job_dataset_inputs").select(["job_id", "name"]).where("version_id", "=", versionId).orderBy("job_id", "desc").limit(limit).execute();
  }
}
