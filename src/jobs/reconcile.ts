import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { ExitInfo, Executor, LaunchRequest } from "./executors/executor.ts";
import { type Retries, retryIdFor } from "./retries.ts";
import type { Allocation, RuntimeState } from "./runtime-state.ts";
import type { PendingJob } from "./scheduler/types.ts";
import type { NormalizedJob } from "./spec.ts";
import type { JobPatch, JobRow, JobStore } from "./store.ts";

/** What re-attaching to jobs after a restart needs from the job service. */
export interface ReconcileContext {
  store: JobStore;
  executor: Executor;
  clock: Clock;
  logger: Logger;
  cancelGraceMs: number;
  state: RuntimeState;
  retries: Retries;
  accountOf(userId: string): Promise<string | null>;
  launchRequest(id: string, job: NormalizedJob, allocation: Allocation, runAs: string | null): LaunchRequest;
  /** Where the executor reports the end of a process it re-attached to. */
  handleExit(id: string, info: ExitInfo): void;
  /** Records an end the executor found while re-attaching. */
  onExit(id: string, info: ExitInfo): Promise<void>;
  pendingOf(row: JobRow): Promise<PendingJob>;
  changed(row: Pick<JobRow, "id" | "state" | "user_id">): void;
  armTimeout(id: string, userId: string, startedAt: number, timeoutMs: number | null): void;
  /** A job's process was found running again (its run's system metrics go on, it holds its environment again). */
  resumed(id: string, job: NormalizedJob): void;
}

/** After a restart: re-attach to a job's process, record how it ended, or mark it lost. */
export async function reconcile(ctx: ReconcileContext, row: JobRow): Promise<void> {
  const gpus = row.gpu_assignment ? (JSON.parse(row.gpu_assignment) as Allocation["gpus"]) : [];
  const job = JSON.parse(row.normalized) as NormalizedJob;
  const allocation: Allocation = {
    id: row.id,
    userId: row.user_id,
    teamId: row.team_id,
    node: row.node ?? ctx.state.nodes[0]?.name ?? "local",
    cpus: row.cpus,
    memoryBytes: row.memory_bytes,
    gpuIndices: gpus.map((g) => g.index),
    gpus,
    startedAt: row.started_at ?? row.created_at,
    expectedEndAt: null,
  };
  const req = ctx.launchRequest(row.id, job, allocation, await ctx.accountOf(row.user_id));
  const stored = row.pid !== null && row.pid_start_time !== null ? { pid: row.pid, startTime: row.pid_start_time } : null;
  const outcome = await ctx.executor.reattach(req, stored, (info) => ctx.handleExit(row.id, info));
  if (outcome === "not-started") {
    // The crash came before its process was made, and nothing will make it now: it waits its turn again.
    if (row.state === "starting" && (await ctx.store.transition(row.id, "starting", "queued", ctx.clock.now(), { node: null, gpu_assignment: null }, { notStarted: true }))) {
      ctx.state.pending.set(row.id, await ctx.pendingOf(row));
      ctx.changed({ ...row, state: "queued" });
    }
    if (row.state === "starting") return;
  } else if (typeof outcome === "object" && "running" in outcome) {
    ctx.state.allocations.set(row.id, allocation);
    const { pid, startTime } = outcome.running;
    if (row.state === "cancelled" || row.state === "timed_out") {
      if (row.pid === null) await ctx.store.patch(row.id, { pid, pid_start_time: startTime });
      await ctx.executor.cancel(row.id, ctx.cancelGraceMs);
      return;
    }
    if (row.state === "running") ctx.armTimeout(row.id, row.user_id, allocation.startedAt, job.timeoutMs);
    else {
      const now = ctx.clock.now();
      allocation.startedAt = now;
      await ctx.store.transition(row.id, "starting", "running", now, { started_at: now, pid, pid_start_time: startTime }, { reattached: true, pid });
      ctx.armTimeout(row.id, row.user_id, now, job.timeoutMs);
    }
    ctx.logger.info({ jobId: row.id, pid }, "re-attached to a running job");
    ctx.resumed(row.id, job);
    return;
  } else if (outcome !== "gone") {
    await ctx.onExit(row.id, outcome);
    return;
  }
  if (row.state === "cancelled" || row.state === "timed_out") return;
  const now = ctx.clock.now();
  const patch: JobPatch = {
    finished_at: now,
    reason: "lost",
    message: "The server stopped while the job was running, and its process was gone when it came back.",
    hint: job.retry.on.includes("lost") && row.attempt <= job.retry.count ? "It is being retried automatically." : "Run it again with `plinth jobs retry`; add `retries: 1` to retry lost jobs automatically.",
    retried_by: retryIdFor(row, "lost", now),
  };
  if (await ctx.store.transition(row.id, row.state, "lost", now, patch, null)) {
    const lost = { ...row, ...patch, state: "lost" as const };
    ctx.changed(lost);
    await ctx.retries.maybeRetry(lost);
  }
}
