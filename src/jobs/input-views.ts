import { createHmac, randomBytes } from "node:crypto";
import { constants, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { chmod, copyFile, link, lstat, mkdir, mkdtemp, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";

// Read-only folders holding a dataset version's files, one per version, shared by every job
// that reads it. A view is built once, in a temporary folder renamed into place, so a job never
// sees half of one and two jobs starting together build it once. Its files are hard links to
// the blobs themselves (the local store's file, or the node's cache of an S3 blob), mode 0444
// in folders of mode 0555, owned by Plinth: a job running as another user, or behind a
// read-only bind mount, can read them and change nothing. A version never changes, so a view
// never does either; unused ones are pruned.
//
// Where jobs run without a sandbox, as users other than Plinth's, they pass through the views
// folder on their way to their own view, so it must not hand them the others: it cannot be
// listed (mode 0711), and a view's name is not the version's id (which a job's page, an API
// answer or a colleague may show) but an HMAC of it under a key only Plinth reads
// (<views folder>.key, mode 0600): <dataDir>/views/<32 hex digits>/<path…>. A job can reach the
// views whose paths it was handed and no other. Views made under the version's id by an older
// Plinth are removed at the next pruning unless a running job still reads one.

export interface ViewFile {
  path: string;
  sha256: string;
}

const VERSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** A view's name: 128 bits of HMAC-SHA256, in hex. */
const VIEW_NAME = /^[0-9a-f]{32}$/;
const PARALLEL = 8;

export class InputViews {
  readonly root: string;
  readonly #localPath: (sha256: string) => Promise<string>;
  readonly #key: Buffer;
  readonly #building = new Map<string, Promise<string>>();
  #lock: Promise<unknown> = Promise.resolve();
  #rooted: Promise<void> | null = null;

  /** `localPath` gives a file on this machine holding a blob (BlobStore.localPath). */
  constructor(root: string, localPath: (sha256: string) => Promise<string>) {
    this.root = resolve(root);
    this.#localPath = localPath;
    this.#key = viewKey(`${this.root}.key`);
  }

  /** The view's folder, whether or not it is built. */
  path(versionId: string): string {
    return join(this.root, this.#name(versionId));
  }

  #name(versionId: string): string {
    if (!VERSION_ID.test(versionId)) throw new Error(`'${versionId}' is not a version id`);
    return createHmac("sha256", this.#key).update(`view:${versionId}`).digest("hex").slice(0, 32);
  }

  /** The view of a version, built from `files` (asked for only when it is not there yet). */
  async ensure(versionId: string, files: () => Promise<ViewFile[]>): Promise<string> {
    const dir = this.path(versionId);
    await this.#ensureRoot();
    // Pruning waits for this look, so a view found here is marked used before it could go.
    const found = await this.#exclusive<{ dir: string } | { building: Promise<string> }>(async () => {
      if (await isDir(dir)) {
        await touch(dir);
        return { dir };
      }
      let building = this.#building.get(versionId);
      if (!building) {
        building = this.#build(dir, files).finally(() => this.#building.delete(versionId));
        this.#building.set(versionId, building);
      }
      return { building };
    });
    return "dir" in found ? found.dir : found.building;
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task, task);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #build(dir: string, files: () => Promise<ViewFile[]>): Promise<string> {
    const list = await files();
    const tmp = await mkdtemp(join(this.root, ".building-"));
    try {
      const dirs = new Set<string>([tmp]);
      let next = 0;
      const worker = async () => {
        while (next < list.length) {
          const file = list[next++]!;
          const target = resolve(tmp, file.path);
          if (!target.startsWith(tmp + sep)) throw new Error(`the file path '${file.path}' leaves the dataset's folder`);
          for (let d = dirname(target); d !== tmp && !dirs.has(d); d = dirname(d)) dirs.add(d);
          await mkdir(dirname(target), { recursive: true });
          await linkOrCopy(await this.#localPath(file.sha256), target);
          await chmod(target, 0o444);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL, list.length) }, worker));
      // Deepest first: a folder closed to writing cannot take its children's changes after.
      for (const d of [...dirs].sort((a, b) => b.length - a.length)) await chmod(d, 0o555);
      try {
        await rename(tmp, dir);
      } catch (err) {
        // Another server process on this machine built it first: theirs serves.
        if (!["ENOTEMPTY", "EEXIST"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
        await removeTree(tmp);
      }
      return dir;
    } catch (err) {
      await removeTree(tmp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Removes views of versions not in `keep` unused for `idleMs`, builds left half-done by a
   * crash, and views named by an older Plinth (by version id) that no version in `keep` is;
   * returns how many went.
   */
  prune(keep: ReadonlySet<string>, idleMs: number, now = Date.now()): Promise<number> {
    return this.#exclusive(() => this.#prune(keep, idleMs, now));
  }

  async #prune(keep: ReadonlySet<string>, idleMs: number, now: number): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch {
      return 0;
    }
    const kept = new Set([...keep, ...this.#building.keys()].filter((v) => VERSION_ID.test(v)).map((v) => this.#name(v)));
    let removed = 0;
    for (const name of entries) {
      // A job started before the upgrade may still read its view under the version's id.
      if (kept.has(name) || keep.has(name)) continue;
      const path = join(this.root, name);
      const st = await stat(path).catch(() => null);
      if (!st) continue;
      const idle = now - st.mtimeMs > idleMs;
      const legacy = !VIEW_NAME.test(name) && !name.startsWith(".building-");
      if (legacy || (name.startsWith(".building-") ? idle && this.#building.size === 0 : idle)) {
        await removeTree(path);
        removed++;
      }
    }
    return removed;
  }

  /** Once: the folder exists, and jobs running as another user pass through it to their view but cannot list the others. */
  #ensureRoot(): Promise<void> {
    this.#rooted ??= (async () => {
      await mkdir(this.root, { recursive: true });
      await chmod(this.root, 0o711);
    })().catch((err) => {
      this.#rooted = null;
      throw err;
    });
    return this.#rooted;
  }
}

/** The key views are named with: 32 random bytes in `path` (mode 0600), made once, atomically, by whichever server process comes first. */
function viewKey(path: string): Buffer {
  try {
    const key = readFileSync(path);
    if (key.length === 32) return key;
    throw new Error(`${path} does not hold a 32-byte key; delete it and start again (views are rebuilt under new names)`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, randomBytes(32), { mode: 0o600 });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  return readFileSync(path);
}

async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch (err) {
    // The cache on another file system, or one that has no hard links: a copy (shared blocks where the file system can).
    if (!["EXDEV", "EPERM", "EMLINK", "ENOTSUP", "EOPNOTSUPP"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
    await copyFile(source, target, constants.COPYFILE_FICLONE);
  }
}

/** Marks a view used now, for pruning (its owner may set the time of a folder it cannot write). */
async function touch(dir: string): Promise<void> {
  const now = new Date();
  await utimes(dir, now, now).catch(() => undefined);
}

async function isDir(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null))?.isDirectory() ?? false;
}

/** Deletes a tree whose folders were made read-only (which stops anyone but root deleting inside them). */
export async function removeTree(path: string): Promise<void> {
  const st = await lstat(path).catch(() => null);
  if (!st) return;
  if (st.isDirectory()) {
    await chmod(path, 0o700);
    for (const entry of await readdir(path)) await removeTree(join(path, entry));
  }
  await rm(path, { recursive: true, force: true });
}
