import { formatBytes } from "../../core/units.ts";
import type { ResourceRequest } from "../spec.ts";
import { type QuotaHold, quotasEverAllow, type Scope, scopesOf, teamKey, userKey, waitsForGpuHours, explainHold } from "./quotas.ts";
import type {
  FitVerdict,
  GpuInfo,
  NodeCapacity,
  PendingJob,
  Placement,
  PolicyConfig,
  PolicyWeights,
  QueueForecast,
  RunningJob,
  ScheduleDecision,
  ScheduleInput,
  SchedulerLimits,
} from "./types.ts";
import { parseUsageKey, usageKey } from "./usage-ledger.ts";

// The local pool's scheduling policy: rank the queue, then place jobs in that order with EASY
// backfill. Pure functions of their input, so the server, the property tests and the bench's
// virtual clock all run exactly this code. docs/explanation/scheduling.md explains the why.

/**
 * Tuned on bench/policy.ts. One priority point is worth a day of waiting, more than the whole
 * range of the other terms, so priority dominates; halving a job's expected run time gains it
 * an hour (a 1-minute job is 12 hours ahead of a 3-day one); a user with all recent usage
 * loses 4 hours against one with none.
 */
export const DEFAULT_WEIGHTS: PolicyWeights = { priorityS: 24 * 3600, shortJobS: 3600, fairShareS: 4 * 3600 };

// CPUs may be fractional; sums of fractions are not exact in floating point.
const EPS = 1e-9;

// ---------------------------------------------------------------------------------------------
// GPU matching

const patternCache = new Map<string, RegExp>();

/** Whether a GPU model matches a pattern: case-insensitive, `*` matches anything, the rest literally. */
export function gpuModelMatches(pattern: string, model: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern
      .trim()
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`, "is");
    if (patternCache.size >= 1000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re.test(model.trim());
}

/** Whether a GPU satisfies a request's model pattern and minimum memory. */
export function gpuQualifies(gpu: GpuInfo, req: ResourceRequest): boolean {
  if (req.gpuModel !== undefined && !gpuModelMatches(req.gpuModel, gpu.model)) return false;
  return req.gpuMinMemoryBytes === undefined || gpu.memoryBytes >= req.gpuMinMemoryBytes * (1 - GPU_MEMORY_SLACK);
}

/**
 * Drivers report a little less than a card's nominal memory (an RTX 6000 Ada "48 GB" shows
 * 49140 MiB, not 49152), so asking for 48G must still match it.
 */
export const GPU_MEMORY_SLACK = 0.02;

// ---------------------------------------------------------------------------------------------
// Jobs that can never run

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
/** Memory as a user would write it in a spec, rounded down (8G, 512M). */
const memSpec = (bytes: number) => (bytes >= 1024 ** 3 ? `${Math.floor(bytes / 1024 ** 3)}G` : `${Math.floor(bytes / 1024 ** 2)}M`);
const no = (reason: string, hint: string): FitVerdict => ({ ok: false, reason, hint });

/**
 * Whether some node could hold the job if it were empty (and the per-user GPU limit allows
 * it). When not, says why in words and what to change, so the job is refused at submission
 * instead of waiting forever.
 */
export function canEverFit(req: ResourceRequest, nodes: NodeCapacity[], limits: SchedulerLimits = {}): FitVerdict {
  if (nodes.length === 0) return no("there are no nodes to run jobs on", "Ask an admin to configure at least one node.");
  if (limits.maxRunningJobsPerUser !== undefined && limits.maxRunningJobsPerUser < 1) {
    return no("no user may run any job (the per-user job limit is 0)", "Ask an admin to raise the per-user running job limit.");
  }
  if (limits.maxGpusPerUser !== undefined && req.gpus > limits.maxGpusPerUser) {
    return no(
      `asks for ${plural(req.gpus, "GPU")} but each user may hold at most ${limits.maxGpusPerUser} at once`,
      `Ask for at most ${plural(limits.maxGpusPerUser, "GPU")}, or ask an admin to raise the per-user GPU limit.`,
    );
  }
  if (req.gpus > 0) {
    const all = nodes.flatMap((n) => n.gpus);
    if (all.length === 0) {
      return no(`asks for ${plural(req.gpus, "GPU")} but no node here has a GPU`, "Run it on CPUs: leave out `--gpus` (or set resources.gpus to 0). To try GPU jobs on a machine without GPUs, start Plinth with pretend ones: `PLINTH_EXECUTOR_FAKE_GPUS=2 plinth up` (or executor.fakeGpus: 2 in plinth.yaml). For real GPUs, ask an admin to add a GPU machine.");
    }
    const pattern = req.gpuModel;
    const byModel = pattern === undefined ? all : all.filter((g) => gpuModelMatches(pattern, g.model));
    if (pattern !== undefined && byModel.length === 0) {
      const models = [...new Set(all.map((g) => g.model))];
      const contained = !pattern.includes("*") && models.some((m) => m.toLowerCase().includes(pattern.trim().toLowerCase()));
      return no(
        `no GPU matches model '${pattern}'; GPUs here: ${models.join(", ")}`,
        contained
          ? `Write '*${pattern.trim()}*' to match any model whose name contains '${pattern.trim()}'.`
          : "Ask for one of the models listed (wildcards work, e.g. '*3090*'), or drop resources.gpu.model.",
      );
    }
    const min = req.gpuMinMemoryBytes;
    if (min !== undefined && !byModel.some((g) => g.memoryBytes >= min)) {
      const largest = Math.max(...byModel.map((g) => g.memoryBytes));
      return no(
        `no GPU${pattern === undefined ? "" : ` matching '${pattern}'`} has ${formatBytes(min)} of memory; the largest has ${formatBytes(largest)}`,
        `Lower resources.gpu.minMemory to ${memSpec(largest)} or less.`,
      );
    }
    const most = Math.max(...nodes.map((n) => n.gpus.filter((g) => gpuQualifies(g, req)).length));
    if (most < req.gpus) {
      const constrained = pattern !== undefined || min !== undefined;
      return no(
        `asks for ${plural(req.gpus, "GPU")} but the largest node has ${most}${constrained ? " that qualify" : ""}`,
        `Ask for at most ${plural(most, "GPU")}${constrained ? ", loosen resources.gpu" : ""}, or split the work into jobs that need fewer GPUs each.`,
      );
    }
  }
  const maxCpus = Math.max(...nodes.map((n) => n.cpus));
  if (req.cpus > maxCpus + EPS) {
    return no(`asks for ${plural(req.cpus, "CPU")} but the largest node has ${maxCpus}`, `Ask for at most ${plural(maxCpus, "CPU")}.`);
  }
  const maxMem = Math.max(...nodes.map((n) => n.memoryBytes));
  if (req.memoryBytes > maxMem) {
    return no(
      `asks for ${formatBytes(req.memoryBytes)} of memory but the largest node has ${formatBytes(maxMem)}`,
      `Ask for at most ${memSpec(maxMem)} of memory.`,
    );
  }
  const holds = (n: NodeCapacity) =>
    n.cpus + EPS >= req.cpus && n.memoryBytes >= req.memoryBytes && n.gpus.filter((g) => gpuQualifies(g, req)).length >= req.gpus;
  if (!nodes.some(holds)) {
    const describe = (n: NodeCapacity) => `${n.name}: ${plural(n.gpus.filter((g) => gpuQualifies(g, req)).length, "GPU")}, ${plural(n.cpus, "CPU")}, ${formatBytes(n.memoryBytes)}`;
    return no(
      `no single node has ${plural(req.gpus, "GPU")}, ${plural(req.cpus, "CPU")} and ${formatBytes(req.memoryBytes)} together (${nodes.map(describe).join("; ")})`,
      "Lower the GPUs, CPUs or memory asked for so that one node can hold the whole job.",
    );
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Ranking

function weightsOf(config: PolicyConfig): PolicyWeights {
  const w = config.weights ?? {};
  return {
    priorityS: w.priorityS ?? DEFAULT_WEIGHTS.priorityS,
    shortJobS: w.shortJobS ?? DEFAULT_WEIGHTS.shortJobS,
    fairShareS: w.fairShareS ?? DEFAULT_WEIGHTS.fairShareS,
  };
}

/** The run time the policy plans with: the job's estimate, else the configured default. */
export function expectedDuration(job: PendingJob, config: PolicyConfig): number {
  return job.expectedDurationMs ?? config.defaultDurationMs;
}

/**
 * A job's rank, in seconds of waiting: time waited, plus priority, minus a term that grows
 * with the log of its expected run time (a 1-minute job and a 2-minute one differ as much as
 * 1 hour and 2 hours), minus its fair-share term (see fairShareOf, between 0 and 2). Every
 * term but waiting is bounded, so every job eventually outranks anything submitted after it.
 * Ageing is linear and equal for all jobs, so the order between two waiting jobs never
 * changes as time passes.
 */
export function rankScore(job: PendingJob, now: number, fairShare: number, config: PolicyConfig): number {
  const w = weightsOf(config);
  const minutes = expectedDuration(job, config) / 60_000;
  return w.priorityS * job.priority + (now - job.queuedAt) / 1000 - w.shortJobS * Math.log2(1 + minutes) - w.fairShareS * fairShare;
}

/**
 * Fair share by team, then by person within the team: a job's term is its team's share of
 * all recent usage T, times 1 + (its user's share of the team's usage − the average share of
 * the team's users with usage). Across teams the team's share decides, however many people a
 * team has; within a team, people who used more than their colleagues step back further.
 * Between 0 and 2. With one team (or none) it orders jobs exactly as a per-user share would.
 */
export function fairShareOf(usage: ReadonlyMap<string, number>): (job: Pick<PendingJob, "userId" | "teamId">) => number {
  let total = 0;
  const teams = new Map<string, { total: number; users: number }>();
  for (const [key, v] of usage) {
    if (!(v > 0)) continue;
    total += v;
    const team = parseUsageKey(key).teamId ?? "";
    const t = teams.get(team) ?? { total: 0, users: 0 };
    t.total += v;
    t.users++;
    teams.set(team, t);
  }
  return (job) => {
    const team = teams.get(job.teamId ?? "");
    if (!team || total <= 0) return 0;
    const mine = Math.max(0, usage.get(usageKey(job.teamId, job.userId)) ?? 0) / team.total;
    return (team.total / total) * Math.max(0, 1 + mine - 1 / team.users);
  };
}

/** The pending queue in run order, best first. */
export function rankQueue(input: Pick<ScheduleInput, "now" | "pending" | "usage" | "config">): PendingJob[] {
  const share = fairShareOf(input.usage);
  return input.pending
    .map((job) => ({ job, score: rankScore(job, input.now, share(job), input.config) }))
    .sort((a, b) => b.score - a.score || a.job.queuedAt - b.job.queuedAt || (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0))
    .map((s) => s.job);
}

/**
 * When the policy expects a running job to end. A job past its expected end (or past the
 * default, when it had no estimate) is assumed to run as long again as it has run so far:
 * run times are heavy-tailed, and for such jobs the time still to go grows with the time gone.
 */
export function plannedEnd(job: RunningJob, now: number, config: PolicyConfig): number {
  const end = job.expectedEndAt ?? job.startedAt + config.defaultDurationMs;
  if (end > now) return end;
  return now + Math.max(now - job.startedAt, 1000);
}

// ---------------------------------------------------------------------------------------------
// Placement

interface NodeState {
  cap: NodeCapacity;
  cpus: number;
  mem: number;
  busy: Set<number>;
}

/** Resources a running (or just started) job gives back when it is expected to end. */
interface Release {
  at: number;
  node: string;
  /** The scope keys (user, team) whose counters it frees. */
  keys: string[];
  cpus: number;
  mem: number;
  gpus: number[];
}

/** How many more jobs and GPUs one scope (a user, a team) may hold; Infinity where unlimited. */
interface Room {
  key: string;
  jobs: number;
  gpus: number;
}

/**
 * What the blocked head of the queue holds from time `at`: its GPUs, the CPUs and memory left
 * beside it on its node, and how many more jobs and GPUs each of its scopes (its user, its
 * team) may hold beside it then.
 */
interface Reservation {
  at: number;
  node: string;
  gpus: Set<number>;
  spareCpus: number;
  spareMem: number;
  spare: Room[];
}

interface World {
  now: number;
  config: PolicyConfig;
  quotas: ScheduleInput["quotas"];
  nodes: NodeState[];
  byName: Map<string, NodeState>;
  releases: Release[];
  /** Running jobs and GPUs held, per scope key (userKey, teamKey). */
  scopeJobs: Map<string, number>;
  scopeGpus: Map<string, number>;
}

/** A pending job with the scopes it counts against, worked out once per call. */
interface Queued {
  job: PendingJob;
  scopes: Scope[];
}

function buildWorld(input: ScheduleInput): World {
  const nodes = input.nodes.map((cap) => ({ cap, cpus: cap.cpus, mem: cap.memoryBytes, busy: new Set<number>() }));
  const byName = new Map(nodes.map((n) => [n.cap.name, n]));
  const world: World = { now: input.now, config: input.config, quotas: input.quotas, nodes, byName, releases: [], scopeJobs: new Map(), scopeGpus: new Map() };
  for (const r of input.running) {
    const ns = byName.get(r.node);
    const keys = keysOf(r.userId, r.teamId);
    // A job on a node that is gone still counts against its user's and team's limits.
    bump(world, keys, 1, r.gpuIndices.length);
    if (!ns) continue;
    ns.cpus -= r.cpus;
    ns.mem -= r.memoryBytes;
    for (const g of r.gpuIndices) ns.busy.add(g);
    world.releases.push({ at: plannedEnd(r, input.now, input.config), node: r.node, keys, cpus: r.cpus, mem: r.memoryBytes, gpus: r.gpuIndices });
  }
  return world;
}

const keysOf = (userId: string, teamId: string | null | undefined) => (teamId ? [userKey(userId), teamKey(teamId)] : [userKey(userId)]);

function bump(w: Pick<World, "scopeJobs" | "scopeGpus">, keys: string[], jobs: number, gpus: number): void {
  for (const key of keys) {
    w.scopeJobs.set(key, (w.scopeJobs.get(key) ?? 0) + jobs);
    w.scopeGpus.set(key, (w.scopeGpus.get(key) ?? 0) + gpus);
  }
}

/** Each limited scope's headroom once `job` runs beside what is held in `w`; negative = over a limit. */
function headroom(job: PendingJob, scopes: Scope[], w: Pick<World, "scopeJobs" | "scopeGpus">): Room[] {
  const rooms: Room[] = [];
  for (const s of scopes) {
    const { runningJobs = Number.POSITIVE_INFINITY, gpus = Number.POSITIVE_INFINITY } = s.limits;
    if (runningJobs === Number.POSITIVE_INFINITY && gpus === Number.POSITIVE_INFINITY) continue;
    rooms.push({ key: s.key, jobs: runningJobs - (w.scopeJobs.get(s.key) ?? 0) - 1, gpus: gpus - (w.scopeGpus.get(s.key) ?? 0) - job.resources.gpus });
  }
  return rooms;
}

const roomy = (rooms: Room[]) => rooms.every((r) => r.jobs >= 0 && r.gpus >= 0);

/** roomy(headroom(…)) without building the list, for the hot path. */
function withinLimits(job: PendingJob, scopes: Scope[], w: Pick<World, "scopeJobs" | "scopeGpus">): boolean {
  for (const s of scopes) {
    const { runningJobs, gpus } = s.limits;
    if (runningJobs !== undefined && (w.scopeJobs.get(s.key) ?? 0) + 1 > runningJobs) return false;
    if (gpus !== undefined && (w.scopeGpus.get(s.key) ?? 0) + job.resources.gpus > gpus) return false;
  }
  return true;
}

/** The reservation's headroom a job ending at `end` would share: scopes of both, when it still runs at the reservation. */
const NO_ROOM: Room[] = [];

function sharedRoom(r: Reservation | null, scopes: Scope[], end: number): Room[] {
  if (r === null || end <= r.at) return NO_ROOM;
  return r.spare.filter((room) => scopes.some((s) => s.key === room.key));
}

const fitsRoom = (shared: Room[], job: PendingJob) => shared.every((room) => room.jobs >= 1 && room.gpus >= job.resources.gpus);

/**
 * Where the job fits now, or null. Best fit: the node left with the fewest free GPUs, then
 * the fewest free CPUs, so that big holes stay open for big jobs; on that node, the smallest
 * qualifying GPUs. With `avoid`, the reservation's GPUs and the CPUs and memory it needs are
 * off limits.
 */
function findPlacement(jobId: string, req: ResourceRequest, nodes: NodeState[], avoid?: Reservation): Placement | null {
  let best: { ns: NodeState; fit: GpuInfo[]; gpusLeft: number; cpusLeft: number } | null = null;
  for (const ns of nodes) {
    const reserved = avoid !== undefined && avoid.node === ns.cap.name ? avoid : undefined;
    const cpus = reserved ? Math.min(ns.cpus, reserved.spareCpus) : ns.cpus;
    const mem = reserved ? Math.min(ns.mem, reserved.spareMem) : ns.mem;
    if (cpus + EPS < req.cpus || mem < req.memoryBytes) continue;
    let free = 0;
    const fit: GpuInfo[] = [];
    for (const g of ns.cap.gpus) {
      if (ns.busy.has(g.index) || reserved?.gpus.has(g.index)) continue;
      free++;
      if (req.gpus > 0 && gpuQualifies(g, req)) fit.push(g);
    }
    if (fit.length < req.gpus) continue;
    const gpusLeft = free - req.gpus;
    const cpusLeft = cpus - req.cpus;
    if (!best || gpusLeft < best.gpusLeft || (gpusLeft === best.gpusLeft && cpusLeft < best.cpusLeft)) best = { ns, fit, gpusLeft, cpusLeft };
  }
  if (!best) return null;
  const gpuIndices = best.fit
    .sort((a, b) => a.memoryBytes - b.memoryBytes || a.index - b.index)
    .slice(0, req.gpus)
    .map((g) => g.index);
  return { jobId, node: best.ns.cap.name, gpuIndices };
}

function start(job: PendingJob, p: Placement, w: World): void {
  const ns = w.byName.get(p.node)!;
  const { cpus, memoryBytes } = job.resources;
  const keys = keysOf(job.userId, job.teamId);
  ns.cpus -= cpus;
  ns.mem -= memoryBytes;
  for (const g of p.gpuIndices) ns.busy.add(g);
  bump(w, keys, 1, p.gpuIndices.length);
  w.releases.push({ at: w.now + expectedDuration(job, w.config), node: p.node, keys, cpus, mem: memoryBytes, gpus: p.gpuIndices });
}

function release(r: Release, w: World): void {
  const ns = w.byName.get(r.node);
  if (ns) {
    ns.cpus += r.cpus;
    ns.mem += r.mem;
    for (const g of r.gpus) ns.busy.delete(g);
  }
  bump(w, r.keys, -1, -r.gpus.length);
}

/**
 * The earliest expected time the job fits (resources and its scopes' limits), replaying
 * expected ends in order, and what it would hold then.
 */
function reserve(job: PendingJob, scopes: Scope[], w: World): Reservation | null {
  const nodes = w.nodes.map((n) => ({ cap: n.cap, cpus: n.cpus, mem: n.mem, busy: new Set(n.busy) }));
  const sim: World = { ...w, nodes, byName: new Map(nodes.map((n) => [n.cap.name, n])), scopeJobs: new Map(w.scopeJobs), scopeGpus: new Map(w.scopeGpus) };
  const releases = [...w.releases].sort((a, b) => a.at - b.at);
  for (let i = 0; i < releases.length; i++) {
    release(releases[i]!, sim);
    const at = releases[i]!.at;
    if (i + 1 < releases.length && releases[i + 1]!.at === at) continue;
    const rooms = headroom(job, scopes, sim);
    if (!roomy(rooms)) continue;
    const p = findPlacement(job.id, job.resources, nodes);
    if (p) {
      const ns = sim.byName.get(p.node)!;
      return { at, spare: rooms, node: p.node, gpus: new Set(p.gpuIndices), spareCpus: ns.cpus - job.resources.cpus, spareMem: ns.mem - job.resources.memoryBytes };
    }
  }
  return null;
}

/**
 * One scheduling pass over a ranked queue (EASY backfill). Jobs start in rank order while
 * they can. The first job that cannot start, for lack of resources or because its user or
 * team is at a limit, becomes the head: it gets a reservation at the earliest time both
 * allow. After that a job may start only if it fits now and either is expected to end before
 * the reservation or leaves alone what the head needs then (its GPUs, the CPUs and memory
 * beside it, its user's and team's headroom), so nothing started later delays the head. Other
 * jobs over their limits are passed over and block no one. GPU jobs whose user or team has
 * used up its GPU-hours are passed over too: they wait for old usage to leave the window,
 * which no reservation can speed up. Mutates `w`.
 */
function placePass(queue: Queued[], w: World): Placement[] {
  const starts: Placement[] = [];
  let reservation: Reservation | null = null;
  let headSeen = false;
  for (const { job, scopes } of queue) {
    if (waitsForGpuHours(job, scopes, w.now)) continue;
    const end = w.now + expectedDuration(job, w.config);
    const outlasts = reservation !== null && end > reservation.at;
    const shared = sharedRoom(reservation, scopes, end);
    const p = withinLimits(job, scopes, w) && fitsRoom(shared, job) ? findPlacement(job.id, job.resources, w.nodes, outlasts ? reservation! : undefined) : null;
    if (p) {
      start(job, p, w);
      starts.push(p);
      for (const room of shared) {
        room.jobs -= 1;
        room.gpus -= job.resources.gpus;
      }
      if (outlasts && p.node === reservation!.node) {
        reservation!.spareCpus -= job.resources.cpus;
        reservation!.spareMem -= job.resources.memoryBytes;
      }
    } else if (!headSeen) {
      headSeen = true;
      reservation = reserve(job, scopes, w);
    }
  }
  return starts;
}

/**
 * The ranked jobs that anything could ever start (some node holds them, and no limit or quota
 * is below what they ask), with their scopes.
 */
function runnable(ranked: PendingJob[], input: Pick<ScheduleInput, "nodes" | "config" | "quotas">): Queued[] {
  const out: Queued[] = [];
  // Jobs of one person in one team share their scopes.
  const shared = new Map<string, Scope[]>();
  for (const job of ranked) {
    if (!canEverFit(job.resources, input.nodes, input.config).ok || !quotasEverAllow(job, input.config, input.quotas).ok) continue;
    const key = usageKey(job.teamId, job.userId);
    let scopes = shared.get(key);
    if (!scopes) {
      scopes = scopesOf(job, input.config, input.quotas);
      shared.set(key, scopes);
    }
    out.push({ job, scopes });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Which jobs to start now, and the queue's run order. */
export function schedule(input: ScheduleInput): ScheduleDecision {
  const ranked = rankQueue(input);
  return { start: placePass(runnable(ranked, input), buildWorld(input)), order: ranked.map((j) => j.id) };
}

/**
 * Position and expected start of every pending job: the policy run forward on expected run
 * times, with no new arrivals. Jobs that can never fit get null. Each step ends at least one
 * job or lifts one GPU-hours hold, so the work is bounded by (running + pending + scopes)
 * passes over the queue.
 */
export function forecast(input: ScheduleInput): QueueForecast[] {
  const ranked = rankQueue(input);
  const w = buildWorld(input);
  const startAt = new Map<string, number>();
  // When used-up GPU-hours are expected to free up: the forecast steps to those times too.
  const lifts: number[] = [];
  for (const q of [...(input.quotas?.users.values() ?? []), ...(input.quotas?.teams.values() ?? [])]) {
    const until = q.windowHeldUntil;
    if (until !== undefined && until > input.now && Number.isFinite(until)) lifts.push(until);
  }
  // Ranks do not change as time passes (see rankScore), so one sort serves the whole run.
  let queue = runnable(ranked, input);
  for (;;) {
    const started = placePass(queue, w);
    for (const p of started) startAt.set(p.jobId, w.now);
    if (started.length > 0) queue = queue.filter((q) => !startAt.has(q.job.id));
    let next = Number.POSITIVE_INFINITY;
    for (const r of w.releases) next = Math.min(next, r.at);
    for (const at of lifts) if (at > w.now) next = Math.min(next, at);
    if (queue.length === 0 || next === Number.POSITIVE_INFINITY) break;
    w.now = Math.max(w.now, next);
    w.releases = w.releases.filter((r) => {
      if (r.at > next) return true;
      release(r, w);
      return false;
    });
  }
  return ranked.map((j, i) => ({ jobId: j.id, position: i + 1, expectedStartAt: startAt.get(j.id) ?? null }));
}

/** For each pending job a quota holds now, which quota and until when (see explainHold). */
export function quotaHolds(input: ScheduleInput): Map<string, QuotaHold> {
  const out = new Map<string, QuotaHold>();
  for (const job of input.pending) {
    const hold = explainHold(job, input, (r) => plannedEnd(r, input.now, input.config));
    if (hold) out.set(job.id, hold);
  }
  return out;
}
