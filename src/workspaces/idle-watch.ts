import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { WorkspaceService } from "./service.ts";
import type { WorkspaceRow } from "./store.ts";

// The idle stop. A workspace is in use while a connection carries bytes (the proxy and the
// SSH tunnel note it) or while any of its GPUs is busy; after most of its idle stop unused
// its owner is warned (idle_warned, shown in the portal), after all of it it is stopped and
// its GPUs go back to the queue. Scheduled stops and lifetimes end it whatever its use.

export interface IdleWatchDeps {
  workspaces: WorkspaceService;
  clock: Clock;
  logger: Logger;
  /** Its job's GPUs' utilisation now, in percent (null where the driver does not tell). */
  gpuUtilization(jobId: string): Promise<Array<number | null>>;
  everyMs: number;
}

/** How long before the idle stop its owner is warned: a quarter of it, at most 15 minutes. */
export function warnAheadMs(idleStopMs: number): number {
  return Math.min(15 * 60_000, Math.floor(idleStopMs / 4));
}

export type IdleVerdict = { do: "stop"; reason: "idle" | "schedule" | "lifetime" } | { do: "warn" } | { do: "clear" } | { do: "nothing" };

/** What to do with a running workspace now; pure, for the tests. */
export function judge(row: Pick<WorkspaceRow, "state" | "last_active_at" | "started_at" | "stop_at">, now: number, idleStopMs: number, lifetimeEnd: boolean): IdleVerdict {
  if (row.stop_at !== null && now >= row.stop_at) return { do: "stop", reason: lifetimeEnd ? "lifetime" : "schedule" };
  const since = row.last_active_at ?? row.started_at ?? now;
  const idle = now - since;
  if (idle >= idleStopMs) return { do: "stop", reason: "idle" };
  const warnAt = idleStopMs - warnAheadMs(idleStopMs);
  if (idle >= warnAt && row.state === "running") return { do: "warn" };
  if (idle < warnAt && row.state === "idle_warned") return { do: "clear" };
  return { do: "nothing" };
}

export class IdleWatch {
  readonly #d: IdleWatchDeps;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;

  constructor(deps: IdleWatchDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#timer = setInterval(() => void this.round(), this.#d.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One look at every running workspace. */
  async round(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const rows = await this.#d.workspaces.store.inStates(["running", "idle_warned"]);
      for (const row of rows) await this.#look(row).catch((err) => this.#d.logger.warn({ err, workspace: row.id }, "workspace idle watch failed"));
    } finally {
      this.#busy = false;
    }
  }

  async #look(row: WorkspaceRow): Promise<void> {
    const now = this.#d.clock.now();
    if (row.job_id) {
      const readings = await this.#d.gpuUtilization(row.job_id);
      if (readings.some((u) => u !== null && u >= this.#d.workspaces.settings.gpuBusyPercent)) {
        this.#d.workspaces.noteActivity(row);
        row.last_active_at = now;
      }
    }
    const appSaw = await this.#d.workspaces.appLastActivity(row);
    if (appSaw !== null) await this.#d.workspaces.noteActivityAt(row, Math.min(appSaw, now));
    const idleStopMs = await this.#d.workspaces.idleStopMs(row);
    const spec = JSON.parse(row.spec) as { stopAt?: string };
    const scheduled = spec.stopAt ? Date.parse(spec.stopAt) : null;
    const verdict = judge(row, now, idleStopMs, row.stop_at !== scheduled);
    if (verdict.do === "stop") {
      const detail = verdict.reason === "idle" ? `stopped after ${minutes(idleStopMs)} unused` : verdict.reason === "schedule" ? "stopped at its scheduled time" : "stopped at the end of its lifetime";
      await this.#d.workspaces.stopFor(row, verdict.reason, detail);
    } else if (verdict.do === "warn") {
      await this.#d.workspaces.mark(row, "idle_warned", `unused; stops in ${minutes(warnAheadMs(idleStopMs))} unless used`);
    } else if (verdict.do === "clear") {
      await this.#d.workspaces.mark(row, "running", "used again");
    }
  }
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 120 && m % 60 === 0 ? `${m / 60} h` : m >= 1 ? `${m} min` : `${Math.round(ms / 1000)} s`;
}
