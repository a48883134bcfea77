import { statfsSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

// Disk allowances. Every few seconds, one pass: how much each running job holds on disk (its
// folder and its log) and how much room is left on the disk that holds Plinth's data. A job
// past its allowance is stopped; when free space falls below the reserve, the job holding the
// most is stopped first, so the database never meets a full disk.

/** Below this a job is never stopped for the disk's reserve. */
const MIN_BLAMED_BYTES = 64 << 20;

export type DiskVerdict = { kind: "limit"; usedBytes: number; limitBytes: number } | { kind: "reserve"; usedBytes: number; freeBytes: number; reserveBytes: number };

interface Watched {
  paths: string[];
  limitBytes: number;
  usedBytes: number;
  stopped: boolean;
  onExceed: (verdict: DiskVerdict) => void;
}

export interface DiskWatchOptions {
  /** A path on the disk whose free space is guarded (Plinth's data directory). */
  dataDir: string;
  /** Free space to keep on that disk; 0: no guard. */
  reserveBytes: number;
  intervalMs: number;
}

export class DiskWatcher {
  readonly #o: DiskWatchOptions;
  readonly #jobs = new Map<string, Watched>();
  #timer: NodeJS.Timeout | null = null;
  #busy = false;

  constructor(opts: DiskWatchOptions) {
    this.#o = opts;
  }

  /** `limitBytes` 0: no allowance of its own, only the reserve applies. */
  watch(jobId: string, paths: string[], limitBytes: number, onExceed: (verdict: DiskVerdict) => void): void {
    this.#jobs.set(jobId, { paths, limitBytes, usedBytes: 0, stopped: false, onExceed });
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.tick(), this.#o.intervalMs);
      this.#timer.unref();
    }
  }

  unwatch(jobId: string): void {
    this.#jobs.delete(jobId);
    if (this.#jobs.size === 0) this.stop();
  }

  async tick(): Promise<void> {
    if (this.#busy || this.#jobs.size === 0) return;
    this.#busy = true;
    try {
      for (const w of this.#jobs.values()) {
        w.usedBytes = 0;
        for (const p of w.paths) w.usedBytes += await diskUsage(p);
        if (w.limitBytes > 0 && w.usedBytes > w.limitBytes && !w.stopped) {
          w.stopped = true;
          w.onExceed({ kind: "limit", usedBytes: w.usedBytes, limitBytes: w.limitBytes });
        }
      }
      if (this.#o.reserveBytes <= 0) return;
      const freeBytes = freeSpace(this.#o.dataDir);
      if (freeBytes === null || freeBytes >= this.#o.reserveBytes) return;
      // Only a job that holds something real is to blame; a small one stopped would free
      // nothing while something else fills the disk.
      const biggest = [...this.#jobs.values()].filter((w) => !w.stopped && w.usedBytes >= MIN_BLAMED_BYTES).sort((a, b) => b.usedBytes - a.usedBytes)[0];
      if (!biggest) return;
      biggest.stopped = true;
      biggest.onExceed({ kind: "reserve", usedBytes: biggest.usedBytes, freeBytes, reserveBytes: this.#o.reserveBytes });
    } finally {
      this.#busy = false;
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/** Bytes of disk a file or folder tree takes (allocated blocks, as `du` counts), without following symlinks. */
export async function diskUsage(path: string): Promise<number> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch {
    return 0;
  }
  let total = st.blocks * 512;
  if (!st.isDirectory()) return total;
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    return total;
  }
  for (const name of names) total += await diskUsage(join(path, name));
  return total;
}

export function freeSpace(path: string): number | null {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
