import { randomBytes } from "node:crypto";
import type { Clock } from "../core/clock.ts";
import { can, type Owned, VISIBILITIES, type Visibility } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import type { Experiments } from "./experiments.ts";
import { doesNotExist, invalidParameter, MlflowError } from "./mlflow-error.ts";
import { randomRunName } from "./run-names.ts";
import { ParamChanged, type RunWrites, type TrackingStore } from "./store.ts";
import type { TrackingRunsTable } from "./tables.ts";
import { checkBatch, checkMetric, checkParam, checkRunName, checkTag, wholeNumber } from "./validation.ts";

// Runs, through the one policy: a run is its creator's, in its experiment's team. Team
// members read it (or only its owner and the team's admins, when private); its owner and the
// team's admins log to it, end it and delete it. A run the person may not read does not exist
// for them. As in MLflow, a deleted run takes nothing more until it is restored, params never
// change once logged, and a batch is written whole or not at all.

export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runOwned = (r: TrackingRunsTable): Owned => ({ ownerId: r.user_id, teamId: r.team_id, visibility: (VISIBILITIES as readonly string[]).includes(r.visibility) ? (r.visibility as Visibility) : "private" });

export class Runs {
  readonly #store: TrackingStore;
  readonly #experiments: Experiments;
  readonly #clock: Clock;

  constructor(store: TrackingStore, experiments: Experiments, clock: Clock) {
    this.#store = store;
    this.#experiments = experiments;
    this.#clock = clock;
  }

  async create(
    actor: Principal,
    input: { experimentId: unknown; runName?: unknown; startTime?: unknown; tags?: Array<{ key?: unknown; value?: unknown }>; jobId?: string; visibility?: Visibility },
  ): Promise<TrackingRunsTable> {
    const experiment = await this.#experiments.forNewRun(actor, input.experimentId ?? "0");
    const tags = (input.tags ?? []).map(checkTag);
    const tagName = tags.find((t) => t.key === "mlflow.runName")?.value;
    const given = typeof input.runName === "string" && input.runName !== "" ? input.runName : undefined;
    if (given !== undefined && tagName !== undefined && given !== tagName) {
      throw invalidParameter(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${given}', mlflow.runName='${tagName}').`);
    }
    const name = checkRunName(given ?? tagName ?? randomRunName());
    const id = randomBytes(16).toString("hex");
    const now = this.#clock.now();
    const parent = tags.find((t) => t.key === "mlflow.parentRunId")?.value ?? null;
    const row: TrackingRunsTable = {
      id,
      experiment_id: experiment.id,
      team_id: experiment.team_id,
      name,
      user_id: actor.userId,
      visibility: input.visibility ?? "team",
      status: "RUNNING",
      start_time: input.startTime === undefined || input.startTime === null ? now : wholeNumber(input.startTime, "start_time"),
      end_time: null,
      lifecycle_stage: "active",
      artifact_uri: `${experiment.artifact_location}/${id}/artifacts`,
      job_id: input.jobId ?? null,
      parent_run_id: parent,
      deleted_time: null,
    };
    const allTags = new Map(tags.map((t) => [t.key, t.value]));
    allTags.set("mlflow.runName", name);
    allTags.set("mlflow.user", actor.name);
    await this.#store.createRun(row, { tags: [...allTags].map(([key, value]) => ({ key, value })) });
    return row;
  }

  /** The run of this id the person may read. */
  async readable(actor: Principal, id: unknown): Promise<TrackingRunsTable> {
    if (typeof id !== "string" || id === "") throw invalidParameter("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
    const run = id.length <= 64 ? await this.#store.run(id) : undefined;
    if (!run || !can(actor, "read", runOwned(run))) throw doesNotExist(`Run with id=${id.slice(0, 64)} not found`);
    return run;
  }

  /** Like `readable`, and the person may change it. */
  async writable(actor: Principal, id: unknown): Promise<TrackingRunsTable> {
    const run = await this.readable(actor, id);
    if (!can(actor, "write", runOwned(run))) {
      throw new MlflowError("PERMISSION_DENIED", `You may read run ${run.id} but not log to it or change it: its owner and the admins of its team may.`);
    }
    return run;
  }

  /** Like `writable`, and the run is not deleted (MLflow logs only to active runs). */
  async #active(actor: Principal, id: unknown): Promise<TrackingRunsTable> {
    const run = await this.writable(actor, id);
    if (run.lifecycle_stage !== "active") throw invalidParameter(`The run ${run.id} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`);
    return run;
  }

  async update(actor: Principal, id: unknown, change: { status?: unknown; endTime?: unknown; runName?: unknown }): Promise<TrackingRunsTable> {
    const run = await this.#active(actor, id);
    const next: Partial<TrackingRunsTable> = {};
    if (change.status !== undefined && change.status !== null) {
      if (!RUN_STATUSES.includes(change.status as RunStatus)) throw invalidParameter(`Invalid value ${JSON.stringify(change.status)} for parameter 'status' supplied: one of ${RUN_STATUSES.join(", ")}.`);
      next.status = change.status as RunStatus;
    }
    if (change.endTime !== undefined && change.endTime !== null) next.end_time = wholeNumber(change.endTime, "end_time");
    if (typeof change.runName === "string" && change.runName !== "") next.name = checkRunName(change.runName);
    await this.#store.updateRun(run.id, next);
    if (next.name !== undefined) await this.#store.write(run, { tags: [{ key: "mlflow.runName", value: next.name }] });
    return { ...run, ...next };
  }

  async setStage(actor: Principal, id: unknown, stage: "active" | "deleted"): Promise<void> {
    const run = await this.writable(actor, id);
    if (stage === "deleted" && run.lifecycle_stage === "deleted") throw invalidParameter(`The run ${run.id} must be in the 'active' state. Current state is deleted.`);
    if (stage === "active" && run.lifecycle_stage === "active") throw invalidParameter(`The run ${run.id} must be in the 'deleted' state. Current state is active.`);
    await this.#store.updateRun(run.id, { lifecycle_stage: stage, deleted_time: stage === "deleted" ? this.#clock.now() : null });
  }

  async logMetric(actor: Principal, id: unknown, metric: Record<string, unknown>): Promise<void> {
    const run = await this.#active(actor, id);
    await this.#write(run, { metrics: [checkMetric(metric, this.#clock.now())] });
  }

  async logParam(actor: Principal, id: unknown, param: { key?: unknown; value?: unknown }): Promise<void> {
    const run = await this.#active(actor, id);
    await this.#write(run, { params: [checkParam(param)] });
  }

  async setTag(actor: Principal, id: unknown, tag: { key?: unknown; value?: unknown }): Promise<void> {
    const run = await this.#active(actor, id);
    await this.#write(run, { tags: [checkTag(tag)] });
  }

  async deleteTag(actor: Principal, id: unknown, key: unknown): Promise<void> {
    const run = await this.#active(actor, id);
    if (typeof key !== "string" || !(await this.#store.deleteTag(run.id, key))) throw doesNotExist(`No tag with name: ${String(key).slice(0, 250)} in run with id ${run.id}`);
  }

  async logBatch(actor: Principal, id: unknown, batch: { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] }): Promise<void> {
    const writes = checkBatch(batch, this.#clock.now());
    const run = await this.#active(actor, id);
    await this.#write(run, writes);
  }

  async #write(run: TrackingRunsTable, writes: RunWrites): Promise<void> {
    try {
      await this.#store.write(run, writes);
    } catch (err) {
      if (err instanceof ParamChanged) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${err.key}' was already logged with value='${err.old.slice(0, 200)}' for run ID='${run.id}'. Attempted logging new value '${err.value.slice(0, 200)}'.`,
        );
      }
      throw err;
    }
  }
}
