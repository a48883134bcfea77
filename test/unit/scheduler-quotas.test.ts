import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHeldBy } from "../../src/jobs/quota-book.ts";
import { fairShareOf, forecast, plannedEnd, quotaHolds, rankQueue, schedule } from "../../src/jobs/scheduler/policy.ts";
import { explainHold, holdMessage, quotasEverAllow } from "../../src/jobs/scheduler/quotas.ts";
import { type GpuSpan, gpuSecondsAt, windowFreesAt } from "../../src/jobs/scheduler/quota-window.ts";
import type { NodeCapacity, PendingJob, PolicyConfig, QuotaInput, RunningJob, ScheduleInput, ScopeQuota } from "../../src/jobs/scheduler/types.ts";
import { UsageLedger, usageAmount, usageKey } from "../../src/jobs/scheduler/usage-ledger.ts";

// Quotas per user and per team, GPU-hours in a rolling window, and fair share by team.

const GiB = 1024 ** 3;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 6, 9);
const config: PolicyConfig = { fairShareHalfLifeMs: HOUR, defaultDurationMs: 10 * MIN };

function gpuBox(gpus: number, cpus = 64): NodeCapacity {
  return {
    name: "box",
    cpus,
    memoryBytes: 256 * GiB,
    gpus: Array.from({ length: gpus }, (_, index) => ({ index, uuid: `GPU-${index}`, model: "Fake GPU", memoryBytes: 24 * GiB, fake: true })),
  };
}

/** A pending job of `userId` in `teamId`, asking for `gpus` GPUs. */
function pend(id: string, userId: string, teamId: string | null, gpus: number, extra: Partial<PendingJob> = {}): PendingJob {
  return { id, userId, teamId, name: id, priority: 0, queuedAt: T0, expectedDurationMs: 30 * MIN, resources: { cpus: 1, memoryBytes: GiB, gpus }, ...extra };
}

/** A running job holding GPUs `gpuIndices`, expected to end `endsInMin` minutes from T0. */
function run(id: string, userId: string, teamId: string | null, gpuIndices: number[], endsInMin: number): RunningJob {
  return { id, userId, teamId, node: "box", cpus: 1, memoryBytes: GiB, gpuIndices, startedAt: T0 - 10 * MIN, expectedEndAt: T0 + endsInMin * MIN };
}

const quota = (label: string, limits: ScopeQuota["limits"], extra: Partial<ScopeQuota> = {}): ScopeQuota => ({ label, limits, ...extra });

function quotas(teams: Record<string, ScopeQuota> = {}, users: Record<string, ScopeQuota> = {}): QuotaInput {
  return { teams: new Map(Object.entries(teams)), users: new Map(Object.entries(users)) };
}

function input(partial: Partial<ScheduleInput>): ScheduleInput {
  return { now: T0, nodes: [gpuBox(8)], running: [], pending: [], usage: new Map(), config, ...partial };
}

const started = (i: ScheduleInput) => schedule(i).start.map((p) => p.jobId);
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

describe("team and user quotas in the schedule", () => {
  const vision = { vision: quota("vision", { gpus: 4 }) };

  it("holds a job over its team's GPU quota, and starts another team's job behind it", () => {
    const running = [run("v1", "ana", "vision", [0, 1], 60), run("v2", "ben", "vision", [2, 3], 20)];
    const pending = [pend("v3", "ana", "vision", 1, { priority: 3 }), pend("n1", "cem", "nlp", 2)];
    const i = input({ running, pending, quotas: quotas(vision) });
    expect(started(i)).toEqual(["n1"]);
    // Without the quota both would start.
    expect(started({ ...i, quotas: undefined }).sort()).toEqual(["n1", "v3"]);
  });

  it("counts a team's jobs by every member, and frees the team's room as its jobs end", () => {
    const running = [run("v1", "ana", "vision", [0, 1, 2, 3], 20)];
    const i = input({ running, pending: [pend("v2", "ben", "vision", 1)], quotas: quotas(vision) });
    expect(started(i)).toEqual([]);
    const f = forecast(i);
    expect(f[0]!.expectedStartAt).toBe(T0 + 20 * MIN);
    expect(started({ ...i, running: [] })).toEqual(["v2"]);
  });

  it("holds a team's running jobs to its running-jobs quota", () => {
    const q = quotas({ vision: quota("vision", { runningJobs: 2 }) });
    const running = [run("v1", "ana", "vision", [], 20), run("v2", "ben", "vision", [], 20)];
    expect(started(input({ running, pending: [pend("v3", "cem", "vision", 0)], quotas: q }))).toEqual([]);
    expect(started(input({ running, pending: [pend("v3", "cem", "nlp", 0)], quotas: q }))).toEqual(["v3"]);
  });

  it("lets a user's own quota replace the platform-wide per-user default", () => {
    const cfg = { ...config, maxGpusPerUser: 1 };
    const running = [run("a1", "ana", "vision", [0], 60)];
    const pending = [pend("a2", "ana", "vision", 1)];
    expect(started(input({ running, pending, config: cfg }))).toEqual([]);
    expect(started(input({ running, pending, config: cfg, quotas: quotas({}, { ana: quota("ana", { gpus: 2 }) }) }))).toEqual(["a2"]);
    // Only the limits her quota sets replace the defaults: the running-jobs default stays.
    const both = { ...cfg, maxRunningJobsPerUser: 1 };
    expect(started(input({ running, pending, config: both, quotas: quotas({}, { ana: quota("ana", { gpus: 2 }) }) }))).toEqual([]);
  });

  it("keeps the team's room for its first held job from the team's later, longer jobs", () => {
    // Vision may hold 4 GPUs and holds 3 until T0 + 30 min. Its 4-GPU job waits for that; a
    // 1-GPU vision job that would still run then may not take the room, one done before may.
    const running = [run("v1", "ana", "vision", [0, 1, 2], 30)];
    const wide = pend("wide", "ana", "vision", 4, { priority: 1 });
    const long = pend("long", "ben", "vision", 1, { expectedDurationMs: 90 * MIN });
    const short = pend("short", "ben", "vision", 1, { expectedDurationMs: 20 * MIN });
    const q = quotas(vision);
    expect(started(input({ running, pending: [wide, long], quotas: q }))).toEqual([]);
    expect(started(input({ running, pending: [wide, short], quotas: q }))).toEqual(["short"]);
  });

  it("refuses at submission a job no quota will ever let run, naming the quota", () => {
    const q = quotas({ vision: quota("vision", { gpus: 2, gpuSeconds: 0 }) }, { ana: quota("ana", { runningJobs: 0 }) });
    expect(quotasEverAllow({ userId: "ben", teamId: "vision", resources: { cpus: 1, memoryBytes: GiB, gpus: 3 } }, config, q)).toEqual({
      ok: false,
      reason: "asks for 3 GPUs but team vision may hold at most 2 at once (a GPU quota)",
      hint: "Ask for at most 2 GPUs, or ask a Keeper to raise it (`plinth quotas set`).",
    });
    expect(quotasEverAllow({ userId: "ben", teamId: "vision", resources: { cpus: 1, memoryBytes: GiB, gpus: 1 } }, config, q).ok).toBe(false);
    expect(quotasEverAllow({ userId: "ben", teamId: "vision", resources: { cpus: 1, memoryBytes: GiB, gpus: 0 } }, config, q).ok).toBe(true);
    expect(quotasEverAllow({ userId: "ana", teamId: "nlp", resources: { cpus: 1, memoryBytes: GiB, gpus: 0 } }, config, q).ok).toBe(false);
    // The scheduler passes such a job over instead of letting it block the queue.
    expect(started(input({ pending: [pend("big", "ben", "vision", 3, { priority: 9 }), pend("ok", "ben", "nlp", 1)], quotas: q }))).toEqual(["ok"]);
  });
});

describe("GPU-hours quotas", () => {
  const usedUp = (until: number) => quotas({ vision: quota("vision", { gpuSeconds: 200 * 3600 }, { windowUsedS: 200 * 3600, windowHeldUntil: until }) });

  it("holds a used-up team's GPU jobs until usage leaves the window, and lets its CPU jobs and other teams run", () => {
    const q = usedUp(T0 + 26 * HOUR);
    const pending = [pend("gpu", "ana", "vision", 1, { priority: 5 }), pend("cpu", "ana", "vision", 0), pend("other", "cem", "nlp", 1)];
    expect(started(input({ pending, quotas: q })).sort()).toEqual(["cpu", "other"]);
    expect(started(input({ now: T0 + 26 * HOUR, pending, quotas: q })).sort()).toEqual(["cpu", "gpu", "other"]);
  });

  it("does not let a job held by GPU-hours keep the reservation from the job that waits for GPUs", () => {
    // GPU 0 is busy for an hour; the 2-GPU job needs it. The held vision job ranks first but
    // cannot start for a day, so the 2-GPU job is the one a long 1-GPU job may not delay.
    const nodes = [gpuBox(2)];
    const running = [run("r", "zed", "nlp", [0], 60)];
    const pending = [pend("held", "ana", "vision", 1, { priority: 5 }), pend("pair", "cem", "nlp", 2, { priority: 1 }), pend("long", "dan", "nlp", 1, { expectedDurationMs: 3 * HOUR })];
    expect(started(input({ nodes, running, pending, quotas: usedUp(T0 + DAY) }))).toEqual([]);
  });

  it("forecasts the held job's start at the moment its GPU-hours free up", () => {
    const f = forecast(input({ pending: [pend("gpu", "ana", "vision", 1)], quotas: usedUp(T0 + 26 * HOUR) }));
    expect(f[0]!.expectedStartAt).toBe(T0 + 26 * HOUR);
    expect(forecast(input({ pending: [pend("gpu", "ana", "vision", 1)], quotas: usedUp(Number.POSITIVE_INFINITY) }))[0]!.expectedStartAt).toBeNull();
  });
});

describe("what a held job says", () => {
  it("names the team's GPU quota, how full it is, and the earliest expected end", () => {
    const running = [run("v1", "ana", "vision", [0, 1], 65), run("v2", "ben", "vision", [2, 3], 35)];
    const i = input({ running, pending: [pend("v3", "ana", "vision", 1)], quotas: quotas({ vision: quota("vision", { gpus: 4 }) }) });
    const hold = quotaHolds(i).get("v3")!;
    expect(hold).toMatchObject({ quota: "gpus", used: 4, limit: 4, freesAt: T0 + 35 * MIN, jobsToEnd: 1, scope: { kind: "team", id: "vision", label: "vision" } });
    expect(holdMessage(hold, clock)).toBe("held by team vision's GPU quota (4 of 4 GPUs in use); frees when one of its jobs ends — the earliest expected at 09:35");
    // Needing 3 GPUs, both jobs must end first.
    const wide = explainHold(pend("w", "ana", "vision", 3), i, (r) => plannedEnd(r, T0, config))!;
    expect(holdMessage(wide, clock)).toBe("held by team vision's GPU quota (4 of 4 GPUs in use); frees when 2 of its jobs have ended — expected at 10:05");
  });

  it("names the GPU-hours quota and when old usage leaves the window", () => {
    const q = quotas({ vision: quota("vision", { gpuSeconds: 200 * 3600 }, { windowUsedS: 200 * 3600, windowHeldUntil: T0 + 24 * HOUR }) });
    const held = toHeldBy(quotaHolds(input({ pending: [pend("g", "ana", "vision", 1)], quotas: q })).get("g")!, T0);
    expect(held).toMatchObject({ quota: "gpuHours", used: 200, limit: 200, freesAt: new Date(T0 + 24 * HOUR).toISOString(), scope: { kind: "team", id: "vision", name: "vision" } });
    expect(held.message).toMatch(/^held by team vision's GPU-hours quota: team vision used 200 of 200 GPU-hours in the last 7 days; frees at Tue \d\d:\d\d \(in 24h\) as older usage leaves the 7-day window$/);
  });

  it("speaks of the per-person limit when no quota of the person's own applies, and of no quota when none holds", () => {
    const cfg = { ...config, maxRunningJobsPerUser: 1 };
    const i = input({ config: cfg, running: [run("a1", "ana", null, [], 50)], pending: [pend("a2", "ana", null, 0), pend("b1", "ben", null, 0)] });
    const holds = quotaHolds(i);
    expect(holdMessage(holds.get("a2")!, clock)).toBe("held by the per-person running-jobs limit (1 of 1 job running); frees when one of the owner's jobs ends — the earliest expected at 09:50");
    expect(holds.has("b1")).toBe(false);
  });

  it("reports the quota that frees last when several hold a job", () => {
    const q = quotas({ vision: quota("vision", { gpus: 2 }) }, { ana: quota("ana", { runningJobs: 1 }) });
    const running = [run("a1", "ana", "vision", [0], 90), run("b1", "ben", "vision", [1], 15)];
    const hold = quotaHolds(input({ running, pending: [pend("a2", "ana", "vision", 1)], quotas: q })).get("a2")!;
    expect(hold).toMatchObject({ quota: "runningJobs", scope: { kind: "user", id: "ana" }, freesAt: T0 + 90 * MIN });
  });
});

describe("GPU-hours in a rolling window", () => {
  const W = 7 * DAY;

  it("counts finished jobs inside the window and running ones so far", () => {
    const spans: GpuSpan[] = [
      { gpus: 2, start: T0 - 8 * DAY, end: T0 - 6 * DAY }, // one day of it inside: 48 GPU-hours
      { gpus: 1, start: T0 - HOUR, end: T0 + HOUR }, // running, one hour so far
    ];
    expect(gpuSecondsAt(spans, T0, W)).toBe(49 * 3600);
  });

  it("finds when usage falls below a limit: at once, never, or when the oldest usage leaves", () => {
    const spans: GpuSpan[] = [{ gpus: 1, start: T0 - 3 * DAY, end: T0 - 3 * DAY + 10 * HOUR }];
    expect(windowFreesAt(spans, T0, 20 * 3600, W)).toBe(T0);
    expect(windowFreesAt(spans, T0, 0, W)).toBe(Number.POSITIVE_INFINITY);
    // 10 GPU-hours, limit 5: half of it must leave, which takes 5 hours from 4 days ahead.
    expect(windowFreesAt(spans, T0, 5 * 3600, W)).toBe(T0 + 4 * DAY + 5 * HOUR + 1);
  });

  it("agrees with a brute-force search over random spans", () => {
    const arbSpan = fc.record({ gpus: fc.integer({ min: 1, max: 4 }), startH: fc.integer({ min: -200, max: 0 }), lenH: fc.integer({ min: 1, max: 60 }) });
    fc.assert(
      fc.property(fc.array(arbSpan, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 300 }), (raw, limitH) => {
        const spans: GpuSpan[] = raw.map((s) => ({ gpus: s.gpus, start: T0 + s.startH * HOUR, end: T0 + (s.startH + s.lenH) * HOUR }));
        const limit = limitH * 3600;
        const at = windowFreesAt(spans, T0, limit, W);
        expect(Number.isFinite(at)).toBe(true);
        expect(gpuSecondsAt(spans, at, W)).toBeLessThan(limit);
        // Nowhere before it, on a grid of minutes, is usage below the limit.
        for (let t = T0; t < at - 1; t += 37 * MIN) expect(gpuSecondsAt(spans, t, W)).toBeGreaterThanOrEqual(limit - 1e-6);
        if (at > T0) expect(gpuSecondsAt(spans, at - 2, W)).toBeGreaterThanOrEqual(limit - 1e-3);
      }),
      { numRuns: 300 },
    );
  });
});

describe("fair share by team", () => {
  it("ranks by team first: a team of many light users does not go ahead of a light team of one", () => {
    // Vision's four people used 10 each, NLP's one person used 10: vision as a team used 4× more.
    const usage = new Map<string, number>([
      [usageKey("vision", "a"), 10],
      [usageKey("vision", "b"), 10],
      [usageKey("vision", "c"), 10],
      [usageKey("vision", "d"), 10],
      [usageKey("nlp", "e"), 10],
    ]);
    const order = rankQueue({ now: T0, usage, config, pending: [pend("vision-a", "a", "vision", 1), pend("nlp-e", "e", "nlp", 1)] }).map((j) => j.id);
    expect(order).toEqual(["nlp-e", "vision-a"]);
    // Per person alone they would tie, and the earlier id would win.
    const share = fairShareOf(usage);
    expect(share({ userId: "e", teamId: "nlp" })).toBeLessThan(share({ userId: "a", teamId: "vision" }));
  });

  it("within a team, steps back the person who used more than their colleagues", () => {
    const usage = new Map<string, number>([
      [usageKey("vision", "heavy"), 30],
      [usageKey("vision", "light"), 10],
    ]);
    const share = fairShareOf(usage);
    expect(share({ userId: "light", teamId: "vision" })).toBeLessThan(share({ userId: "heavy", teamId: "vision" }));
    expect(share({ userId: "new", teamId: "vision" })).toBeLessThan(share({ userId: "light", teamId: "vision" }));
    expect(share({ userId: "new", teamId: "idle" })).toBe(0);
  });

  it("orders jobs of one team (or none) exactly as a per-person share would", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 1000, noNaN: true }), { minLength: 2, maxLength: 6 }), fc.constantFrom(null, "lab"), (amounts, team) => {
        const usage = new Map(amounts.map((a, i) => [usageKey(team, `u${i}`), a]));
        const total = amounts.reduce((s, a) => s + a, 0);
        const share = fairShareOf(usage);
        for (let i = 0; i < amounts.length; i++) {
          for (let j = 0; j < amounts.length; j++) {
            const byTeam = share({ userId: `u${i}`, teamId: team }) - share({ userId: `u${j}`, teamId: team });
            const byPerson = total > 0 ? (amounts[i]! - amounts[j]!) / total : 0;
            expect(byTeam).toBeCloseTo(byPerson, 9);
          }
        }
      }),
    );
  });

  it("keeps a team from starving another, however many people it has", () => {
    // Every job the same length, and each team keeps the same number of jobs waiting, spread
    // over its people: team A has up to 8 people, team B one or two. Over two days, fair share
    // by team gives B half the GPU time; by person alone B's fewer people would get less (down
    // to 0.29 of it with 8 against 1).
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom(10, 20, 45),
        (gpus, peopleA, peopleB, minutes) => {
          const nodes = [gpuBox(gpus)];
          const ledger = new UsageLedger(config.fairShareHalfLifeMs);
          const people = [...Array.from({ length: peopleA }, (_, i) => ({ user: `a${i}`, team: "A" })), ...Array.from({ length: peopleB }, (_, i) => ({ user: `b${i}`, team: "B" }))];
          const pending = new Map<string, PendingJob>();
          const runningJobs = new Map<string, RunningJob>();
          const got = { A: 0, B: 0 };
          let seq = 0;
          let now = T0;
          const turn = { A: 0, B: 0 };
          const submitFor = (team: "A" | "B") => {
            const mine = people.filter((p) => p.team === team);
            const id = `j${seq++}`;
            pending.set(id, pend(id, mine[turn[team]++ % mine.length]!.user, team, 1, { queuedAt: now, expectedDurationMs: minutes * MIN }));
          };
          for (let k = 0; k < 2 * gpus; k++) {
            submitFor("A");
            submitFor("B");
          }
          const end = T0 + 2 * DAY;
          while (now < end) {
            const d = schedule({ now, nodes, running: [...runningJobs.values()], pending: [...pending.values()], usage: ledger.usageAt(now), config });
            for (const s of d.start) {
              const j = pending.get(s.jobId)!;
              pending.delete(s.jobId);
              runningJobs.set(j.id, { id: j.id, userId: j.userId, teamId: j.teamId ?? null, node: "box", cpus: 1, memoryBytes: GiB, gpuIndices: s.gpuIndices, startedAt: now, expectedEndAt: now + minutes * MIN });
              // Each team keeps twice as many jobs waiting as there are GPUs.
              submitFor(j.teamId as "A" | "B");
            }
            now += minutes * MIN;
            for (const r of [...runningJobs.values()]) {
              if (r.expectedEndAt! > now) continue;
              runningJobs.delete(r.id);
              ledger.record(usageKey(r.teamId, r.userId), usageAmount({ gpus: 1, cpus: 1 }, now - r.startedAt), now);
              got[r.teamId as "A" | "B"] += now - r.startedAt;
            }
          }
          const shareB = got.B / (got.A + got.B);
          expect(shareB, `team B's share of GPU time with ${peopleA} vs ${peopleB} people`).toBeGreaterThan(0.45);
          expect(shareB).toBeLessThan(0.55);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("quotas, driven like a server", () => {
  it("never lets a team or a person go over a quota, and forecasts what it starts", () => {
    const arbQuota = fc.record({ gpus: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), runningJobs: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }) });
    const arbStep = fc.oneof(
      fc.record({ k: fc.constant("submit" as const), user: fc.integer({ min: 0, max: 3 }), gpus: fc.constantFrom(0, 1, 1, 2, 3), minutes: fc.integer({ min: 5, max: 120 }) }),
      fc.record({ k: fc.constant("finish" as const), pick: fc.nat() }),
      fc.record({ k: fc.constant("advance" as const), minutes: fc.integer({ min: 1, max: 90 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), arbQuota, arbQuota, fc.array(arbStep, { minLength: 1, maxLength: 50 }), (gpus, teamLimits, userLimits, steps) => {
        const q = quotas({ t0: quota("t0", teamLimits), t1: quota("t1", { gpus: 2 }) }, { u0: quota("u0", userLimits) });
        const nodes = [gpuBox(gpus, 16)];
        const pending = new Map<string, PendingJob>();
        const runningJobs = new Map<string, RunningJob>();
        let now = T0;
        let seq = 0;
        for (const step of steps) {
          if (step.k === "submit") {
            const id = `j${seq++}`;
            // Users 0 and 1 are in team t0, 2 in t1, 3 in no team.
            const teamId = step.user <= 1 ? "t0" : step.user === 2 ? "t1" : null;
            pending.set(id, pend(id, `u${step.user}`, teamId, step.gpus, { queuedAt: now, expectedDurationMs: step.minutes * MIN }));
          } else if (step.k === "finish" && runningJobs.size > 0) runningJobs.delete([...runningJobs.keys()][step.pick % runningJobs.size]!);
          else if (step.k === "advance") now += step.minutes * MIN;
          const i: ScheduleInput = { now, nodes, running: [...runningJobs.values()], pending: [...pending.values()], usage: new Map(), config, quotas: q };
          const d = schedule(i);
          const soon = forecast(i).filter((f) => f.expectedStartAt === now).map((f) => f.jobId);
          expect(soon.sort()).toEqual(d.start.map((s) => s.jobId).sort());
          for (const s of d.start) {
            const j = pending.get(s.jobId)!;
            pending.delete(j.id);
            runningJobs.set(j.id, { id: j.id, userId: j.userId, teamId: j.teamId ?? null, node: "box", cpus: 1, memoryBytes: GiB, gpuIndices: s.gpuIndices, startedAt: now, expectedEndAt: now + j.expectedDurationMs! });
          }
          const held = (pick: (r: RunningJob) => boolean) => {
            const mine = [...runningJobs.values()].filter(pick);
            return { jobs: mine.length, gpus: mine.reduce((n, r) => n + r.gpuIndices.length, 0) };
          };
          const t0 = held((r) => r.teamId === "t0");
          const t1 = held((r) => r.teamId === "t1");
          const u0 = held((r) => r.userId === "u0");
          expect(t0.gpus).toBeLessThanOrEqual(teamLimits.gpus ?? Number.POSITIVE_INFINITY);
          expect(t0.jobs).toBeLessThanOrEqual(teamLimits.runningJobs ?? Number.POSITIVE_INFINITY);
          expect(t1.gpus).toBeLessThanOrEqual(2);
          expect(u0.gpus).toBeLessThanOrEqual(userLimits.gpus ?? Number.POSITIVE_INFINITY);
          expect(u0.jobs).toBeLessThanOrEqual(userLimits.runningJobs ?? Number.POSITIVE_INFINITY);
          // A job a quota holds is one that would go over it if it started now.
          for (const [id, hold] of quotaHolds(i)) {
            if (pending.has(id)) expect(hold.used + (hold.quota === "gpus" ? pending.get(id)!.resources.gpus : 1)).toBeGreaterThan(hold.limit);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
