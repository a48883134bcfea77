import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import type { GcResult } from "./spec.ts";
import type { DataStore } from "./store.ts";
import type { DataUploads } from "./uploads.ts";

// Garbage collection of blobs: a blob no dataset version, open upload or other module (the
// S3 endpoint's objects) names, and recorded or touched longer ago than the grace period, is
// deleted. Blobs in the store with no row at all (a server stopped between storing and
// recording, or between forgetting and deleting) are deleted once older than the grace period
// too. Idle resumable uploads are aborted first.
//
// Pushes run alongside, and a push relies on what the database says: a blob with a row is
// there. So a blob is forgotten first, in one statement that holds only while nothing names it
// and no push has touched it within the grace period (a push touches every blob it names
// before it asks which are there), and its bytes go after. A push that touched it first keeps
// it; one that comes after is told it is missing and sends it again. An upload of the same
// bytes at the very moment they go (the store finds them and keeps no second copy, then the
// blob is recorded again) is undone afterwards, so the next push is told it is missing.

const PAGE = 500;

export class DataGc {
  readonly #store: DataStore;
  readonly #blobs: BlobStore;
  readonly #uploads: DataUploads;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #graceMs: number;
  readonly #sources: Array<(sha256s: string[]) => Promise<Set<string>>> = [];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<GcResult> | null = null;

  constructor(opts: { store: DataStore; blobs: BlobStore; uploads: DataUploads; clock: Clock; logger: Logger; graceMs: number }) {
    this.#store = opts.store;
    this.#blobs = opts.blobs;
    this.#uploads = opts.uploads;
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#graceMs = opts.graceMs;
  }

  addReferenceSource(source: (sha256s: string[]) => Promise<Set<string>>): void {
    this.#sources.push(source);
  }

  /** Runs every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.run().catch((err) => this.#logger.error({ err }, "data garbage collection failed"));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /** One collection; a second call while one runs waits for it. */
  run(): Promise<GcResult> {
    this.#running ??= this.#collect().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #collect(): Promise<GcResult> {
    const now = this.#clock.now();
    const before = now - this.#graceMs;
    const result: GcResult = { deletedBlobs: 0, freedBytes: 0, expiredUploads: await this.#uploads.expire(now) };
    let after = "";
    for (;;) {
      const page = await this.#store.unreferencedBlobs(before, after, PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1]!.sha256;
      const held = new Set<string>();
      for (const source of this.#sources) for (const h of await source(page.map((b) => b.sha256))) held.add(h);
      for (const blob of page) {
        if (held.has(blob.sha256) || !(await this.#store.condemnBlob(blob.sha256, before))) continue;
        await this.#blobs.delete(blob.sha256);
        result.deletedBlobs++;
        result.freedBytes += blob.size;
        await this.#settle(blob.sha256);
      }
      if (page.length < PAGE) break;
    }
    await this.#sweepUnrecorded(before, result);
    if (result.deletedBlobs > 0 || result.expiredUploads > 0) this.#logger.info(result, "data garbage collected");
    return result;
  }

  /**
   * After a blob's bytes went: an upload that found them an instant before may have recorded it
   * again. Then, unless that upload stored the bytes anew, it is forgotten again, so the next
   * push is told it is missing instead of making a version of bytes that are gone.
   */
  async #settle(sha256: string): Promise<void> {
    if ((await this.#store.blobSizes([sha256])).size === 0) return;
    if ((await this.#blobs.size(sha256)) !== null) return;
    if (await this.#store.forgetBlob(sha256)) return;
    this.#logger.error({ sha256 }, "a dataset version came to name a blob at the moment garbage collection deleted it; push that version's files again");
  }

  /** Stored blobs that no row records, older than the grace period. */
  async #sweepUnrecorded(before: number, result: GcResult): Promise<void> {
    let batch: Array<{ sha256: string; size: number }> = [];
    const flush = async () => {
      const recorded = await this.#store.blobSizes(batch.map((b) => b.sha256));
      const orphans = batch.filter((b) => !recorded.has(b.sha256));
      const held = new Set<string>();
      if (orphans.length > 0) for (const source of this.#sources) for (const h of await source(orphans.map((b) => b.sha256))) held.add(h);
      for (const b of orphans) {
        // Recorded since the batch was read (an upload of the same bytes found them): in use.
        if (held.has(b.sha256) || (await this.#store.blobSizes([b.sha256])).size > 0) continue;
        await this.#blobs.delete(b.sha256);
        result.deletedBlobs++;
        result.freedBytes += b.size;
        await this.#settle(b.sha256);
      }
      batch = [];
    };
    for await (const blob of this.#blobs.list()) {
      if (blob.modifiedAt >= before) continue;
      batch.push(blob);
      if (batch.length >= PAGE) await flush();
    }
    if (batch.length > 0) await flush();
  }
}
