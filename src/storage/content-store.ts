import { createHash, type Hash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod } from "node:fs/promises";
import { pipeline as pipe, type Readable, Transform } from "node:stream";
import { hashFile } from "../core/hash-file.ts";
import { countStreamed, streamedCounter } from "../core/stream-memory.ts";
import type { BlobCache } from "./blob-cache.ts";
import {
  type BlobInfo,
  BlobMismatchError,
  type BlobMultipart,
  type BlobStore,
  BlobTooLargeError,
  type IngestOptions,
  SHA256_HEX,
} from "./blob-store.ts";
import { FILE_CHUNK } from "./fs-store.ts";
import type { ByteRange, ObjectStore } from "./object-store.ts";

// Content-addressed blobs over any ObjectStore. Bytes are written under `staging/<random>`
// while one SHA-256 hasher reads them as they pass; only once the hash and size are checked is
// the object moved to `blobs/sha256/<hh>/<hash>` (a rename on the local folder, copy + delete
// on S3). Whatever fails on the way deletes the staging object, so nothing half-written or
// unverified is ever found under a blob's name. Multipart sessions keep their parts under
// `uploads/<id>/`; completing joins them, hashes the whole once and moves it the same way.

export const blobKey = (sha256: string): string => `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
const BLOBS = "blobs/sha256/";
const STAGING = "staging/";
const UPLOADS = "uploads/";
const SESSION_ID = /^[0-9a-f]{32}$/;

interface Session {
  /** The store's own id for the multipart upload of `uploads/<id>/blob`. */
  uploadId: string;
  partSize?: number | "first";
  createdAt: number;
}

export class UploadNotFoundError extends Error {
  constructor(id: string) {
    super(`no upload session '${id.slice(0, 64)}'`);
  }
}

/** Completing was asked before every part from 1 to the last had arrived. */
export class UploadIncompleteError extends Error {
  readonly missing: number[];
  constructor(missing: number[], message: string) {
    super(message);
    this.missing = missing;
  }
}

export interface ContentStoreOptions {
  /** This node's cache of blobs from a remote store; needed for localPath on S3. */
  cache?: BlobCache;
}

export class ContentStore implements BlobStore {
  readonly objects: ObjectStore;
  readonly multipart: BlobMultipart;
  readonly #cache: BlobCache | undefined;

  constructor(objects: ObjectStore, opts: ContentStoreOptions = {}) {
    this.objects = objects;
    this.#cache = opts.cache;
    this.multipart = {
      start: (o) => this.#start(o),
      putPart: (id, n, body, size) => this.#putPart(id, n, body, size),
      parts: (id) => this.#parts(id),
      complete: (id, expected) => this.#complete(id, expected),
      completeParts: (id, numbers) => this.#completeParts(id, numbers),
      abort: (id) => this.#abort(id),
    };
  }

  async ingest(body: Readable, opts: IngestOptions = {}): Promise<BlobInfo & { created: boolean }> {
    const staging = `${STAGING}${randomBytes(16).toString("hex")}`;
    const meter = new HashMeter(opts);
    // pipeline() carries an aborted request's error into the meter, which fails the write.
    const metered = pipe(body, meter, () => undefined);
    try {
      // The meter already holds the body to its declared size; S3 also needs the size up front
      // to stream one PutObject, the local folder would only check it a second time.
      const size = this.objects.kind === "s3" && opts.expectedSize !== undefined ? { size: opts.expectedSize } : {};
      await this.objects.put(staging, metered, size);
      const actual = meter.result();
      checkExpected(opts, actual);
      return await this.#publish(staging, actual);
    } catch (err) {
      // A write the store gave up on stops reading the body too, so the sender is not left waiting.
      metered.destroy();
      await this.objects.delete(staging).catch(() => undefined);
      throw meter.error ?? err;
    }
  }

  async size(sha256: string): Promise<number | null> {
    return (await this.objects.head(blobKey(checkHash(sha256))))?.size ?? null;
  }

  async open(sha256: string, range?: ByteRange): Promise<Readable> {
    const cached = this.#cache ? await this.#cache.lookup(checkHash(sha256)) : null;
    const source = cached
      ? createReadStream(cached, { highWaterMark: FILE_CHUNK, ...(range && { start: range.start, ...(range.end !== undefined && { end: range.end }) }) })
      : await this.objects.get(blobKey(checkHash(sha256)), range);
    return pipe(source, streamedCounter(), () => undefined);
  }

  async localPath(sha256: string): Promise<string> {
    const key = blobKey(checkHash(sha256));
    const local = this.objects.localPath(key);
    if (local !== null) {
      if (!(await this.objects.head(key))) throw notFound(sha256);
      return local;
    }
    if (!this.#cache) throw new Error("this content store has no local cache for a remote object store");
    return this.#cache.fetch(sha256, async () => {
      if (!(await this.objects.head(key))) throw notFound(sha256);
      return this.objects.get(key);
    });
  }

  async delete(sha256: string): Promise<void> {
    await this.objects.delete(blobKey(checkHash(sha256)));
    await this.#cache?.remove(sha256);
  }

  async *list(): AsyncIterable<BlobInfo & { modifiedAt: number }> {
    for await (const o of this.objects.list(BLOBS)) {
      const sha256 = o.key.slice(o.key.lastIndexOf("/") + 1);
      if (SHA256_HEX.test(sha256) && o.key === blobKey(sha256)) yield { sha256, size: o.size, modifiedAt: o.modifiedAt };
    }
  }

  presignGet(sha256: string, expiresInSeconds: number, downloadName?: string): Promise<string | null> {
    return this.objects.presignGet(blobKey(checkHash(sha256)), expiresInSeconds, downloadName);
  }

  /**
   * Removes writes in flight and (unless `uploads` is false) upload sessions last touched
   * before `olderThan` (ms since the epoch): what a crash or an abandoned upload left behind.
   */
  async sweep(olderThan: number, opts: { uploads?: boolean } = {}): Promise<{ staging: number; uploads: number }> {
    let staging = 0;
    let uploads = 0;
    for await (const o of this.objects.list(STAGING)) {
      if (o.modifiedAt >= olderThan) continue;
      await this.objects.delete(o.key);
      staging++;
    }
    if (opts.uploads === false) return { staging, uploads };
    const stale: string[] = [];
    for await (const o of this.objects.list(UPLOADS)) {
      const m = /^uploads\/([0-9a-f]{32})\/session$/.exec(o.key);
      if (m && o.modifiedAt < olderThan) stale.push(m[1]!);
    }
    for (const id of stale) {
      await this.#abort(id);
      uploads++;
    }
    return { staging, uploads };
  }

  /** Moves a verified staging object under its hash, or drops it when the blob is there. */
  async #publish(staging: string, actual: BlobInfo): Promise<BlobInfo & { created: boolean }> {
    const key = blobKey(actual.sha256);
    if (await this.objects.head(key)) {
      await this.objects.delete(staging);
      return { ...actual, created: false };
    }
    const local = this.objects.localPath(staging);
    if (local !== null) await chmod(local, 0o444); // read-only before it is visible: jobs get links to it
    await this.objects.move(staging, key);
    return { ...actual, created: true };
  }

  async #start(opts: { partSize?: number | "first" } = {}): Promise<string> {
    const id = randomBytes(16).toString("hex");
    const uploadId = await this.objects.startMultipart(sessionBlob(id), opts.partSize !== undefined ? { partSize: opts.partSize } : {});
    const session: Session = { uploadId, createdAt: Date.now(), ...(opts.partSize !== undefined && { partSize: opts.partSize }) };
    await this.objects.put(sessionKey(id), JSON.stringify(session));
    return id;
  }

  async #putPart(id: string, n: number, body: Readable, size: number): Promise<void> {
    const session = await this.#session(id);
    await this.objects.putPart(sessionBlob(id), session.uploadId, n, body, size);
  }

  async #parts(id: string): Promise<Array<{ number: number; size: number }>> {
    const session = await this.#session(id);
    return (await this.objects.listParts(sessionBlob(id), session.uploadId)).map((p) => ({ number: p.number, size: p.size }));
  }

  async #complete(id: string, expected: { sha256: string; size: number }): Promise<BlobInfo & { created: boolean }> {
    const session = await this.#session(id);
    const key = sessionBlob(id);
    const parts = await this.objects.listParts(key, session.uploadId);
    const last = parts.length === 0 ? 0 : parts[parts.length - 1]!.number;
    const have = new Set(parts.map((p) => p.number));
    const missing: number[] = [];
    for (let n = 1; n <= last; n++) if (!have.has(n)) missing.push(n);
    const total = parts.reduce((sum, p) => sum + p.size, 0);
    if (missing.length > 0 || total !== expected.size) {
      const detail = missing.length > 0 ? `parts ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? "…" : ""} have not arrived` : `the parts hold ${total} bytes, ${expected.size} expected`;
      throw new UploadIncompleteError(missing, detail);
    }
    await this.objects.completeMultipart(key, session.uploadId, parts);
    return this.#hashAndPublish(id, { expectedSha256: expected.sha256, expectedSize: expected.size });
  }

  async #completeParts(id: string, numbers: number[]): Promise<BlobInfo & { created: boolean }> {
    const session = await this.#session(id);
    const key = sessionBlob(id);
    const stored = new Map((await this.objects.listParts(key, session.uploadId)).map((p) => [p.number, p]));
    const missing = numbers.filter((n) => !stored.has(n));
    if (missing.length > 0) throw new UploadIncompleteError(missing, `parts ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? "…" : ""} have not arrived`);
    await this.objects.completeMultipart(key, session.uploadId, numbers.map((n) => stored.get(n)!));
    return this.#hashAndPublish(id, {});
  }

  /** One pass over a session's joined object: its hash decides whether it becomes the blob. */
  async #hashAndPublish(id: string, expected: IngestOptions): Promise<BlobInfo & { created: boolean }> {
    const key = sessionBlob(id);
    try {
      let actual: BlobInfo;
      const local = this.objects.localPath(key);
      if (local !== null) {
        // Read into reused buffers: a gigabyte allocates nothing that needs collecting.
        let size = 0;
        const sha256 = await hashFile(local, (n) => {
          size += n;
        });
        actual = { sha256, size };
      } else {
        const hash = createHash("sha256");
        let size = 0;
        for await (const chunk of await this.objects.get(key)) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
          countStreamed((chunk as Buffer).length);
        }
        actual = { sha256: hash.digest("hex"), size };
      }
      checkExpected(expected, actual);
      return await this.#publish(key, actual);
    } finally {
      await this.objects.delete(key).catch(() => undefined);
      await this.objects.delete(sessionKey(id)).catch(() => undefined);
    }
  }

  async #abort(id: string): Promise<void> {
    let session: Session;
    try {
      session = await this.#session(id);
    } catch (err) {
      if (err instanceof UploadNotFoundError) return;
      throw err;
    }
    await this.objects.abortMultipart(sessionBlob(id), session.uploadId).catch(() => undefined);
    await this.objects.delete(sessionBlob(id));
    await this.objects.delete(sessionKey(id));
  }

  async #session(id: string): Promise<Session> {
    // Read from the store each time (one small object), not remembered: another server, or
    // this one after a restart, may have completed or aborted the session meanwhile.
    if (!SESSION_ID.test(id)) throw new UploadNotFoundError(id);
    let text = "";
    try {
      for await (const chunk of await this.objects.get(sessionKey(id))) text += String(chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new UploadNotFoundError(id);
      throw err;
    }
    return JSON.parse(text) as Session;
  }
}

const sessionKey = (id: string) => `${UPLOADS}${id}/session`;
const sessionBlob = (id: string) => `${UPLOADS}${id}/blob`;

/** Hashes and counts bytes on their way through; stops early past a limit or an expected size. */
class HashMeter extends Transform {
  readonly #hash: Hash = createHash("sha256");
  readonly #opts: IngestOptions;
  #size = 0;
  #digest: string | null = null;
  error: Error | null = null;

  constructor(opts: IngestOptions) {
    super({ highWaterMark: FILE_CHUNK });
    this.#opts = opts;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.#size += chunk.length;
    countStreamed(chunk.length);
    const { maxBytes, expectedSize } = this.#opts;
    if (maxBytes !== undefined && this.#size > maxBytes) {
      done(this.#fail(new BlobTooLargeError(maxBytes)));
    } else if (expectedSize !== undefined && this.#size > expectedSize) {
      done(this.#fail(new BlobMismatchError({ sha256: this.#opts.expectedSha256, size: expectedSize }, { sha256: "", size: this.#size })));
    } else {
      this.#hash.update(chunk);
      done(null, chunk);
    }
  }

  override _flush(done: (err?: Error | null) => void): void {
    this.#digest = this.#hash.digest("hex");
    const { expectedSize } = this.#opts;
    if (expectedSize !== undefined && this.#size !== expectedSize) {
      done(this.#fail(new BlobMismatchError({ sha256: this.#opts.expectedSha256, size: expectedSize }, { sha256: this.#digest, size: this.#size })));
    } else {
      done();
    }
  }

  #fail(err: Error): Error {
    this.error = err;
    return err;
  }

  result(): BlobInfo {
    if (this.#digest === null) throw new Error("the stream has not ended");
    return { sha256: this.#digest, size: this.#size };
  }
}

function checkExpected(opts: IngestOptions, actual: BlobInfo): void {
  if ((opts.expectedSha256 !== undefined && opts.expectedSha256 !== actual.sha256) || (opts.expectedSize !== undefined && opts.expectedSize !== actual.size)) {
    throw new BlobMismatchError({ sha256: opts.expectedSha256, size: opts.expectedSize }, actual);
  }
}

function checkHash(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256: '${sha256.slice(0, 80)}'`);
  return sha256;
}

function notFound(sha256: string): Error {
  return Object.assign(new Error(`no blob ${sha256}`), { code: "ENOENT" });
}
