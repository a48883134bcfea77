import { readFileSync, writeFileSync } from "node:fs";

// The resident memory of another process (the server under test), from /proc/<pid>/status:
// before a transfer, its peak during it, and after. The peak is the kernel's own high-water
// mark (VmHWM, reset through clear_refs where allowed) together with samples every few
// milliseconds, so a short spike between two samples is not missed. Also the CPU time the
// server spent on the transfer, from /proc/<pid>/stat: on a shared machine wall-clock rates
// move with everything else that runs, CPU seconds per byte much less.

export interface RssFigures {
  beforeBytes: number;
  peakBytes: number;
  afterBytes: number;
  /** Peak minus before. */
  growthBytes: number;
  /** CPU seconds (user + system) the process used meanwhile. */
  cpuSeconds: number;
}

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux this runs on). */
const TICKS = 100;

/** User + system CPU seconds of a process: itself, or (children) its reaped children's. */
export function cpuSeconds(pid: number | "self", which: "own" | "children" = "own"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may hold spaces: state is field 3, utime 14.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const at = which === "own" ? 11 : 13;
  return (Number(fields[at]) + Number(fields[at + 1])) / TICKS;
}

function statusField(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

export function rssBytes(pid: number): number {
  return statusField(pid, "VmRSS");
}

/** Watches a process's resident memory while `work` runs. */
export async function watchRss<T>(pid: number, work: () => Promise<T>, everyMs = 10): Promise<{ result: T; rss: RssFigures }> {
  let hwmReset = false;
  try {
    // "5" resets the peak resident set size to the current one (Linux 4.0+).
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    hwmReset = true;
  } catch {
    // not allowed here: samples alone give the peak
  }
  const beforeBytes = rssBytes(pid);
  const cpuBefore = cpuSeconds(pid);
  let peakBytes = beforeBytes;
  const timer = setInterval(() => {
    try {
      peakBytes = Math.max(peakBytes, rssBytes(pid));
    } catch {
      // the process is gone; the work will say why
    }
  }, everyMs);
  try {
    const result = await work();
    const afterBytes = rssBytes(pid);
    if (hwmReset) peakBytes = Math.max(peakBytes, statusField(pid, "VmHWM"));
    peakBytes = Math.max(peakBytes, afterBytes);
    return { result, rss: { beforeBytes, peakBytes, afterBytes, growthBytes: peakBytes - beforeBytes, cpuSeconds: cpuSeconds(pid) - cpuBefore } };
  } finally {
    clearInterval(timer);
  }
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
