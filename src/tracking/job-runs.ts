import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { ProblemError } from "../core/errors.ts";
import { VISIBILITIES, type Visibility } from "../identity/policy.ts";
import type { IdentityService, Principal } from "../identity/service.ts";
import { DEFAULT_EXPERIMENT_NAME, TEAM_TAG } from "./experiments.ts";
import type { RunStatus } from "./runs.ts";
import type { TrackingService } from "./service.ts";
import { SYSTEM_METRIC_STEP_KEY, type SystemMetricsSampler } from "./system-metrics.ts";
import type { TrackingExperimentsTable } from "./tables.ts";

// Every job is a run. When a job starts, a run is made for it in its team (in the experiment
// its environment names with MLFLOW_EXPERIMENT_NAME, or the team's Default one), and the job
// is given MLflow's variables: the server's address, the experiment and run ids, and a token
// of its owner's that may only track (the `tracking` scope). `mlflow.log_metric` in the job's
// code then writes to that run with no set-up, since MLflow's client resumes MLFLOW_RUN_ID.
// While it runs, its CPU, memory and GPU use are sampled into the run (system-metrics.ts).
// When the job ends, its run takes the job's outcome and the token is revoked.

/** The job's outcome as an MLflow run status. */
const STATUS_OF: Record<string, RunStatus> = { succeeded: "FINISHED", failed: "FAILED", timed_out: "FAILED", lost: "FAILED", cancelled: "KILLED" };
/** A job token outlives no job by more than this, even when its end is never heard of. */
const TOKEN_DAYS = 30;

export interface JobForRun {
  id: string;
  userId: string;
  teamId: string | null;
  name: string;
  /** The job's visibility: its run is seen by the same people. */
  visibility: string;
  argv: string[];
  env: Record<string, string>;
}

export class JobRuns {
  readonly #tracking: TrackingService;
  readonly #identity: IdentityService;
  readonly #serverUrl: () => Promise<string>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #inFlight = new Set<Promise<unknown>>();
  /**
   * Each running job's token, by job id, so that its end revokes it without listing its owner's
   * tokens; null for a while once revoked, as a job's end can be heard twice.
   */
  readonly #tokenOf = new Map<string, string | null>();
  readonly #systemMetrics: Pick<SystemMetricsSampler, "track" | "untrack"> | null;

  constructor(o: {
    tracking: TrackingService;
    identity: IdentityService;
    serverUrl: () => Promise<string>;
    clock: Clock;
    logger: Logger;
    systemMetrics?: Pick<SystemMetricsSampler, "track" | "untrack"> | null;
  }) {
    this.#tracking = o.tracking;
    this.#identity = o.identity;
    this.#serverUrl = o.serverUrl;
    this.#clock = o.clock;
    this.#logger = o.logger;
    this.#systemMetrics = o.systemMetrics ?? null;
  }

  /** Makes the job's run and answers the variables the job gets; none when its owner is gone. */
  async forLaunch(job: JobForRun): Promise<Record<string, string>> {
    const owner = await this.#identity.principalFor(job.userId, `job:${job.id}`, null);
    if (!owner) return {};
    const experiment = await this.#experimentFor(owner, job);
    const run = await this.#tracking.runs.create(owner, {
      experimentId: experiment.id,
      runName: job.name,
      tags: [
        { key: "plinth.job", value: job.id },
        { key: "mlflow.source.type", value: "JOB" },
        { key: "mlflow.source.name", value: job.argv.join(" ").slice(0, 500) },
      ],
      jobId: job.id,
      visibility: (VISIBILITIES as readonly string[]).includes(job.visibility) ? (job.visibility as Visibility) : "private",
    });
    this.#systemMetrics?.track(job.id, run);
    const { token, info } = await this.#identity.createToken(owner, tokenName(job.id), TOKEN_DAYS, ["tracking"]);
    this.#tokenOf.set(job.id, info.id);
    return {
      MLFLOW_TRACKING_URI: await this.#serverUrl(),
      MLFLOW_EXPERIMENT_ID: experiment.id,
      MLFLOW_RUN_ID: run.id,
      MLFLOW_TRACKING_TOKEN: token,
    };
  }

  /** A job found still running after a restart: its system metrics go on into its run, after the last step. */
  async resumed(jobId: string): Promise<void> {
    if (!this.#systemMetrics) return;
    const run = await this.#tracking.store.runOfJob(jobId);
    if (run?.status !== "RUNNING") return;
    const last = await this.#tracking.store.lastStep(run.id, SYSTEM_METRIC_STEP_KEY);
    this.#systemMetrics.track(jobId, run, last === null ? 0 : last + 1);
  }

  /** A job ended: its run takes the outcome (unless the job's code ended the run itself) and its token goes. */
  async ended(jobId: string, state: string, userId: string): Promise<void> {
    const status = STATUS_OF[state];
    if (!status) return;
    this.#systemMetrics?.untrack(jobId);
    const run = await this.#tracking.store.runOfJob(jobId);
    // No run, no token: the job never started (a queued job cancelled, say).
    if (!run) return;
    if (run.status === "RUNNING" || run.status === "SCHEDULED") {
      await this.#tracking.store.updateRun(run.id, { status, end_time: this.#clock.now() });
    }
    const known = this.#tokenOf.get(jobId);
    if (known === null) return; // revoked when its end was first heard
    const owner = await this.#identity.principalFor(userId, `job:${jobId}`, null);
    if (!owner) return;
    // Known since its launch; after a restart, found by its name.
    const ids = known ? [known] : (await this.#identity.listTokens(owner)).filter((t) => t.name === tokenName(jobId) && t.revokedAt === null).map((t) => t.id);
    for (const id of ids) {
      await this.#identity.revokeToken(owner, id).catch((err: unknown) => {
        if (!(err instanceof ProblemError && err.status === 404)) throw err;
      });
    }
    this.#tokenOf.set(jobId, null);
    setTimeout(() => this.#tokenOf.delete(jobId), FORGET_ENDED_MS).unref();
  }

  /** Subscribes to jobs' ends; a failure is logged, never raised into the job's own end. */
  listen(on: (listener: (e: { jobId: string; state: string; userId: string }) => void) => () => void): () => void {
    return on((e) => {
      if (!STATUS_OF[e.state]) return;
      const work = this.ended(e.jobId, e.state, e.userId)
        .catch((err: unknown) => this.#logger.warn({ err, jobId: e.jobId }, "could not end a job's run"))
        .finally(() => this.#inFlight.delete(work));
      this.#inFlight.add(work);
    });
  }

  /** Waits for the job ends being written, so that the database closes after them. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  async #experimentFor(owner: Principal, job: JobForRun): Promise<TrackingExperimentsTable> {
    const name = job.env.MLFLOW_EXPERIMENT_NAME || DEFAULT_EXPERIMENT_NAME;
    const teamId = job.teamId ?? (await this.#tracking.experiments.readable(owner, "0")).team_id;
    const found = await this.#tracking.store.experimentIn(teamId, name);
    if (found) return found;
    const teamName = (await this.#identity.store.teamById(teamId))?.name;
    try {
      return await this.#tracking.experiments.create(owner, { name, ...(teamName && { tags: [{ key: TEAM_TAG, value: teamName }] }) });
    } catch (err) {
      const made = await this.#tracking.store.experimentIn(teamId, name);
      if (made) return made;
      throw err;
    }
  }
}

/** How long a job's end is remembered, against hearing it a second time. */
const FORGET_ENDED_MS = 10 * 60_000;

const tokenName = (jobId: string) => `tracking for job ${jobId}`;
