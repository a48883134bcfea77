import { formatBytes } from "../../core/units.ts";
import type { EngineNode } from "../executors/engine.ts";
import type { JobSpec, NormalizedJob } from "../spec.ts";

// Whether a cluster engine could ever run a job as its spec asks: first what the engine cannot
// do at all (Plinth-built Python environments, outputs it cannot collect…), then whether any of
// its nodes is big enough. A job refused here is never submitted, so it is never half-run.

export interface Refusal {
  reason: string;
  hint: string;
}

/** What an engine can do, as its settings say. */
export interface EngineCapabilities {
  /** Whether jobs may run in an image. */
  images: boolean;
  /** Whether output folders come back to Plinth (a shared file system does this). */
  outputs: boolean;
  /** GPU models a spec may ask for, mapped to the cluster's own word for them (Slurm's gres types); null: any exact model name, as the nodes' labels give it. */
  gpuTypes: Record<string, string> | null;
  /** The group (partition) jobs go to; unset: any usable node counts. */
  group?: string;
}

/** Why the engine can never run this job, or null when it may (its nodes unknown: the engine decides). */
export function engineRefusal(spec: Pick<JobSpec, "environment">, job: NormalizedJob, caps: EngineCapabilities, nodes: EngineNode[] | null): Refusal | null {
  const env = spec.environment;
  if (env !== undefined && (typeof env === "string" || env.image === undefined)) {
    return {
      reason: "it runs in a Python environment Plinth builds on this machine, which the cluster's nodes do not have",
      hint: caps.images ? "Run it in an image instead: `environment: {image: NAME}` with Python and its packages in it." : "Run it here (`executor: local`), or put its software on the cluster and call it from the command.",
    };
  }
  if (env?.image !== undefined && !caps.images) {
    return { reason: "it runs in an image, and this cluster runs no images (its executor's `containers` setting is none)", hint: "Run it here (`executor: local`), or ask a Keeper to set `containers: apptainer` or `pyxis` for this cluster." };
  }
  if (job.outputs && !caps.outputs) {
    return { reason: "it saves output folders as datasets, which Plinth does not collect from this cluster yet", hint: "Run it here or on a Slurm cluster, or write results to your own storage from the job." };
  }
  const r = job.resources;
  if (r.gpuModel !== undefined && r.gpus > 0 && caps.gpuTypes !== null && !Object.hasOwn(caps.gpuTypes, r.gpuModel)) {
    const models = Object.keys(caps.gpuTypes);
    const known = models.length ? `: ${models.join(", ")}` : " (none are configured)";
    return { reason: `GPU model '${r.gpuModel}' is not one this cluster names${known}`, hint: "Ask for one of those models, or drop resources.gpu.model; a Keeper maps models in the executor's `gpuTypes`." };
  }
  if (r.gpuModel?.includes("*") && r.gpus > 0 && caps.gpuTypes === null) {
    return { reason: `GPU model pattern '${r.gpuModel}' has a wildcard, which this cluster's node labels cannot match`, hint: "Give the model's exact name as the cluster's nodes label it (`plinth cluster` lists them)." };
  }
  if (r.gpuMinMemoryBytes !== undefined) {
    return { reason: "it asks for a smallest GPU memory, which this cluster's scheduler cannot check", hint: "Ask for a GPU model instead (resources.gpu.model)." };
  }
  if (nodes === null) return null;
  return sizeRefusal(job, caps, nodes);
}

/** Whether some usable node (in the engine's partition) has room for the job at all. */
function sizeRefusal(job: NormalizedJob, caps: EngineCapabilities, nodes: EngineNode[]): Refusal | null {
  const r = job.resources;
  const where = caps.group ? ` in partition ${caps.group}` : "";
  const candidates = nodes.filter((n) => n.usable && (!caps.group || n.groups.includes(caps.group)));
  if (candidates.length === 0) return { reason: `no node${where} is up`, hint: "Ask the cluster's administrators; `plinth cluster` shows its nodes' states." };
  const model = r.gpuModel === undefined || r.gpus === 0 ? undefined : (caps.gpuTypes?.[r.gpuModel] ?? r.gpuModel);
  const gpusOf = (n: EngineNode) => n.gpus.filter((g) => model === undefined || modelMatches(g.model, model)).reduce((s, g) => s + g.count, 0);
  if (candidates.some((n) => n.cpus >= r.cpus && n.memoryBytes >= r.memoryBytes && gpusOf(n) >= r.gpus)) return null;
  const most = (f: (n: EngineNode) => number) => Math.max(...candidates.map(f));
  if (r.gpus > most(gpusOf)) {
    const named = r.gpuModel ? ` ${r.gpuModel}` : "";
    return { reason: `it asks for ${r.gpus}${named} GPU${r.gpus === 1 ? "" : "s"} on one node; the largest node${where} has ${most(gpusOf)}`, hint: "Ask for fewer GPUs, or split the work across jobs." };
  }
  if (r.cpus > most((n) => n.cpus)) return { reason: `it asks for ${r.cpus} CPUs; the largest node${where} has ${most((n) => n.cpus)}`, hint: "Ask for fewer CPUs." };
  if (r.memoryBytes > most((n) => n.memoryBytes)) {
    return { reason: `it asks for ${formatBytes(r.memoryBytes)} of memory; the largest node${where} has ${formatBytes(most((n) => n.memoryBytes))}`, hint: "Ask for less memory." };
  }
  return { reason: `no single node${where} has its CPUs, memory and GPUs together`, hint: "Ask for less of one of them; `plinth cluster` shows each node's size." };
}

/** A cluster names GPU models by its own words (a gres type, a node label): an exact match, ignoring case. */
function modelMatches(model: string, asked: string): boolean {
  return model.toLowerCase() === asked.toLowerCase();
}
