import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canEverFit, expectedDuration, forecast, gpuModelMatches, gpuQualifies, rankQueue, schedule } from "../../src/jobs/scheduler/policy.ts";
import type { GpuInfo, NodeCapacity, PendingJob, PolicyConfig, RunningJob, ScheduleDecision, ScheduleInput } from "../../src/jobs/scheduler/types.ts";
import { UsageLedger, usageAmount } from "../../src/jobs/scheduler/usage-ledger.ts";
import type { ResourceRequest } from "../../src/jobs/spec.ts";

const GiB = 1024 ** 3;
const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 9);

const MODELS: Record<string, number> = {
  "NVIDIA GeForce RTX 3090": 24,
  "NVIDIA RTX A6000": 48,
  "NVIDIA RTX 6000 Ada Generation": 48,
  "Tesla T4": 16,
};

function gpu(index: number, model: string): GpuInfo {
  return { index, uuid: `GPU-${index}`, model, memoryBytes: MODELS[model]! * GiB, fake: true };
}

function node(name: string, cpus: number, memGiB: number, models: string[]): NodeCapacity {
  return { name, cpus, memoryBytes: memGiB * GiB, gpus: models.map((m, i) => gpu(i, m)) };
}

const config: PolicyConfig = { fairShareHalfLifeMs: 60 * MIN, defaultDurationMs: 10 * MIN };

function job(id: string, opts: Partial<Omit<PendingJob, "resources">> & { resources?: Partial<ResourceRequest> } = {}): PendingJob {
  const { resources, ...rest } = opts;
  return {
    id,
    userId: "ana",
    name: id,
    priority: 0,
    queuedAt: T0,
    expectedDurationMs: 10 * MIN,
    ...rest,
    resources: { cpus: 1, memoryBytes: GiB, gpus: 0, ...resources },
  };
}

function running(id: string, nodeName: string, gpuIndices: number[], endsInMin: number | null, opts: Partial<RunningJob> = {}): RunningJob {
  return { id, userId: "zed", node: nodeName, cpus: 1, memoryBytes: GiB, gpuIndices, startedAt: T0 - MIN, expectedEndAt: endsInMin === null ? null : T0 + endsInMin * MIN, ...opts };
}

function input(partial: Partial<ScheduleInput>): ScheduleInput {
  return { now: T0, nodes: [], running: [], pending: [], usage: new Map(), config, ...partial };
}

const started = (d: ScheduleDecision) => d.start.map((p) => p.jobId);

// ---------------------------------------------------------------------------------------------

describe("GPU model patterns", () => {
  it("match case-insensitively with * as a wildcard and everything else literal", () => {
    expect(gpuModelMatches("*3090*", "NVIDIA GeForce RTX 3090")).toBe(true);
    expect(gpuModelMatches("*rtx 6000 ada*", "NVIDIA RTX 6000 Ada Generation")).toBe(true);
    expect(gpuModelMatches("tesla t4", "Tesla T4")).toBe(true);
    expect(gpuModelMatches("RTX 6000 Ada", "NVIDIA RTX 6000 Ada Generation")).toBe(false);
    expect(gpuModelMatches("*A100*", "NVIDIA GeForce RTX 3090")).toBe(false);
    expect(gpuModelMatches("RTX.3090", "RTX 3090")).toBe(false);
    expect(gpuModelMatches("*(24GB)", "RTX 3090 (24GB)")).toBe(true);
  });

  it("combine model and minimum memory", () => {
    const a6000 = gpu(0, "NVIDIA RTX A6000");
    expect(gpuQualifies(a6000, { cpus: 1, memoryBytes: 0, gpus: 1, gpuModel: "*a6000", gpuMinMemoryBytes: 40 * GiB })).toBe(true);
    expect(gpuQualifies(a6000, { cpus: 1, memoryBytes: 0, gpus: 1, gpuMinMemoryBytes: 80 * GiB })).toBe(false);
  });
});

describe("canEverFit", () => {
  const nodes = [node("small", 16, 64, ["NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 3090"]), node("big", 32, 256, ["NVIDIA RTX 6000 Ada Generation"])];
  const req = (r: Partial<ResourceRequest>): ResourceRequest => ({ cpus: 1, memoryBytes: GiB, gpus: 0, ...r });

  it("accepts a job some node can hold", () => {
    expect(canEverFit(req({ gpus: 2, gpuModel: "*3090*", cpus: 16 }), nodes)).toEqual({ ok: true });
  });

  it("explains too many GPUs", () => {
    const v = canEverFit(req({ gpus: 4 }), nodes);
    expect(v).toEqual({ ok: false, reason: "asks for 4 GPUs but the largest node has 2", hint: expect.stringContaining("at most 2 GPUs") });
  });

  it("lists the GPUs there are when no model matches", () => {
    const v = canEverFit(req({ gpus: 1, gpuModel: "*A100*" }), nodes);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toBe("no GPU matches model '*A100*'; GPUs here: NVIDIA GeForce RTX 3090, NVIDIA RTX 6000 Ada Generation");
    expect(v.hint).toMatch(/wildcards/);
  });

  it("suggests wildcards when the model is only part of the name", () => {
    const v = canEverFit(req({ gpus: 1, gpuModel: "RTX 3090" }), nodes);
    expect(v.ok || v.hint).toBe("Write '*RTX 3090*' to match any model whose name contains 'RTX 3090'.");
  });

  it("explains GPU memory", () => {
    const v = canEverFit(req({ gpus: 1, gpuMinMemoryBytes: 80 * GiB }), nodes);
    expect(v).toEqual({ ok: false, reason: "no GPU has 80 GiB of memory; the largest has 48 GiB", hint: "Lower resources.gpu.minMemory to 48G or less." });
  });

  it("counts only GPUs that qualify", () => {
    const v = canEverFit(req({ gpus: 2, gpuMinMemoryBytes: 40 * GiB }), nodes);
    expect(v.ok || v.reason).toBe("asks for 2 GPUs but the largest node has 1 that qualify");
  });

  it("explains CPUs and memory", () => {
    expect(canEverFit(req({ cpus: 64 }), nodes)).toEqual({ ok: false, reason: "asks for 64 CPUs but the largest node has 32", hint: "Ask for at most 32 CPUs." });
    expect(canEverFit(req({ memoryBytes: 512 * GiB }), nodes)).toEqual({
      ok: false,
      reason: "asks for 512 GiB of memory but the largest node has 256 GiB",
      hint: "Ask for at most 256G of memory.",
    });
  });

  it("explains when no single node has everything at once", () => {
    const v = canEverFit(req({ gpus: 2, cpus: 32 }), nodes);
    expect(v.ok || v.reason).toMatch(/^no single node has 2 GPUs, 32 CPUs and 1\.0 GiB together \(small: 2 GPUs, 16 CPUs, 64 GiB; big: 1 GPU, 32 CPUs, 256 GiB\)$/);
  });

  it("explains machines without GPUs and per-user GPU limits", () => {
    const none = canEverFit(req({ gpus: 1 }), [node("cpu", 8, 16, [])]);
    expect(none.ok || none.reason).toBe("asks for 1 GPU but no node here has a GPU");
    // The hint names the flag that asked for the GPU and how to try GPU jobs without one.
    expect(none.ok || none.hint).toMatch(/`--gpus`.*PLINTH_EXECUTOR_FAKE_GPUS=2/s);
    const v = canEverFit(req({ gpus: 2 }), nodes, { maxGpusPerUser: 1 });
    expect(v.ok || v.reason).toBe("asks for 2 GPUs but each user may hold at most 1 at once");
  });
});

describe("ranking", () => {
  it("lets priority dominate run time and waiting of a few hours", () => {
    const urgent = job("urgent", { priority: 1, expectedDurationMs: 24 * 60 * MIN });
    const quick = job("quick", { expectedDurationMs: MIN, queuedAt: T0 - 4 * 60 * MIN });
    expect(rankQueue(input({ pending: [quick, urgent] })).map((j) => j.id)).toEqual(["urgent", "quick"]);
  });

  it("runs shorter jobs first, and ages waiting jobs ahead in the end", () => {
    const long = job("long", { expectedDurationMs: 8 * 60 * MIN, queuedAt: T0 });
    const short = job("short", { expectedDurationMs: 5 * MIN, queuedAt: T0 });
    expect(rankQueue(input({ pending: [long, short] })).map((j) => j.id)).toEqual(["short", "long"]);
    const fresh = job("fresh", { expectedDurationMs: 5 * MIN, queuedAt: T0 + 3 * 24 * 60 * MIN });
    expect(rankQueue(input({ now: fresh.queuedAt, pending: [fresh, long] })).map((j) => j.id)).toEqual(["long", "fresh"]);
  });

  it("uses the default duration for jobs without an estimate", () => {
    expect(expectedDuration(job("x", { expectedDurationMs: null }), config)).toBe(config.defaultDurationMs);
  });
});

describe("schedule", () => {
  const box = node("box", 32, 256, ["NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 3090", "NVIDIA RTX A6000", "NVIDIA RTX A6000"]);

  it("gives each job whole GPUs that match its constraints", () => {
    const d = schedule(
      input({
        nodes: [box],
        pending: [job("a", { resources: { gpus: 1, gpuModel: "*a6000*" } }), job("b", { resources: { gpus: 2, gpuMinMemoryBytes: 20 * GiB } })],
      }),
    );
    expect(d.start).toEqual([
      { jobId: "a", node: "box", gpuIndices: [2] },
      { jobId: "b", node: "box", gpuIndices: [0, 1] },
    ]);
  });

  describe("backfill", () => {
    // GPUs 0 and 1 free in 60 minutes, GPU 2 in 10; GPU 3 is free now. A 4-GPU job waits for 60 minutes.
    const busy = [running("r1", "box", [0, 1], 60), running("r2", "box", [2], 10)];
    const big = job("big", { priority: 1, resources: { gpus: 4, cpus: 26 } });

    it("starts a small job beside a waiting big one when it ends before the big one can start", () => {
      const small = job("small", { expectedDurationMs: 30 * MIN, resources: { gpus: 1 } });
      const d = schedule(input({ nodes: [box], running: busy, pending: [big, small] }));
      expect(d.order).toEqual(["big", "small"]);
      expect(started(d)).toEqual(["small"]);
    });

    it("holds back a job that would still be running when the big one is due", () => {
      const slow = job("slow", { expectedDurationMs: 90 * MIN, resources: { gpus: 1 } });
      expect(started(schedule(input({ nodes: [box], running: busy, pending: [big, slow] })))).toEqual([]);
      // Without the big job waiting, it would start at once.
      expect(started(schedule(input({ nodes: [box], running: busy, pending: [slow] })))).toEqual(["slow"]);
    });

    it("lets a long job run on what the waiting job does not need", () => {
      const cpuOnly = job("cpu-only", { expectedDurationMs: 5 * 60 * MIN, resources: { cpus: 4 } });
      const greedy = job("greedy", { expectedDurationMs: 5 * 60 * MIN, resources: { cpus: 8 } });
      // When the big job starts, all 32 CPUs are free again; it needs 26, so 6 may outlast it.
      expect(started(schedule(input({ nodes: [box], running: busy, pending: [big, greedy] })))).toEqual([]);
      expect(started(schedule(input({ nodes: [box], running: busy, pending: [big, cpuOnly, greedy] })))).toEqual(["cpu-only"]);
    });

    it("assumes a job without an estimate runs the default duration, and an overdue one as long again", () => {
      const unknown = [running("r1", "box", [0, 1, 2], null, { startedAt: T0 - 5 * MIN })];
      const small = job("small", { expectedDurationMs: 4 * MIN, resources: { gpus: 1 } });
      const slower = job("slower", { expectedDurationMs: 6 * MIN, resources: { gpus: 1 } });
      // Expected to end at T0 + 5 min (default 10 min from its start).
      expect(started(schedule(input({ nodes: [box], running: unknown, pending: [big, small] })))).toEqual(["small"]);
      expect(started(schedule(input({ nodes: [box], running: unknown, pending: [big, slower] })))).toEqual([]);
      // Ran 30 minutes against an estimate of 29: expected to need 30 more.
      const overdue = [running("r1", "box", [0, 1, 2], -1, { startedAt: T0 - 30 * MIN })];
      const under = job("under", { expectedDurationMs: 29 * MIN, resources: { gpus: 1 } });
      const over = job("over", { expectedDurationMs: 31 * MIN, resources: { gpus: 1 } });
      expect(started(schedule(input({ nodes: [box], running: overdue, pending: [big, under] })))).toEqual(["under"]);
      expect(started(schedule(input({ nodes: [box], running: overdue, pending: [big, over] })))).toEqual([]);
    });
  });

  it("gives the next GPU to the user who used less recently", () => {
    const one = node("one", 8, 32, ["Tesla T4"]);
    const pending = [job("ana-1", { userId: "ana", resources: { gpus: 1 } }), job("ben-1", { userId: "ben", resources: { gpus: 1 } })];
    const ledger = new UsageLedger(config.fairShareHalfLifeMs);
    ledger.record("ana", usageAmount({ gpus: 1, cpus: 4 }, 3 * 60 * MIN), T0 - 10 * MIN);
    ledger.record("ben", usageAmount({ gpus: 1, cpus: 4 }, 20 * MIN), T0 - 10 * MIN);
    expect(started(schedule(input({ nodes: [one], pending, usage: ledger.usageAt(T0) })))).toEqual(["ben-1"]);
    // Hours later, after Ana's usage has decayed and Ben has used more, Ana is next.
    ledger.record("ben", usageAmount({ gpus: 1, cpus: 4 }, 2 * 60 * MIN), T0 + 5 * 60 * MIN);
    expect(started(schedule(input({ now: T0 + 5 * 60 * MIN, nodes: [one], pending, usage: ledger.usageAt(T0 + 5 * 60 * MIN) })))).toEqual(["ana-1"]);
  });

  it("skips a job over its user's limits without blocking other users", () => {
    const busy = [running("r1", "box", [0], 60, { userId: "ana" })];
    const pending = [job("ana-2", { userId: "ana", priority: 5, resources: { gpus: 1 } }), job("ben-1", { userId: "ben", resources: { gpus: 1 } })];
    const d = schedule(input({ nodes: [box], running: busy, pending, config: { ...config, maxGpusPerUser: 1 } }));
    expect(d.order).toEqual(["ana-2", "ben-1"]);
    expect(started(d)).toEqual(["ben-1"]);
    const byJobs = schedule(input({ nodes: [box], running: busy, pending, config: { ...config, maxRunningJobsPerUser: 1 } }));
    expect(started(byJobs)).toEqual(["ben-1"]);
  });

  it("keeps a user's limit headroom free for their waiting job", () => {
    // Ana may run one job. Her 2-GPU job waits an hour for GPU 1; her long CPU job would fit
    // beside it now, but would still hold her only slot when the GPU frees up.
    const pair = node("pair", 16, 64, ["Tesla T4", "Tesla T4"]);
    const busy = [running("r1", "pair", [1], 60, { userId: "ben" })];
    const wide = job("wide", { userId: "ana", priority: 1, resources: { gpus: 2 } });
    const long = job("long", { userId: "ana", expectedDurationMs: 5 * 60 * MIN, resources: { cpus: 2 } });
    const cfg = { ...config, maxRunningJobsPerUser: 1 };
    expect(started(schedule(input({ nodes: [pair], running: busy, pending: [wide, long], config: cfg })))).toEqual([]);
    expect(started(schedule(input({ nodes: [pair], running: busy, pending: [wide, long] })))).toEqual(["long"]);
  });

  it("keeps headroom for a job over its user's limit from that user's later jobs", () => {
    // Ana may hold 2 GPUs and holds 1 until T0 + 8 min; her 2-GPU job waits for it.
    const busy = [running("r1", "box", [0], 8, { userId: "ana" })];
    const pair = job("pair", { userId: "ana", priority: 1, resources: { gpus: 2 } });
    const cfg = { ...config, maxGpusPerUser: 2 };
    const run = (...pending: PendingJob[]) => started(schedule(input({ nodes: [box], running: busy, pending, config: cfg })));
    expect(run(pair, job("long", { userId: "ana", expectedDurationMs: 11 * MIN, resources: { gpus: 1 } }))).toEqual([]);
    expect(run(pair, job("short", { userId: "ana", expectedDurationMs: 5 * MIN, resources: { gpus: 1 } }))).toEqual(["short"]);
    expect(run(pair, job("cpu", { userId: "ana", expectedDurationMs: 60 * MIN }))).toEqual(["cpu"]);
    expect(run(pair, job("ben", { userId: "ben", expectedDurationMs: 60 * MIN, resources: { gpus: 1 } }))).toEqual(["ben"]);
  });

  it("keeps a reservation for the first job even while its user is at a limit", () => {
    // Ana may run two jobs; one of hers ends in a minute. Her 4-CPU job needs all of "wide",
    // which frees up then too. Ben's hour-long job fits on "wide" now, but would take it away.
    const nodes = [node("narrow", 2, 4, []), node("wide", 4, 10, [])];
    const busy = [
      running("a1", "narrow", [], 1, { userId: "ana" }),
      running("a2", "narrow", [], 100, { userId: "ana" }),
      running("b1", "wide", [], 1, { userId: "ben" }),
    ];
    const big = job("big", { userId: "ana", queuedAt: T0 - 60 * MIN, resources: { cpus: 4 } });
    const bens = job("bens", { userId: "ben", expectedDurationMs: 61 * MIN, resources: { cpus: 0.5, memoryBytes: 5 * GiB } });
    const d = schedule(input({ nodes, running: busy, pending: [big, bens], config: { ...config, maxRunningJobsPerUser: 2 } }));
    expect(d.order).toEqual(["big", "bens"]);
    expect(started(d)).toEqual([]);
  });

  it("plans the head for when its user has room, and backfills before that", () => {
    // Ana may run one job and holds GPU 0 for an hour, so her next job cannot start before
    // then, even though Carl's CPU job ends in 10 minutes. Ben's half-hour job fits before.
    const pair = node("pair", 8, 32, ["Tesla T4", "Tesla T4"]);
    const busy = [running("a1", "pair", [0], 60, { userId: "ana" }), running("c1", "pair", [], 10, { userId: "carl" })];
    const next = job("next", { userId: "ana", priority: 1, resources: { gpus: 1 } });
    const bens = job("bens", { userId: "ben", expectedDurationMs: 30 * MIN, resources: { gpus: 1 } });
    const d = schedule(input({ nodes: [pair], running: busy, pending: [next, bens], config: { ...config, maxRunningJobsPerUser: 1 } }));
    expect(started(d)).toEqual(["bens"]);
    const f = forecast(input({ nodes: [pair], running: busy, pending: [next, bens], config: { ...config, maxRunningJobsPerUser: 1 } }));
    expect(f.find((x) => x.jobId === "next")!.expectedStartAt).toBe(T0 + 60 * MIN);
  });

  it("never lets a job that can never fit block the queue", () => {
    const pending = [job("huge", { priority: 9, resources: { gpus: 8 } }), job("ok", { resources: { gpus: 1 } })];
    expect(started(schedule(input({ nodes: [box], pending })))).toEqual(["ok"]);
  });
});

describe("forecast", () => {
  it("gives each job its position and expected start", () => {
    const one = node("one", 8, 32, ["Tesla T4"]);
    const pending = [
      job("c", { expectedDurationMs: 30 * MIN, resources: { gpus: 1 } }),
      job("a", { expectedDurationMs: 10 * MIN, resources: { gpus: 1 } }),
      job("b", { expectedDurationMs: 20 * MIN, resources: { gpus: 1 } }),
      job("never", { resources: { gpus: 2 } }),
      job("cpu", { expectedDurationMs: 60 * MIN, resources: { cpus: 2 } }),
    ];
    const f = forecast(input({ nodes: [one], running: [running("r", "one", [0], 5)], pending }));
    const at = Object.fromEntries(f.map((x) => [x.jobId, x]));
    expect(f.map((x) => x.jobId)).toEqual(schedule(input({ nodes: [one], running: [running("r", "one", [0], 5)], pending })).order);
    expect(at["a"]).toEqual({ jobId: "a", position: 1, expectedStartAt: T0 + 5 * MIN });
    expect(at["b"]!.expectedStartAt).toBe(T0 + 15 * MIN);
    expect(at["c"]!.expectedStartAt).toBe(T0 + 35 * MIN);
    expect(at["cpu"]!.expectedStartAt).toBe(T0);
    expect(at["never"]!.expectedStartAt).toBeNull();
  });

  it("handles a few thousand pending jobs", () => {
    const box = node("box", 64, 512, ["Tesla T4", "Tesla T4", "Tesla T4", "Tesla T4"]);
    const pending = Array.from({ length: 3000 }, (_, i) =>
      job(`j${i}`, { userId: `u${i % 7}`, queuedAt: T0 - i * 1000, expectedDurationMs: ((i * 7919) % 120) * MIN + MIN, resources: { gpus: i % 3, cpus: 1 + (i % 4) } }),
    );
    const f = forecast(input({ nodes: [box], pending }));
    expect(f).toHaveLength(3000);
    expect(f.every((x) => x.expectedStartAt !== null && x.expectedStartAt >= T0)).toBe(true);
  });
});

describe("UsageLedger", () => {
  it("halves usage every half-life", () => {
    const ledger = new UsageLedger(60 * MIN);
    ledger.record("ana", 100, T0);
    expect(ledger.usageAt(T0).get("ana")).toBe(100);
    expect(ledger.usageAt(T0 + 60 * MIN).get("ana")).toBeCloseTo(50);
    ledger.record("ana", 50, T0 + 60 * MIN);
    expect(ledger.usageAt(T0 + 120 * MIN).get("ana")).toBeCloseTo(50);
    // A late record is aged to the same point.
    ledger.record("ana", 100, T0);
    expect(ledger.usageAt(T0 + 120 * MIN).get("ana")).toBeCloseTo(75);
    expect(ledger.usageAt(T0 + 100 * 60 * MIN).has("ana")).toBe(false);
  });

  it("survives a round trip through JSON", () => {
    const ledger = new UsageLedger(30 * MIN);
    ledger.record("ana", usageAmount({ gpus: 2, cpus: 10 }, 60_000), T0);
    ledger.record("ben", 7, T0 + MIN);
    const copy = UsageLedger.fromSnapshot(JSON.parse(JSON.stringify(ledger.snapshot())));
    expect(copy.usageAt(T0 + 45 * MIN)).toEqual(ledger.usageAt(T0 + 45 * MIN));
    expect(usageAmount({ gpus: 2, cpus: 10 }, 60_000)).toBe(180);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: a server driven by random submissions, cancellations, completions and time.

const arbNode = (i: number) =>
  fc.record({
    cpus: fc.constantFrom(2, 4, 7.5, 16, 32),
    memGiB: fc.integer({ min: 4, max: 128 }),
    models: fc.array(fc.constantFrom(...Object.keys(MODELS)), { maxLength: 4 }),
  }).map(({ cpus, memGiB, models }) => node(`n${i}`, cpus, memGiB, models));

const arbNodes = fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbNode(i))));

const arbConfig = fc.record({
  maxGpusPerUser: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  maxRunningJobsPerUser: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
}).map((limits): PolicyConfig => ({ ...config, ...limits }));

interface JobShape {
  user: number;
  priority: number;
  resources: ResourceRequest;
  estimateMin: number | null;
}

const arbShape: fc.Arbitrary<JobShape> = fc.record({
  user: fc.integer({ min: 0, max: 3 }),
  priority: fc.integer({ min: -2, max: 2 }),
  resources: fc
    .record({
      cpus: fc.constantFrom(0.5, 1, 2, 4, 8),
      memGiB: fc.integer({ min: 1, max: 32 }),
      gpus: fc.constantFrom(0, 0, 1, 1, 2, 3),
      gpuModel: fc.option(fc.constantFrom("*3090*", "*a6000*", "Tesla T4", "*RTX*", "*H100*"), { nil: undefined }),
      minGiB: fc.option(fc.constantFrom(20, 40), { nil: undefined }),
    })
    .map(({ cpus, memGiB, gpus, gpuModel, minGiB }) => ({
      cpus,
      memoryBytes: memGiB * GiB,
      gpus,
      ...(gpuModel !== undefined && { gpuModel }),
      ...(minGiB !== undefined && { gpuMinMemoryBytes: minGiB * GiB }),
    })),
  estimateMin: fc.option(fc.integer({ min: 1, max: 240 }), { nil: null }),
});

type Command =
  | { k: "submit"; shape: JobShape }
  | { k: "burst"; shapes: JobShape[]; twinPriorities: number[] }
  | { k: "twin"; pick: number; priorityDelta: number }
  | { k: "cancel"; pick: number }
  | { k: "finish"; pick: number }
  | { k: "advance"; ms: number };

const arbCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: arbShape.map((shape) => ({ k: "submit" as const, shape })) },
  // Several submissions between two passes; twins differ from the first job only in priority.
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("burst" as const),
      shapes: fc.array(arbShape, { minLength: 1, maxLength: 4 }),
      twinPriorities: fc.array(fc.integer({ min: -2, max: 2 }), { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("twin" as const), pick: fc.nat(), priorityDelta: fc.constantFrom(-1, 1, 2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("finish" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("advance" as const), ms: fc.integer({ min: 1000, max: 3 * 60 * MIN }) }) },
);

/** The server's side: state it keeps, and what it does with a decision. */
class Server {
  now = T0;
  pending = new Map<string, PendingJob>();
  running = new Map<string, RunningJob & { resources: ResourceRequest }>();
  readonly nodes: NodeCapacity[];
  readonly config: PolicyConfig;
  readonly ledger: UsageLedger;
  seq = 0;
  constructor(nodes: NodeCapacity[], config: PolicyConfig) {
    this.nodes = nodes;
    this.config = config;
    this.ledger = new UsageLedger(config.fairShareHalfLifeMs);
  }

  submit(shape: JobShape, durationMs?: number): PendingJob {
    const id = `j${this.seq++}`;
    const estimate = durationMs ?? (shape.estimateMin === null ? null : shape.estimateMin * MIN);
    const j: PendingJob = { id, userId: `u${shape.user}`, name: id, priority: shape.priority, queuedAt: this.now, expectedDurationMs: estimate, resources: shape.resources };
    this.pending.set(id, j);
    return j;
  }

  finish(id: string): void {
    const r = this.running.get(id)!;
    this.running.delete(id);
    this.ledger.record(r.userId, usageAmount({ gpus: r.gpuIndices.length, cpus: r.cpus }, this.now - r.startedAt), this.now);
  }

  input(): ScheduleInput {
    return { now: this.now, nodes: this.nodes, running: [...this.running.values()], pending: [...this.pending.values()], usage: this.ledger.usageAt(this.now), config: this.config };
  }

  apply(d: ScheduleDecision): void {
    for (const p of d.start) {
      const j = this.pending.get(p.jobId);
      if (!j) throw new Error(`started ${p.jobId}, which is not pending`);
      this.pending.delete(p.jobId);
      const expectedEndAt = j.expectedDurationMs === null ? null : this.now + j.expectedDurationMs;
      this.running.set(j.id, { id: j.id, userId: j.userId, node: p.node, cpus: j.resources.cpus, memoryBytes: j.resources.memoryBytes, gpuIndices: p.gpuIndices, startedAt: this.now, expectedEndAt, resources: j.resources });
    }
  }
}

/** Invariants of one decision, checked against the state before it and after applying it. */
function checkDecision(before: ScheduleInput, d: ScheduleDecision, server: Server): void {
  expect([...d.order].sort()).toEqual(before.pending.map((j) => j.id).sort());
  const ids = started(d);
  expect(new Set(ids).size).toBe(ids.length);
  const pendingById = new Map(before.pending.map((j) => [j.id, j]));
  for (const p of d.start) {
    const j = pendingById.get(p.jobId)!;
    const n = server.nodes.find((x) => x.name === p.node)!;
    expect(n).toBeDefined();
    expect(p.gpuIndices).toHaveLength(j.resources.gpus);
    for (const g of p.gpuIndices) {
      const info = n.gpus.find((x) => x.index === g);
      expect(info, `GPU ${g} exists on ${n.name}`).toBeDefined();
      expect(gpuQualifies(info!, j.resources), `${info!.model} qualifies for ${j.id}`).toBe(true);
    }
  }
  // Capacity: no GPU held twice; CPUs and memory within each node.
  for (const n of server.nodes) {
    const on = [...server.running.values()].filter((r) => r.node === n.name);
    const gpus = on.flatMap((r) => r.gpuIndices);
    expect(new Set(gpus).size, `GPUs on ${n.name} held once`).toBe(gpus.length);
    expect(on.reduce((s, r) => s + r.cpus, 0)).toBeLessThanOrEqual(n.cpus + 1e-9);
    expect(on.reduce((s, r) => s + r.memoryBytes, 0)).toBeLessThanOrEqual(n.memoryBytes);
  }
  // Per-user limits.
  const perUser = new Map<string, { jobs: number; gpus: number }>();
  for (const r of server.running.values()) {
    const u = perUser.get(r.userId) ?? { jobs: 0, gpus: 0 };
    u.jobs++;
    u.gpus += r.gpuIndices.length;
    perUser.set(r.userId, u);
  }
  for (const u of perUser.values()) {
    expect(u.jobs).toBeLessThanOrEqual(server.config.maxRunningJobsPerUser ?? Number.POSITIVE_INFINITY);
    expect(u.gpus).toBeLessThanOrEqual(server.config.maxGpusPerUser ?? Number.POSITIVE_INFINITY);
  }
  // Priority: of two jobs alike in all but priority, the lower never starts while the higher waits.
  const startedSet = new Set(ids);
  for (const a of before.pending) {
    for (const b of before.pending) {
      const alike =
        a.userId === b.userId && a.expectedDurationMs === b.expectedDurationMs && a.queuedAt <= b.queuedAt && JSON.stringify(a.resources) === JSON.stringify(b.resources);
      if (alike && a.priority > b.priority && startedSet.has(b.id)) expect(startedSet.has(a.id), `${a.id} (priority ${a.priority}) before ${b.id}`).toBe(true);
    }
  }
  // An idle pool never stays idle while some job could run.
  if (before.running.length === 0) {
    const first = d.order.map((id) => pendingById.get(id)!).find((j) => canEverFit(j.resources, server.nodes, server.config).ok);
    if (first) expect(startedSet.has(first.id), `${first.id} starts on an idle pool`).toBe(true);
  }
}

describe("schedule, driven like a server", () => {
  it("never over-allocates, respects constraints, limits and priority", () => {
    fc.assert(
      fc.property(arbNodes, arbConfig, fc.array(arbCommand, { minLength: 1, maxLength: 60 }), (nodes, cfg, commands) => {
        const server = new Server(nodes, cfg);
        for (const c of commands) {
          if (c.k === "submit") server.submit(c.shape);
          else if (c.k === "burst") {
            for (const s of c.shapes) server.submit(s);
            for (const priority of c.twinPriorities) server.submit({ ...c.shapes[0]!, priority });
          }
          else if (c.k === "twin" && server.pending.size > 0) {
            const pend = [...server.pending.values()];
            const orig = pend[c.pick % pend.length]!;
            server.pending.set(`j${server.seq}`, { ...orig, id: `j${server.seq++}`, priority: orig.priority + c.priorityDelta });
          } else if (c.k === "cancel" && server.pending.size > 0) {
            server.pending.delete([...server.pending.keys()][c.pick % server.pending.size]!);
          } else if (c.k === "finish" && server.running.size > 0) {
            server.finish([...server.running.keys()][c.pick % server.running.size]!);
          } else if (c.k === "advance") server.now += c.ms;
          const before = server.input();
          const d = schedule(before);
          server.apply(d);
          checkDecision(before, d, server);
          // What forecast says starts now is what schedule started.
          const now = forecast(before)
            .filter((f) => f.expectedStartAt === before.now)
            .map((f) => f.jobId);
          expect(now.sort()).toEqual(started(d).sort());
        }
      }),
      { numRuns: 150 },
    );
  });

  it("starts every job that can fit within a bounded time while new work keeps arriving", () => {
    // Jobs run exactly as long as expected, and a new one arrives every 20 minutes for ever,
    // often more than the pool can serve. Jobs submitted once the pool is busy must still
    // get their turn, by a deadline that follows from the policy's design:
    // - ranks differ by at most C seconds beyond waiting (priority, run time, fair share), so
    //   C after its submission a job outranks everything submitted later;
    // - of the jobs submitted before then (k of them), the best-ranked waiting one is next:
    //   within one longest run time its user has room under the limits, and within another
    //   its reservation comes due, since nothing started later may delay it.
    // Hence each job starts within C + (k + 1) × 2 × longest run time.
    const weights = { priorityS: 1800, shortJobS: 300, fairShareS: 600 };
    const C = (weights.priorityS * 4 + weights.shortJobS * Math.log2(1 + 240) + weights.fairShareS) * 1000;
    const GAP = 20 * MIN;
    fc.assert(
      fc.property(
        arbNodes,
        arbConfig,
        fc.array(arbShape, { minLength: 1, maxLength: 12 }),
        fc.array(arbShape, { minLength: 1, maxLength: 30 }),
        (nodes, cfg, tracked, arrivals) => {
          const server = new Server(nodes, { ...cfg, weights });
          const duration = (s: JobShape) => (s.estimateMin ?? 30) * MIN;
          const longest = Math.max(...[...tracked, ...arrivals].map(duration));
          const watch = new Map<string, { windowEnd: number; ahead: number }>();
          let nextArrival = T0;
          let arrived = 0;
          const trackAt = T0 + 3 * 60 * MIN;
          let trackedIn = false;
          while (!trackedIn || watch.size > 0) {
            // The tracked jobs join a pool that has been busy for three hours.
            if (!trackedIn && server.now >= trackAt) {
              trackedIn = true;
              for (const s of tracked) {
                const ahead = server.pending.size + server.running.size + tracked.length;
                const j = server.submit(s, duration(s));
                if (canEverFit(j.resources, nodes, server.config).ok) watch.set(j.id, { windowEnd: server.now + C, ahead });
              }
            }
            while (nextArrival <= server.now) {
              const shape = arrivals[arrived++ % arrivals.length]!;
              server.submit(shape, duration(shape));
              for (const w of watch.values()) if (nextArrival <= w.windowEnd) w.ahead++;
              nextArrival += GAP;
            }
            const d = schedule(server.input());
            server.apply(d);
            for (const p of d.start) watch.delete(p.jobId);
            for (const [id, w] of watch) {
              const deadline = w.windowEnd + (w.ahead + 1) * 2 * longest;
              expect(server.now, `${id} still waiting at its deadline`).toBeLessThanOrEqual(deadline);
            }
            let next = nextArrival;
            for (const r of server.running.values()) next = Math.min(next, r.expectedEndAt!);
            server.now = next;
            for (const r of [...server.running.values()]) if (r.expectedEndAt! <= server.now) server.finish(r.id);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
