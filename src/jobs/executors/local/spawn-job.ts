import { spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { readCgroupResult } from "./cgroups.ts";
import { type Preparation, prepare } from "./prepare.ts";
import { readStartTime, signalNumber } from "./proc.ts";

// Starting one job process and writing down how it ended, shared by both launchers. What is
// written survives the server: `process` (pid and start time) as soon as the process exists,
// `exit-status` the moment it ends. The process is held at a gate until it is in its cgroups:
// bwrap reads its own arguments from fd 3 (--args 3) and cannot start anything before they
// arrive; an unsandboxed job is held by a one-line `read` before it execs.

/** Files in a job's state directory (which the job never sees). */
export const STATE_FILES = {
  process: "process",
  exitStatus: "exit-status",
  bwrapStatus: "bwrap-status.json",
  startError: "start-error.json",
  oomKilled: "oom-killed",
  stopped: "stopped.json",
} as const;

export interface SpawnSpec {
  file: string;
  args: string[];
  /** The process's whole environment: fixed and minimal for anything that runs outside the sandbox. */
  env: Record<string, string>;
  cwd: string;
  /** Opened for append and given to the process as stdout and stderr. */
  log: string;
  stateDir: string;
  /** Directories and files to make first, by whoever spawns. */
  prepare?: Preparation;
  /** Unprivileged user and group to run as (set when the launcher runs as root). */
  user?: { uid: number; gid: number };
  /** cgroup.procs files the process joins before it passes its gate. */
  cgroupProcs?: string[];
  /** What the gate on fd 3 receives: bwrap's arguments (NUL-separated), or [] to release a `read`. */
  gate: string[] | null;
  /** For bwrap: fd 4 receives its JSON status. */
  bwrapStatus?: boolean;
  /** Cgroup files to read the OOM kills and peak from when the process ends. */
  cgroupResult?: { version: 1 | 2; memoryDir: string | null; pidsDir: string | null };
}

export interface Started {
  pid: number;
  startTime: string;
}

/**
 * Starts the process; `onExit` gets its wait status once the record is on disk. Rejects when it
 * cannot start. Joining the cgroups goes to the thread pool (the process waits at its gate
 * meanwhile): the kernel serialises cgroup moves, and one that takes milliseconds on a busy
 * machine must not hold up every other launch.
 */
export async function spawnJob(spec: SpawnSpec, onExit: (pid: number, code: number | null, signal: NodeJS.Signals | null) => void): Promise<Started> {
  // The gate's arguments are NUL-separated: a NUL inside one would smuggle in options of its own.
  if (spec.gate?.some((arg) => arg.includes("\0"))) throw new Error("an argument or environment value holds a NUL character");
  prepare(spec.prepare);
  const log = openSync(spec.log, "a");
  const opened: number[] = [log];
  let child: ReturnType<typeof spawn>;
  try {
    const stdio: Array<"ignore" | "pipe" | number> = ["ignore", log, log];
    if (spec.gate !== null) stdio.push("pipe");
    if (spec.bwrapStatus) {
      // fd 4: bwrap writes the job's exit code there itself, a record that needs no launcher.
      const status = openSync(join(spec.stateDir, STATE_FILES.bwrapStatus), "w", 0o600);
      opened.push(status);
      stdio.push(status);
    }
    child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio,
      ...(spec.user && { uid: spec.user.uid, gid: spec.user.gid }),
    });
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  const pid = child.pid;
  const gate = child.stdio[3] as Writable | undefined;
  if (pid === undefined) {
    gate?.destroy();
    throw new Error(`could not start ${spec.file}`);
  }
  gate?.on("error", () => {});
  // Not reaped yet (that happens on a later tick), so /proc still has it even if it ended.
  const startTime = readStartTime(pid) ?? "0";
  const record = (name: string, content: string) => writeFileSync(join(spec.stateDir, name), content);
  // The exit is watched from now on; one that comes of a failed start below is no job's end.
  let startFailed = false;
  child.once("exit", (code, signal) => {
    if (startFailed) return;
    // The shell's convention, 128+N for a signal, so one number says it all.
    const status = signal ? 128 + (signalNumber(signal) ?? 9) : (code ?? 0);
    const r = spec.cgroupResult ? readCgroupResult(spec.cgroupResult.version, spec.cgroupResult.memoryDir, spec.cgroupResult.pidsDir) : null;
    try {
      record(STATE_FILES.exitStatus, r ? `${status} ${r.oomKills} ${r.peakBytes ?? "-"} ${r.forkRefusals}\n` : `${status}\n`);
    } catch {
      // the state dir is gone (the job was deleted); the live report still carries the status
    }
    onExit(pid, code, signal);
  });
  try {
    record(STATE_FILES.process, `${pid} ${startTime}\n`);
    await Promise.all((spec.cgroupProcs ?? []).map((procs) => writeFile(procs, String(pid))));
  } catch (err) {
    // Not in its cgroups: it must not run. Closing the gate unread ends it before it starts.
    startFailed = true;
    gate?.destroy();
    process.kill(pid, "SIGKILL");
    throw err;
  }
  if (gate && spec.gate) gate.end(spec.gate.length > 0 ? `${spec.gate.join("\0")}\0` : "\n");
  return { pid, startTime };
}
