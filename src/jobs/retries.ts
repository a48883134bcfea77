import type { Logger } from "pino";
import { newId } from "../core/ids.ts";
import type { Principal } from "../identity/service.ts";
import type { FailureReason, NormalizedJob } from "./spec.ts";
import type { JobRow, JobStore } from "./store.ts";

/** The id the automatic retry of a job ending for `reason` will have, or null when its policy says no. */
export function retryIdFor(row: JobRow, reason: string | null, now: number): string | null {
  if (!reason || reason === "cancelled") return null;
  const job = JSON.parse(row.normalized) as NormalizedJob;
  if (row.attempt > job.retry.count || !job.retry.on.includes(reason as FailureReason)) return null;
  return newId("job", now);
}

/** Submits a job again as the retry of another; what JobService.submit does with `retryOf` and `id`. */
export type SubmitRetry = (user: Principal, spec: unknown, extra: { retryOf: JobRow; id: string }) => Promise<unknown>;

/** Creates the automatic retries that jobs' ends promised. */
export class Retries {
  readonly #store: JobStore;
  readonly #logger: Logger;
  readonly #submit: SubmitRetry;
  /** Retries being created now, by id. */
  readonly #creating = new Set<string>();

  constructor(store: JobStore, logger: Logger, submit: SubmitRetry) {
    this.#store = store;
    this.#logger = logger;
    this.#submit = submit;
  }

  /** Creates the retry a job's end promised (its `retried_by`), unless it exists already. */
  async maybeRetry(row: JobRow): Promise<void> {
    const id = row.retried_by;
    // Two paths can get here for one job at once (its exit, and the start-up sweep of promised
    // retries): the second must neither create it twice nor, failing to, undo the promise.
    if (!id || this.#creating.has(id)) return;
    this.#creating.add(id);
    try {
      if (await this.#store.get(id)) return;
      const user: Principal = { userId: row.user_id, name: "retry policy", role: "member", teams: {}, tokenId: "", scopes: null };
      await this.#submit(user, JSON.parse(row.spec), { retryOf: row, id });
    } catch (err) {
      if (await this.#store.get(id)) return;
      this.#logger.warn({ err, jobId: row.id }, "automatic retry was refused");
      await this.#store.patch(row.id, { retried_by: null });
    } finally {
      this.#creating.delete(id);
    }
  }
}
