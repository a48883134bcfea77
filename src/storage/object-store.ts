import type { Readable } from "node:stream";

// Where bytes live: a local folder by default, or any S3-compatible service. Keys are
// slash-separated relative paths; implementations confine them and write atomically, so a
// reader never sees half an object. Only the plain S3 API is assumed of a remote service
// (no vendor extensions), so MinIO, AWS S3, GCS (interoperability), Ceph and SeaweedFS all fit.
export interface ObjectInfo {
  key: string;
  size: number;
  modifiedAt: number;
}

/** A byte range, both ends inclusive (as in HTTP Range). */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface MultipartPart {
  number: number;
  /** What the store answered for the part (S3's ETag); fs: the part's size as text. */
  etag: string;
  size: number;
}

export interface PutOptions {
  size?: number;
}

export interface MultipartOptions {
  /**
   * A number: every part but the last has exactly that size. "first": sizes are not known
   * ahead (an S3 client's parts); the first part to arrive sets the slot size, and a part
   * that does not fit its slot, or is sent again, is kept apart.
   */
  partSize?: number | "first";
}

/**
 * A key may not also be the folder of other keys ("a" and "a/b"): the local folder, like
 * several file-backed S3 services, cannot hold both.
 */
export interface ObjectStore {
  readonly kind: "fs" | "s3";
  /**
   * Streams `body` to `key`; visible only once whole. `size`, when known, lets S3 stream one
   * PutObject instead of buffering parts; a body of another length is refused.
   */
  put(key: string, body: Readable | Buffer | string, opts?: PutOptions): Promise<ObjectInfo>;
  get(key: string, range?: ByteRange): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Server-side copy (S3 CopyObject / UploadPartCopy above 5 GiB; fs: hard link or copy). */
  copy(from: string, to: string): Promise<ObjectInfo>;
  /** Moves an object: fs renames; S3 copies then deletes the source. */
  move(from: string, to: string): Promise<ObjectInfo>;
  /**
   * Multipart writes: parts are invisible until complete; abort leaves nothing. With a
   * `partSize` every part but the last has exactly that size, which lets the local folder
   * write parts at their offsets in one file (completing costs no copy).
   */
  startMultipart(key: string, opts?: MultipartOptions): Promise<string>;
  /** Writes part `partNumber` (1-based) of exactly `size` bytes; sending a part again replaces it. */
  putPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<MultipartPart>;
  /** The parts stored so far, by number. */
  listParts(key: string, uploadId: string): Promise<MultipartPart[]>;
  completeMultipart(key: string, uploadId: string, parts: MultipartPart[]): Promise<ObjectInfo>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /**
   * A URL that reads the object without Plinth in between, valid for `expiresInSeconds`:
   * S3's native presigned GET. `null` for the local folder, where Plinth signs its own links.
   */
  presignGet(key: string, expiresInSeconds: number, downloadName?: string): Promise<string | null>;
  /** The object's path on this machine, when the store is a local folder; otherwise null. */
  localPath(key: string): string | null;
}

const KEY_PART = /^[A-Za-z0-9._@=+-]+$/;

/**
 * Rejects keys that could escape the store (.., absolute paths, odd characters). A part may
 * not start with a dot: the local folder keeps its temporary files under hidden names.
 */
export function checkKey(key: string): string {
  if (!isObjectKey(key)) throw new Error(`invalid object key '${key.slice(0, 200)}'`);
  return key;
}

export function isObjectKey(key: string): boolean {
  return key.length > 0 && key.length <= 1024 && key.split("/").every((p) => KEY_PART.test(p) && !p.startsWith("."));
}
