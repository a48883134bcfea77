import { gpuQualifies } from "../../src/jobs/scheduler/policy.ts";
import type { NodeCapacity, PendingJob, Placement, PolicyConfig, RunningJob, ScheduleInput } from "../../src/jobs/scheduler/types.ts";
import { UsageLedger, usageAmount } from "../../src/jobs/scheduler/usage-ledger.ts";
import type { ResourceRequest } from "../../src/jobs/spec.ts";

// A small discrete-event simulator: jobs arrive and finish on a virtual clock, and after every
// batch of events a scheduler decides what to start, exactly as the server calls the policy.
// Nothing sleeps, so ten thousand jobs spanning weeks replay in seconds.

export interface TraceJob {
  id: string;
  userId: string;
  name: string;
  priority: number;
  submitAt: number;
  /** How long the job really runs. The scheduler never sees this. */
  durationMs: number;
  /** What the scheduler is told (a user's estimate or history), or null. */
  estimateMs: number | null;
  resources: ResourceRequest;
}

export interface JobOutcome {
  id: string;
  submitAt: number;
  startAt: number;
  endAt: number;
}

export interface SimResult {
  jobs: JobOutcome[];
  /** GPU-milliseconds actually used, for utilisation. */
  gpuBusyMs: number;
  /** Time from the first submission to the last completion. */
  spanMs: number;
  schedulerCalls: number;
}

export type Scheduler = (input: ScheduleInput) => Placement[];

/** Seeded PRNG (mulberry32): the same seed gives the same trace on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviate (Box–Muller). */
export function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Min-heap of running jobs by their true end time. */
class EndHeap {
  items: { at: number; id: string }[] = [];
  push(item: { at: number; id: string }): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= a[i]!.at) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  peek(): { at: number; id: string } | undefined {
    return this.items[0];
  }
  pop(): { at: number; id: string } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.at < a[m]!.at) m = l;
        if (r < a.length && a[r]!.at < a[m]!.at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Replays `trace` (sorted by submitAt) against `scheduler`. Usage of running jobs is credited
 * to the fair-share ledger at every scheduling pass, as the server does. Throws if the
 * scheduler ever hands out more than a node has.
 */
export function simulate(trace: TraceJob[], nodes: NodeCapacity[], config: PolicyConfig, scheduler: Scheduler): SimResult {
  const byId = new Map(trace.map((j) => [j.id, j]));
  const pending = new Map<string, PendingJob>();
  const running = new Map<string, RunningJob>();
  const outcomes = new Map<string, JobOutcome>();
  const ends = new EndHeap();
  const ledger = new UsageLedger(config.fairShareHalfLifeMs);
  const free = new Map(nodes.map((n) => [n.name, { cpus: n.cpus, mem: n.memoryBytes, gpus: new Set<number>() }]));
  let accountedTo = trace[0]?.submitAt ?? 0;
  let next = 0;
  let gpuBusyMs = 0;
  let calls = 0;
  let now = accountedTo;

  while (next < trace.length || ends.peek()) {
    now = Math.min(trace[next]?.submitAt ?? Number.POSITIVE_INFINITY, ends.peek()?.at ?? Number.POSITIVE_INFINITY);
    // Credit usage of everything that ran since the last pass, then let finished jobs go.
    for (const r of running.values()) {
      ledger.record(r.userId, usageAmount({ gpus: r.gpuIndices.length, cpus: r.cpus }, now - Math.max(r.startedAt, accountedTo)), now);
    }
    accountedTo = now;
    while (ends.peek() && ends.peek()!.at <= now) {
      const { id } = ends.pop()!;
      const r = running.get(id)!;
      running.delete(id);
      const f = free.get(r.node)!;
      f.cpus += r.cpus;
      f.mem += r.memoryBytes;
      for (const g of r.gpuIndices) f.gpus.delete(g);
    }
    while (next < trace.length && trace[next]!.submitAt <= now) {
      const j = trace[next++]!;
      pending.set(j.id, { id: j.id, userId: j.userId, name: j.name, priority: j.priority, queuedAt: j.submitAt, expectedDurationMs: j.estimateMs, resources: j.resources });
    }
    if (pending.size === 0) continue;
    calls++;
    const starts = scheduler({ now, nodes, running: [...running.values()], pending: [...pending.values()], usage: ledger.usageAt(now), config });
    for (const p of starts) {
      const job = byId.get(p.jobId)!;
      const f = free.get(p.node)!;
      const { cpus, memoryBytes } = job.resources;
      if (!pending.has(p.jobId) || f.cpus + 1e-9 < cpus || f.mem < memoryBytes || p.gpuIndices.length !== job.resources.gpus || p.gpuIndices.some((g) => f.gpus.has(g))) {
        throw new Error(`scheduler over-allocated ${p.node} with ${p.jobId}`);
      }
      f.cpus -= cpus;
      f.mem -= memoryBytes;
      for (const g of p.gpuIndices) f.gpus.add(g);
      pending.delete(p.jobId);
      const expectedEndAt = job.estimateMs === null ? null : now + job.estimateMs;
      running.set(p.jobId, { id: p.jobId, userId: job.userId, node: p.node, cpus, memoryBytes, gpuIndices: p.gpuIndices, startedAt: now, expectedEndAt });
      ends.push({ at: now + job.durationMs, id: p.jobId });
      outcomes.set(p.jobId, { id: p.jobId, submitAt: job.submitAt, startAt: now, endAt: now + job.durationMs });
      gpuBusyMs += job.resources.gpus * job.durationMs;
    }
  }
  if (outcomes.size !== trace.length) throw new Error(`${trace.length - outcomes.size} jobs never ran`);
  return { jobs: [...outcomes.values()], gpuBusyMs, spanMs: now - (trace[0]?.submitAt ?? 0), schedulerCalls: calls };
}

/**
 * Strict first-come-first-served, the baseline: start jobs in submission order while the
 * oldest fits; when it does not, nothing behind it starts. First node and lowest GPU indices
 * that fit.
 */
export function fifo(input: ScheduleInput): Placement[] {
  const free = new Map(input.nodes.map((n) => [n.name, { cpus: n.cpus, mem: n.memoryBytes, gpus: new Set<number>() }]));
  for (const r of input.running) {
    const f = free.get(r.node)!;
    f.cpus -= r.cpus;
    f.mem -= r.memoryBytes;
    for (const g of r.gpuIndices) f.gpus.add(g);
  }
  const out: Placement[] = [];
  // simulate() hands pending jobs over in submission order already.
  for (const job of input.pending) {
    let placed: Placement | null = null;
    for (const n of input.nodes) {
      const f = free.get(n.name)!;
      if (f.cpus + 1e-9 < job.resources.cpus || f.mem < job.resources.memoryBytes) continue;
      const gpus = n.gpus.filter((g) => !f.gpus.has(g.index) && gpuQualifies(g, job.resources)).map((g) => g.index);
      if (gpus.length < job.resources.gpus) continue;
      placed = { jobId: job.id, node: n.name, gpuIndices: gpus.slice(0, job.resources.gpus) };
      f.cpus -= job.resources.cpus;
      f.mem -= job.resources.memoryBytes;
      for (const g of placed.gpuIndices) f.gpus.add(g);
      break;
    }
    if (!placed) break;
    out.push(placed);
  }
  return out;
}
