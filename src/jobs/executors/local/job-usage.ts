import type { GpuInfo } from "../../scheduler/types.ts";
import type { GpuUsage, JobUsage } from "../executor.ts";
import type { JobCgroups } from "./cgroups.ts";
import { GpuUsageReader } from "./gpu-usage.ts";
import { CLOCK_TICKS_PER_SECOND, listProcesses, pageSize, type ProcStat, uptimeSeconds } from "./proc.ts";

// A running job's CPU, memory and GPUs now, for the system metrics of its tracked run. Its
// cgroup counts best (every process, also those that left its process group, and the CPU time
// of those that ended); without one, the processes of its group and cgroups are summed from one
// pass over /proc that the readings of all jobs taken together share.

export interface UsageTarget {
  jobId: string;
  /** The job's process group: its first process's pid, whose start time is `startTime`. */
  pgid: number;
  startTime: string;
  cpus: number;
  memoryBytes: number;
  gpus: GpuInfo[];
  /** The job has cgroups of its own. */
  cgroup: boolean;
}

/** One pass over /proc serves the readings taken within this long. */
const SNAPSHOT_MS = 200;
/** Readings closer together than this (in seconds) repeat the last CPU figure: /proc/uptime counts hundredths. */
const SHORTEST_CPU_WINDOW = 0.05;

export class JobUsageReader {
  readonly #cgroups: JobCgroups | null;
  readonly #gpus: GpuUsageReader;
  readonly #machineMemory: () => Promise<number>;
  /** Each job's CPU time at its previous reading, and when that was, in seconds since boot. */
  readonly #previous = new Map<string, { cpuSeconds: number; at: number; percent: number }>();
  #snapshot: { at: number; byGroup: Map<number, ProcStat[]>; byPid: Map<number, ProcStat> } | null = null;

  constructor(o: { cgroups: JobCgroups | null; nvidiaSmi: string; machineMemory: () => Promise<number> }) {
    this.#cgroups = o.cgroups;
    this.#gpus = new GpuUsageReader(o.nvidiaSmi);
    this.#machineMemory = o.machineMemory;
  }

  async read(job: UsageTarget): Promise<JobUsage> {
    const counted = job.cgroup && this.#cgroups ? this.#cgroups.usage(job.jobId) : { memoryBytes: null, cpuMicros: null };
    const procs = counted.memoryBytes === null || counted.cpuMicros === null ? this.#processesOf(job) : [];
    const cpuSeconds = counted.cpuMicros !== null ? counted.cpuMicros / 1e6 : procs.reduce((sum, p) => sum + p.cpuTicks, 0) / CLOCK_TICKS_PER_SECOND;
    const memoryBytes = counted.memoryBytes ?? procs.reduce((sum, p) => sum + p.rssPages, 0) * pageSize();
    return {
      cpuPercent: this.#cpuPercent(job, cpuSeconds),
      memoryBytes,
      memoryLimitBytes: job.memoryBytes > 0 ? job.memoryBytes : await this.#machineMemory(),
      gpus: await this.#gpusOf(job.gpus),
    };
  }

  /** The job has ended: its last CPU reading goes. */
  forget(jobId: string): void {
    this.#previous.delete(jobId);
  }

  /** CPU time since the previous reading (the first: since the job's first process started) over the wall time between, per CPU given. */
  #cpuPercent(job: UsageTarget, cpuSeconds: number): number {
    const now = uptimeSeconds();
    const previous = this.#previous.get(job.jobId) ?? { cpuSeconds: 0, at: Number(job.startTime) / CLOCK_TICKS_PER_SECOND, percent: 0 };
    const wall = now - previous.at;
    if (wall < SHORTEST_CPU_WINDOW) return previous.percent;
    // A process that ended without a parent in the job to collect its time takes it along.
    const used = Math.max(0, cpuSeconds - previous.cpuSeconds);
    const percent = (used / wall / (job.cpus > 0 ? job.cpus : 1)) * 100;
    this.#previous.set(job.jobId, { cpuSeconds, at: now, percent });
    return percent;
  }

  /** The job's processes: its process group, and its cgroups' (which hold those that called setsid). */
  #processesOf(job: UsageTarget): ProcStat[] {
    const now = performance.now();
    if (!this.#snapshot || now - this.#snapshot.at > SNAPSHOT_MS) {
      const byGroup = new Map<number, ProcStat[]>();
      const byPid = new Map<number, ProcStat>();
      for (const p of listProcesses()) {
        byPid.set(p.pid, p);
        const group = byGroup.get(p.pgrp);
        if (group) group.push(p);
        else byGroup.set(p.pgrp, [p]);
      }
      this.#snapshot = { at: now, byGroup, byPid };
    }
    const members = new Map((this.#snapshot.byGroup.get(job.pgid) ?? []).map((p) => [p.pid, p]));
    if (job.cgroup && this.#cgroups) {
      for (const pid of this.#cgroups.pids(job.jobId)) {
        const p = this.#snapshot.byPid.get(pid);
        if (p) members.set(pid, p);
      }
    }
    return [...members.values()];
  }

  /** Readings of the job's real GPUs, numbered as the job sees them; no nvidia-smi call for a job without any. */
  async #gpusOf(gpus: GpuInfo[]): Promise<GpuUsage[]> {
    if (!gpus.some((g) => !g.fake)) return [];
    const readings = await this.#gpus.read();
    return gpus.flatMap((g, index) => {
      const reading = g.fake ? undefined : readings.get(g.uuid);
      return reading ? [{ index, uuid: g.uuid, ...reading }] : [];
    });
  }
}
