import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Preparation, prepare } from "./prepare.ts";
import { rssByProcessGroup } from "./proc.ts";

// Memory limits. Preferred: one memory cgroup per job under the server's own cgroup (the
// kernel enforces the limit and counts OOM kills, and it also holds processes that leave the
// process group). Fallback where cgroups are not writable: sum the RSS of each job's process
// group on one shared timer and kill groups over their limit.

export interface CgroupResult {
  oomKilled: boolean;
  peakBytes: number | null;
}

export class MemoryCgroups {
  readonly version: 1 | 2;
  /** Directory that holds one child cgroup per job. */
  readonly base: string;
  constructor(version: 1 | 2, base: string) {
    this.version = version;
    this.base = base;
  }

  path(jobId: string): string {
    return join(this.base, jobId);
  }

  /** Creates the job's cgroup with its limit now; returns its directory. */
  create(jobId: string, limitBytes: number): string {
    const plan = this.plan(jobId, limitBytes);
    prepare(plan.preparation);
    return plan.dir;
  }

  /** What creating the job's cgroup takes, to be done by whoever starts the process. */
  plan(jobId: string, limitBytes: number): { dir: string; preparation: Preparation } {
    const dir = this.path(jobId);
    const limit = String(Math.max(limitBytes, 1 << 20));
    return {
      dir,
      preparation: {
        dirs: [dir],
        writes: [
          { path: join(dir, this.version === 1 ? "memory.limit_in_bytes" : "memory.max"), content: limit },
          // Keeps swap inside the limit where swap accounting is on; harmless where it is not.
          { path: join(dir, this.version === 1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max"), content: this.version === 1 ? limit : "0", optional: true },
        ],
      },
    };
  }

  exists(jobId: string): boolean {
    return readText(join(this.path(jobId), "cgroup.procs")) !== null;
  }

  pids(jobId: string): number[] {
    const text = readText(join(this.path(jobId), "cgroup.procs")) ?? "";
    return text.split("\n").filter(Boolean).map(Number);
  }

  result(jobId: string): CgroupResult {
    const dir = this.path(jobId);
    const events = readText(join(dir, this.version === 1 ? "memory.oom_control" : "memory.events")) ?? "";
    const oom = /^oom_kill (\d+)/m.exec(events);
    const peak = readText(join(dir, this.version === 1 ? "memory.max_usage_in_bytes" : "memory.peak"));
    return { oomKilled: oom !== null && Number(oom[1]) > 0, peakBytes: peak === null ? null : Number(peak.trim()) };
  }

  /**
   * Removes empty job cgroups older than `minAgeMs`: left by jobs that ended while no server
   * watched them (their supervisors recorded the outcome). Young ones may be a launch under way.
   */
  sweep(minAgeMs: number): void {
    let names: string[];
    try {
      names = readdirSync(this.base);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      const st = statSync(join(this.base, name), { throwIfNoEntry: false });
      if (st?.isDirectory() && now - st.mtimeMs >= minAgeMs && this.pids(name).length === 0) this.remove(name);
    }
  }

  /** Removes the job's cgroup; false while processes remain in it. */
  remove(jobId: string): boolean {
    try {
      rmdirSync(this.path(jobId));
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "ENOENT";
    }
  }
}

/**
 * Finds a writable memory cgroup below the one this process runs in and proves it works by
 * moving a throwaway shell into a limited child. Null when that fails (no permission, no
 * memory controller, cgroup v2 without delegation).
 */
export async function detectMemoryCgroups(): Promise<MemoryCgroups | null> {
  const base = findOwnMemoryCgroup();
  if (!base) return null;
  const cgroups = new MemoryCgroups(base.version, join(base.dir, "plinth"));
  const probe = `probe-${process.pid}-${Date.now()}`;
  try {
    if (base.version === 2) enableV2Controller(base.dir);
    mkdirSync(cgroups.base, { recursive: true });
    if (base.version === 2) enableV2Controller(cgroups.base);
    const dir = cgroups.create(probe, 64 << 20);
    const ok = await new Promise<boolean>((resolve) => {
      const child = spawn("/bin/sh", ["-c", 'echo $$ > "$0"', join(dir, "cgroup.procs")], { stdio: "ignore" });
      child.on("error", () => resolve(false));
      child.on("exit", (code) => resolve(code === 0));
    });
    if (!ok) return null;
    cgroups.sweep(60_000);
    return cgroups;
  } catch {
    return null;
  } finally {
    cgroups.remove(probe);
  }
}

function findOwnMemoryCgroup(): { version: 1 | 2; dir: string } | null {
  const own = readText("/proc/self/cgroup");
  const mounts = readText("/proc/self/mountinfo");
  if (!own || !mounts) return null;
  const mountsOf = (type: string) =>
    mounts
      .split("\n")
      .map((line) => line.split(" "))
      .filter((f) => f[f.indexOf("-") + 1] === type)
      .map((f) => ({ root: f[3]!, point: f[4]!, options: f[f.indexOf("-") + 3] ?? "" }));
  for (const line of own.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers!.split(",").includes("memory")) {
      const m = mountsOf("cgroup").find((x) => x.options.split(",").includes("memory"));
      if (m) return { version: 1, dir: join(m.point, relativeTo(path, m.root)) };
    }
  }
  const unified = /^0::(.*)$/m.exec(own);
  const m2 = mountsOf("cgroup2")[0];
  if (unified && m2) {
    const dir = join(m2.point, relativeTo(unified[1]!, m2.root));
    if ((readText(join(dir, "cgroup.controllers")) ?? "").split(/\s+/).includes("memory")) return { version: 2, dir };
  }
  return null;
}

function relativeTo(path: string, root: string): string {
  if (root === "/") return path;
  return path.startsWith(root) ? path.slice(root.length) || "/" : path;
}

function enableV2Controller(dir: string): void {
  const current = readText(join(dir, "cgroup.subtree_control")) ?? "";
  if (!current.split(/\s+/).includes("memory")) writeFileSync(join(dir, "cgroup.subtree_control"), "+memory");
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

interface Watched {
  limitBytes: number;
  peakBytes: number;
  exceeded: boolean;
  onExceed: (rssBytes: number) => void;
}

/** The fallback: one timer for all jobs, one pass over /proc per tick. */
export class RssWatcher {
  readonly #intervalMs: number;
  readonly #groups = new Map<number, Watched>();
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  watch(pgid: number, limitBytes: number, onExceed: (rssBytes: number) => void): void {
    this.#groups.set(pgid, { limitBytes, peakBytes: 0, exceeded: false, onExceed });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.tick(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Stops watching; returns the peak RSS seen, if any. */
  unwatch(pgid: number): number | null {
    const w = this.#groups.get(pgid);
    this.#groups.delete(pgid);
    if (this.#groups.size === 0) this.stop();
    return w && w.peakBytes > 0 ? w.peakBytes : null;
  }

  tick(): void {
    if (this.#groups.size === 0) return;
    const sums = rssByProcessGroup(new Set(this.#groups.keys()));
    for (const [pgid, w] of this.#groups) {
      const rss = sums.get(pgid) ?? 0;
      if (rss > w.peakBytes) w.peakBytes = rss;
      if (rss > w.limitBytes && !w.exceeded) {
        w.exceeded = true;
        w.onExceed(rss);
      }
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
