import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { JobUsage } from "../jobs/executors/executor.ts";
import type { MetricPoint, RunRef, TrackingStore } from "./store.ts";

// A job's CPU, memory and GPU use, sampled into its run as MLflow's own system metrics do
// (mlflow/system_metrics): the same names under "system/", the same units (megabytes of 10^6
// bytes, percentages rounded to a tenth), one step per sample from 0. MLflow measures the
// machine its client runs on; here each figure is the job's own, measured by its executor
// against what the job was given, so jobs sharing a machine do not show each other's load.

export const DEFAULT_SYSTEM_METRICS_INTERVAL_MS = 10_000;
/** A metric every sample writes: its last step is the last sample's. */
export const SYSTEM_METRIC_STEP_KEY = "system/cpu_utilization_percentage";
/** A job tracked before its process exists gets this long to appear before it is let go. */
const START_GRACE_MS = 60_000;

interface Tracked {
  run: RunRef;
  /** The next sample's step. */
  step: number;
  trackedAt: number;
  /** The executor has answered for it at least once. */
  seen: boolean;
  /** Writes that failed in a row: the first is a warning, the rest debug. */
  failures: number;
}

/** The points of one sample under MLflow's system metric names. */
export function systemMetricPoints(usage: JobUsage, step: number, timestamp: number): MetricPoint[] {
  const points: MetricPoint[] = [];
  const add = (name: string, value: number) => points.push({ key: `system/${name}`, value: Math.round(value * 10) / 10, timestamp, step });
  add("cpu_utilization_percentage", usage.cpuPercent);
  add("system_memory_usage_megabytes", usage.memoryBytes / 1e6);
  if (usage.memoryLimitBytes > 0) add("system_memory_usage_percentage", (usage.memoryBytes / usage.memoryLimitBytes) * 100);
  for (const gpu of usage.gpus) {
    if (gpu.utilizationPercent !== null) add(`gpu_${gpu.index}_utilization_percentage`, gpu.utilizationPercent);
    if (gpu.memoryUsedBytes === null) continue;
    add(`gpu_${gpu.index}_memory_usage_megabytes`, gpu.memoryUsedBytes / 1e6);
    if (gpu.memoryTotalBytes) add(`gpu_${gpu.index}_memory_usage_percentage`, (gpu.memoryUsedBytes / gpu.memoryTotalBytes) * 100);
  }
  return points;
}

/**
 * Samples every tracked job on one shared timer. A failed reading or write is logged and
 * skipped: it never touches the job, nor the sampling of the others. A job its executor no
 * longer runs is let go.
 */
export class SystemMetricsSampler {
  readonly #store: TrackingStore;
  readonly #usage: (jobId: string) => Promise<JobUsage | null>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #jobs = new Map<string, Tracked>();
  #timer: NodeJS.Timeout | null = null;
  /** A round still under way (a slow nvidia-smi, a busy database): the next tick is skipped, not stacked. */
  #sampling = false;
  #stopped = false;

  constructor(o: { store: TrackingStore; usage: (jobId: string) => Promise<JobUsage | null>; clock: Clock; logger: Logger; intervalMs?: number }) {
    this.#store = o.store;
    this.#usage = o.usage;
    this.#clock = o.clock;
    this.#logger = o.logger;
    this.#intervalMs = o.intervalMs ?? DEFAULT_SYSTEM_METRICS_INTERVAL_MS;
  }

  /** Samples the job into this run from the next tick on, numbering samples from `firstStep`. */
  track(jobId: string, run: RunRef, firstStep = 0): void {
    if (this.#stopped) return;
    this.#jobs.set(jobId, { run, step: firstStep, trackedAt: this.#clock.now(), seen: false, failures: 0 });
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#sampleAll(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  untrack(jobId: string): void {
    this.#jobs.delete(jobId);
    if (this.#jobs.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const jobId of [...this.#jobs.keys()]) this.untrack(jobId);
  }

  async #sampleAll(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      await Promise.all([...this.#jobs].map(([jobId, tracked]) => this.#sample(jobId, tracked)));
    } finally {
      this.#sampling = false;
    }
  }

  async #sample(jobId: string, tracked: Tracked): Promise<void> {
    let usage: JobUsage | null;
    try {
      usage = await this.#usage(jobId);
    } catch (err) {
      this.#logger.debug({ err, jobId }, "could not read a job's system metrics");
      return;
    }
    // Untracked (or tracked again into another run) while the executor answered.
    if (this.#jobs.get(jobId) !== tracked) return;
    if (usage === null) {
      if (tracked.seen || this.#clock.now() - tracked.trackedAt > START_GRACE_MS) this.untrack(jobId);
      return;
    }
    tracked.seen = true;
    try {
      await this.#store.write(tracked.run, { metrics: systemMetricPoints(usage, tracked.step, this.#clock.now()) });
      tracked.step++;
      tracked.failures = 0;
    } catch (err) {
      const level = tracked.failures++ === 0 ? "warn" : "debug";
      this.#logger[level]({ err, jobId, runId: tracked.run.id }, "could not write a job's system metrics to its run");
    }
  }
}
