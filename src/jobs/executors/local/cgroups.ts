import { spawn } from "node:child_process";
import { type Dirent, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Preparation, prepare } from "./prepare.ts";
import { readIfPresent } from "./proc.ts";

// One cgroup per job, below the server's own, for the controllers this machine lets Plinth
// use: `memory` (the kernel enforces the job's limit, counts OOM kills even of a job's helper
// processes, and records the peak) and `pids` (caps processes and threads, so a fork bomb stops
// inside its own job). On cgroup v1 each controller has a hierarchy of its own; on v2 one
// directory holds both. Processes that leave the job's process group stay in its cgroup.

export type Controller = "memory" | "pids";

export interface JobLimits {
  /** 0: no memory limit (the cgroup still counts OOM kills and the peak). */
  memoryBytes: number;
  /** Most processes and threads at once; 0: no limit. */
  maxProcesses: number;
}

export interface CgroupResult {
  /** Processes of the job the kernel killed for memory. */
  oomKills: number;
  peakBytes: number | null;
  /** Times a fork failed because the job was at its process limit. */
  forkRefusals: number;
}

export class JobCgroups {
  readonly version: 1 | 2;
  /** Directory that holds one child cgroup per job, per controller (the same one on v2). */
  readonly bases: ReadonlyMap<Controller, string>;

  /** Where each controller's hierarchy is mounted (/sys/fs/cgroup/memory, or /sys/fs/cgroup on v2). */
  readonly #mounts: ReadonlyMap<Controller, string>;

  constructor(version: 1 | 2, bases: Map<Controller, string>, mounts: Map<Controller, string> = new Map()) {
    this.version = version;
    this.bases = bases;
    this.#mounts = mounts;
  }

  /**
   * The job's memory cgroup as a container engine names a cgroup parent (its path in the
   * hierarchy): a container made below it counts in, and is capped by, the job's limit.
   */
  containerParent(jobId: string): string | null {
    const dir = this.memoryDir(jobId);
    const mount = this.#mounts.get("memory");
    return dir && mount && dir.startsWith(`${mount}/`) ? dir.slice(mount.length) : null;
  }

  has(controller: Controller): boolean {
    return this.bases.has(controller);
  }

  /** The job's cgroup directories, one per hierarchy. */
  dirs(jobId: string): string[] {
    return [...new Set(this.bases.values())].map((base) => join(base, jobId));
  }

  memoryDir(jobId: string): string | null {
    const base = this.bases.get("memory");
    return base ? join(base, jobId) : null;
  }

  /** What creating the job's cgroups takes, done by whoever starts the process, and the cgroup.procs files it then joins. */
  plan(jobId: string, limits: JobLimits): { procs: string[]; preparation: Required<Pick<Preparation, "dirs" | "writes">> } {
    const dirs = this.dirs(jobId);
    const writes: NonNullable<Preparation["writes"]> = [];
    const memory = this.memoryDir(jobId);
    if (memory && limits.memoryBytes > 0) {
      const limit = String(Math.max(limits.memoryBytes, 1 << 20));
      writes.push({ path: join(memory, this.version === 1 ? "memory.limit_in_bytes" : "memory.max"), content: limit });
      // Keeps swap inside the limit where swap accounting is on; harmless where it is not.
      writes.push({ path: join(memory, this.version === 1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max"), content: this.version === 1 ? limit : "0", optional: true });
    }
    const pidsBase = this.bases.get("pids");
    if (pidsBase && limits.maxProcesses > 0) writes.push({ path: join(pidsBase, jobId, "pids.max"), content: String(limits.maxProcesses) });
    return { procs: dirs.map((d) => join(d, "cgroup.procs")), preparation: { dirs, writes } };
  }

  exists(jobId: string): boolean {
    return this.dirs(jobId).some((d) => readIfPresent(join(d, "cgroup.procs")) !== null);
  }

  /** The job's processes, those in cgroups below its own included (a container's). */
  pids(jobId: string): number[] {
    const all = new Set<number>();
    for (const d of this.dirs(jobId)) for (const dir of [d, ...subgroups(d)]) for (const line of (readIfPresent(join(dir, "cgroup.procs")) ?? "").split("\n")) if (line) all.add(Number(line));
    return [...all];
  }

  result(jobId: string): CgroupResult {
    const pidsBase = this.bases.get("pids");
    return readCgroupResult(this.version, this.memoryDir(jobId), pidsBase ? join(pidsBase, jobId) : null);
  }

  /** What the job uses now, as its cgroups count it. */
  usage(jobId: string): CgroupUsage {
    return readCgroupUsage(this.version, this.memoryDir(jobId), this.version === 2 ? (this.dirs(jobId)[0] ?? null) : null);
  }

  /** Removes the job's cgroups (and any below them); false while processes remain in one. */
  remove(jobId: string): boolean {
    let all = true;
    for (const d of this.dirs(jobId)) {
      for (const dir of subgroups(d).reverse()) {
        try {
          rmdirSync(dir);
        } catch {
          all = false;
        }
      }
      try {
        rmdirSync(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") all = false;
      }
    }
    return all;
  }

  /**
   * Removes empty job cgroups older than `minAgeMs`: left by jobs that ended while no server
   * watched them (the launcher recorded the outcome). Young ones may be a launch under way.
   */
  sweep(minAgeMs: number): void {
    const now = Date.now();
    for (const base of new Set(this.bases.values())) {
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const name of names) {
        const st = statSync(join(base, name), { throwIfNoEntry: false });
        if (st?.isDirectory() && now - st.mtimeMs >= minAgeMs && this.pids(name).length === 0) this.remove(name);
      }
    }
  }
}

/** The cgroups below a directory, parents before children. */
function subgroups(dir: string): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    out.push(join(dir, e.name));
    out.push(...subgroups(join(dir, e.name)));
  }
  return out;
}

/** Reads a job's OOM kills, peak memory and refused forks from its cgroup files; absent files count as nothing. */
export function readCgroupResult(version: 1 | 2, memoryDir: string | null, pidsDir: string | null): CgroupResult {
  let oomKills = 0;
  let peakBytes: number | null = null;
  if (memoryDir) {
    const events = readIfPresent(join(memoryDir, version === 1 ? "memory.oom_control" : "memory.events")) ?? "";
    oomKills = Number(/^oom_kill (\d+)/m.exec(events)?.[1] ?? 0);
    const peak = readIfPresent(join(memoryDir, version === 1 ? "memory.max_usage_in_bytes" : "memory.peak"));
    peakBytes = peak === null ? null : Number(peak.trim());
  }
  const pidsEvents = pidsDir ? readIfPresent(join(pidsDir, "pids.events")) : null;
  const forkRefusals = Number(/^max (\d+)/m.exec(pidsEvents ?? "")?.[1] ?? 0);
  return { oomKills, peakBytes, forkRefusals };
}

export interface CgroupUsage {
  /** Memory in use less the file cache the kernel can drop; null without a memory cgroup. */
  memoryBytes: number | null;
  /** CPU time used, in microseconds; null on cgroup v1, where the job has no cpuacct group. */
  cpuMicros: number | null;
}

/**
 * Reads a job's memory in use and CPU time from its cgroup files. The kernel counts page cache
 * in a cgroup's memory; the inactive part of it goes first under pressure, so it is left out,
 * as `docker stats` and the kubelet do. cpu.stat's usage is there on v2 whether or not the cpu
 * controller is on.
 */
export function readCgroupUsage(version: 1 | 2, memoryDir: string | null, v2Dir: string | null): CgroupUsage {
  let memoryBytes: number | null = null;
  const current = memoryDir ? readIfPresent(join(memoryDir, version === 1 ? "memory.usage_in_bytes" : "memory.current")) : null;
  if (current !== null) {
    const stat = readIfPresent(join(memoryDir!, "memory.stat")) ?? "";
    const inactive = (version === 1 ? /^total_inactive_file (\d+)/m : /^inactive_file (\d+)/m).exec(stat)?.[1];
    memoryBytes = Math.max(0, Number(current.trim()) - Number(inactive ?? 0));
  }
  const usec = v2Dir ? /^usage_usec (\d+)/m.exec(readIfPresent(join(v2Dir, "cpu.stat")) ?? "")?.[1] : undefined;
  return { memoryBytes, cpuMicros: usec === undefined ? null : Number(usec) };
}

/**
 * Finds writable cgroups below this process's own for the memory and pids controllers and
 * proves each works by moving a throwaway shell into a child. Null when neither does (no
 * permission, cgroup v2 without delegation).
 */
export async function detectJobCgroups(wanted: Controller[] = ["memory", "pids"]): Promise<JobCgroups | null> {
  const own = readIfPresent("/proc/self/cgroup");
  const mounts = readIfPresent("/proc/self/mountinfo");
  if (!own || !mounts) return null;
  const bases = new Map<Controller, string>();
  const points = new Map<Controller, string>();
  let version: 1 | 2 = 1;
  for (const controller of wanted) {
    const found = findOwnCgroup(own, mounts, controller);
    if (!found) continue;
    version = found.version;
    const base = join(found.dir, "plinth");
    if (await proveWritable(found, base, controller)) {
      bases.set(controller, base);
      points.set(controller, found.point);
    }
  }
  if (bases.size === 0) return null;
  const cgroups = new JobCgroups(version, bases, points);
  cgroups.sweep(60_000);
  return cgroups;
}

async function proveWritable(found: { version: 1 | 2; dir: string }, base: string, controller: Controller): Promise<boolean> {
  const probe = join(base, `probe-${process.pid}-${Date.now()}`);
  try {
    if (found.version === 2) enableV2Controller(found.dir, controller);
    mkdirSync(base, { recursive: true });
    if (found.version === 2) enableV2Controller(base, controller);
    prepare({ dirs: [probe] });
    return await new Promise<boolean>((resolve) => {
      const child = spawn("/bin/sh", ["-c", 'echo $$ > "$0"', join(probe, "cgroup.procs")], { stdio: "ignore", env: {} });
      child.on("error", () => resolve(false));
      child.on("exit", (code) => resolve(code === 0));
    });
  } catch {
    return false;
  } finally {
    try {
      rmdirSync(probe);
    } catch {
      // never made, or the shell's exit not yet accounted: the next start's sweep takes it
    }
  }
}

function findOwnCgroup(own: string, mounts: string, controller: Controller): { version: 1 | 2; dir: string; point: string } | null {
  const mountsOf = (type: string) =>
    mounts
      .split("\n")
      .map((line) => line.split(" "))
      .filter((f) => f[f.indexOf("-") + 1] === type)
      .map((f) => ({ root: f[3]!, point: f[4]!, options: f[f.indexOf("-") + 3] ?? "" }));
  for (const line of own.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined || !controllers!.split(",").includes(controller)) continue;
    const m = mountsOf("cgroup").find((x) => x.options.split(",").includes(controller));
    if (m) return { version: 1, dir: join(m.point, relativeTo(path, m.root)), point: m.point };
  }
  const unified = /^0::(.*)$/m.exec(own);
  const m2 = mountsOf("cgroup2")[0];
  if (unified && m2) {
    const dir = join(m2.point, relativeTo(unified[1]!, m2.root));
    if ((readIfPresent(join(dir, "cgroup.controllers")) ?? "").split(/\s+/).includes(controller)) return { version: 2, dir, point: m2.point };
  }
  return null;
}

function relativeTo(path: string, root: string): string {
  if (root === "/") return path;
  return path.startsWith(root) ? path.slice(root.length) || "/" : path;
}

function enableV2Controller(dir: string, controller: Controller): void {
  const current = readIfPresent(join(dir, "cgroup.subtree_control")) ?? "";
  if (!current.split(/\s+/).includes(controller)) writeFileSync(join(dir, "cgroup.subtree_control"), `+${controller}`);
}

