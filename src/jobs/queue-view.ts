import type { Clock } from "../core/clock.ts";
import type { Subject } from "../identity/policy.ts";
import { type HeldBy, heldBySeenBy, type QuotaBook } from "./quota-book.ts";
import { forecast } from "./scheduler/policy.ts";
import { teamKey, userKey } from "./scheduler/quotas.ts";
import type { QueueForecast, ScheduleInput } from "./scheduler/types.ts";
import type { JobRow } from "./store.ts";
import type { JobView } from "./view.ts";

/** The queue as readers see it: positions, expected starts, and which quota holds a job back. */
export class QueueView {
  readonly #clock: Clock;
  readonly #quotas: QuotaBook;
  readonly #scheduleInput: () => ScheduleInput;
  #cache: { at: number; byId: Map<string, QueueForecast>; held: Map<string, HeldBy> } | null = null;

  constructor(clock: Clock, quotas: QuotaBook, scheduleInput: () => ScheduleInput) {
    this.#clock = clock;
    this.#quotas = quotas;
    this.#scheduleInput = scheduleInput;
  }

  /** Drops the cached forecast, so the next read works it out afresh. */
  forget(): void {
    this.#cache = null;
  }

  /** Forecasts are estimates: one computed in the last second serves, unless it lacks the job asked about. */
  forecast(jobId?: string): Map<string, QueueForecast> {
    const now = this.#clock.now();
    const cached = this.#cache;
    if (cached && now - cached.at < 1000 && (jobId === undefined || cached.byId.has(jobId))) return cached.byId;
    const input = this.#scheduleInput();
    const byId = new Map(forecast(input).map((f) => [f.jobId, f]));
    this.#cache = { at: now, byId, held: this.#quotas.heldBy(input) };
    return byId;
  }

  /** How many queued jobs each quota holds back, by scope key. */
  heldByScope(): Map<string, number> {
    this.forecast();
    const counts = new Map<string, number>();
    for (const h of this.#cache!.held.values()) {
      const key = h.scope.kind === "user" ? userKey(h.scope.id) : teamKey(h.scope.id);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Which quota holds a queued job back, in words, as the viewer may see it; null when none does. */
  heldBy(row: JobRow, viewer: Subject): HeldBy | null {
    if (row.state !== "queued") return null;
    this.forecast(row.id);
    return heldBySeenBy(viewer, this.#cache?.held.get(row.id) ?? null, row.team_id);
  }

  /** A queued job's place in the queue and when it is expected to start; null for any other job. */
  queueInfo(row: JobRow): JobView["queue"] {
    if (row.state !== "queued") return null;
    const f = this.forecast(row.id).get(row.id);
    return f ? { position: f.position, expectedStartAt: f.expectedStartAt === null ? null : new Date(f.expectedStartAt).toISOString() } : null;
  }
}
