import { randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.ts";
import { can, type Owned, VISIBILITIES, type Visibility } from "../../identity/policy.ts";
import type { Principal } from "../../identity/service.ts";
import type { Experiments } from "../experiments.ts";
import { doesNotExist, invalidParameter, MlflowError } from "../mlflow-error.ts";
import { randomRunName } from "../run-names.ts";
import type { Runs } from "../runs.ts";
import { checkParam, checkTag } from "../validation.ts";
import type { ModelStore } from "./store.ts";
import type { TrackingLoggedModelsTable } from "./tables.ts";
import { checkLoggedModelName, checkRegistryTag } from "./validation.ts";

// MLflow 3's logged models, through the one policy. A logged model belongs to its experiment's
// team and to the person who logged it: team members read it (only its owner and the team's
// admins when its source run is private, anyone when the run is public), its owner and the team's admins finalize, tag and
// delete it. One the person may not read does not exist for them. Its files are kept under
// `<experiment>/models/<id>/artifacts` in the artifact proxy, under the same rule.

export const LOGGED_MODEL_STATUSES = ["LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"] as const;

export const loggedModelOwned = (m: TrackingLoggedModelsTable): Owned => ({
  ownerId: m.created_by,
  teamId: m.team_id,
  visibility: (VISIBILITIES as readonly string[]).includes(m.visibility) ? (m.visibility as Visibility) : "private",
});

/** `m-` and 32 hex digits, as MLflow names logged models. */
export const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;

export class LoggedModels {
  readonly store: ModelStore;
  readonly #experiments: Experiments;
  readonly #runs: Runs;
  readonly #clock: Clock;

  constructor(o: { store: ModelStore; experiments: Experiments; runs: Runs; clock: Clock }) {
    this.store = o.store;
    this.#experiments = o.experiments;
    this.#runs = o.runs;
    this.#clock = o.clock;
  }

  async create(
    actor: Principal,
    input: { experimentId: unknown; name?: unknown; modelType?: unknown; sourceRunId?: unknown; params?: unknown[]; tags?: unknown[] },
  ): Promise<TrackingLoggedModelsTable> {
    const name = checkLoggedModelName(input.name) ?? randomRunName();
    if (input.modelType !== undefined && input.modelType !== null && typeof input.modelType !== "string") throw invalidParameter("Invalid value for parameter 'model_type': expected a string.");
    const params = (input.params ?? []).map((p) => checkParam(p as { key?: unknown; value?: unknown }));
    const tags = (input.tags ?? []).map((t) => checkTag(t as { key?: unknown; value?: unknown }));
    const experiment = await this.#experiments.forNewRun(actor, input.experimentId);
    const sourceRunId = typeof input.sourceRunId === "string" && input.sourceRunId !== "" ? input.sourceRunId : null;
    // A model logged from a run is written into that run's history: the run must be the person's to log to.
    const run = sourceRunId === null ? null : await this.#runs.writable(actor, sourceRunId);
    const id = `m-${randomBytes(16).toString("hex")}`;
    const now = this.#clock.now();
    const row: TrackingLoggedModelsTable = {
      id,
      experiment_id: experiment.id,
      team_id: experiment.team_id,
      name,
      created_by: actor.userId,
      // Seen by whoever sees the run it came from.
      visibility: run?.visibility ?? "team",
      artifact_uri: `${experiment.artifact_location}/models/${id}/artifacts`,
      status: "LOGGED_MODEL_PENDING",
      status_message: null,
      model_type: typeof input.modelType === "string" ? input.modelType : "",
      source_run_id: run?.id ?? null,
      lifecycle_stage: "active",
      creation_time: now,
      last_update_time: now,
    };
    await this.store.createLoggedModel(row, params, tags);
    return row;
  }

  /** The logged model of this id the person may read (a deleted one only when asked for). */
  async readable(actor: Principal, id: unknown, opts: { allowDeleted?: boolean } = {}): Promise<TrackingLoggedModelsTable> {
    if (typeof id !== "string" || id === "") throw invalidParameter("Missing value for required parameter 'model_id'. See the API docs for more information about request parameters.");
    const model = LOGGED_MODEL_ID.test(id) ? await this.store.loggedModel(id) : undefined;
    if (!model || !can(actor, "read", loggedModelOwned(model)) || (model.lifecycle_stage !== "active" && !opts.allowDeleted)) {
      throw doesNotExist(`Logged model with ID '${id.slice(0, 64)}' not found.`);
    }
    return model;
  }

  /** Like `readable`, and the person may change it. */
  async writable(actor: Principal, id: unknown): Promise<TrackingLoggedModelsTable> {
    const model = await this.readable(actor, id);
    if (!can(actor, "write", loggedModelOwned(model))) {
      throw new MlflowError("PERMISSION_DENIED", `You may read logged model ${model.id} but not change it: the person who logged it and the admins of its team may.`);
    }
    return model;
  }

  /** Sets the model's status: READY once its files are uploaded, UPLOAD_FAILED if they could not be. */
  async finalize(actor: Principal, id: unknown, status: unknown): Promise<TrackingLoggedModelsTable> {
    const model = await this.writable(actor, id);
    const next = statusName(status);
    const now = this.#clock.now();
    await this.store.updateLoggedModel(model.id, { status: next }, now);
    return { ...model, status: next, last_update_time: now };
  }

  async setTags(actor: Principal, id: unknown, tags: unknown[]): Promise<void> {
    const model = await this.writable(actor, id);
    const checked = tags.map((t) => checkRegistryTag(t as { key?: unknown; value?: unknown }));
    await this.store.setLoggedModelValues("tracking_logged_model_tags", model.id, checked);
  }

  async deleteTag(actor: Principal, id: unknown, key: unknown): Promise<void> {
    const model = await this.writable(actor, id);
    if (typeof key !== "string" || !(await this.store.deleteLoggedModelTag(model.id, key))) {
      throw doesNotExist(`No tag with key '${String(key).slice(0, 250)}' found for model with ID '${model.id}'.`);
    }
  }

  async logParams(actor: Principal, id: unknown, params: unknown[]): Promise<void> {
    const model = await this.writable(actor, id);
    await this.store.setLoggedModelValues(
      "tracking_logged_model_params",
      model.id,
      params.map((p) => checkParam(p as { key?: unknown; value?: unknown })),
    );
  }

  /** Marks it deleted; its files stay until the model is gone for good, as in MLflow. */
  async delete(actor: Principal, id: unknown): Promise<TrackingLoggedModelsTable> {
    const model = await this.writable(actor, id);
    await this.store.updateLoggedModel(model.id, { lifecycle_stage: "deleted" }, this.#clock.now());
    return model;
  }
}

/** A status as a client sends it: its name, or its number in MLflow's enum. */
function statusName(status: unknown): TrackingLoggedModelsTable["status"] {
  const byNumber: Record<string, string> = { "1": "LOGGED_MODEL_PENDING", "2": "LOGGED_MODEL_READY", "3": "LOGGED_MODEL_UPLOAD_FAILED" };
  const name = typeof status === "number" || (typeof status === "string" && /^\d$/.test(status)) ? byNumber[String(status)] : status;
  if (typeof name !== "string" || !(LOGGED_MODEL_STATUSES as readonly string[]).includes(name)) {
    throw invalidParameter(`Invalid value ${JSON.stringify(status)?.slice(0, 60)} for parameter 'status': one of ${LOGGED_MODEL_STATUSES.join(", ")}.`);
  }
  return name;
}
