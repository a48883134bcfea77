import type { GpuInfo, NodeCapacity, PendingJob, RunningJob } from "./scheduler/types.ts";

// What the dispatcher keeps in memory: the queue, what holds resources right now, and
// per-job timers. The database is the record; this is rebuilt from it on start.

export interface Allocation extends RunningJob {
  gpus: GpuInfo[];
}

export class RuntimeState {
  nodes: NodeCapacity[] = [];
  readonly pending = new Map<string, PendingJob>();
  /** Jobs whose processes hold resources; freed when the process is gone, not when the state changes. */
  readonly allocations = new Map<string, Allocation>();
  readonly timeouts = new Map<string, NodeJS.Timeout>();
  /** Launches in flight; an exit waits for its launch to be recorded first. */
  readonly launches = new Map<string, Promise<void>>();

  clearTimeout(jobId: string): void {
    const t = this.timeouts.get(jobId);
    if (t) clearTimeout(t);
    this.timeouts.delete(jobId);
  }
}
