import type { DB } from "../db/database.ts";
import type { S3MultipartPartsTable, S3MultipartUploadsTable, S3ObjectsTable } from "./tables.ts";

/** A range of keys, in byte order: after one key (or from one), before another. */
export interface KeyRange {
  /** Keys greater than this. */
  after?: string;
  /** Keys from this one on. */
  from?: string;
  /** Keys less than this. */
  before?: string;
}

const IN_BATCH = 500;

/** The S3 endpoint's tables, and only them. */
export class S3Store {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  getObject(teamId: string, key: string): Promise<S3ObjectsTable | undefined> {
    return this.#db.selectFrom("s3_objects").selectAll().where("team_id", "=", teamId).where("key", "=", key).executeTakeFirst();
  }

  /** A page of a team's objects in key order. */
  listObjects(teamId: string, range: KeyRange, limit: number): Promise<S3ObjectsTable[]> {
    let q = this.#db.selectFrom("s3_objects").selectAll().where("team_id", "=", teamId);
    if (range.after !== undefined) q = q.where("key", ">", range.after);
    if (range.from !== undefined) q = q.where("key", ">=", range.from);
    if (range.before !== undefined) q = q.where("key", "<", range.before);
    return q.orderBy("key").limit(limit).execute();
  }

  /** Writes an object, replacing one of the same key. */
  async putObject(row: S3ObjectsTable): Promise<void> {
    const { team_id: _t, key: _k, ...rest } = row;
    await this.#db
      .insertInto("s3_objects")
      .values(row)
      .onConflict((oc) => oc.columns(["team_id", "key"]).doUpdateSet(rest))
      .execute();
  }

  /**
   * Writes an object where none has its key, or (with `owner`) over one that person put there;
   * false, and nothing written, when the key holds another's object (or, without `owner`, any).
   */
  async putObjectOver(row: S3ObjectsTable, owner: string | null): Promise<boolean> {
    const { team_id: _t, key: _k, ...rest } = row;
    const r = await this.#db
      .insertInto("s3_objects")
      .values(row)
      .onConflict((oc) => {
        const conflict = oc.columns(["team_id", "key"]);
        return owner === null ? conflict.doNothing() : conflict.doUpdateSet(rest).where("s3_objects.created_by", "=", owner);
      })
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Deletes an object if it is still the one read (same blob and time); false otherwise. */
  async deleteObject(teamId: string, key: string, expected?: Pick<S3ObjectsTable, "sha256" | "modified_at">): Promise<boolean> {
    let q = this.#db.deleteFrom("s3_objects").where("team_id", "=", teamId).where("key", "=", key);
    if (expected) q = q.where("sha256", "=", expected.sha256).where("modified_at", "=", expected.modified_at);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async getObjects(teamId: string, keys: string[]): Promise<S3ObjectsTable[]> {
    const rows: S3ObjectsTable[] = [];
    for (let i = 0; i < keys.length; i += IN_BATCH) {
      const batch = keys.slice(i, i + IN_BATCH);
      rows.push(...(await this.#db.selectFrom("s3_objects").selectAll().where("team_id", "=", teamId).where("key", "in", batch).execute()));
    }
    return rows;
  }

  /** Bytes of a team's objects. */
  async objectBytes(teamId: string): Promise<number> {
    const r = await this.#db
      .selectFrom("s3_objects")
      .select((eb) => eb.fn.sum<number | string | null>("size").as("bytes"))
      .where("team_id", "=", teamId)
      .executeTakeFirst();
    return Number(r?.bytes ?? 0);
  }

  /** Bytes of the parts of a team's unfinished multipart uploads. */
  async partBytes(teamId: string): Promise<number> {
    const r = await this.#db
      .selectFrom("s3_multipart_parts as p")
      .innerJoin("s3_multipart_uploads as u", "u.id", "p.upload_id")
      .select((eb) => eb.fn.sum<number | string | null>("p.size").as("bytes"))
      .where("u.team_id", "=", teamId)
      .executeTakeFirst();
    return Number(r?.bytes ?? 0);
  }

  /** Which of these blobs an object still names (parts are staged, not blobs). */
  async referenced(sha256s: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < sha256s.length; i += IN_BATCH) {
      const batch = sha256s.slice(i, i + IN_BATCH);
      const objects = await this.#db.selectFrom("s3_objects").select("sha256").distinct().where("sha256", "in", batch).execute();
      for (const r of objects) found.add(r.sha256);
    }
    return found;
  }

  // ---- multipart uploads ----

  async createUpload(row: S3MultipartUploadsTable): Promise<void> {
    await this.#db.insertInto("s3_multipart_uploads").values(row).execute();
  }

  getUpload(id: string): Promise<S3MultipartUploadsTable | undefined> {
    return this.#db.selectFrom("s3_multipart_uploads").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** A team's uploads in (key, id) order, after a (key, id) marker. */
  listUploads(teamId: string, range: KeyRange, marker: { key: string; id: string } | null, limit: number): Promise<S3MultipartUploadsTable[]> {
    let q = this.#db.selectFrom("s3_multipart_uploads").selectAll().where("team_id", "=", teamId);
    if (range.from !== undefined) q = q.where("key", ">=", range.from);
    if (range.before !== undefined) q = q.where("key", "<", range.before);
    if (marker) q = q.where((eb) => eb.or([eb("key", ">", marker.key), eb.and([eb("key", "=", marker.key), eb("id", ">", marker.id)])]));
    return q.orderBy("key").orderBy("id").limit(limit).execute();
  }

  /** Writes a part, replacing an earlier one of the same number. */
  async putPart(row: S3MultipartPartsTable): Promise<void> {
    const { upload_id: _u, part_number: _n, ...rest } = row;
    await this.#db
      .insertInto("s3_multipart_parts")
      .values(row)
      .onConflict((oc) => oc.columns(["upload_id", "part_number"]).doUpdateSet(rest))
      .execute();
  }

  listParts(uploadId: string, afterPart: number, limit: number): Promise<S3MultipartPartsTable[]> {
    return this.#db
      .selectFrom("s3_multipart_parts")
      .selectAll()
      .where("upload_id", "=", uploadId)
      .where("part_number", ">", afterPart)
      .orderBy("part_number")
      .limit(limit)
      .execute();
  }

  /** Ends an upload and its parts; false when it was already gone. */
  deleteUpload(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom("s3_multipart_uploads").where("id", "=", id).executeTakeFirst();
      await trx.deleteFrom("s3_multipart_parts").where("upload_id", "=", id).execute();
      return Number(r.numDeletedRows) > 0;
    });
  }

  /** Ends a team's uploads started before `before`, with their parts; returns them. */
  staleUploads(teamId: string, before: number): Promise<Array<{ id: string; staging: string }>> {
    return this.#db.transaction().execute(async (trx) => {
      const stale = await trx.selectFrom("s3_multipart_uploads").select(["id", "staging"]).where("team_id", "=", teamId).where("initiated_at", "<", before).execute();
      const ids = stale.map((r) => r.id);
      if (ids.length === 0) return stale;
      await trx.deleteFrom("s3_multipart_parts").where("upload_id", "in", ids).execute();
      await trx.deleteFrom("s3_multipart_uploads").where("id", "in", ids).execute();
      return stale;
    });
  }

  /**
   * Completes an upload in one transaction: the upload and its parts go, the object appears.
   * False (and nothing changed) when another request completed or aborted it first.
   */
  completeUpload(id: string, object: S3ObjectsTable): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom("s3_multipart_uploads").where("id", "=", id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return false;
      await trx.deleteFrom("s3_multipart_parts").where("upload_id", "=", id).execute();
      const { team_id: _t, key: _k, ...rest } = object;
      await trx
        .insertInto("s3_objects")
        .values(object)
        .onConflict((oc) => oc.columns(["team_id", "key"]).doUpdateSet(rest))
        .execute();
      return true;
    });
  }
}
