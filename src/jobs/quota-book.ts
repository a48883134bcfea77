import { z } from "zod";
import { formatDuration } from "../core/units.ts";
import type { Subject } from "../identity/policy.ts";
import { plannedEnd, quotaHolds } from "./scheduler/policy.ts";
import { type QuotaHold, holdMessage, teamKey, tidy, userKey } from "./scheduler/quotas.ts";
import { type GpuSpan, QUOTA_WINDOW_MS, gpuSecondsAt, windowFreesAt } from "./scheduler/quota-window.ts";
import type { PolicyConfig, QuotaInput, QuotaLimits, RunningJob, ScheduleInput, ScopeQuota } from "./scheduler/types.ts";

// What the dispatcher knows about quotas: the limits Keepers set (pushed in by the quotas
// module), the GPU time each user and team used in the last 7 days (loaded from the jobs
// table at start, then kept up to date as jobs end), and from both, the policy's quota input
// and the words a held job shows.

/** A quota as the dispatcher needs it: limits and how to name its owner. */
export interface QuotaDefinition {
  limits: QuotaLimits;
  label: string;
}

export interface QuotaDefinitions {
  users: ReadonlyMap<string, QuotaDefinition>;
  teams: ReadonlyMap<string, QuotaDefinition>;
}

/** GPU time of one job that ended, with whose it was. */
export interface UsedSpan extends GpuSpan {
  userId: string;
  teamId: string | null;
}

/** What a user or a team holds and has used, now. */
export interface ScopeUsage {
  gpus: number;
  runningJobs: number;
  /** GPU-seconds in the last 7 days, running jobs counted so far. */
  gpuSeconds: number;
}

export const HeldBySchema = z
  .object({
    quota: z.enum(["gpus", "runningJobs", "gpuHours"]).meta({ description: "GPUs held at once, jobs running at once, or GPU-hours in the last 7 days." }),
    scope: z.object({ kind: z.enum(["user", "team"]), id: z.string(), name: z.string().nullable() }),
    used: z.number().meta({ description: "In the quota's unit: GPUs, jobs or GPU-hours." }),
    limit: z.number(),
    freesAt: z.string().nullable().meta({ description: "When the quota is expected to let the job start, as far as it alone decides; null when unknown or never." }),
    message: z.string(),
  })
  .meta({ id: "HeldBy", description: "For a queued job a quota holds back: which quota, how full it is, and when it frees up." });
export type HeldBy = z.infer<typeof HeldBySchema>;

const EMPTY: QuotaDefinitions = { users: new Map(), teams: new Map() };
// Usage in the window changes by the second; a figure a second old is close enough.
const INPUT_TTL_MS = 1000;

export class QuotaBook {
  #defs: QuotaDefinitions = EMPTY;
  #spans: UsedSpan[] = [];
  #cached: { at: number; running: number; input: QuotaInput | undefined } | null = null;
  #liftTimer: NodeJS.Timeout | null = null;
  #liftAt = Number.POSITIVE_INFINITY;
  readonly #windowMs: number;

  constructor(windowMs = QUOTA_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  get windowMs(): number {
    return this.#windowMs;
  }

  setDefinitions(defs: QuotaDefinitions): void {
    this.#defs = defs;
    this.#cached = null;
  }

  /** Replaces the recorded GPU time (at start, from the jobs table). */
  load(spans: UsedSpan[]): void {
    this.#spans = spans.filter((s) => s.gpus > 0 && s.end > s.start);
    this.#cached = null;
  }

  /** A job that held GPUs ended. */
  record(span: UsedSpan): void {
    if (span.gpus <= 0 || span.end <= span.start) return;
    this.#spans.push(span);
    this.#cached = null;
  }

  /**
   * The policy's quota input as of `now`: each quota, and for those with GPU-hours, what was
   * used and (when used up) until when their GPU jobs wait. Undefined when no quota is set.
   */
  input(now: number, running: RunningJob[], config: PolicyConfig): QuotaInput | undefined {
    const c = this.#cached;
    if (c && now - c.at < INPUT_TTL_MS && now >= c.at && c.running === running.length) return c.input;
    const input = this.#build(now, running, config);
    this.#cached = { at: now, running: running.length, input };
    return input;
  }

  #build(now: number, running: RunningJob[], config: PolicyConfig): QuotaInput | undefined {
    const { users, teams } = this.#defs;
    if (users.size === 0 && teams.size === 0) return undefined;
    this.#prune(now);
    const scope = (def: QuotaDefinition, mine: (s: { userId: string; teamId?: string | null | undefined }) => boolean): ScopeQuota => {
      const q: ScopeQuota = { limits: def.limits, label: def.label };
      const limit = def.limits.gpuSeconds;
      if (limit === undefined) return q;
      const spans: GpuSpan[] = this.#spans.filter(mine);
      for (const r of running) if (mine(r) && r.gpuIndices.length > 0) spans.push({ gpus: r.gpuIndices.length, start: r.startedAt, end: plannedEnd(r, now, config) });
      q.windowUsedS = gpuSecondsAt(spans, now, this.#windowMs);
      if (q.windowUsedS >= limit) q.windowHeldUntil = windowFreesAt(spans, now, limit, this.#windowMs);
      return q;
    };
    const out: QuotaInput = { users: new Map(), teams: new Map() };
    for (const [id, def] of users) (out.users as Map<string, ScopeQuota>).set(id, scope(def, (s) => s.userId === id));
    for (const [id, def] of teams) (out.teams as Map<string, ScopeQuota>).set(id, scope(def, (s) => s.teamId === id));
    return out;
  }

  /** The quotas' limits alone, without usage: enough to tell whether a job could ever run. */
  limits(): QuotaInput | undefined {
    const { users, teams } = this.#defs;
    return users.size === 0 && teams.size === 0 ? undefined : { users, teams };
  }

  /**
   * Calls `wake` when the first used-up GPU-hours quota in `input` is expected to free up:
   * its jobs can start then, and nothing else would wake the dispatcher for them.
   */
  wakeAtLift(input: ScheduleInput, wake: () => void): void {
    let next = Number.POSITIVE_INFINITY;
    for (const q of [...(input.quotas?.users.values() ?? []), ...(input.quotas?.teams.values() ?? [])]) {
      const at = q.windowHeldUntil;
      if (at !== undefined && at > input.now && at < next) next = at;
    }
    if (next === this.#liftAt) return;
    if (this.#liftTimer) clearTimeout(this.#liftTimer);
    this.#liftTimer = null;
    this.#liftAt = next;
    if (!Number.isFinite(next)) return;
    // Timers take at most about 24 days; a later lift is looked at again then.
    this.#liftTimer = setTimeout(
      () => {
        this.#liftTimer = null;
        this.#liftAt = Number.POSITIVE_INFINITY;
        this.#cached = null;
        wake();
      },
      Math.min(next - input.now + 1, 2 ** 31 - 1),
    );
    this.#liftTimer.unref();
  }

  /** What every user and team holds and used, by scope key (userKey, teamKey). */
  usage(now: number, running: RunningJob[]): Map<string, ScopeUsage> {
    this.#prune(now);
    const out = new Map<string, ScopeUsage>();
    const add = (key: string, gpus: number, jobs: number, seconds: number) => {
      const u = out.get(key) ?? { gpus: 0, runningJobs: 0, gpuSeconds: 0 };
      u.gpus += gpus;
      u.runningJobs += jobs;
      u.gpuSeconds += seconds;
      out.set(key, u);
    };
    const both = (s: { userId: string; teamId?: string | null | undefined }, gpus: number, jobs: number, seconds: number) => {
      add(userKey(s.userId), gpus, jobs, seconds);
      if (s.teamId) add(teamKey(s.teamId), gpus, jobs, seconds);
    };
    for (const s of this.#spans) both(s, 0, 0, gpuSecondsAt([s], now, this.#windowMs));
    for (const r of running) both(r, r.gpuIndices.length, 1, gpuSecondsAt([{ gpus: r.gpuIndices.length, start: r.startedAt, end: now }], now, this.#windowMs));
    return out;
  }

  /** Which quota holds each pending job, in words, as of the schedule input. */
  heldBy(input: ScheduleInput): Map<string, HeldBy> {
    const out = new Map<string, HeldBy>();
    for (const [id, hold] of quotaHolds(input)) out.set(id, toHeldBy(hold, input.now));
    return out;
  }

  #prune(now: number): void {
    const from = now - this.#windowMs;
    if (this.#spans.length > 0 && this.#spans.some((s) => s.end <= from)) this.#spans = this.#spans.filter((s) => s.end > from);
  }
}

/**
 * A hold as a viewer may see it. A team's quota is for the team's people to see, a person's
 * limits for them and the admins of the job's team; the numbers count jobs the viewer may not
 * see. Anyone else (reading another team's public job) sees its place in the queue only.
 */
export function heldBySeenBy(viewer: Subject, held: HeldBy | null, jobTeamId: string | null): HeldBy | null {
  if (!held || viewer.role === "admin") return held;
  if (held.scope.kind === "team") return viewer.teams[held.scope.id] !== undefined ? held : null;
  if (held.scope.id === viewer.userId) return held;
  return jobTeamId !== null && viewer.teams[jobTeamId] === "admin" ? held : null;
}

export function toHeldBy(hold: QuotaHold, now: number): HeldBy {
  return {
    quota: hold.quota,
    scope: { kind: hold.scope.kind, id: hold.scope.id, name: hold.scope.label ?? null },
    used: tidy(hold.used),
    limit: tidy(hold.limit),
    freesAt: hold.freesAt === null ? null : new Date(hold.freesAt).toISOString(),
    message: holdMessage(hold, (at) => formatWhen(at, now)),
  };
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const two = (n: number) => String(n).padStart(2, "0");

/**
 * A time ahead as people say it, in the server's time zone, with how far ahead it is:
 * "14:05 (in 35m)" today, "Tue 09:00 (in 2d3h)" within the week, a date beyond.
 */
export function formatWhen(at: number, now: number): string {
  const d = new Date(at);
  const n = new Date(now);
  const clock = `${two(d.getHours())}:${two(d.getMinutes())}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  const day = sameDay ? clock : at - now < 7 * 86_400_000 ? `${WEEKDAYS[d.getDay()]} ${clock}` : `${d.toISOString().slice(0, 10)} ${clock}`;
  const ahead = at - now;
  return ahead > 0 ? `${day} (in ${formatDuration(ahead < 60_000 ? ahead : Math.round(ahead / 60_000) * 60_000)})` : day;
}
