import { mkdirSync, rmSync, writeFileSync } from "node:fs";

// File-system work a launch needs just before the process starts: its directories, stale
// records to clear, its memory cgroup. It runs in the launcher process, not the server, because
// mkdir in a cgroup or on a journalled disk can take a millisecond the server's event loop
// should not spend.
export interface Preparation {
  dirs?: string[];
  remove?: string[];
  /** Files to write; `optional` ones may fail (a knob the kernel does not offer). */
  writes?: Array<{ path: string; content: string; optional?: boolean }>;
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
}
