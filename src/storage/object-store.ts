import type { Readable } from "node:stream";

// Where bytes live: a local folder by default, any S3-compatible service later. Keys are
// slash-separated relative paths; implementations confine them and write atomically, so a
// reader never sees half an object.
export interface ObjectInfo {
  key: string;
  size: number;
  modifiedAt: number;
}

export interface ObjectStore {
  readonly kind: string;
  put(key: string, body: Readable | Buffer | string): Promise<ObjectInfo>;
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
}

const KEY_PART = /^[A-Za-z0-9._@=+-]+$/;

/** Rejects keys that could escape the store (.., absolute paths, odd characters). */
export function checkKey(key: string): string {
  const parts = key.split("/");
  if (key.length === 0 || key.length > 1024 || parts.some((p) => !KEY_PART.test(p) || p === "." || p === "..")) {
    throw new Error(`invalid object key '${key}'`);
  }
  return key;
}
