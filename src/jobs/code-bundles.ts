import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, chmod, mkdir } from "node:fs/promises";
import { dirname, join, normalize, isAbsolute } from "node:path";
import type { Readable } from "node:stream";
import { PassThrough, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { ProblemError, problems } from "../core/errors.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import type { CodeGrants } from "./code-grants.ts";

// A job's code travels as a content-addressed bundle: a manifest of files, each stored once
// by its sha256. The CLI sends the manifest first and uploads only the blobs the server lacks,
// so an unchanged directory costs one small request.

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest");

export const ManifestSchema = z
  .strictObject({
    files: z
      .array(
        z.strictObject({
          path: z.string().min(1).max(4096),
          sha256,
          size: z.number().int().min(0),
          executable: z.boolean().default(false),
        }),
      )
      .max(100_000),
  })
  .meta({ id: "CodeManifest", description: "Files of a code bundle: relative paths with their content hashes." });
export type Manifest = z.output<typeof ManifestSchema>;

export const BundleResultSchema = z
  .object({
    bundle: sha256.nullable().meta({ description: "The bundle id, once every blob is present." }),
    missing: z.array(sha256).meta({ description: "Blobs to upload with PUT /api/v1/code/blobs/{sha256} before posting the manifest again." }),
  })
  .meta({ id: "CodeBundleResult" });

export const MAX_BUNDLE_BYTES = 2 * 1024 ** 3;
/** One file of a bundle can be no larger than the whole bundle may be. */
export const MAX_BLOB_BYTES = MAX_BUNDLE_BYTES;

const blobKey = (hash: string) => `code/blobs/${hash.slice(0, 2)}/${hash}`;
const bundleKey = (hash: string) => `code/bundles/${hash}.json`;

export class CodeBundles {
  readonly #store: ObjectStore;
  readonly #maxBlobBytes: number;
  readonly #grants: CodeGrants;
  constructor(store: ObjectStore, grants: CodeGrants, maxBlobBytes = MAX_BLOB_BYTES) {
    this.#store = store;
    this.#grants = grants;
    this.#maxBlobBytes = maxBlobBytes;
  }

  /**
   * Records the manifest if all its blobs are present and the person may use them; otherwise
   * lists the ones they must send. A blob someone else sent counts as missing: sending its
   * bytes proves the person has it, so a hash alone never reaches another's code.
   */
  async register(userId: string, manifest: Manifest): Promise<{ bundle: string | null; missing: string[] }> {
    const seen = new Set<string>();
    let total = 0;
    for (const f of manifest.files) {
      checkRelativePath(f.path);
      if (seen.has(f.path)) throw problems.badRequest(`'${f.path}' is listed twice.`, "List each file once.");
      seen.add(f.path);
      total += f.size;
    }
    if (total > MAX_BUNDLE_BYTES) {
      throw problems.unprocessable("Code too large", `The code adds up to ${total} bytes.`, "Keep data out of the code directory (add it to .plinthignore) and use datasets for data.");
    }
    const unique = [...new Set(manifest.files.map((f) => f.sha256))];
    const missing: string[] = [];
    const stored = new Map<string, number>();
    const granted = await this.#grants.blobsOf(userId, unique);
    for (const hash of unique) {
      const head = granted.has(hash) ? await this.#store.head(blobKey(hash)) : null;
      if (head) stored.set(hash, head.size);
      else missing.push(hash);
    }
    // A declared size is what the total above counted: it must be the blob's real one.
    const wrong = manifest.files.filter((f) => stored.has(f.sha256) && stored.get(f.sha256) !== f.size);
    if (wrong.length) {
      throw problems.unprocessable(
        "Sizes do not match the files",
        `${wrong.length} file(s) declare a size other than their content's: '${wrong[0]!.path}' says ${wrong[0]!.size} bytes, its content has ${stored.get(wrong[0]!.sha256)}.`,
        "Build the manifest from the files as they are (`plinth run` does); a file that changed while it was read can be sent again.",
        wrong.slice(0, 20).map((f) => ({ path: `body.files[${manifest.files.indexOf(f)}].size`, message: `is ${stored.get(f.sha256)} bytes, not ${f.size}` })),
      );
    }
    if (missing.length) return { bundle: null, missing };
    const canonical = JSON.stringify({ files: [...manifest.files].sort((a, b) => (a.path < b.path ? -1 : 1)) });
    const bundle = createHash("sha256").update(canonical).digest("hex");
    if (!(await this.#store.head(bundleKey(bundle)))) await this.#store.put(bundleKey(bundle), canonical);
    await this.#grants.grant("bundle", bundle, userId, Date.now());
    return { bundle, missing: [] };
  }

  /** Stores a blob, checking its content against the claimed hash while it streams in. */
  async putBlob(userId: string, hash: string, body: Readable): Promise<{ size: number }> {
    const maxBytes = this.#maxBlobBytes;
    // Already stored (sent by someone): the bytes are still read and checked, as proof.
    const alreadyStored = (await this.#store.head(blobKey(hash))) !== null;
    const digest = createHash("sha256");
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        digest.update(chunk);
        size += chunk.length;
        if (size > maxBytes) {
          cb(
            new ProblemError({
              status: 413,
              title: "File too large",
              code: "blob-too-large",
              detail: `A file of the code bundle is larger than ${maxBytes} bytes.`,
              hint: "Keep data out of the code directory (add it to .plinthignore) and use datasets for data.",
            }),
          );
          return;
        }
        cb(null, chunk);
      },
      flush(cb) {
        const actual = digest.digest("hex");
        cb(actual === hash ? null : problems.badRequest(`The uploaded bytes hash to ${actual}, not ${hash}.`, "The file probably changed while it was being sent (a log or a database?): list it in .plinthignore, or run again once it stops changing."));
      },
    });
    // The store writes to a temporary name and renames only after the hash matched; a
    // mismatch destroys `verified`, which aborts the store's write.
    const verified = new PassThrough();
    if (alreadyStored) {
      await pipeline(body, hasher, new Writable({ write: (_chunk, _enc, cb) => cb() }));
    } else {
      pipeline(body, hasher, verified).catch((err) => verified.destroy(err));
      await this.#store.put(blobKey(hash), verified);
    }
    await this.#grants.grant("blob", hash, userId, Date.now());
    return { size };
  }

  /** Whether this person may run jobs with this bundle: they registered it. */
  mayUse(userId: string, bundle: string): Promise<boolean> {
    return this.#grants.has("bundle", bundle, userId);
  }

  async exists(bundle: string): Promise<boolean> {
    return (await this.#store.head(bundleKey(bundle))) !== null;
  }

  /** Writes the bundle's files into a job's working directory. */
  async materialize(bundle: string, dir: string): Promise<void> {
    await this.#write((await this.#manifest(bundle)).files, dir);
  }

  /**
   * Writes only these files of the bundle into `dir` (the files a job's environment is read
   * from, at submit); answers the paths the bundle holds of them.
   */
  async extractFiles(bundle: string, paths: readonly string[], dir: string): Promise<string[]> {
    const wanted = new Set(paths.map((p) => normalize(p)));
    const files = (await this.#manifest(bundle)).files.filter((f) => wanted.has(normalize(f.path)));
    await this.#write(files, dir);
    return files.map((f) => f.path);
  }

  async #manifest(bundle: string): Promise<Manifest> {
    const stream = await this.#store.get(bundleKey(bundle));
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Manifest;
  }

  async #write(files: Manifest["files"], dir: string): Promise<void> {
    const made = new Set<string>();
    for (const f of files) {
      const target = join(dir, checkRelativePath(f.path));
      const parent = dirname(target);
      if (!made.has(parent)) {
        await mkdir(parent, { recursive: true });
        made.add(parent);
      }
      const local = this.#store.localPath(blobKey(f.sha256));
      if (local !== null) {
        await copyFile(local, target);
      } else {
        await pipeline(await this.#store.get(blobKey(f.sha256)), createWriteStream(target));
      }
      if (f.executable) await chmod(target, 0o755);
    }
  }
}

function checkRelativePath(path: string): string {
  const n = normalize(path);
  if (isAbsolute(path) || n.startsWith("..") || n.includes("\0") || n === ".") {
    throw problems.badRequest(`'${path}' is not a relative path inside the code directory.`, "Paths in a manifest are relative and stay inside the directory.", [
      { path: "body.files", message: `bad path '${path}'` },
    ]);
  }
  return n;
}
