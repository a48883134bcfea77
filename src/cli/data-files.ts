import type { BigIntStats } from "node:fs";
import { statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, resolve, sep } from "node:path";
import ignore from "ignore";
import { hashFile } from "../core/hash-file.ts";
import { CliError } from "./client.ts";
import type { HashCache } from "./hash-cache.ts";
import type { Progress } from "./progress.ts";

// The files of a folder (or one file) to push as a dataset version, and their hashes.
// A dataset wants every file, so .gitignore and .plinthignore are not read here (they
// usually list the very data a team wants to share); only `.git` folders are left out, and
// whatever `--exclude` patterns (gitignore syntax) say. Links to files are followed; links
// to folders are not, so a link back up cannot loop.

export interface LocalFile {
  /** The path inside the dataset, with `/` between folders. */
  path: string;
  /** Where it is on this machine. */
  abs: string;
  size: number;
  stat: BigIntStats;
  sha256?: string;
}

export interface Collected {
  files: LocalFile[];
  /** Links to folders, sockets and the like that were left out. */
  skipped: string[];
}

export async function collectDataFiles(path: string, exclude: string[] = []): Promise<Collected> {
  const target = resolve(path);
  let top: BigIntStats;
  try {
    top = await stat(target, { bigint: true });
  } catch {
    throw new CliError(`Nothing to push at ${path}: no such file or folder.`, "Give the path of a file or a folder, e.g. `plinth data push ./data --name iris`.");
  }
  if (top.isFile()) return { files: [{ path: basename(target), abs: target, size: Number(top.size), stat: top }], skipped: [] };
  const ig = exclude.length > 0 ? ignore().add(exclude) : null;
  const files: LocalFile[] = [];
  const skipped: string[] = [];
  const walk = async (dir: string, base: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    const here: Array<Promise<void>> = [];
    // `dir` is already normal (resolved, then names from readdir): joining needs no normalising.
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    for (const e of entries) {
      if (e.name === ".git") continue;
      const abs = prefix + e.name;
      const rel = base + e.name;
      if (e.isDirectory()) {
        if (!ig?.ignores(`${rel}/`)) here.push(walk(abs, `${rel}/`));
        continue;
      }
      if (ig?.ignores(rel)) continue;
      if (e.isFile() || e.isSymbolicLink()) {
        // One stat at a time, without the thread pool: for ten thousand small files that is
        // several times faster than as many asynchronous calls.
        const st = statSync(abs, { bigint: true, throwIfNoEntry: false });
        if (st?.isFile()) files.push({ path: rel, abs, size: Number(st.size), stat: st });
        else skipped.push(rel); // a link to a folder, or a dangling one
      } else skipped.push(rel);
    }
    await Promise.all(here);
  };
  await walk(target, "");
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped: skipped.sort() };
}

/**
 * Fills in each file's sha256: from the cache when the file is unchanged, otherwise by reading
 * it (a few files at a time, each streamed, so memory stays small whatever the sizes).
 */
export async function hashFiles(files: LocalFile[], cache: HashCache, progress: Progress): Promise<void> {
  const todo: LocalFile[] = [];
  cache.preload(files.map((f) => f.abs));
  for (const f of files) {
    f.sha256 = cache.get(f.abs, f.stat);
    if (!f.sha256) todo.push(f);
  }
  if (todo.length === 0) return;
  progress.phase("hashing", todo.reduce((n, f) => n + f.size, 0), todo.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < todo.length; i = next++) {
      const f = todo[i]!;
      const before = f.stat;
      f.sha256 = await hashFile(f.abs, (n) => progress.add(n), f.size);
      const after = await stat(f.abs, { bigint: true });
      if (after.mtimeNs !== before.mtimeNs || after.size !== before.size) {
        throw new CliError(`${f.abs} changed while it was being read.`, "Push again once whatever writes it has finished.");
      }
      cache.set(f.abs, after, f.sha256);
      progress.fileDone();
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, todo.length) }, worker));
}

