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

describe("job lifecycle table", () => {
  it("never leaves a terminal state and always reaches one", () => {
    for (const state of JOB_STATES) {
      if (TERMINAL_STATES.has(state)) expect(JOB_TRANSITIONS[state]).toEqual([]);
      else expect(JOB_TRANSITIONS[state].some((s) => TERMINAL_STATES.has(s))).toBe(true);
    }
    expect(canTransition("queued", "running")).toBe(false);
    expect(canTransition("running", "queued")).toBe(false);
  });
});
