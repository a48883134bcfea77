import type { Clock } from "../core/clock.ts";
import type { ExitInfo } from "./executors/executor.ts";
import { exitWarning, explainFailure, lastLines, pathsRelativeTo, withProcessLimit } from "./failure.ts";
import type { JobData } from "./job-data.ts";
import type { JobSecrets } from "./job-secrets.ts";
import { assertTransition, canTransition } from "./lifecycle.ts";
import { secretNamesOf } from "./log-mask.ts";
import { type Retries, retryIdFor } from "./retries.ts";
import type { RunDirs } from "./run-dirs.ts";
import type { JobState, NormalizedJob } from "./spec.ts";
import type { JobPatch, JobRow, JobStore } from "./store.ts";

export interface JobExitsOptions {
  store: JobStore;
  runDirs: RunDirs;
  secrets: JobSecrets;
  data?: JobData;
  clock: Clock;
  retries: Retries;
  /** Tells listeners that a job's state changed. */
  changed(row: Pick<JobRow, "id" | "state" | "user_id">): void;
  /** A job with this name ended its run: the typical run time of its name may have moved. */
  ran(name: string): void;
  /** Where a cluster job's outputs are (and the real path that folder must have); null for a job of this machine. */
  outputsFolder?(row: JobRow): Promise<{ workdir: string; realPath?: string } | null>;
}

/** Writes down how jobs end: their final state and exit details, their saved outputs, and the retry they earn. */
export class JobExits {
  readonly #o: JobExitsOptions;

  constructor(opts: JobExitsOptions) {
    this.#o = opts;
  }

  /** Records how a job's process ended: its final state, or only the exit details if a cancel or timeout came first. */
  async recordExit(row: JobRow, info: ExitInfo, now: number): Promise<void> {
    const id = row.id;
    // The end of the log explains a failure; a clean exit of a running job needs no reading.
    // A job on a cluster engine can end while still queued here, before its start was seen.
    const live = row.state === "running" || row.state === "starting" || row.state === "queued";
    const clean = info.exitCode === 0 && !info.signal && !info.outOfMemory && !info.startError && live;
    const logTail = clean ? "" : pathsRelativeTo(await this.#o.secrets.masks.maskText(id, secretNamesOf(JSON.parse(row.normalized)), await this.#o.runDirs.tail(id, 8 * 1024)), this.#o.runDirs.workdir(id));
    const exitPatch: JobPatch = { exit_code: info.exitCode, signal: info.signal, peak_memory_bytes: info.peakMemoryBytes, log_tail: lastLines(logTail, 30) || null };
    if (live) {
      const outcome = explainFailure({ exit: info, timedOut: false, cancelled: false, logTail, memoryBytes: row.memory_bytes, ...(row.timeout_ms !== null && { timeoutMs: row.timeout_ms }) });
      const warning = outcome.reason ? null : exitWarning(info, row.memory_bytes);
      // A job that succeeded has ended once its outputs are saved.
      const saving = outcome.state === "succeeded" && (JSON.parse(row.normalized) as NormalizedJob).outputs !== undefined;
      const state = (saving ? "saving" : outcome.state) as JobState;
      if (row.state !== "running" && !canTransition(row.state, state)) {
        // It ran and ended while the server was away (or between two looks at the engine) before "running" was recorded.
        if (await this.#o.store.transition(id, row.state, "running", now, { started_at: now }, { recovered: true })) return this.recordExit({ ...row, state: "running", started_at: now }, info, now);
      }
      assertTransition(id, row.state, state);
      const patch: JobPatch = {
        ...exitPatch,
        finished_at: saving ? null : now,
        reason: outcome.reason,
        // A job that succeeded may still carry a warning (a helper process killed for memory).
        message: outcome.reason ? outcome.message : (warning?.message ?? null),
        hint: outcome.reason ? withProcessLimit(outcome.hint, info) : (warning?.hint ?? null),
        // Decided with the end itself, so whoever sees the failure also sees its retry.
        retried_by: retryIdFor(row, outcome.reason, now),
        ...(row.started_at === null && { started_at: now }),
      };
      if (!(await this.#o.store.transition(id, row.state, state, now, patch, { exitCode: info.exitCode, signal: info.signal }))) {
        // Cancelled or timed out in the meantime: record the exit against that state instead.
        const current = await this.#o.store.get(id);
        if (current && current.state !== row.state) await this.recordExit(current, info, now);
        return;
      }
      const ended = { ...row, ...patch, state };
      this.#o.ran(row.name);
      this.#o.changed(ended);
      if (saving) await this.saveOutputs(ended);
      else await this.#o.retries.maybeRetry(ended);
    } else {
      // Cancelled or timed out earlier: the state is already recorded; add how the process ended.
      await this.#o.store.patch(id, exitPatch);
      this.#o.changed({ ...row, ...exitPatch });
      await this.#o.retries.maybeRetry({ ...row, ...exitPatch });
    }
  }

  /** Saves a succeeded job's outputs as dataset versions; then it has succeeded, or failed with output_not_saved. */
  async saveOutputs(row: JobRow): Promise<void> {
    const cluster = await this.#o.outputsFolder?.(row);
    const paths = { workdir: cluster?.workdir ?? this.#o.runDirs.workdir(row.id), logPath: this.#o.runDirs.logPath(row.id), ...(cluster?.realPath && { workdirRealPath: cluster.realPath }) };
    const result = this.#o.data ? await this.#o.data.save(row, paths) : { ok: false as const, message: "The outputs were not saved: this server keeps no datasets.", hint: "Ask a Keeper about datasets." };
    const now = this.#o.clock.now();
    const patch: JobPatch = result.ok
      ? { finished_at: now }
      : { finished_at: now, reason: "output_not_saved", message: result.message, hint: result.hint, retried_by: retryIdFor(row, "output_not_saved", now) };
    const state = result.ok ? "succeeded" : "failed";
    if (!(await this.#o.store.transition(row.id, "saving", state, now, patch, null))) return;
    const ended = { ...row, ...patch, state } as const;
    this.#o.changed(ended);
    await this.#o.retries.maybeRetry(ended);
  }
}
