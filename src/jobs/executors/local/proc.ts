import { readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";

// Reading /proc: enough to tell a reused pid apart, find a job's process group and sum its
// memory. Synchronous on purpose: each read is a few microseconds of procfs, and callers run
// them in tight loops where promise overhead would dominate.

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), X (dead)… */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: start time in clock ticks since boot, as a string to compare exactly. */
  startTime: string;
  rssPages: number;
  /** CPU time in clock ticks (fields 14-17): its own, and that of the children it has reaped. */
  cpuTicks: number;
}

export function readStat(pid: number, procRoot = "/proc"): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  return parseStat(text);
}

/** Parses /proc/PID/stat. The command name sits in parentheses and may itself hold spaces or ')'. */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(" ");
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 22) return null;
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    startTime: rest[19]!,
    rssPages: Number(rest[21]),
    cpuTicks: Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]),
  };
}

export function readStartTime(pid: number): string | null {
  return readStat(pid)?.startTime ?? null;
}

/** True while `pid` is the same process (same start time) and has not exited. */
export function isRunning(pid: number, startTime: string): boolean {
  const st = readStat(pid);
  return st !== null && st.startTime === startTime && st.state !== "Z" && st.state !== "X";
}

/** Every live process, one pass over /proc. */
export function listProcesses(procRoot = "/proc"): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const st = readStat(Number(name), procRoot);
    if (st && st.state !== "Z" && st.state !== "X") out.push(st);
  }
  return out;
}

export function processGroupMembers(pgid: number): ProcStat[] {
  return listProcesses().filter((p) => p.pgrp === pgid);
}

/** Resident memory per process group, for the groups asked about, from one pass over /proc. */
export function rssByProcessGroup(pgids: ReadonlySet<number>): Map<number, number> {
  const sums = new Map<number, number>();
  const page = pageSize();
  for (const p of listProcesses()) {
    if (!pgids.has(p.pgrp)) continue;
    sums.set(p.pgrp, (sums.get(p.pgrp) ?? 0) + p.rssPages * page);
  }
  return sums;
}

/**
 * Clock ticks per second in /proc's CPU times (USER_HZ): 100 on every architecture Linux runs
 * on today; Node cannot ask sysconf.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Seconds since boot (/proc/uptime), the clock process start times count from. */
export function uptimeSeconds(): number {
  return Number((readIfPresent("/proc/uptime") ?? "0").split(" ")[0]);
}

let cachedPageSize: number | null = null;

/** The kernel page size (RSS in /proc/PID/stat counts pages). 4 KiB unless smaps says otherwise. */
export function pageSize(): number {
  if (cachedPageSize === null) {
    cachedPageSize = 4096;
    try {
      const m = /KernelPageSize:\s+(\d+) kB/.exec(readFileSync("/proc/self/smaps", "latin1"));
      if (m) cachedPageSize = Number(m[1]) * 1024;
    } catch {
      // keep the default
    }
  }
  return cachedPageSize;
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export function signalName(signo: number): string | null {
  return SIGNAL_NAMES.get(signo) ?? null;
}

export function signalNumber(name: string): number | null {
  return (constants.signals as Record<string, number>)[name] ?? null;
}

/**
 * A shell reports a child killed by signal N as exit status 128+N; decode that, so a job
 * killed with SIGKILL reads as such, whether we saw it live or from the recorded status.
 */
export function decodeShellStatus(status: number): { exitCode: number | null; signal: string | null } {
  if (status > 128 && status <= 128 + 64) {
    const name = signalName(status - 128);
    if (name) return { exitCode: null, signal: name };
  }
  return { exitCode: status, signal: null };
}

/** A small file's text, or null when it is not there (or not readable). */
export function readIfPresent(path: string, encoding: BufferEncoding = "utf8"): string | null {
  try {
    return readFileSync(path, encoding);
  } catch {
    return null;
  }
}

/** Whether the process is bubblewrap itself (a sandboxed job's outermost process). */
export function isBwrap(pid: number): boolean {
  return readIfPresent(`/proc/${pid}/comm`)?.trim() === "bwrap";
}

/** Sends a signal to a process (or, negative, a process group) that may be gone already. */
export function trySignal(pid: number, signal: NodeJS.Signals): void {
  // 0 and ±1 mean "our own group" and "every process" to kill(2): never what is meant here.
  if (Math.abs(pid) <= 1) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
