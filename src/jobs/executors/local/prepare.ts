import { chmodSync, lchownSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";

// File-system work a launch needs just before the process starts: its directories, stale
// records to clear, its cgroups, handing the job's folder to the user it runs as. It runs in
// the launcher process, not the server, because mkdir in a cgroup or on a journalled disk can
// take a millisecond the server's event loop should not spend.
export interface Preparation {
  dirs?: string[];
  remove?: string[];
  /** Files to write; `optional` ones may fail (a knob the kernel does not offer). */
  writes?: Array<{ path: string; content: string; optional?: boolean }>;
  /** Folders whose mode is set (the ones above a job's folder, to let its user pass). */
  modes?: Array<{ path: string; mode: number }>;
  /** Folders given, with everything in them, to the job's user (symlinks themselves, never what they point at). */
  own?: { paths: string[]; uid: number; gid: number };
}

export function prepare(p: Preparation | undefined): void {
  if (!p) return;
  for (const dir of p.dirs ?? []) mkdirSync(dir, { recursive: true });
  for (const file of p.remove ?? []) rmSync(file, { force: true });
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

/**
 * The same, on the thread pool: cgroup files can take milliseconds each on a busy machine
 * (the kernel serialises cgroup changes), and the launcher must keep starting other jobs.
 * Folders first, then the rest at once.
 */
export async function prepareAsync(p: Preparation | undefined): Promise<void> {
  if (!p) return;
  for (const dir of p.dirs ?? []) await fsp.mkdir(dir, { recursive: true });
  await Promise.all([
    ...(p.remove ?? []).map((file) => fsp.rm(file, { force: true })),
    ...(p.writes ?? []).map((w) => fsp.writeFile(w.path, w.content).catch((err) => (w.optional ? undefined : Promise.reject(err)))),
    ...(p.modes ?? []).map((m) => fsp.chmod(m.path, m.mode)),
  ]);
  if (p.own) for (const path of p.own.paths) chownTree(path, p.own.uid, p.own.gid);
}

function chownTree(path: string, uid: number, gid: number): void {
  lchownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(join(path, entry.name), uid, gid);
    else lchownSync(join(path, entry.name), uid, gid);
  }
}
