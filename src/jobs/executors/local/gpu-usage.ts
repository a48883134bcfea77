import { execFile } from "node:child_process";

// What each of this machine's NVIDIA GPUs is doing now, from one nvidia-smi call that every
// job's reading shares: jobs are sampled together, and nvidia-smi takes tens of milliseconds
// (more on a busy driver), so it runs once per round, not once per job.

export interface GpuReading {
  utilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
}

export const GPU_USAGE_QUERY = ["--query-gpu=uuid,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"];

const MiB = 1024 * 1024;
/** One answer serves the readings asked for within this long. */
const SHARED_MS = 1000;
const TIMEOUT_MS = 10_000;

/**
 * Parses `nvidia-smi --query-gpu=uuid,utilization.gpu,memory.used,memory.total
 * --format=csv,noheader,nounits`, by GPU uuid. Memory is in MiB. A field the driver cannot give
 * reads "[N/A]" or "[Not Supported]" (utilisation of a GPU in MIG mode) and becomes null; lines
 * that are not GPU rows (a GPU that fell off the bus, driver errors) are skipped.
 */
export function parseGpuUsage(text: string): Map<string, GpuReading> {
  const out = new Map<string, GpuReading>();
  for (const line of text.split(/\r?\n/)) {
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length !== 4 || !/^(GPU|MIG)-[0-9a-fA-F-]+$/.test(fields[0]!)) continue;
    const [uuid, utilization, used, total] = fields as [string, string, string, string];
    const mib = (field: string) => {
      const n = number(field);
      return n === null ? null : n * MiB;
    };
    out.set(uuid, { utilizationPercent: number(utilization), memoryUsedBytes: mib(used), memoryTotalBytes: mib(total) });
  }
  return out;
}

function number(field: string): number | null {
  if (!/^\d+(\.\d+)?$/.test(field)) return null;
  return Number(field);
}

/**
 * Asks nvidia-smi (argv, never a shell). A call still running, or one that answered less than
 * a second ago, answers everyone who asks meanwhile. Absent nvidia-smi: no readings.
 */
export class GpuUsageReader {
  readonly #bin: string;
  #last: { answeredAt: number | null; readings: Promise<Map<string, GpuReading>> } | null = null;

  constructor(bin: string) {
    this.#bin = bin;
  }

  read(): Promise<Map<string, GpuReading>> {
    const last = this.#last;
    if (last && (last.answeredAt === null || performance.now() - last.answeredAt < SHARED_MS)) return last.readings;
    const next: { answeredAt: number | null; readings: Promise<Map<string, GpuReading>> } = { answeredAt: null, readings: this.#query() };
    void next.readings.then(() => {
      next.answeredAt = performance.now();
    });
    this.#last = next;
    return next.readings;
  }

  #query(): Promise<Map<string, GpuReading>> {
    return new Promise((resolve) => {
      execFile(this.#bin, GPU_USAGE_QUERY, { timeout: TIMEOUT_MS }, (_err, stdout) => {
        // A failing GPU makes nvidia-smi exit non-zero while still listing the others; a missing
        // binary or a hung driver leaves nothing to parse.
        resolve(parseGpuUsage(typeof stdout === "string" ? stdout : ""));
      });
    });
  }
}
