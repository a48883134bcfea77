import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BlobMismatchError, SHA256_HEX } from "./blob-store.ts";
import { FILE_CHUNK } from "./fs-store.ts";

// This node's copies of blobs kept in a remote store: fetched once, verified against their
// hash, renamed into place whole, and evicted least recently used first once the cache holds
// more than its size. Two callers asking for one blob share one download. A path handed out
// stays valid until eviction: callers that keep it longer (a job's inputs) hard-link it.

interface Entry {
  size: number;
  usedAt: number;
}

export class BlobCache {
  readonly dir: string;
  readonly maxBytes: number;
  #entries = new Map<string, Entry>();
  #bytes = 0;
  #fetching = new Map<string, Promise<string>>();
  #loaded: Promise<void> | null = null;

  /** `dir` is `<dataDir>/cache/blobs`; blobs live at `<dir>/sha256/<hh>/<hash>`. */
  constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256: '${sha256.slice(0, 80)}'`);
    return join(this.dir, "sha256", sha256.slice(0, 2), sha256);
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached copy's path, or null; counts as a use. */
  async lookup(sha256: string): Promise<string | null> {
    await this.#load();
    const entry = this.#entries.get(sha256);
    if (!entry) return null;
    const path = this.pathOf(sha256);
    try {
      await stat(path);
    } catch {
      this.#forget(sha256); // removed behind our back
      return null;
    }
    this.#touch(sha256, entry, path);
    return path;
  }

  /** The cached copy's path, fetching it with `open` first when absent. */
  async fetch(sha256: string, open: () => Promise<Readable>): Promise<string> {
    const inFlight = this.#fetching.get(sha256);
    if (inFlight) return inFlight;
    const cached = await this.lookup(sha256);
    if (cached) return cached;
    let pending = this.#fetching.get(sha256);
    if (!pending && this.#entries.has(sha256)) return this.pathOf(sha256); // fetched while we looked
    if (!pending) {
      pending = this.#download(sha256, open).finally(() => this.#fetching.delete(sha256));
      this.#fetching.set(sha256, pending);
    }
    return pending;
  }

  async remove(sha256: string): Promise<void> {
    await this.#load();
    this.#forget(sha256);
    await rm(this.pathOf(sha256), { force: true });
  }

  async #download(sha256: string, open: () => Promise<Readable>): Promise<string> {
    const tmpDir = join(this.dir, ".tmp");
    await mkdir(tmpDir, { recursive: true });
    const temp = join(tmpDir, randomBytes(12).toString("hex"));
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      highWaterMark: FILE_CHUNK,
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const path = this.pathOf(sha256);
    try {
      await pipeline(await open(), meter, createWriteStream(temp, { highWaterMark: FILE_CHUNK }));
      const actual = hash.digest("hex");
      if (actual !== sha256) throw new BlobMismatchError({ sha256 }, { sha256: actual, size });
      await chmod(temp, 0o444);
      await mkdir(join(path, ".."), { recursive: true });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    this.#add(sha256, size, Date.now());
    await this.#evict(sha256);
    return path;
  }

  #touch(sha256: string, entry: Entry, path: string): void {
    entry.usedAt = Date.now();
    // Most recent last: a Map keeps insertion order, so the first entries are evicted first.
    this.#entries.delete(sha256);
    this.#entries.set(sha256, entry);
    // The file's mtime carries the order over a restart; failing to set it only costs order.
    const when = new Date(entry.usedAt);
    utimes(path, when, when).catch(() => undefined);
  }

  #add(sha256: string, size: number, usedAt: number): void {
    this.#forget(sha256);
    this.#entries.set(sha256, { size, usedAt });
    this.#bytes += size;
  }

  #forget(sha256: string): void {
    const entry = this.#entries.get(sha256);
    if (!entry) return;
    this.#entries.delete(sha256);
    this.#bytes -= entry.size;
  }

  /** Least recently used first, until the cache fits; the blob just fetched stays. */
  async #evict(keep: string): Promise<void> {
    for (const [sha256] of this.#entries) {
      if (this.#bytes <= this.maxBytes) return;
      if (sha256 === keep) continue;
      this.#forget(sha256);
      await rm(this.pathOf(sha256), { force: true });
    }
  }

  /** Indexes what an earlier run left, oldest use first; throws away unfinished downloads. */
  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      await rm(join(this.dir, ".tmp"), { recursive: true, force: true });
      const found: Array<{ sha256: string; size: number; usedAt: number }> = [];
      const top = join(this.dir, "sha256");
      let groups: string[] = [];
      try {
        groups = await readdir(top);
      } catch {
        return;
      }
      for (const group of groups) {
        let names: string[] = [];
        try {
          names = await readdir(join(top, group));
        } catch {
          continue;
        }
        for (const name of names) {
          if (!SHA256_HEX.test(name) || name.slice(0, 2) !== group) continue;
          try {
            const s = await stat(join(top, group, name));
            found.push({ sha256: name, size: s.size, usedAt: s.mtimeMs });
          } catch {
            // gone meanwhile
          }
        }
      }
      found.sort((a, b) => a.usedAt - b.usedAt);
      for (const f of found) this.#add(f.sha256, f.size, f.usedAt);
      await this.#evict("");
    })();
    return this.#loaded;
  }
}
