import type { Readable } from "node:stream";
import type { Clock } from "../core/clock.ts";
import { ProblemError, problems } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Principal } from "../identity/service.ts";
import type { BlobInfo, BlobStore } from "../storage/blob-store.ts";
import { blobProblem, type DataBlobs } from "./blobs.ts";
import type { StorageQuota } from "./quota.ts";
import type { UploadSession } from "./spec.ts";
import type { DataStore } from "./store.ts";
import type { DataUploadsTable } from "./tables.ts";

// Resumable uploads of one large file: the client declares its hash and size, sends parts in
// any order (again if one failed), and completes; the parts become the blob only once the
// whole file hashes right. A client that lost its place asks again with the same hash and
// size and is told which parts arrived. Sessions nobody touches for a day are aborted by
// garbage collection.

export const DEFAULT_PART_SIZE = 64 * 1024 ** 2;
/** S3 takes at most 10,000 parts per upload. */
const MAX_PARTS = 10_000;
const IDLE_MS = 24 * 3600_000;

export function partSizeFor(size: number, preferred = DEFAULT_PART_SIZE): number {
  const least = Math.ceil(size / MAX_PARTS);
  const mib = 1024 ** 2;
  return Math.max(preferred, Math.ceil(least / mib) * mib);
}

export class DataUploads {
  readonly #store: DataStore;
  readonly #blobs: BlobStore;
  readonly #data: DataBlobs;
  readonly #quota: StorageQuota;
  readonly #clock: Clock;
  readonly #teamFor: (actor: Principal, team: string | undefined) => Promise<string>;

  constructor(opts: {
    store: DataStore;
    blobs: BlobStore;
    data: DataBlobs;
    quota: StorageQuota;
    clock: Clock;
    teamFor: (actor: Principal, team: string | undefined) => Promise<string>;
  }) {
    this.#store = opts.store;
    this.#blobs = opts.blobs;
    this.#data = opts.data;
    this.#quota = opts.quota;
    this.#clock = opts.clock;
    this.#teamFor = opts.teamFor;
  }

  /** Opens an upload, or answers the person's open one for the same file so they can resume. */
  async start(actor: Principal, req: { sha256: string; size: number; team?: string | undefined; partSize?: number | undefined }): Promise<UploadSession> {
    const now = this.#clock.now();
    const open = await this.#store.openUpload(actor.userId, req.sha256, req.size, now);
    if (open) return this.#view(open);
    const teamId = await this.#teamFor(actor, req.team);
    if (!(await this.#store.teamBlobs(teamId, [req.sha256])).has(req.sha256)) await this.#quota.assertRoom(teamId, req.size);
    const partSize = partSizeFor(req.size, req.partSize);
    const row: DataUploadsTable = {
      id: newId("upl", now),
      user_id: actor.userId,
      team_id: teamId,
      sha256: req.sha256,
      size: req.size,
      part_size: partSize,
      store_upload_id: await this.#blobs.multipart.start({ partSize }),
      created_at: now,
      expires_at: now + IDLE_MS,
    };
    await this.#store.insertUpload(row);
    return this.#view(row);
  }

  async show(actor: Principal, id: string): Promise<UploadSession> {
    return this.#view(await this.#mine(actor, id));
  }

  /** Stores part `n`; its size must be the one the session expects for it. */
  async putPart(actor: Principal, id: string, n: number, body: Readable, length: number): Promise<{ number: number; size: number }> {
    const row = await this.#mine(actor, id);
    const count = partCount(row);
    if (n < 1 || n > count) throw problems.badRequest(`This upload has parts 1 to ${count}; there is no part ${n}.`, `Split the file in parts of ${row.part_size} bytes (the last one smaller).`);
    const expected = n < count ? row.part_size : row.size - (count - 1) * row.part_size;
    if (length !== expected) {
      throw problems.badRequest(`Part ${n} must have ${expected} bytes, not ${length}.`, `Every part but the last has ${row.part_size} bytes; the last has the rest.`);
    }
    await this.#blobs.multipart.putPart(row.store_upload_id, n, body, length).catch((err) => {
      throw blobProblem(err);
    });
    await this.#store.touchUpload(row.id, this.#clock.now() + IDLE_MS);
    return { number: n, size: length };
  }

  /** Joins the parts, verifies the whole file against its hash and size, and records the blob. */
  async complete(actor: Principal, id: string): Promise<BlobInfo & { created: boolean }> {
    const row = await this.#mine(actor, id);
    const have = new Map((await this.#blobs.multipart.parts(row.store_upload_id)).map((p) => [p.number, p.size]));
    const count = partCount(row);
    const lacking: number[] = [];
    for (let n = 1; n <= count; n++) if (!have.has(n)) lacking.push(n);
    if (lacking.length > 0) {
      throw new ProblemError({
        status: 409,
        title: "Upload incomplete",
        code: "upload-incomplete",
        detail: `Parts ${summarize(lacking)} of ${count} have not arrived.`,
        hint: `Send them (PUT /api/v1/data/uploads/${row.id}/parts/N), then complete again.`,
        extra: { missingParts: lacking.slice(0, 1000) },
      });
    }
    let info: BlobInfo & { created: boolean };
    try {
      info = await this.#blobs.multipart.complete(row.store_upload_id, { sha256: row.sha256, size: row.size });
    } catch (err) {
      // A whole file that does not match is of no use: the session goes, nothing is kept.
      await this.#blobs.multipart.abort(row.store_upload_id).catch(() => undefined);
      await this.#store.deleteUpload(row.id);
      throw blobProblem(err);
    }
    await this.#data.record(actor.userId, info);
    await this.#store.deleteUpload(row.id);
    return info;
  }

  async abort(actor: Principal, id: string): Promise<void> {
    const row = await this.#mine(actor, id);
    await this.#blobs.multipart.abort(row.store_upload_id);
    await this.#store.deleteUpload(row.id);
  }

  /** Aborts sessions idle past their expiry; returns how many. */
  async expire(now: number): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = await this.#store.expiredUploads(now, 100);
      for (const row of rows) {
        await this.#blobs.multipart.abort(row.store_upload_id).catch(() => undefined);
        if (await this.#store.deleteUpload(row.id)) n++;
      }
      if (rows.length < 100) return n;
    }
  }

  async #mine(actor: Principal, id: string): Promise<DataUploadsTable> {
    const row = await this.#store.upload(id);
    if (!row || row.user_id !== actor.userId || row.expires_at <= this.#clock.now()) {
      throw problems.notFound("Upload", id, "Uploads are open to the person who started them for a day after their last part; start again with POST /api/v1/data/uploads.");
    }
    return row;
  }

  async #view(row: DataUploadsTable): Promise<UploadSession> {
    const parts = await this.#blobs.multipart.parts(row.store_upload_id);
    return {
      id: row.id,
      sha256: row.sha256,
      size: row.size,
      partSize: row.part_size,
      partCount: partCount(row),
      parts,
      expiresAt: new Date(row.expires_at).toISOString(),
    };
  }
}

function partCount(row: Pick<DataUploadsTable, "size" | "part_size">): number {
  return Math.max(1, Math.ceil(row.size / row.part_size));
}

/** 1-3, 7, 9-12 */
function summarize(numbers: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length && out.length < 20; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    out.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}
