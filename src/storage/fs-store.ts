import { randomBytes } from "node:crypto";
import { constants, createReadStream, createWriteStream, type Dirent } from "node:fs";
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, truncate, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { countStreamed } from "../core/stream-memory.ts";
import {
  type ByteRange,
  checkKey,
  type MultipartOptions,
  type MultipartPart,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from "./object-store.ts";

// Objects as files under one folder. Every write goes to a hidden temporary file first and is
// renamed into place, so a reader sees a whole object or none. Hidden names (a leading dot)
// are never keys: `.tmp/` holds writes in flight and `.uploads/<id>/` multipart sessions.

/** Large buffers for file streams: fewer system calls and event-loop turns per GiB. */
export const FILE_CHUNK = 2 * 1024 * 1024;

const TMP = ".tmp";
const UPLOADS = ".uploads";
const UPLOAD_ID = /^[0-9a-f]{32}$/;

interface Session {
  key: string;
  partSize?: number | "first";
}

/** Offsets past this are kept out of the shared file: file systems cap a file's size (ext4: 16 TiB). */
const MAX_SLOT_END = 2 ** 43;
/** A part written at its slot in the shared file carries this in its etag; one kept apart does not. */
const IN_SLOT = "slot-";

export class FsObjectStore implements ObjectStore {
  readonly kind = "fs";
  readonly root: string;
  /** The temporary folder's making, once per process. */
  #tmpMade: Promise<unknown> | undefined;

  constructor(root: string) {
    this.root = root;
  }

  localPath(key: string): string {
    return join(this.root, checkKey(key));
  }

  async put(key: string, body: Readable | Buffer | string, opts: PutOptions = {}): Promise<ObjectInfo> {
    const path = this.localPath(key);
    const temp = await this.#temp();
    try {
      const source = typeof body === "string" || Buffer.isBuffer(body) ? Readable.from([body]) : body;
      const out = createWriteStream(temp, { highWaterMark: FILE_CHUNK });
      if (opts.size === undefined) await pipeline(source, out);
      else await pipeline(source, exactLength(opts.size), out);
      await this.#place(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return this.#info(key, path);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.localPath(key);
    const handle = await open(path, "r"); // throws ENOENT before a stream is handed out
    return createReadStream(path, {
      fd: handle,
      highWaterMark: FILE_CHUNK,
      ...(range && { start: range.start, ...(range.end !== undefined && { end: range.end }) }),
    });
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.localPath(key));
      return s.isFile() ? { key, size: s.size, modifiedAt: s.mtimeMs } : null;
    } catch (err) {
      if (isCode(err, "ENOENT") || isCode(err, "ENOTDIR")) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.localPath(key);
    await rm(path, { force: true });
    await this.#prune(dirname(path));
  }

  /** Keys starting with `prefix` (a plain string prefix, as on S3), in byte order. */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const cut = prefix.lastIndexOf("/");
    const folder = cut < 0 ? "" : prefix.slice(0, cut);
    if (folder) checkKey(folder);
    const root = this.root;
    const walk = async function* (dir: string, keyPrefix: string): AsyncIterable<ObjectInfo> {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isCode(err, "ENOENT") || isCode(err, "ENOTDIR")) return;
        throw err;
      }
      // Sorting directories as "name/" keeps the whole walk in the keys' byte order.
      const named = entries
        .filter((e) => !e.name.startsWith(".") && (e.isDirectory() || e.isFile()))
        .map((e) => ({ e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
        .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
      for (const { e } of named) {
        const key = keyPrefix + e.name;
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix)) yield* walk(full, `${key}/`);
        } else if (key.startsWith(prefix)) {
          try {
            const s = await stat(full);
            yield { key, size: s.size, modifiedAt: s.mtimeMs };
          } catch (err) {
            if (!isCode(err, "ENOENT")) throw err; // deleted while listing
          }
        }
      }
    };
    yield* walk(folder ? join(root, folder) : root, folder ? `${folder}/` : "");
  }

  /** A hard link when the file system allows one (objects are never written in place), else a copy. */
  async copy(from: string, to: string): Promise<ObjectInfo> {
    const source = this.localPath(from);
    const target = this.localPath(to);
    const temp = await this.#temp();
    try {
      try {
        await link(source, temp);
      } catch (err) {
        if (isCode(err, "ENOENT")) throw err;
        await copyFile(source, temp, constants.COPYFILE_FICLONE);
      }
      await this.#place(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return this.#info(to, target);
  }

  async move(from: string, to: string): Promise<ObjectInfo> {
    const source = this.localPath(from);
    const target = this.localPath(to);
    await this.#place(source, target);
    await this.#prune(dirname(source));
    return this.#info(to, target);
  }

  async startMultipart(key: string, opts: MultipartOptions = {}): Promise<string> {
    checkKey(key);
    if (opts.partSize !== undefined && opts.partSize !== "first" && !(Number.isSafeInteger(opts.partSize) && opts.partSize > 0)) {
      throw new Error(`invalid part size ${opts.partSize}`);
    }
    const id = randomBytes(16).toString("hex");
    const dir = this.#sessionDir(id);
    await mkdir(dir, { recursive: true });
    if (opts.partSize !== undefined) await writeFile(join(dir, "data"), "");
    const session: Session = { key, ...(opts.partSize !== undefined && { partSize: opts.partSize }) };
    await writeFile(join(dir, "session.json"), JSON.stringify(session));
    return id;
  }

  async putPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<MultipartPart> {
    checkPartNumber(partNumber);
    const session = await this.#session(key, uploadId);
    const dir = this.#sessionDir(uploadId);
    let etag = String(size);
    if (typeof session.partSize === "number") {
      if (size > session.partSize) throw new Error(`part ${partNumber} has ${size} bytes, more than the part size ${session.partSize}`);
      await writeAtOffset(join(dir, "data"), join(dir, `part-${partNumber}`), (partNumber - 1) * session.partSize, body, size);
    } else if (session.partSize === "first" && (await claimSlot(dir, partNumber, size))) {
      const slot = await slotSize(dir);
      await writeAtOffset(join(dir, "data"), join(dir, `part-${partNumber}`), (partNumber - 1) * slot, body, size);
      etag = `${IN_SLOT}${size}`;
    } else {
      const temp = await this.#temp();
      try {
        await pipeline(body, exactLength(size), createWriteStream(temp, { highWaterMark: FILE_CHUNK }));
        await rename(temp, join(dir, `part-${partNumber}`));
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    }
    const part: MultipartPart = { number: partNumber, etag, size };
    const record = await this.#temp();
    await writeFile(record, JSON.stringify(part));
    await rename(record, join(dir, `part-${partNumber}.json`));
    return part;
  }

  async listParts(key: string, uploadId: string): Promise<MultipartPart[]> {
    await this.#session(key, uploadId);
    const dir = this.#sessionDir(uploadId);
    const parts: MultipartPart[] = [];
    for (const name of await readdir(dir)) {
      if (!/^part-\d+\.json$/.test(name)) continue;
      try {
        parts.push(JSON.parse(await readFile(join(dir, name), "utf8")) as MultipartPart);
      } catch (err) {
        if (!isCode(err, "ENOENT")) throw err;
      }
    }
    return parts.sort((a, b) => a.number - b.number);
  }

  async completeMultipart(key: string, uploadId: string, parts: MultipartPart[]): Promise<ObjectInfo> {
    const session = await this.#session(key, uploadId);
    const dir = this.#sessionDir(uploadId);
    const stored = new Map((await this.listParts(key, uploadId)).map((p) => [p.number, p]));
    if (parts.length === 0) throw new Error("a multipart upload needs at least one part");
    parts.forEach((p, i) => {
      const have = stored.get(p.number);
      if (!have || have.size !== p.size || have.etag !== p.etag) throw new Error(`part ${p.number} was not uploaded as given`);
      if (i > 0 && p.number <= parts[i - 1].number) throw new Error("parts must be listed in ascending order");
    });
    const target = this.localPath(key);
    if (session.partSize === "first" && (await inPlace(dir, parts))) {
      // Parts 1..N at their slots, all but the last filling theirs: the shared file is the object.
      const data = join(dir, "data");
      await truncate(data, (parts.length - 1) * (await slotSize(dir)) + parts[parts.length - 1].size);
      await this.#place(data, target);
    } else if (session.partSize === "first") {
      const slot = await slotSize(dir).catch(() => 0);
      const pieces = parts.map((p) =>
        p.etag.startsWith(IN_SLOT)
          ? { path: join(dir, "data"), start: (p.number - 1) * slot, size: p.size }
          : { path: join(dir, `part-${p.number}`), start: 0, size: p.size },
      );
      await this.#joinPieces(pieces, target);
    } else if (session.partSize !== undefined) {
      const partSize = session.partSize;
      parts.forEach((p, i) => {
        if (p.number !== i + 1) throw new Error(`part ${i + 1} is missing`);
        if (i < parts.length - 1 && p.size !== partSize) throw new Error(`part ${p.number} has ${p.size} bytes; all parts but the last have ${partSize}`);
      });
      const data = join(dir, "data");
      await truncate(data, (parts.length - 1) * partSize + parts[parts.length - 1].size);
      await this.#place(data, target);
    } else {
      await this.#joinPieces(parts.map((p) => ({ path: join(dir, `part-${p.number}`), start: 0, size: p.size })), target);
    }
    await rm(dir, { recursive: true, force: true });
    return this.#info(key, target);
  }

  /** Copies byte ranges of files, one after the other, into a new file placed at `target`. */
  async #joinPieces(pieces: Array<{ path: string; start: number; size: number }>, target: string): Promise<void> {
    const temp = await this.#temp();
    try {
      const out = createWriteStream(temp, { highWaterMark: FILE_CHUNK });
      await pipeline(async function* () {
        for (const p of pieces) {
          if (p.size > 0) yield* createReadStream(p.path, { highWaterMark: FILE_CHUNK, start: p.start, end: p.start + p.size - 1 });
        }
      }, out);
      await this.#place(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.#session(key, uploadId);
    } catch (err) {
      if (err instanceof NoSuchUpload) return;
      throw err;
    }
    await rm(this.#sessionDir(uploadId), { recursive: true, force: true });
  }

  /** Deletes temporary files older than `olderThan` (ms since the epoch): writes a crash cut short. */
  async sweepTemp(olderThan: number): Promise<number> {
    const dir = join(this.root, TMP);
    let removed = 0;
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isCode(err, "ENOENT")) return 0;
      throw err;
    }
    for (const name of names) {
      try {
        if ((await stat(join(dir, name))).mtimeMs >= olderThan) continue;
        await rm(join(dir, name), { force: true });
        removed++;
      } catch (err) {
        if (!isCode(err, "ENOENT")) throw err;
      }
    }
    return removed;
  }

  async presignGet(): Promise<string | null> {
    return null;
  }

  #sessionDir(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new NoSuchUpload(uploadId);
    return join(this.root, UPLOADS, uploadId);
  }

  async #session(key: string, uploadId: string): Promise<Session> {
    let session: Session;
    try {
      session = JSON.parse(await readFile(join(this.#sessionDir(uploadId), "session.json"), "utf8")) as Session;
    } catch (err) {
      if (isCode(err, "ENOENT")) throw new NoSuchUpload(uploadId);
      throw err;
    }
    if (session.key !== checkKey(key)) throw new NoSuchUpload(uploadId);
    return session;
  }

  async #temp(): Promise<string> {
    const dir = join(this.root, TMP);
    // Made once per process (nothing removes it); a write a second time costs no system call.
    this.#tmpMade ??= mkdir(dir, { recursive: true }).catch((err) => {
      this.#tmpMade = undefined;
      throw err;
    });
    await this.#tmpMade;
    return join(dir, randomBytes(12).toString("hex"));
  }

  /** Renames into place, making the parent folder when it is missing (again, if a delete pruned it meanwhile). */
  async #place(from: string, to: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        // The folder usually exists: try the rename first, and make the folder only when asked to.
        if (attempt > 0) await mkdir(dirname(to), { recursive: true });
        await rename(from, to);
        return;
      } catch (err) {
        if (!isCode(err, "ENOENT") || attempt >= 3) throw err;
        if (attempt > 0) await stat(from); // the source itself is gone: ENOENT for the caller
      }
    }
  }

  /** Removes folders left empty, up to the store's top-level folders, which stay. */
  async #prune(dir: string): Promise<void> {
    while (dir.startsWith(`${this.root}/`) && dirname(dir) !== this.root) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or gone): stop
      }
      dir = dirname(dir);
    }
  }

  async #info(key: string, path: string): Promise<ObjectInfo> {
    const s = await stat(path);
    return { key, size: s.size, modifiedAt: s.mtimeMs };
  }
}

export class NoSuchUpload extends Error {
  constructor(uploadId: string) {
    super(`no multipart upload '${uploadId.slice(0, 64)}'`);
  }
}

const ZEROS = Buffer.alloc(FILE_CHUNK);

function isZero(chunk: Buffer): boolean {
  for (let at = 0; at < chunk.length; at += ZEROS.length) {
    const piece = chunk.subarray(at, at + ZEROS.length);
    if (!piece.equals(ZEROS.subarray(0, piece.length))) return false;
  }
  return true;
}

/**
 * Writes a part in place at its offset in the session's one file; the part's record (written
 * by the caller afterwards) makes it count. The first attempt at a part skips runs of zeros,
 * which read back as zeros from a region never written, so sparse files stay sparse; a part
 * sent again (`<marker>.writing` left by an earlier attempt) is written whole. The small
 * chunks a socket delivers are gathered into one buffer and written a batch at a time: a
 * write per chunk would cost thousands of calls to the thread pool per GiB.
 */
async function writeAtOffset(data: string, marker: string, offset: number, body: Readable, size: number): Promise<void> {
  const writing = `${marker}.writing`;
  const fresh = !(await exists(`${marker}.json`)) && !(await exists(writing));
  await writeFile(writing, "");
  const handle = await open(data, "r+");
  const batch = Buffer.allocUnsafeSlow(Math.min(FILE_CHUNK, Math.max(size, 1)));
  let held = 0;
  let written = 0;
  const flush = async () => {
    const bytes = batch.subarray(0, held);
    if (!(fresh && isZero(bytes))) {
      for (let done = 0; done < held; ) {
        const { bytesWritten } = await handle.write(bytes, done, held - done, offset + written + done);
        done += bytesWritten;
      }
    }
    written += held;
    held = 0;
  };
  try {
    for await (const c of body) {
      const chunk = c as Buffer;
      if (written + held + chunk.length > size) throw new LengthMismatch(size, written + held + chunk.length);
      countStreamed(chunk.length);
      for (let at = 0; at < chunk.length; ) {
        const n = chunk.copy(batch, held, at);
        held += n;
        at += n;
        if (held === batch.length) await flush();
      }
    }
    if (held > 0) await flush();
    if (written !== size) throw new LengthMismatch(size, written);
  } finally {
    await handle.close();
  }
}

/**
 * Whether part `n` of `size` bytes may be written at its slot of the shared file: the first
 * part to arrive sets the slot size (a link, so two first parts cannot both set it), the part
 * must fit its slot, and only the first write of a number gets the slot, so a part sent again
 * while or after the first streams in can never overwrite bytes a recorded part owns.
 */
async function claimSlot(dir: string, n: number, size: number): Promise<boolean> {
  const proposed = join(dir, `slot-size.${randomBytes(6).toString("hex")}`);
  await writeFile(proposed, String(size));
  try {
    await link(proposed, join(dir, "slot-size"));
  } catch (err) {
    if (!isCode(err, "EEXIST")) throw err;
  } finally {
    await rm(proposed, { force: true });
  }
  const slot = await slotSize(dir);
  if (size > slot || (n - 1) * slot + size > MAX_SLOT_END) return false;
  try {
    await writeFile(join(dir, `slot-${n}.claimed`), "", { flag: "wx" });
    return true;
  } catch (err) {
    if (isCode(err, "EEXIST")) return false;
    throw err;
  }
}

async function slotSize(dir: string): Promise<number> {
  return Number(await readFile(join(dir, "slot-size"), "utf8"));
}

/** Whether `parts` are 1..N, each at its slot, all but the last as large as a slot. */
async function inPlace(dir: string, parts: MultipartPart[]): Promise<boolean> {
  if (!parts.every((p, i) => p.number === i + 1 && p.etag.startsWith(IN_SLOT))) return false;
  const slot = await slotSize(dir);
  return parts.slice(0, -1).every((p) => p.size === slot);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isCode(err, "ENOENT")) return false;
    throw err;
  }
}

function checkPartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`invalid part number ${n}`);
}

/** Passes bytes through, failing the stream unless exactly `size` arrive. */
export function exactLength(size: number): Transform {
  let seen = 0;
  return new Transform({
    highWaterMark: FILE_CHUNK,
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      countStreamed(chunk.length);
      if (seen > size) done(new LengthMismatch(size, seen));
      else done(null, chunk);
    },
    flush(done) {
      done(seen === size ? null : new LengthMismatch(size, seen));
    },
  });
}

export class LengthMismatch extends Error {
  constructor(expected: number, seen: number) {
    super(seen > expected ? `more than the expected ${expected} bytes arrived` : `${seen} bytes arrived, ${expected} expected`);
  }
}

function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}
