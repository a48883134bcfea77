import { S3Error } from "./errors.ts";

// Object keys: which are accepted, how they sort, and the read-only `datasets/` prefix.
//
// S3 takes almost any UTF-8 up to 1024 bytes. Plinth refuses the keys that would be trouble
// the day they become file paths (a job's input folder, `aws s3 sync` to a disk): control
// characters, a leading `/`, and `.` or `..` segments.

export const MAX_KEY_BYTES = 1024;
/** Where a team's dataset versions appear, read-only: datasets/<name>/<v3|alias>/<path>. */
export const DATASETS_PREFIX = "datasets/";

export function checkKey(key: string): void {
  if (key === "") throw new S3Error("InvalidObjectName", "The object key is empty.");
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) throw new S3Error("KeyTooLongError", `Your key is too long: at most ${MAX_KEY_BYTES} bytes of UTF-8.`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/.test(key)) throw new S3Error("InvalidObjectName", "Object keys may not contain NUL or other control characters.", { Key: printable(key) });
  if (key.startsWith("/")) throw new S3Error("InvalidObjectName", "Object keys may not start with '/': use a relative path such as 'dir/file.csv'.", { Key: printable(key) });
  if (key.split("/").some((s) => s === "." || s === "..")) {
    throw new S3Error("InvalidObjectName", "Object keys may not contain '.' or '..' path segments.", { Key: printable(key) });
  }
}

/** A key as it may appear in an error document: control characters shown as \uNNNN. */
export function printable(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: showing control characters is the point
  return key.slice(0, 300).replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Compares keys by their UTF-8 bytes, as S3 lists them (JavaScript's < compares UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * The least string greater than every string that starts with `prefix` (its last code point
 * plus one), or null when there is none. Keys in [prefix, after) are exactly those under it.
 */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return points.join("") + String.fromCodePoint(next);
    }
  }
  return null;
}

export interface DatasetKey {
  dataset: string;
  /** `v3` or an alias (latest, prod, a tag). */
  version: string;
  /** The file's path in the version; empty for the version's folder itself. */
  path: string;
}

const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** Reads datasets/<name>/<version>/<path>; null for keys outside the prefix or not of that shape. */
export function datasetKey(key: string): DatasetKey | null {
  if (!key.startsWith(DATASETS_PREFIX)) return null;
  const [dataset, version, ...rest] = key.slice(DATASETS_PREFIX.length).split("/");
  if (!dataset || !version || !DATASET_NAME.test(dataset) || !DATASET_NAME.test(version) || /^\d+$/.test(version)) return null;
  return { dataset, version, path: rest.join("/") };
}

export function isReadOnlyKey(key: string): boolean {
  return key.startsWith(DATASETS_PREFIX);
}
