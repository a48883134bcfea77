import type { FitVerdict, PendingJob, PolicyConfig, QuotaInput, QuotaLimits, RunningJob, ScopeQuota } from "./types.ts";

// Quotas as the policy sees them. A job counts against two scopes: its owner (a quota set for
// them, else the platform-wide per-user defaults from config) and its team (when the team has
// a quota). Each scope may cap GPUs held at once, jobs running at once, and GPU-hours used in
// a rolling 7-day window. Pure functions of their input, like the rest of the policy.

export type QuotaKind = "gpus" | "runningJobs" | "gpuHours";
export type ScopeKind = "user" | "team";

export interface Scope {
  /** "u:<userId>" or "t:<teamId>": the key of its counters. */
  key: string;
  kind: ScopeKind;
  id: string;
  /** How messages name it ("team vision", "ana"); undefined for a user without a quota of their own. */
  label: string | undefined;
  /** Whether the limits come from a quota a Keeper set (else from the per-user defaults in config). */
  fromQuota: boolean;
  limits: QuotaLimits;
  windowUsedS: number;
  /** Until when its GPU jobs wait for GPU-hours; -Infinity when they do not. */
  windowHeldUntil: number;
}

export const userKey = (userId: string) => `u:${userId}`;
export const teamKey = (teamId: string) => `t:${teamId}`;

function scope(kind: ScopeKind, id: string, q: ScopeQuota | undefined, limits: QuotaLimits): Scope {
  return {
    key: kind === "user" ? userKey(id) : teamKey(id),
    kind,
    id,
    label: q?.label,
    fromQuota: q !== undefined,
    limits,
    windowUsedS: q?.windowUsedS ?? 0,
    windowHeldUntil: q?.windowHeldUntil ?? Number.NEGATIVE_INFINITY,
  };
}

const NO_SCOPES: Scope[] = [];

/**
 * The limited scopes a job counts against: its owner, when a quota or a per-user default
 * applies, and its team, when the team has a quota.
 */
export function scopesOf(job: Pick<PendingJob, "userId" | "teamId">, config: PolicyConfig, quotas: QuotaInput | undefined): Scope[] {
  if (!quotas && config.maxGpusPerUser === undefined && config.maxRunningJobsPerUser === undefined) return NO_SCOPES;
  const uq = quotas?.users.get(job.userId);
  const limits: QuotaLimits = {};
  const gpus = uq?.limits.gpus ?? config.maxGpusPerUser;
  const jobs = uq?.limits.runningJobs ?? config.maxRunningJobsPerUser;
  if (gpus !== undefined) limits.gpus = gpus;
  if (jobs !== undefined) limits.runningJobs = jobs;
  if (uq?.limits.gpuSeconds !== undefined) limits.gpuSeconds = uq.limits.gpuSeconds;
  const out = uq || limits.gpus !== undefined || limits.runningJobs !== undefined ? [scope("user", job.userId, uq, limits)] : [];
  const tq = job.teamId ? quotas?.teams.get(job.teamId) : undefined;
  if (tq && job.teamId) out.push(scope("team", job.teamId, tq, tq.limits));
  return out;
}

/** Whether the job waits for GPU-hours at time `now`: a GPU job whose scope used its GPU-hours up. */
export function waitsForGpuHours(job: PendingJob, scopes: Scope[], now: number): boolean {
  if (job.resources.gpus === 0) return false;
  for (const s of scopes) if (now < s.windowHeldUntil) return true;
  return false;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function whose(s: Scope): string {
  if (s.kind === "team") return `team ${s.label ?? s.id}`;
  return s.label ?? "its owner";
}

/**
 * Whether the job's quotas could ever let it run (a job above a quota would wait for ever);
 * the config defaults are checked by canEverFit. Says which quota and what to change.
 */
export function quotasEverAllow(job: Pick<PendingJob, "userId" | "teamId" | "resources">, config: PolicyConfig, quotas: QuotaInput | undefined): FitVerdict {
  if (!quotas) return { ok: true };
  for (const s of scopesOf(job, config, quotas)) {
    if (!s.fromQuota) continue;
    const { gpus, runningJobs, gpuSeconds } = s.limits;
    const ask = "or ask a Keeper to raise it (`plinth quotas set`).";
    if (runningJobs !== undefined && runningJobs < 1) {
      return { ok: false, reason: `${whose(s)} may run no jobs at all (a running-jobs quota of 0)`, hint: `Ask a Keeper to raise ${whose(s)}'s quota (\`plinth quotas set\`).` };
    }
    if (gpus !== undefined && job.resources.gpus > gpus) {
      return { ok: false, reason: `asks for ${plural(job.resources.gpus, "GPU")} but ${whose(s)} may hold at most ${gpus} at once (a GPU quota)`, hint: `Ask for at most ${plural(gpus, "GPU")}, ${ask}` };
    }
    if (gpuSeconds !== undefined && gpuSeconds <= 0 && job.resources.gpus > 0) {
      return { ok: false, reason: `${whose(s)} has a GPU-hours quota of 0, so no GPU job of theirs can start`, hint: `Run it on CPUs (no GPUs), ${ask}` };
    }
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Why a job waits: which quota holds it, and when that quota frees up.

export interface QuotaHold {
  quota: QuotaKind;
  scope: { kind: ScopeKind; id: string; label: string | undefined; fromQuota: boolean };
  /** In the quota's unit: GPUs, jobs, or GPU-hours. */
  used: number;
  limit: number;
  /** When the job fits this quota again (ms), as expected now; null when unknown or never. */
  freesAt: number | null;
  /** For GPUs and jobs: how many of the scope's running jobs must end first. */
  jobsToEnd: number;
}

/**
 * Which of the job's quotas stops it from starting now, given what runs now; null when none
 * does (it may still wait for GPUs, CPUs or memory). Of several, the one that frees last.
 * `plannedEnd` says when each running job is expected to end (the policy's plannedEnd).
 */
export function explainHold(
  job: PendingJob,
  input: { now: number; running: RunningJob[]; config: PolicyConfig; quotas?: QuotaInput | undefined },
  plannedEnd: (r: RunningJob) => number,
): QuotaHold | null {
  const holds: QuotaHold[] = [];
  for (const s of scopesOf(job, input.config, input.quotas)) {
    const mine = input.running.filter((r) => (s.kind === "user" ? r.userId === s.id : r.teamId === s.id));
    const base = { kind: s.kind, id: s.id, label: s.label, fromQuota: s.fromQuota };
    if (job.resources.gpus > 0 && input.now < s.windowHeldUntil && s.limits.gpuSeconds !== undefined) {
      const freesAt = Number.isFinite(s.windowHeldUntil) ? s.windowHeldUntil : null;
      holds.push({ quota: "gpuHours", scope: base, used: s.windowUsedS / 3600, limit: s.limits.gpuSeconds / 3600, freesAt, jobsToEnd: 0 });
    }
    const counted: Array<[QuotaKind, number | undefined, (r: RunningJob) => number, number]> = [
      ["gpus", s.limits.gpus, (r) => r.gpuIndices.length, job.resources.gpus],
      ["runningJobs", s.limits.runningJobs, () => 1, 1],
    ];
    for (const [quota, limit, weight, need] of counted) {
      if (limit === undefined || need === 0) continue;
      const used = mine.reduce((sum, r) => sum + weight(r), 0);
      let excess = used + need - limit;
      if (excess <= 0) continue;
      if (need > limit) {
        holds.push({ quota, scope: base, used, limit, freesAt: null, jobsToEnd: 0 });
        continue;
      }
      const ends = mine.filter((r) => weight(r) > 0).map((r) => ({ at: plannedEnd(r), w: weight(r) }));
      ends.sort((a, b) => a.at - b.at);
      let freesAt: number | null = null;
      let jobsToEnd = 0;
      for (const e of ends) {
        excess -= e.w;
        jobsToEnd++;
        if (excess <= 0) {
          freesAt = e.at;
          break;
        }
      }
      holds.push({ quota, scope: base, used, limit, freesAt, jobsToEnd });
    }
  }
  if (holds.length === 0) return null;
  const late = (h: QuotaHold) => h.freesAt ?? Number.POSITIVE_INFINITY;
  return holds.reduce((a, b) => (late(b) > late(a) ? b : a));
}

const UNIT: Record<QuotaKind, string> = { gpus: "GPU", runningJobs: "running job", gpuHours: "GPU-hour" };
const NAME: Record<QuotaKind, string> = { gpus: "GPU", runningJobs: "running-jobs", gpuHours: "GPU-hours" };

/** An amount as people read it: whole from 100 on, three significant digits below (0.0019, 12.5). */
export function tidy(n: number): number {
  return n >= 100 ? Math.round(n) : Number(n.toPrecision(3));
}

/**
 * The sentence a held job shows. `when` renders a time ("14:05", "Tue 09:00"). Examples:
 * "held by team vision's GPU quota (4 of 4 GPUs in use); frees when one of its jobs ends — the
 * earliest expected at 14:05", "held by team vision's GPU-hours quota: it used 200 of 200
 * GPU-hours in the last 7 days; frees at Tue 09:00 as older usage leaves the 7-day window".
 */
export function holdMessage(h: QuotaHold, when: (ms: number) => string): string {
  const owner = h.scope.kind === "team" ? `team ${h.scope.label ?? h.scope.id}` : (h.scope.label ?? "its owner");
  const holder = h.scope.fromQuota ? `${owner}'s ${NAME[h.quota]} quota` : `the per-person ${NAME[h.quota]} limit`;
  if (h.quota === "gpuHours") {
    const free = h.freesAt === null ? "it does not free up by itself; a Keeper can raise it" : `frees at ${when(h.freesAt)} as older usage leaves the 7-day window`;
    return `held by ${holder}: ${owner} used ${tidy(h.used)} of ${plural(tidy(h.limit), UNIT.gpuHours)} in the last 7 days; ${free}`;
  }
  const inUse = h.quota === "gpus" ? `${h.used} of ${plural(h.limit, "GPU")} in use` : `${h.used} of ${plural(h.limit, "job")} running`;
  const its = h.scope.kind === "team" ? "its" : h.scope.fromQuota ? `${owner}'s` : "the owner's";
  let free: string;
  if (h.freesAt === null) free = "it cannot start while this quota stays as it is";
  else if (h.jobsToEnd <= 1) free = `frees when one of ${its} jobs ends — the earliest expected at ${when(h.freesAt)}`;
  else free = `frees when ${h.jobsToEnd} of ${its} jobs have ended — expected at ${when(h.freesAt)}`;
  return `held by ${holder} (${inUse}); ${free}`;
}
