import type { Readable } from "node:stream";
import type { ByteRange } from "./object-store.ts";

// Content-addressed bytes on top of an ObjectStore: a blob's name is the SHA-256 of its
// content, so identical files are stored once. Every write is verified against its hash
// before it becomes visible under that name; a write that fails or does not match leaves
// nothing behind. Datasets, the /s3 endpoint and job inputs and outputs all keep their
// bytes here; the database says which blobs are referenced (garbage collection).

export interface BlobInfo {
  sha256: string;
  size: number;
}

export interface IngestOptions {
  /** Refuse (BlobMismatchError) unless the bytes hash to this. */
  expectedSha256?: string;
  /** Refuse (BlobMismatchError) unless exactly this many bytes arrive. */
  expectedSize?: number;
  /** Stop reading and refuse (BlobTooLargeError) past this many bytes. */
  maxBytes?: number;
}

export interface BlobStore {
  /** Streams bytes in while hashing them; returns once the blob is stored under its hash. */
  ingest(body: Readable, opts?: IngestOptions): Promise<BlobInfo & { created: boolean }>;
  /** Size of a stored blob, or null. */
  size(sha256: string): Promise<number | null>;
  open(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * A path on this machine holding the blob, read-only: the blob's own file on the local
   * store; on S3, a copy fetched once into the node's cache (and verified).
   */
  localPath(sha256: string): Promise<string>;
  delete(sha256: string): Promise<void>;
  /** Every stored blob (for garbage collection). */
  list(): AsyncIterable<BlobInfo & { modifiedAt: number }>;
  /** Native presigned GET on S3; null on the local store. */
  presignGet(sha256: string, expiresInSeconds: number, downloadName?: string): Promise<string | null>;
  /** Multipart sessions for resumable uploads of one large blob. */
  multipart: BlobMultipart;
}

export interface BlobMultipart {
  /**
   * Opens a session. With `partSize`, every part but the last has exactly that size, so the
   * local folder writes parts at their offsets in one file and completing copies nothing.
   */
  start(opts?: { partSize?: number | "first" }): Promise<string>;
  /** Writes part `n` (1-based) of `size` bytes; writing a part again replaces it. */
  putPart(uploadId: string, n: number, body: Readable, size: number): Promise<void>;
  /** The parts stored so far, in order, with their sizes. */
  parts(uploadId: string): Promise<Array<{ number: number; size: number }>>;
  /** Joins parts 1..N, verifies the hash and size, and stores the blob; the session is gone after. */
  complete(uploadId: string, expected: { sha256: string; size: number }): Promise<BlobInfo & { created: boolean }>;
  /**
   * Joins the parts numbered `numbers` (ascending, gaps allowed: S3's CompleteMultipartUpload)
   * and stores the blob under the hash of what they hold; the session is gone after.
   */
  completeParts(uploadId: string, numbers: number[]): Promise<BlobInfo & { created: boolean }>;
  abort(uploadId: string): Promise<void>;
}

export class BlobMismatchError extends Error {
  readonly expected: { sha256?: string; size?: number };
  readonly actual: BlobInfo;
  constructor(expected: { sha256?: string; size?: number }, actual: BlobInfo) {
    super(`content does not match: expected ${expected.sha256 ?? "?"} (${expected.size ?? "?"} bytes), got ${actual.sha256} (${actual.size} bytes)`);
    this.expected = expected;
    this.actual = actual;
  }
}

export class BlobTooLargeError extends Error {
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
