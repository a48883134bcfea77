import { createHash } from "node:crypto";
import { newId } from "../core/ids.ts";
import { can } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import { UploadNotFoundError } from "../storage/content-store.ts";
import { S3Error, s3errors } from "./errors.ts";
import { digested } from "./payload.ts";
import { prefixEnd } from "./keys.ts";
import { type Bucket, type IncomingBytes, ingestError, type ObjectHeaders, type ObjectView, type S3Service, toView } from "./service.ts";
import type { S3MultipartPartsTable, S3MultipartUploadsTable, S3ObjectsTable } from "./tables.ts";

// Multipart uploads, as S3 has them: parts of 5 MiB to 5 GiB (the last may be smaller),
// numbered 1 to 10,000, sent in any order and again, counted in the team's quota. Parts are
// staged in a multipart session of the blob store (on the local store, written at their
// offsets in one file, so that completing an upload of equal parts copies nothing).
// Completing hashes the listed parts once into a blob, verified as every blob is, and the
// object appears in the same transaction that ends the upload.

export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
/** An upload nobody completed or aborted in this long is ended when the team starts another. */
export const STALE_UPLOAD_MS = 7 * 24 * 3600 * 1000;

export interface CompletePlan {
  upload: S3MultipartUploadsTable;
  bucket: Bucket;
  parts: S3MultipartPartsTable[];
  size: number;
  etag: string;
}

export class S3Multipart {
  readonly #s3: S3Service;

  constructor(s3: S3Service) {
    this.#s3 = s3;
  }

  async create(actor: Principal, bucket: Bucket, key: string, headers: ObjectHeaders, checksumAlgorithm: string | null): Promise<S3MultipartUploadsTable> {
    this.#s3.checkCreate(actor, bucket, key);
    const existing = await this.#s3.store.getObject(bucket.id, key);
    if (existing) this.#s3.checkChange(actor, bucket, existing);
    const now = this.#s3.now();
    const staging = await this.#s3.data.blobs.multipart.start({ partSize: "first" });
    const row: S3MultipartUploadsTable = {
      id: newId("upl", now).replace("_", "-"),
      team_id: bucket.id,
      key,
      content_type: headers.contentType,
      metadata: JSON.stringify(headers.metadata),
      checksum_algorithm: checksumAlgorithm,
      staging,
      created_by: actor.userId,
      initiated_at: now,
    };
    try {
      await this.#s3.store.createUpload(row);
    } catch (err) {
      await this.#discard(staging);
      throw err;
    }
    await this.#s3.recordAudit(actor, "s3.multipart.start", bucket, key, { uploadId: row.id });
    // Uploads whose client went away hold their parts in the team's quota: end those left a week.
    const stale = await this.#s3.store.staleUploads(bucket.id, now - STALE_UPLOAD_MS);
    for (const upload of stale) await this.#discard(upload.staging);
    if (stale.length > 0) await this.#s3.recordSystem("s3.multipart.expire", bucket, { uploadIds: stale.map((u) => u.id) });
    return row;
  }

  /** Drops an ended upload's staged parts; a failure leaves files behind, never a wrong object. */
  async #discard(staging: string): Promise<void> {
    await this.#s3.data.blobs.multipart.abort(staging).catch(() => undefined);
  }

  /** Stages a part's bytes, within the team's quota; failures as S3 says them. */
  async #stage(actor: Principal, bucket: Bucket, upload: S3MultipartUploadsTable, partNumber: number, bytes: IncomingBytes): Promise<void> {
    try {
      await this.#s3.data.assertRoom(actor, bucket.id, bytes.size);
      await this.#s3.data.blobs.multipart.putPart(upload.staging, partNumber, bytes.body, bytes.size);
    } catch (err) {
      bytes.body.destroy();
      if (err instanceof UploadNotFoundError) throw s3errors.noSuchUpload(upload.id);
      throw ingestError(bytes.failure() ?? err, bytes);
    }
    if (bytes.received() !== bytes.size) throw ingestError(new Error("aborted"), bytes);
  }

  /** The upload of this bucket and key; NoSuchUpload for any other. */
  async upload(bucket: Bucket, key: string, uploadId: string): Promise<S3MultipartUploadsTable> {
    const upload = uploadId.length <= 100 ? await this.#s3.store.getUpload(uploadId) : undefined;
    if (!upload || upload.team_id !== bucket.id || upload.key !== key) throw s3errors.noSuchUpload(uploadId);
    return upload;
  }

  /** Sending parts, completing and aborting: whoever started the upload, the team's admins and Keepers. */
  #checkWrite(actor: Principal, bucket: Bucket, upload: S3MultipartUploadsTable): void {
    this.#s3.checkCreate(actor, bucket, upload.key);
    if (!can(actor, "write", { ownerId: upload.created_by, teamId: bucket.id, visibility: "team" })) {
      throw s3errors.accessDenied("this multipart upload was started by someone else; only they and the team's admins may add to it, complete it or abort it.");
    }
  }

  async putPart(actor: Principal, bucket: Bucket, key: string, uploadId: string, partNumber: number, bytes: IncomingBytes): Promise<S3MultipartPartsTable> {
    const upload = await this.upload(bucket, key, uploadId);
    this.#checkWrite(actor, bucket, upload);
    if (bytes.size > MAX_PART_BYTES) throw new S3Error("EntityTooLarge", "A part may hold at most 5 GiB.");
    await this.#stage(actor, bucket, upload, partNumber, bytes);
    const { md5, checksum } = bytes.digests();
    const row: S3MultipartPartsTable = { upload_id: upload.id, part_number: partNumber, size: bytes.size, etag: md5, checksum: checksum?.value ?? null, modified_at: this.#s3.now() };
    // The upload may have been completed or aborted while the part streamed in.
    if (!(await this.#s3.store.getUpload(upload.id))) throw s3errors.noSuchUpload(uploadId);
    await this.#s3.store.putPart(row);
    return row;
  }

  /** UploadPartCopy: a part made of (a range of) an object the person may read. */
  async copyPart(actor: Principal, bucket: Bucket, key: string, uploadId: string, partNumber: number, source: ObjectView, range: { start: number; end: number } | null): Promise<S3MultipartPartsTable> {
    const upload = await this.upload(bucket, key, uploadId);
    this.#checkWrite(actor, bucket, upload);
    const size = range ? range.end - range.start + 1 : source.size;
    if (size > MAX_PART_BYTES) throw new S3Error("EntityTooLarge", "A part may hold at most 5 GiB; copy a smaller x-amz-copy-source-range.");
    const bytes = digested(await this.#s3.open(source, range ?? undefined), size);
    await this.#stage(actor, bucket, upload, partNumber, bytes);
    const row: S3MultipartPartsTable = { upload_id: upload.id, part_number: partNumber, size, etag: bytes.digests().md5, checksum: null, modified_at: this.#s3.now() };
    if (!(await this.#s3.store.getUpload(upload.id))) throw s3errors.noSuchUpload(uploadId);
    await this.#s3.store.putPart(row);
    return row;
  }

  async parts(bucket: Bucket, key: string, uploadId: string, afterPart: number, max: number): Promise<{ upload: S3MultipartUploadsTable; parts: S3MultipartPartsTable[]; truncated: boolean }> {
    const upload = await this.upload(bucket, key, uploadId);
    const rows = await this.#s3.store.listParts(upload.id, afterPart, max + 1);
    return { upload, parts: rows.slice(0, max), truncated: rows.length > max };
  }

  async uploads(bucket: Bucket, prefix: string, marker: { key: string; id: string } | null, max: number): Promise<{ uploads: S3MultipartUploadsTable[]; truncated: boolean }> {
    const end = prefix === "" ? null : prefixEnd(prefix);
    const rows = await this.#s3.store.listUploads(bucket.id, { from: prefix, ...(end !== null && { before: end }) }, marker, max + 1);
    return { uploads: rows.slice(0, max), truncated: rows.length > max };
  }

  async abort(actor: Principal, bucket: Bucket, key: string, uploadId: string): Promise<void> {
    const upload = await this.upload(bucket, key, uploadId);
    this.#checkWrite(actor, bucket, upload);
    if (!(await this.#s3.store.deleteUpload(upload.id))) throw s3errors.noSuchUpload(uploadId);
    await this.#discard(upload.staging);
    await this.#s3.recordAudit(actor, "s3.multipart.abort", bucket, key, { uploadId });
  }

  /**
   * Checks a CompleteMultipartUpload request before any bytes move: the parts listed exist
   * with those ETags, in ascending order, and all but the last hold at least 5 MiB.
   */
  async prepareComplete(actor: Principal, bucket: Bucket, key: string, uploadId: string, listed: Array<{ number: number; etag: string; checksum?: string }>): Promise<CompletePlan> {
    const upload = await this.upload(bucket, key, uploadId);
    this.#checkWrite(actor, bucket, upload);
    if (listed.length === 0) throw new S3Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: list at least one Part.");
    const stored = new Map<number, S3MultipartPartsTable>();
    for (let after = 0; ; ) {
      const page = await this.#s3.store.listParts(upload.id, after, 1000);
      for (const p of page) stored.set(p.part_number, p);
      if (page.length < 1000) break;
      after = page[page.length - 1]!.part_number;
    }
    // As S3 checks them: the order first, then that every part is there, then the sizes.
    for (let i = 1; i < listed.length; i++) {
      if (listed[i]!.number <= listed[i - 1]!.number) {
        throw new S3Error("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", { UploadId: uploadId });
      }
    }
    const parts = listed.map((item) => {
      const part = stored.get(item.number);
      const etag = item.etag.replace(/^W\//, "").replace(/"/g, "").trim();
      if (!part || part.etag !== etag || (item.checksum !== undefined && part.checksum !== null && item.checksum !== part.checksum)) {
        throw new S3Error("InvalidPart", `One or more of the specified parts could not be found (part ${item.number}): it was not uploaded, or its ETag is not the one given.`, {
          UploadId: uploadId,
          PartNumber: String(item.number),
          ETag: item.etag,
        });
      }
      return part;
    });
    for (const part of parts.slice(0, -1)) {
      if (part.size < MIN_PART_BYTES) {
        throw new S3Error("EntityTooSmall", `Your proposed upload is smaller than the minimum allowed size: part ${part.part_number} holds ${part.size} bytes; every part but the last needs at least 5 MiB.`, {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_BYTES),
          PartNumber: String(part.part_number),
        });
      }
    }
    const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag, "hex")));
    const etag = `${createHash("md5").update(md5s).digest("hex")}-${parts.length}`;
    return { upload, bucket, parts, size: parts.reduce((n, p) => n + p.size, 0), etag };
  }

  /** Joins the parts into one blob and makes the object; the upload is gone after. */
  async finishComplete(actor: Principal, plan: CompletePlan): Promise<ObjectView> {
    const { upload, bucket, parts } = plan;
    const s3 = this.#s3;
    // The parts are already counted in the team's quota and the object takes their place:
    // no second quota check for the same bytes.
    let info: { sha256: string; size: number };
    try {
      info = await s3.data.completeParts(actor, upload.staging, parts.map((p) => p.part_number));
    } catch (err) {
      // Completed or aborted by another request meanwhile: its session is gone.
      if (err instanceof UploadNotFoundError || !(await s3.store.getUpload(upload.id))) throw s3errors.noSuchUpload(upload.id);
      throw err;
    }
    if (info.size !== plan.size) throw new S3Error("InternalError", "The joined parts do not add up to their sizes; nothing was stored. Start the upload again.");
    const before = await s3.store.getObject(bucket.id, upload.key);
    if (before) s3.checkChange(actor, bucket, before);
    const row: S3ObjectsTable = {
      team_id: bucket.id,
      key: upload.key,
      sha256: info.sha256,
      size: info.size,
      etag: plan.etag,
      content_type: upload.content_type,
      metadata: upload.metadata,
      created_by: upload.created_by,
      modified_at: s3.now(),
    };
    if (!(await s3.store.completeUpload(upload.id, row))) throw s3errors.noSuchUpload(upload.id);
    await s3.recordAudit(actor, "s3.multipart.complete", bucket, upload.key, { uploadId: upload.id, size: row.size, etag: row.etag, sha256: row.sha256, parts: parts.length });
    return toView(row);
  }
}
