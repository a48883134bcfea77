import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, parseMemory } from "../../src/core/units.ts";
import { canTransition, JOB_TRANSITIONS } from "../../src/jobs/lifecycle.ts";
import { JOB_STATES, JobSpecSchema, normalizeSpec, TERMINAL_STATES } from "../../src/jobs/spec.ts";

describe("job spec", () => {
  it("fills defaults and normalises units", () => {
    const job = normalizeSpec(JobSpecSchema.parse({ command: ["python", "train.py", "--lr", "0.1"], resources: { gpus: 1, memory: "8G", gpu: { model: "*3090*", minMemory: "20G" } }, timeout: "1h30m", estimate: 90 }));
    expect(job.name).toBe("train.py");
    expect(job.resources).toEqual({ cpus: 1, memoryBytes: 8 * 1024 ** 3, gpus: 1, gpuModel: "*3090*", gpuMinMemoryBytes: 20 * 1024 ** 3 });
    expect(job.timeoutMs).toBe(5_400_000);
    expect(job.estimateMs).toBe(90_000);
    expect(job.retry).toEqual({ count: 0, on: ["lost"] });
    expect(job.priority).toBe(0);
  });

  it("runs scripts with bash", () => {
    const job = normalizeSpec(JobSpecSchema.parse({ script: "echo hi" }));
    expect(job.argv).toEqual(["bash", "-c", "echo hi"]);
    expect(job.name).toBe("script");
  });

  it("rejects what would be ambiguous or unsafe, with the field's path", () => {
    const issues = (input: unknown) => JobSpecSchema.safeParse(input).error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(issues({})).toContain("command");
    expect(issues({ command: ["a"], script: "b" })).toContain("script");
    expect(issues({ command: ["a"], env: { "1BAD": "x" } })).toContain("env.1BAD");
    expect(issues({ command: ["a"], resources: { gpus: 1.5 } })).toContain("resources.gpus");
    expect(issues({ command: ["a"], priority: 1000 })).toContain("priority");
    expect(issues({ command: ["a"], timeout: "soon" })).toContain("timeout");
    expect(issues({ command: ["a"], colour: "red" }).length).toBe(1);
  });

  it("parses memory and durations the way people write them", () => {
    expect(parseMemory("512M")).toBe(512 * 1024 ** 2);
    expect(parseMemory("1.5Gi")).toBe(1.5 * 1024 ** 3);
    expect(parseMemory("2GB")).toBe(2e9);
    expect(parseMemory("lots")).toBeNull();
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("45")).toBe(45_000);
    expect(parseDuration("1x")).toBeNull();
    expect(parseDuration("")).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (s) => {
        const text = formatDuration(s * 1000);
        return parseDuration(text) !== null;
      }),
    );
  });
});

describe("job inputs and outputs", () => {
  const issues = (input: Record<string, unknown>) =>
    JobSpecSchema.safeParse({ command: ["a"], ...input }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

  it("takes the short and long forms, and normalises output folders", () => {
    const spec = JobSpecSchema.parse({
      command: ["a"],
      inputs: { train: "iris@v2", test: { dataset: "vision/iris@prod", expect: { columns: { species: "string" } } } },
      outputs: { model: "./out/", preds: { path: "preds//", dataset: "iris-preds", tag: "candidate" } },
    });
    expect(normalizeSpec(spec).outputs).toEqual([
      { name: "model", path: "out", dataset: "model" },
      { name: "preds", path: "preds", dataset: "iris-preds", tag: "candidate" },
    ]);
    expect(normalizeSpec(JobSpecSchema.parse({ command: ["a"] })).outputs).toBeUndefined();
  });

  it("refuses references, names, paths and tags that cannot work, each at its place", () => {
    expect(issues({ inputs: { Train: "iris" } })).toEqual([expect.stringMatching(/^inputs.Train: /)]);
    expect(issues({ inputs: { train: "Iris@v2" } })).toEqual([expect.stringMatching(/^inputs.train: .*not a dataset name/)]);
    expect(issues({ inputs: { train: "iris@sha256:12" } })).toEqual([expect.stringMatching(/^inputs.train: .*digest/)]);
    expect(issues({ outputs: { m: "/abs" } })).toEqual([expect.stringMatching(/^outputs.m: .*relative/)]);
    expect(issues({ outputs: { m: "a/../../b" } })).toEqual([expect.stringMatching(/^outputs.m: .*'\.\.'/)]);
    expect(issues({ outputs: { m: "." } })).toEqual([expect.stringMatching(/^outputs.m: .*not the directory itself/)]);
    expect(issues({ outputs: { m: { path: "out", tag: "v3" } } })).toEqual([expect.stringMatching(/^outputs.m.tag: /)]);
    expect(issues({ outputs: { m: { path: "out", tag: "latest" } } })).toEqual([expect.stringMatching(/^outputs.m.tag: /)]);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`in${i}`, "iris"]));
    expect(issues({ inputs: many })).toEqual([expect.stringMatching(/^inputs: at most 32/)]);
  });

  it("refuses what would clash: one variable for two names, env that Plinth sets, overlapping folders, one dataset twice", () => {
    expect(issues({ inputs: { "train-set": "a", train_set: "b" } })).toEqual([expect.stringMatching(/^inputs.train_set: .*PLINTH_INPUT_TRAIN_SET/)]);
    expect(issues({ inputs: { train: "a" }, env: { PLINTH_INPUT_TRAIN: "x" } })).toEqual([expect.stringMatching(/^env.PLINTH_INPUT_TRAIN: /)]);
    expect(issues({ outputs: { a: "out", b: "out/sub" } })).toEqual([expect.stringMatching(/^outputs.b: .*overlaps output 'a'/)]);
    expect(issues({ outputs: { a: "out", b: "outer" } })).toEqual([]);
    expect(issues({ outputs: { a: "x", b: { path: "y", dataset: "a" } } })).toEqual([expect.stringMatching(/^outputs.b: .*dataset a/)]);
  });
});

describe("job lifecycle table", () => {
  it("never leaves a terminal state and always reaches one", () => {
    for (const state of JOB_STATES) {
      if (TERMINAL_STATES.has(state)) expect(JOB_TRANSITIONS[state]).toEqual([]);
      else expect(JOB_TRANSITIONS[state].some((s) => TERMINAL_STATES.has(s))).toBe(true);
    }
    // A job on a cluster goes from queued to running when the cluster starts it; never back.
    expect(canTransition("queued", "running")).toBe(true);
    expect(canTransition("queued", "succeeded")).toBe(false);
    expect(canTransition("running", "queued")).toBe(false);
  });
});
