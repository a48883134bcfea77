import { constants } from "node:fs";
import { type FileHandle, mkdir, open, readdir, readlink } from "node:fs/promises";
import { Readable } from "node:stream";
import { problems } from "../core/errors.ts";
import type { OutputFile } from "../data/ports.ts";

// Reading a job's output folder. The job's own code made that folder, and processes it left
// behind may still be changing it while Plinth reads: a path checked a moment ago may be a
// symbolic link now. So nothing here is opened by a path that could lead elsewhere: every
// folder and file is opened inside the folder above it, by the descriptor Plinth holds
// (openat(2), through /proc/self/fd), never following a symbolic link (O_NOFOLLOW) and
// without waiting on a named pipe (O_NONBLOCK). A file is read only if it is, when opened for
// reading, the very file listed (same device, inode and size), a plain file, and the job's
// user's own (another user's file in the folder is a hard link the job should not have).

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
const FOLDER = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
const ANY = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

/** What is in the folder but never read, and why. */
export type Skipped = { path: string; why: "link" | "special" | "foreign" };

interface Listed {
  path: string;
  folders: string[];
  name: string;
  size: number;
  dev: bigint;
  ino: bigint;
}

/** Why an output folder cannot be opened at all. */
export type OpenProblem = "missing" | "link" | "not-folder";

export class OutputFolder {
  readonly #root: FileHandle;
  readonly #owner: bigint;

  private constructor(root: FileHandle, owner: bigint) {
    this.#root = root;
    this.#owner = owner;
  }

  /**
   * Opens `path` (relative, as the spec normalised it) inside the job's working folder; the
   * folder's owner is the job's user. With `realPath`, the working folder opened must be that
   * one by its descriptor: a job on a shared file system could swap a folder above it.
   */
  static async open(workdir: string, path: string, realPath?: string): Promise<OutputFolder | { problem: OpenProblem }> {
    const work = await open(workdir, FOLDER).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      if (err.code === "ELOOP" || err.code === "ENOTDIR") return "link" as const;
      throw err;
    });
    if (!work) return { problem: "missing" };
    if (work === "link") return { problem: "link" };
    try {
      if (realPath !== undefined && (await readlink(inside(work)).catch(() => "")) !== realPath) return { problem: "link" };
      const owner = (await work.stat({ bigint: true })).uid;
      const found = await descend(work, components(path));
      if ("problem" in found) return found;
      return new OutputFolder(found.handle, owner);
    } finally {
      await work.close();
    }
  }

  /** The plain files of the folder, and what is left out. */
  async list(): Promise<{ files: OutputFile[]; skipped: Skipped[] }> {
    const listed: Listed[] = [];
    const skipped: Skipped[] = [];
    const visit = async (dir: FileHandle, folders: string[]): Promise<void> => {
      const entries = (await readdir(inside(dir), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const e of entries) {
        const path = [...folders, e.name].join("/");
        if (e.isSymbolicLink()) {
          skipped.push({ path, why: "link" });
          continue;
        }
        if (e.isFIFO() || e.isSocket() || e.isBlockDevice() || e.isCharacterDevice()) {
          skipped.push({ path, why: "special" });
          continue;
        }
        // What readdir said may be stale by now: the open and fstat below decide.
        let h: FileHandle;
        try {
          h = await open(inside(dir, e.name), ANY);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ELOOP") skipped.push({ path, why: "link" });
          else if (code === "ENXIO" || code === "EOPNOTSUPP") skipped.push({ path, why: "special" });
          else if (code === "ENOENT") throw changed(path);
          else if (code === "EACCES" || code === "EPERM") throw unreadable(path);
          else throw err;
          continue;
        }
        try {
          const st = await h.stat({ bigint: true });
          if (st.isDirectory()) await visit(h, [...folders, e.name]);
          else if (!st.isFile()) skipped.push({ path, why: "special" });
          else if (st.uid !== this.#owner) skipped.push({ path, why: "foreign" });
          else listed.push({ path, folders, name: e.name, size: Number(st.size), dev: st.dev, ino: st.ino });
        } finally {
          await h.close();
        }
      }
    };
    await visit(this.#root, []);
    return { files: listed.map((f) => ({ path: f.path, size: f.size, open: () => this.#read(f) })), skipped };
  }

  async close(): Promise<void> {
    await this.#root.close();
  }

  /** The listed file's bytes, opened again the same careful way; a 422 problem if it is not the file listed any more. */
  async #read(f: Listed): Promise<Readable> {
    const found = await descend(this.#root, f.folders);
    if ("problem" in found) throw changed(f.path);
    let h: FileHandle;
    try {
      h = await open(inside(found.handle, f.name), ANY);
    } catch {
      throw changed(f.path);
    } finally {
      await found.handle.close();
    }
    const st = await h.stat({ bigint: true }).catch(async (err) => {
      await h.close();
      throw err;
    });
    if (!st.isFile() || st.dev !== f.dev || st.ino !== f.ino || Number(st.size) !== f.size) {
      await h.close();
      throw changed(f.path);
    }
    if (f.size === 0) {
      await h.close();
      return Readable.from([]);
    }
    // Bytes the file gains after this are not read; bytes it loses show as a size mismatch.
    return h.createReadStream({ start: 0, end: f.size - 1 });
  }
}

/**
 * Makes the output folder `path` inside the job's working folder before the job starts,
 * through no symbolic link a previous attempt of the job may have left there.
 */
export async function makeOutputFolder(workdir: string, path: string): Promise<void> {
  await mkdir(workdir, { recursive: true });
  let dir = await open(workdir, FOLDER);
  try {
    for (const name of components(path)) {
      let next: FileHandle;
      try {
        next = await open(inside(dir, name), FOLDER);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw problems.unprocessable("Cannot make an output folder", `${path} in the job's folder is not a folder (a symbolic link or a file is in its place).`, "Remove it from the job's folder, or name another output path.");
        await mkdir(inside(dir, name)).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== "EEXIST") throw e;
        });
        next = await open(inside(dir, name), FOLDER);
      }
      await dir.close();
      dir = next;
    }
  } finally {
    await dir.close();
  }
}

/** The path of `name` in the folder `dir` is open as (openat(2) without openat), or of that folder itself. */
function inside(dir: FileHandle, name?: string): string {
  return name === undefined ? `/proc/self/fd/${dir.fd}` : `/proc/self/fd/${dir.fd}/${name}`;
}

function components(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`the output path '${path}' leaves the job's folder`);
  return parts;
}

/** A handle of its own on the folder `names` lead to from `from`, each opened inside the one above it. */
async function descend(from: FileHandle, names: string[]): Promise<{ handle: FileHandle } | { problem: OpenProblem }> {
  // "." rather than the descriptor's own entry, which is itself a link O_NOFOLLOW refuses.
  let dir = await open(`${inside(from)}/.`, FOLDER);
  for (const name of names) {
    let next: FileHandle;
    try {
      next = await open(inside(dir, name), FOLDER);
    } catch (err) {
      await dir.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { problem: "missing" };
      if (code === "ELOOP") return { problem: "link" };
      if (code === "ENOTDIR") return { problem: "not-folder" };
      throw err;
    }
    await dir.close();
    dir = next;
  }
  return { handle: dir };
}

function unreadable(path: string) {
  return problems.unprocessable(
    "An output cannot be read",
    `'${path.slice(0, 200)}' cannot be read: its permissions shut Plinth out.`,
    "Leave the files and folders of the output readable by their owner (chmod u+r, and u+x for folders); `plinth jobs retry` runs the job again.",
  );
}

function changed(path: string) {
  return problems.unprocessable(
    "An output changed while it was saved",
    `'${path.slice(0, 200)}' changed while it was being saved (it was replaced, or a folder above it became a link): it was not read.`,
    "A process of the job was still at work in the output folder. Make the job wait for everything it started before it exits; `plinth jobs retry` runs it again.",
  );
}
