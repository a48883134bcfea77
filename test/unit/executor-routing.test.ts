import { describe, expect, it } from "vitest";
import { ProblemError } from "../../src/core/errors.ts";
import type { EngineNode } from "../../src/jobs/executors/engine.ts";
import { type EngineCapabilities, engineRefusal } from "../../src/jobs/engines/engine-fit.ts";
import { ExecutorRouter } from "../../src/jobs/engines/routing.ts";
import { JobSpecSchema, type NormalizedJob, normalizeSpec } from "../../src/jobs/spec.ts";

// Which executor a job goes to, and why a cluster refuses one: pure decisions on a job and the
// clusters' nodes as they reported them.

const job = (spec: Record<string, unknown>): { spec: ReturnType<typeof JobSpecSchema.parse>; job: NormalizedJob } => {
  const parsed = JobSpecSchema.parse({ command: ["true"], ...spec });
  return { spec: parsed, job: normalizeSpec(parsed) };
};

const node = (over: Partial<EngineNode> = {}): EngineNode => ({ name: "n1", groups: ["gpu"], cpus: 32, memoryBytes: 256 * 1024 ** 3, gpus: [{ model: "a100", count: 4 }], state: "idle", usable: true, ...over });
const slurm: EngineCapabilities = { images: false, outputs: true, gpuTypes: { "A100 80GB": "a100" }, group: "gpu" };
const kube: EngineCapabilities = { images: true, outputs: false, gpuTypes: null };

describe("what a cluster refuses at submit", () => {
  it("refuses what the engine cannot do at all, before looking at its nodes", () => {
    const python = job({ environment: { python: "3.11" } });
    expect(engineRefusal(python.spec, python.job, slurm, null)?.reason).toMatch(/Python environment Plinth builds/);
    const image = job({ environment: { image: "ghcr.io/lab/torch:2" } });
    expect(engineRefusal(image.spec, image.job, slurm, null)?.reason).toMatch(/runs no images/);
    expect(engineRefusal(image.spec, image.job, kube, null)).toBeNull();
    const outputs = job({ outputs: { model: "out/" } });
    expect(engineRefusal(outputs.spec, outputs.job, kube, null)?.reason).toMatch(/does not collect/);
    expect(engineRefusal(outputs.spec, outputs.job, slurm, null)).toBeNull();
    const wildcard = job({ resources: { gpus: 1, gpu: { model: "*A100*" } } });
    expect(engineRefusal(wildcard.spec, wildcard.job, kube, null)?.reason).toMatch(/wildcard/);
    expect(engineRefusal(wildcard.spec, wildcard.job, slurm, null)?.reason).toMatch(/not one this cluster names: A100 80GB/);
    const minMemory = job({ resources: { gpus: 1, gpu: { minMemory: "40G" } } });
    expect(engineRefusal(minMemory.spec, minMemory.job, slurm, null)?.reason).toMatch(/smallest GPU memory/);
  });

  it("refuses a job no usable node in the partition could hold, naming the largest", () => {
    const big = job({ resources: { gpus: 8 } });
    expect(engineRefusal(big.spec, big.job, slurm, [node()])?.reason).toBe("it asks for 8 GPUs on one node; the largest node in partition gpu has 4");
    const a100 = job({ resources: { gpus: 2, gpu: { model: "A100 80GB" } } });
    expect(engineRefusal(a100.spec, a100.job, slurm, [node()])).toBeNull();
    expect(engineRefusal(a100.spec, a100.job, slurm, [node({ gpus: [{ model: "t4", count: 4 }] })])?.reason).toMatch(/2 A100 80GB GPUs on one node; the largest node in partition gpu has 0/);
    const cpus = job({ resources: { cpus: 64 } });
    expect(engineRefusal(cpus.spec, cpus.job, slurm, [node()])?.reason).toMatch(/64 CPUs; the largest node in partition gpu has 32/);
    const memory = job({ resources: { memory: "1T" } });
    expect(engineRefusal(memory.spec, memory.job, slurm, [node()])?.reason).toMatch(/of memory; the largest node/);
    const small = job({});
    expect(engineRefusal(small.spec, small.job, slurm, [node({ groups: ["cpu"] })])?.reason).toBe("no node in partition gpu is up");
    expect(engineRefusal(small.spec, small.job, slurm, [node({ usable: false, state: "drained" })])?.reason).toBe("no node in partition gpu is up");
    // Unknown nodes (the cluster did not answer) refuse nothing: the engine decides.
    expect(engineRefusal(big.spec, big.job, slurm, null)).toBeNull();
  });
});

describe("which executor a job goes to", () => {
  const router = (rules: ConstructorParameters<typeof ExecutorRouter>[0]["rules"], localFits = true) =>
    new ExecutorRouter({ rules, names: ["local", "hpc", "k8s"], teamIdOf: async (name) => (name === "vision" ? "team_vision" : null), localFits: () => localFits });
  const input = (spec: Record<string, unknown>, extra: { asked?: string; previous?: string; teamId?: string } = {}) => ({ job: job(spec).job, asked: extra.asked, previous: extra.previous, teamId: extra.teamId ?? "team_other" });
  const accepting = async () => null;
  const refusing = (who: string[]) => async (name: string) => (who.includes(name) ? { reason: `${name} says no`, hint: `${name} hint` } : null);

  it("gives a job the executor its spec names, or refuses it with that executor's reason", async () => {
    expect(await router([]).choose(input({}, { asked: "k8s" }), accepting)).toBe("k8s");
    const refused = await router([]).choose(input({}, { asked: "hpc" }), refusing(["hpc"])).catch((e: ProblemError) => e);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).problem).toMatchObject({ status: 422, detail: "hpc: hpc says no.", hint: "hpc hint" });
    const unknown = await router([]).choose(input({}, { asked: "nowhere" }), accepting).catch((e: ProblemError) => e);
    expect((unknown as ProblemError).problem.hint).toMatch(/local, hpc, k8s/);
  });

  it("keeps a retry on its job's executor", async () => {
    expect(await router([{ executor: "k8s" }]).choose(input({}, { previous: "hpc" }), accepting)).toBe("hpc");
  });

  it("follows the first rule that matches, else this machine, else the first cluster that can", async () => {
    const rules = [
      { executor: "hpc", minGpus: 4 },
      { executor: "k8s", team: "vision" },
      { executor: "hpc", whenLocalCannot: true },
    ];
    expect(await router(rules).choose(input({ resources: { gpus: 4 } }), accepting)).toBe("hpc");
    expect(await router(rules).choose(input({}, { teamId: "team_vision" }), accepting)).toBe("k8s");
    expect(await router(rules).choose(input({}), accepting)).toBe("local");
    expect(await router(rules, false).choose(input({}), accepting)).toBe("hpc");
    // The rule's executor cannot: this machine is tried next, then the clusters in order.
    expect(await router(rules).choose(input({ resources: { gpus: 4 } }), refusing(["hpc"]))).toBe("local");
    expect(await router([]).choose(input({}), refusing(["local"]))).toBe("hpc");
    expect(await router([{ executor: "k8s", gpuModel: "A100" }]).choose(input({ resources: { gpus: 1, gpu: { model: "A100" } } }), accepting)).toBe("k8s");
  });

  it("refuses a job no executor could run, with every executor's reason", async () => {
    const err = (await router([]).choose(input({}), refusing(["local", "hpc", "k8s"])).catch((e: ProblemError) => e)) as ProblemError;
    expect(err.problem.detail).toBe("No executor can run it. local: local says no. hpc: hpc says no. k8s: k8s says no.");
    expect(err.problem.errors).toHaveLength(3);
  });

  it("speaks as before when this machine is the only executor", async () => {
    const alone = new ExecutorRouter({ rules: [], names: ["local"], teamIdOf: async () => null, localFits: () => true });
    const err = (await alone.choose(input({}), refusing(["local"])).catch((e: ProblemError) => e)) as ProblemError;
    expect(err.problem).toMatchObject({ detail: "local says no", hint: "local hint", title: "This job can never run here" });
  });

  it("refuses rules that name an executor not configured, at start", () => {
    expect(() => router([{ executor: "gone" }])).toThrow(/routing rule 1 names executor 'gone'/);
  });
});
