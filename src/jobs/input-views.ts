import { constants } from "node:fs";
import { chmod, copyFile, link, lstat, mkdir, mkdtemp, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";

// Read-only folders holding a dataset version's files, one per version, shared by every job
// that reads it: <dataDir>/views/<versionId>/<path…>. A view is built once, in a temporary
// folder renamed into place, so a job never sees half of one and two jobs starting together
// build it once. Its files are hard links to the blobs themselves (the local store's file, or
// the node's cache of an S3 blob), mode 0444 in folders of mode 0555, owned by Plinth: a job
// running as another user, or behind a read-only bind mount, can read them and change nothing.
// A version never changes, so a view never does either; unused ones are pruned.

export interface ViewFile {
  path: string;
  sha256: string;
}

const VERSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const PARALLEL = 8;

export class InputViews {
  readonly root: string;
  readonly #localPath: (sha256: string) => Promise<string>;
  readonly #building = new Map<string, Promise<string>>();
  #lock: Promise<unknown> = Promise.resolve();

  /** `localPath` gives a file on this machine holding a blob (BlobStore.localPath). */
  constructor(root: string, localPath: (sha256: string) => Promise<string>) {
    this.root = resolve(root);
    this.#localPath = localPath;
  }

  /** The view's folder, whether or not it is built. */
  path(versionId: string): string {
    if (!VERSION_ID.test(versionId)) throw new Error(`'${versionId}' is not a version id`);
    return join(this.root, versionId);
  }

  /** The view of a version, built from `files` (asked for only when it is not there yet). */
  async ensure(versionId: string, files: () => Promise<ViewFile[]>): Promise<string> {
    const dir = this.path(versionId);
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
    await this.#ensureRoot();
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

  /** Removes views not in `keep` and unused for `idleMs`, and builds left half-done by a crash; returns how many went. */
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
    let removed = 0;
    for (const name of entries) {
      if (keep.has(name) || this.#building.has(name)) continue;
      const path = join(this.root, name);
      const st = await stat(path).catch(() => null);
      if (!st) continue;
      const idle = now - st.mtimeMs > idleMs;
      if (name.startsWith(".building-") ? idle && this.#building.size === 0 : idle) {
        await removeTree(path);
        removed++;
      }
    }
    return removed;
  }

  async #ensureRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    // Jobs running as another user pass through to their view, but cannot list the others.
    await chmod(this.root, 0o711);
  }
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
