import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, hostname, totalmem } from "node:os";
import type { GpuInfo, NodeCapacity } from "../../scheduler/types.ts";

// What this machine offers: CPUs, memory (the cgroup limit when the server is confined to
// less than the machine) and NVIDIA GPUs. Fake GPUs stand in on machines without any, so every
// GPU code path can run in development and CI.

export interface FakeGpu {
  model: string;
  memoryBytes: number;
}

export interface InventoryOptions {
  /** Stand-in GPUs, or how many of them (each a 24 GiB "Fake GPU"). */
  fakeGpus?: number | FakeGpu[];
  cpus?: number;
  memoryBytes?: number;
  nodeName?: string;
  /** nvidia-smi to run; absent binary means no GPUs. */
  nvidiaSmi?: string;
}

const MiB = 1024 * 1024;

export async function detectInventory(opts: InventoryOptions = {}): Promise<NodeCapacity> {
  const real = await queryNvidiaSmi(opts.nvidiaSmi ?? "nvidia-smi");
  return {
    name: opts.nodeName ?? hostname(),
    cpus: opts.cpus ?? availableParallelism(),
    memoryBytes: opts.memoryBytes ?? hostMemoryBytes(),
    gpus: [...real, ...fakeGpus(opts.fakeGpus ?? [], real.length)],
  };
}

/** Fake GPUs are numbered after any real ones so indices stay unique. */
export function fakeGpus(spec: number | FakeGpu[], firstIndex = 0): GpuInfo[] {
  const list = typeof spec === "number" ? Array.from({ length: spec }, () => ({ model: "Fake GPU", memoryBytes: 24 * 1024 * MiB })) : spec;
  return list.map((g, i) => ({
    index: firstIndex + i,
    uuid: `GPU-fake-${firstIndex + i}`,
    model: g.model,
    memoryBytes: g.memoryBytes,
    fake: true,
  }));
}

function queryNvidiaSmi(bin: string): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile(bin, ["--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"], { timeout: 15_000 }, (err, stdout) => {
      // Missing binary, no driver loaded, or a hung driver: this node simply has no usable GPUs.
      resolve(err ? [] : parseNvidiaSmi(stdout));
    });
  });
}

/**
 * Parses `nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits`.
 * Memory is in MiB. Lines that do not parse (warnings, "[N/A]" fields) are skipped rather than
 * failing the whole inventory; a name containing a comma is rejoined.
 */
export function parseNvidiaSmi(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const fields = raw.split(",").map((f) => f.trim());
    if (fields.length < 4) continue;
    const index = Number(fields[0]);
    const uuid = fields[1]!;
    const memMiB = Number(fields[fields.length - 1]);
    const model = fields.slice(2, -1).join(", ");
    if (!/^\d+$/.test(fields[0]!) || !/^(GPU|MIG)-/.test(uuid) || !Number.isFinite(memMiB) || !model) continue;
    gpus.push({ index, uuid, model, memoryBytes: Math.round(memMiB * MiB), fake: false });
  }
  return gpus.sort((a, b) => a.index - b.index);
}

/** Physical memory, or the server's cgroup memory limit when that is lower. */
export function hostMemoryBytes(): number {
  const total = totalmem();
  const limit = cgroupMemoryLimit();
  return limit !== null && limit > 0 && limit < total ? limit : total;
}

function cgroupMemoryLimit(): number | null {
  let own: string;
  try {
    own = readFileSync("/proc/self/cgroup", "latin1");
  } catch {
    return null;
  }
  // Inside a container the cgroup namespace usually maps our cgroup to the mount's root,
  // so try the path as listed and the mount root.
  const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(own);
  const v2 = /^0::(.*)$/m.exec(own);
  const candidates = [
    ...(v1 ? [`/sys/fs/cgroup/memory${v1[1]}/memory.limit_in_bytes`, "/sys/fs/cgroup/memory/memory.limit_in_bytes"] : []),
    ...(v2 ? [`/sys/fs/cgroup${v2[1]}/memory.max`, "/sys/fs/cgroup/memory.max"] : []),
  ];
  for (const file of candidates) {
    try {
      const text = readFileSync(file, "latin1").trim();
      if (text === "max") return null;
      const n = Number(text);
      if (Number.isFinite(n)) return n;
    } catch {
      // try the next place
    }
  }
  return null;
}
