import type { Clock } from "../../core/clock.ts";
import type { DB, Dialect } from "../../db/database.ts";
import type { Principal } from "../../identity/service.ts";
import type { TeamService } from "../../identity/teams.ts";
import type { Experiments } from "../experiments.ts";
import { invalidParameter } from "../mlflow-error.ts";
import type { Runs } from "../runs.ts";
import type { TrackingRunsTable } from "../tables.ts";
import { wholeNumber } from "../validation.ts";
import { type LoggedModelQuery, type LoggedModelSearchDeps, searchLoggedModels } from "./logged-model-search.ts";
import { LoggedModels } from "./logged-models.ts";
import { Registry } from "./registry.ts";
import { RegistrySearch } from "./registry-search.ts";
import { RegistryStore } from "./registry-store.ts";
import { type DatasetInput, ModelStore, type RunIo } from "./store.ts";
import {
  MAX_DATASET_DIGEST_LENGTH,
  MAX_DATASET_NAME_LENGTH,
  MAX_DATASET_PROFILE_LENGTH,
  MAX_DATASET_SCHEMA_LENGTH,
  MAX_DATASET_SOURCE_LENGTH,
  MAX_INPUT_TAG_KEY_LENGTH,
  MAX_INPUT_TAG_VALUE_LENGTH,
  tooLong,
} from "./validation.ts";
import { ModelVersions } from "./versions.ts";

// MLflow 3's models in one piece for the tracking service: logged models and their search, what
// a run read and wrote (data sets and models), and the model registry.

const MAX_DATASETS_PER_CALL = 1000;

export class TrackingModels {
  readonly store: ModelStore;
  readonly logged: LoggedModels;
  readonly registry: Registry;
  readonly versions: ModelVersions;
  readonly registrySearch: RegistrySearch;
  readonly #runs: Runs;
  readonly #search: LoggedModelSearchDeps;

  constructor(o: { db: DB; dialect: Dialect; experiments: Experiments; runs: Runs; teams: TeamService; clock: Clock }) {
    this.store = new ModelStore(o.db);
    this.#runs = o.runs;
    this.logged = new LoggedModels({ store: this.store, experiments: o.experiments, runs: o.runs, clock: o.clock });
    this.#search = { db: o.db, dialect: o.dialect, experiments: o.experiments };
    const registryStore = new RegistryStore(o.db);
    this.registry = new Registry({ store: registryStore, teams: o.teams, clock: o.clock });
    this.versions = new ModelVersions({ store: registryStore, registry: this.registry, runs: o.runs, loggedModels: this.logged, clock: o.clock });
    this.registrySearch = new RegistrySearch({ db: o.db, dialect: o.dialect });
  }

  /** The logged models of some experiments the person may read (MLflow's search_logged_models). */
  searchLogged(actor: Principal, q: LoggedModelQuery): ReturnType<typeof searchLoggedModels> {
    return searchLoggedModels(this.#search, actor, q);
  }

  /** Data sets a run used and logged models it read (MLflow's log_inputs). */
  async logInputs(actor: Principal, runId: unknown, datasets: unknown, models: unknown): Promise<void> {
    const inputs = listOf(datasets, "datasets").map(checkDatasetInput);
    if (inputs.length > MAX_DATASETS_PER_CALL) throw invalidParameter(`A request can log at most ${MAX_DATASETS_PER_CALL} data sets; got ${inputs.length}.`);
    const modelIds = listOf(models, "models").map((m) => modelIdOf(m));
    const run = await this.#activeRun(actor, runId);
    for (const id of new Set(modelIds)) await this.logged.readable(actor, id);
    await this.store.logInputs(run, inputs, modelIds);
  }

  /** Logged models a run wrote, each at a step (MLflow's log_outputs). */
  async logOutputs(actor: Principal, runId: unknown, models: unknown): Promise<void> {
    if (models === undefined || models === null) throw invalidParameter("Missing value for required parameter 'models'.");
    const outputs = listOf(models, "models").map((m) => ({ modelId: modelIdOf(m), step: wholeNumber((m as { step?: unknown }).step ?? 0, "step") }));
    const run = await this.#activeRun(actor, runId);
    for (const o of outputs) await this.logged.readable(actor, o.modelId);
    await this.store.logOutputs(run.id, outputs);
  }

  /** What these runs (already checked readable) read and wrote. */
  runIo(runIds: string[]): Promise<Map<string, RunIo>> {
    return this.store.runIo(runIds);
  }

  async #activeRun(actor: Principal, runId: unknown): Promise<TrackingRunsTable> {
    const run = await this.#runs.writable(actor, runId);
    if (run.lifecycle_stage !== "active") throw invalidParameter(`The run ${run.id} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`);
    return run;
  }
}

function listOf(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameter(`Invalid value for parameter '${name}': expected a list.`);
  return value;
}

function modelIdOf(m: unknown): string {
  const id = (m as { model_id?: unknown } | null)?.model_id;
  if (typeof id !== "string" || id === "") throw invalidParameter("Missing value for required parameter 'model_id'.");
  return id;
}

function text(value: unknown, what: string, limit: number, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(`Dataset ${what} cannot be None`);
    return null;
  }
  if (typeof value !== "string") throw invalidParameter(`Invalid value for dataset ${what}: expected a string.`);
  if (value.length > limit) throw tooLong(what, limit);
  return value;
}

/** One of log_inputs' data sets, with MLflow's limits. */
function checkDatasetInput(input: unknown): DatasetInput {
  const { dataset, tags } = (input ?? {}) as { dataset?: Record<string, unknown>; tags?: unknown };
  if (typeof dataset !== "object" || dataset === null) throw invalidParameter("Dataset cannot be None");
  return {
    dataset: {
      name: text(dataset.name, "name", MAX_DATASET_NAME_LENGTH, true)!,
      digest: text(dataset.digest, "digest", MAX_DATASET_DIGEST_LENGTH, true)!,
      source_type: text(dataset.source_type, "source_type", 1000, true)!,
      source: text(dataset.source, "source", MAX_DATASET_SOURCE_LENGTH, true)!,
      schema: text(dataset.schema, "schema", MAX_DATASET_SCHEMA_LENGTH, false),
      profile: text(dataset.profile, "profile", MAX_DATASET_PROFILE_LENGTH, false),
    },
    tags: listOf(tags, "tags").map((t) => {
      const { key, value } = (t ?? {}) as { key?: unknown; value?: unknown };
      if (typeof key !== "string" || key === "") throw invalidParameter("InputTag key cannot be None");
      if (typeof value !== "string") throw invalidParameter("InputTag value cannot be None");
      if (key.length > MAX_INPUT_TAG_KEY_LENGTH) throw tooLong("key", MAX_INPUT_TAG_KEY_LENGTH);
      if (value.length > MAX_INPUT_TAG_VALUE_LENGTH) throw tooLong("value", MAX_INPUT_TAG_VALUE_LENGTH);
      return { key, value };
    }),
  };
}
