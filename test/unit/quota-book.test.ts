import { describe, expect, it } from "vitest";
import { formatWhen, type HeldBy, heldBySeenBy, QuotaBook } from "../../src/jobs/quota-book.ts";
import type { PolicyConfig, RunningJob, ScheduleInput } from "../../src/jobs/scheduler/types.ts";

// The dispatcher's book of quotas and recorded GPU time, on a short window so that usage
// leaving it can be watched happen.

const config: PolicyConfig = { fairShareHalfLifeMs: 3_600_000, defaultDurationMs: 600_000 };
const vision = { users: new Map(), teams: new Map([["vision", { label: "vision", limits: { gpuSeconds: 10 } }]]) };

function runningJob(userId: string, teamId: string, gpus: number, startedAt: number, expectedEndAt: number): RunningJob {
  return { id: `r-${userId}`, userId, teamId, node: "box", cpus: 1, memoryBytes: 0, gpuIndices: Array.from({ length: gpus }, (_, i) => i), startedAt, expectedEndAt };
}

describe("QuotaBook", () => {
  it("counts recorded and running GPU time per person and per team, inside the window only", () => {
    const book = new QuotaBook(60_000);
    const now = 1_000_000;
    book.load([
      { userId: "ana", teamId: "vision", gpus: 2, start: now - 50_000, end: now - 40_000 }, // 20 GPU-s
      { userId: "ben", teamId: "vision", gpus: 1, start: now - 90_000, end: now - 70_000 }, // left the window
    ]);
    book.record({ userId: "cem", teamId: "nlp", gpus: 1, start: now - 5_000, end: now });
    const usage = book.usage(now, [runningJob("ben", "vision", 1, now - 3_000, now + 60_000)]);
    expect(usage.get("t:vision")).toEqual({ gpus: 1, runningJobs: 1, gpuSeconds: 23 });
    expect(usage.get("u:ana")).toEqual({ gpus: 0, runningJobs: 0, gpuSeconds: 20 });
    expect(usage.get("u:ben")).toEqual({ gpus: 1, runningJobs: 1, gpuSeconds: 3 });
    expect(usage.get("t:nlp")!.gpuSeconds).toBe(5);
  });

  it("gives the policy no quotas when none is set, and used-up GPU-hours with when they free up", () => {
    const book = new QuotaBook(60_000);
    const now = 1_000_000;
    expect(book.input(now, [], config)).toBeUndefined();
    book.setDefinitions(vision);
    book.record({ userId: "ana", teamId: "vision", gpus: 1, start: now - 30_000, end: now - 15_000 });
    const q = book.input(now, [], config)!.teams.get("vision")!;
    expect(q.windowUsedS).toBe(15);
    // 15 GPU-seconds from now − 30 s: below 10 once 5 seconds of it have left, at now + 35 s.
    expect(q.windowHeldUntil).toBe(now + 35_001);
  });

  it("wakes the dispatcher once used-up GPU-hours free up, not before", async () => {
    const book = new QuotaBook(400);
    book.setDefinitions(vision);
    const now = Date.now();
    book.record({ userId: "ana", teamId: "vision", gpus: 1000, start: now - 150, end: now - 100 });
    const quotas = book.input(now, [], config);
    const until = quotas!.teams.get("vision")!.windowHeldUntil!;
    expect(until).toBeGreaterThan(now);
    const input: ScheduleInput = { now, nodes: [], running: [], pending: [], usage: new Map(), config, quotas: quotas! };
    const wokeAt = await new Promise<number>((resolve) => book.wakeAtLift(input, () => resolve(Date.now())));
    expect(wokeAt).toBeGreaterThanOrEqual(until);
    // By then the book says so too.
    expect(book.input(Date.now(), [], config)!.teams.get("vision")!.windowHeldUntil).toBeUndefined();
  });

  it("shows a hold only to those who may see the quota's numbers", () => {
    const team: HeldBy = { quota: "gpus", scope: { kind: "team", id: "vision", name: "vision" }, used: 4, limit: 4, freesAt: null, message: "held by team vision's GPU quota" };
    const mine: HeldBy = { ...team, scope: { kind: "user", id: "ana", name: "ana" } };
    const person = (userId: string, teams: Record<string, "admin" | "member" | "viewer">, role: "admin" | "member" = "member") => ({ userId, role, teams });
    expect(heldBySeenBy(person("ben", { vision: "viewer" }), team, "vision")).toBe(team);
    expect(heldBySeenBy(person("cem", { nlp: "member" }), team, "vision")).toBeNull();
    expect(heldBySeenBy(person("cem", {}, "admin"), team, "vision")).toBe(team);
    expect(heldBySeenBy(person("ana", { vision: "member" }), mine, "vision")).toBe(mine);
    expect(heldBySeenBy(person("ben", { vision: "member" }), mine, "vision")).toBeNull();
    expect(heldBySeenBy(person("dee", { vision: "admin" }), mine, "vision")).toBe(mine);
    expect(heldBySeenBy(person("ben", {}), null, "vision")).toBeNull();
  });

  it("says when in words people use, with how far ahead", () => {
    const now = new Date(2025, 0, 6, 13, 30).getTime();
    expect(formatWhen(new Date(2025, 0, 6, 14, 5).getTime(), now)).toBe("14:05 (in 35m)");
    expect(formatWhen(new Date(2025, 0, 7, 9, 0).getTime(), now)).toBe("Tue 09:00 (in 19h30m)");
    expect(formatWhen(new Date(2025, 0, 20, 9, 0).getTime(), now)).toMatch(/^2025-01-\d\d 09:00 \(in 331h30m\)$/);
  });
});
