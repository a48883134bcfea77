import { chmodSync, closeSync, constants, fchownSync, lchownSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// File-system work a launch needs just before the process starts: its directories, stale
// records to clear, its cgroups, handing the job's folder to the user it runs as. It runs in
// the launcher process, not the server, because mkdir in a cgroup or on a journalled disk can
// take a millisecond the server's event loop should not spend. Synchronous: each step is a
// fraction of a millisecond, less than handing it to the thread pool costs.
export interface Preparation {
  dirs?: string[];
  /** Files to delete, in a folder that may hold an earlier attempt's (a new folder holds none). */
  remove?: { dir: string; files: string[] };
  /** Files to write; `optional` ones may fail (a knob the kernel does not offer). */
  writes?: Array<{ path: string; content: string; optional?: boolean }>;
  /** Folders whose mode is set (the ones above a job's folder, to let its user pass). */
  modes?: Array<{ path: string; mode: number }>;
  /** Folders given, with everything in them, to the job's user (symlinks themselves, never what they point at). */
  own?: { paths: string[]; uid: number; gid: number };
}

export function prepare(p: Preparation | undefined): void {
  if (!p) return;
  const made = new Set<string>();
  for (const dir of p.dirs ?? []) if (mkdirSync(dir, { recursive: true }) !== undefined) made.add(dir);
  if (p.remove && !made.has(p.remove.dir)) for (const file of p.remove.files) rmSync(join(p.remove.dir, file), { force: true });
  for (const w of p.writes ?? []) {
    try {
      writeFileSync(w.path, w.content);
    } catch (err) {
      if (!w.optional) throw err;
    }
  }
  for (const m of p.modes ?? []) chmodSync(m.path, m.mode);
  if (p.own) for (const path of p.own.paths) chownTree(path, p.own.uid, p.own.gid);
}

const FOLDER = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Gives a folder and everything in it to uid:gid, as root, never through a symbolic link. The
 * job's earlier processes may still run and swap a folder for a link to /etc mid-walk, so no
 * path is resolved twice: each folder is opened inside the open one above it (through
 * /proc/self/fd, as openat(2) would) with O_NOFOLLOW, and each entry is changed by its name in
 * that open folder, where lchown changes a link itself and never what it points at.
 */
function chownTree(path: string, uid: number, gid: number): void {
  const fd = openSync(path, FOLDER);
  try {
    chownOpenFolder(fd, uid, gid);
  } finally {
    closeSync(fd);
  }
}

function chownOpenFolder(fd: number, uid: number, gid: number): void {
  fchownSync(fd, uid, gid);
  const here = `/proc/self/fd/${fd}`;
  for (const entry of readdirSync(here, { withFileTypes: true })) {
    const at = `${here}/${entry.name}`;
    if (!entry.isDirectory()) {
      lchownSync(at, uid, gid);
      continue;
    }
    let child: number;
    try {
      child = openSync(at, FOLDER);
    } catch (err) {
      // Swapped for a link or removed since the listing: its owner is not ours to change.
      if (["ELOOP", "ENOTDIR", "ENOENT"].includes((err as NodeJS.ErrnoException).code ?? "")) continue;
      throw err;
    }
    try {
      chownOpenFolder(child, uid, gid);
    } finally {
      closeSync(child);
    }
  }
}
