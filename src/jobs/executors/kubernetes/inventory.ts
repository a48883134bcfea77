import type { EngineNode } from "../engine.ts";
import { DEFAULT_GPU_MODEL_LABEL, NODE_POOL_LABELS } from "./job-manifest.ts";

// A Kubernetes cluster's nodes as the cluster page and the refusals at submit see them: what
// each can allocate to pods (cpu, memory, GPUs), its GPU model and pool from its labels, and
// whether the scheduler would place pods there.

export interface KubeNode {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, string>; conditions?: Array<{ type: string; status: string }> };
}

const SUFFIXES: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** A Kubernetes quantity ("3500m", "256Gi", "1e9") as a number; NaN when it is not one. */
export function parseQuantity(text: string | undefined): number {
  const m = /^([+-]?\d+(?:\.\d+)?)(?:[eE]([+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec((text ?? "").trim());
  if (!m) return Number.NaN;
  return m[2] !== undefined ? Number(m[1]) * 10 ** Number(m[2]) : Number(m[1]) * SUFFIXES[m[3] ?? ""]!;
}

export interface InventorySettings {
  gpuModelLabel?: string;
  gpuResource?: string;
  nodePoolLabel?: string;
}

export function engineNode(node: KubeNode, settings: InventorySettings = {}): EngineNode {
  const labels = node.metadata.labels ?? {};
  const allocatable = node.status?.allocatable ?? {};
  const gpus = Math.floor(parseQuantity(allocatable[settings.gpuResource ?? "nvidia.com/gpu"]) || 0);
  const poolLabel = settings.nodePoolLabel ?? NODE_POOL_LABELS.find((l) => labels[l] !== undefined);
  const pool = poolLabel ? labels[poolLabel] : undefined;
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const cordoned = node.spec?.unschedulable === true;
  return {
    name: node.metadata.name,
    groups: pool ? [pool] : [],
    cpus: parseQuantity(allocatable.cpu) || 0,
    memoryBytes: Math.floor(parseQuantity(allocatable.memory) || 0),
    gpus: gpus > 0 ? [{ model: labels[settings.gpuModelLabel ?? DEFAULT_GPU_MODEL_LABEL] ?? "", count: gpus }] : [],
    state: cordoned ? "cordoned" : ready ? "ready" : "not-ready",
    usable: ready && !cordoned,
  };
}
