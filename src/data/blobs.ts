import type { Readable } from "node:stream";
import type { Clock } from "../core/clock.ts";
import { ProblemError, problems } from "../core/errors.ts";
import type { Principal } from "../identity/service.ts";
import { type BlobInfo, BlobMismatchError, type BlobStore, BlobTooLargeError, type IngestOptions } from "../storage/blob-store.ts";
import type { StorageQuota } from "./quota.ts";
import type { ByteSource } from "./tabular/types.ts";
import type { DataStore } from "./store.ts";

// Bytes in and who may name them. A blob is stored once for everyone, but a person may put it
// in a version only if they sent its bytes themselves or it is already in a version they may
// read: knowing a hash opens nothing. Every blob stored is recorded for garbage collection,
// and the team's byte quota is checked before a byte is accepted.

export class DataBlobs {
  readonly #store: DataStore;
  readonly #blobs: BlobStore;
  readonly #quota: StorageQuota;
  readonly #clock: Clock;

  constructor(store: DataStore, blobs: BlobStore, quota: StorageQuota, clock: Clock) {
    this.#store = store;
    this.#blobs = blobs;
    this.#quota = quota;
    this.#clock = clock;
  }

  /** Of these blobs, the sizes of those the person may use; the others are missing. */
  async usable(actor: Principal, sha256s: string[]): Promise<Map<string, number>> {
    const unique = [...new Set(sha256s)];
    const stored = await this.#store.blobSizes(unique);
    const candidates = unique.filter((h) => stored.has(h));
    const granted = await this.#store.grantedTo(actor.userId, candidates);
    const rest = candidates.filter((h) => !granted.has(h));
    const readable = rest.length > 0 ? await this.#store.readableBlobs(actor, rest) : new Set<string>();
    const out = new Map<string, number>();
    for (const h of candidates) if (granted.has(h) || readable.has(h)) out.set(h, stored.get(h)!);
    return out;
  }

  async missing(actor: Principal, sha256s: string[]): Promise<string[]> {
    const usable = await this.usable(actor, sha256s);
    return [...new Set(sha256s)].filter((h) => !usable.has(h));
  }

  /**
   * Streams bytes into the store for `teamId`, verified against what the caller declares,
   * after checking the team's quota; records the blob and grants it to the person.
   */
  async ingest(actor: Principal, teamId: string, body: Readable, opts: IngestOptions & { declaredSize?: number }): Promise<BlobInfo & { created: boolean }> {
    const declared = opts.expectedSize ?? opts.declaredSize;
    const known = opts.expectedSha256 ? await this.#store.teamBlobs(teamId, [opts.expectedSha256]) : new Set<string>();
    if (declared !== undefined && !known.has(opts.expectedSha256 ?? "")) await this.#quota.assertRoom(teamId, declared);
    let info: BlobInfo & { created: boolean };
    try {
      info = await this.#blobs.ingest(body, opts);
    } catch (err) {
      throw blobProblem(err);
    }
    await this.record(actor.userId, info);
    return info;
  }

  /**
   * Completes a multipart session into a blob (an S3 multipart upload, whose parts the team's
   * quota already counts), recorded and granted to the person.
   */
  async completeParts(actor: Principal, sessionId: string, numbers: number[]): Promise<BlobInfo & { created: boolean }> {
    let info: BlobInfo & { created: boolean };
    try {
      info = await this.#blobs.multipart.completeParts(sessionId, numbers);
    } catch (err) {
      throw blobProblem(err);
    }
    await this.record(actor.userId, info);
    return info;
  }

  /** Records a blob now in the store and lets the person who sent it use it. */
  async record(userId: string, info: BlobInfo): Promise<void> {
    const now = this.#clock.now();
    await this.#store.recordBlob({ sha256: info.sha256, size: info.size, created_at: now });
    await this.#store.grant(userId, info.sha256, now);
  }
}

/** A failed ingest as a problem a client can act on; other errors pass through. */
export function blobProblem(err: unknown): unknown {
  if (err instanceof BlobMismatchError) {
    const sizeWrong = err.expected.size !== undefined && err.expected.size !== err.actual.size;
    return new ProblemError({
      status: 400,
      title: "Content does not match",
      code: "content-mismatch",
      detail: sizeWrong
        ? `${err.actual.size} bytes arrived, not the ${err.expected.size} declared; nothing was stored.`
        : `The bytes sent hash to ${err.actual.sha256}, not ${err.expected.sha256}; nothing was stored.`,
      hint: "The file probably changed while it was sent, or the upload was cut short: hash it again and send it again (`plinth data push` does both).",
    });
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE") {
    // The client went away mid-body: nobody reads this answer, but it is not the server's failure.
    return new ProblemError({
      status: 400,
      title: "Upload cut short",
      code: "upload-cut-short",
      detail: "The connection closed before the whole body arrived; nothing was stored.",
      hint: "Send the file again; `plinth data push` resumes large files where they stopped.",
    });
  }
  if (err instanceof BlobTooLargeError) {
    return new ProblemError({
      status: 413,
      title: "Upload too large",
      code: "upload-too-large",
      detail: `More than ${err.maxBytes} bytes were sent; nothing was stored.`,
      hint: "Declare the file's real size (Content-Length), or ask a Keeper to raise the team's storage quota.",
    });
  }
  return err;
}

/** The raw body of an octet-stream request, or a 400 problem saying how to send one. */
export function rawBody(body: unknown): Readable {
  if (!body || typeof (body as Readable).pipe !== "function") {
    throw problems.badRequest("Send the file's bytes as the body, with Content-Type: application/octet-stream.", "`plinth data push` does this for you; with curl: `--data-binary @FILE -H 'Content-Type: application/octet-stream'`.");
  }
  return body as Readable;
}

/** Content-Length as a number, required for uploads. */
export function contentLength(header: string | string[] | undefined): number {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^[0-9]{1,16}$/.test(text)) {
    throw new ProblemError({
      status: 411,
      title: "Length required",
      code: "length-required",
      detail: "Uploads must declare their size in a Content-Length header (chunked bodies are not taken here).",
      hint: "Send the file with curl `--data-binary @FILE` or any client that sets Content-Length; for very large files use a resumable upload (POST /api/v1/data/uploads).",
    });
  }
  return Number(text);
}

/** Random access to a stored blob, for reading tables without holding them in memory. */
export function blobSource(blobs: BlobStore, sha256: string, size: number): ByteSource {
  return {
    size,
    async read(start, end) {
      if (end <= start) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of await blobs.open(sha256, { start, end: end - 1 })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    stream: () => blobs.open(sha256),
  };
}
