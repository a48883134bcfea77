import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { checkKey, type ObjectInfo, type ObjectStore } from "./object-store.ts";

/** Objects as files under one folder; writes go to a temporary name and are renamed into place. */
export class FsObjectStore implements ObjectStore {
  readonly kind = "fs";
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  pathOf(key: string): string {
    return join(this.root, checkKey(key));
  }

  async put(key: string, body: Readable | Buffer | string): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString("hex")}.part`;
    try {
      const source = typeof body === "string" || Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(temp));
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const s = await stat(path);
    return { key, size: s.size, modifiedAt: s.mtimeMs };
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const path = this.pathOf(key);
    await stat(path); // throws ENOENT before a stream is handed out
    return createReadStream(path, range ? { start: range.start, ...(range.end !== undefined && { end: range.end }) } : {});
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size, modifiedAt: s.mtimeMs } : null;
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const start = prefix ? join(this.root, checkKey(prefix.replace(/\/$/, ""))) : this.root;
    const walk = async function* (dir: string, root: string): AsyncIterable<ObjectInfo> {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const full = join(dir, e.name);
        if (e.isDirectory()) yield* walk(full, root);
        else if (e.isFile() && !e.name.endsWith(".part")) {
          const s = await stat(full);
          yield { key: relative(root, full), size: s.size, modifiedAt: s.mtimeMs };
        }
      }
    };
    yield* walk(start, this.root);
  }
}
