import type { Clock } from "../../core/clock.ts";
import { isPathName } from "../artifacts.ts";
import type { Principal } from "../../identity/service.ts";
import { doesNotExist, invalidParameter, MlflowError } from "../mlflow-error.ts";
import type { Runs } from "../runs.ts";
import type { TrackingRunsTable } from "../tables.ts";
import type { LoggedModels } from "./logged-models.ts";
import { type Registry, versionNotFound } from "./registry.ts";
import type { RegistryStore } from "./registry-store.ts";
import type { TrackingLoggedModelsTable, TrackingModelVersionsTable, TrackingRegisteredModelsTable } from "./tables.ts";
import { checkAlias, checkDescription, checkRegistryTag, checkVersion } from "./validation.ts";

// Versions of registered models. A version is made from a model Plinth stores: a logged model
// (`models:/m-…`), a folder of a run's artifacts (`runs:/<run>/<path>`, or its mlflow-artifacts:/
// location), or another version (`models:/<name>/<version>`). It keeps where those files are,
// the run that made them (and so the run's job) and the logged model, and is numbered one
// above the highest number the registered model ever gave. Reading a version is reading its
// registered model; changing one is changing it. Loading a version's files goes through the
// artifact proxy, under its run's or logged model's policy.

export const STAGES = ["None", "Staging", "Production", "Archived"] as const;

export interface VersionOf {
  model: TrackingRegisteredModelsTable;
  version: TrackingModelVersionsTable;
}

const PLINTH_SOURCES =
  "Plinth registers models it keeps: give runs:/<run id>/<path>, models:/<logged model id> or models:/<name>/<version>, or a mlflow-artifacts:/ location inside a run's or a logged model's artifacts.";

export class ModelVersions {
  readonly #store: RegistryStore;
  readonly #registry: Registry;
  readonly #runs: Runs;
  readonly #logged: LoggedModels;
  readonly #clock: Clock;

  constructor(o: { store: RegistryStore; registry: Registry; runs: Runs; loggedModels: LoggedModels; clock: Clock }) {
    this.#store = o.store;
    this.#registry = o.registry;
    this.#runs = o.runs;
    this.#logged = o.loggedModels;
    this.#clock = o.clock;
  }

  async create(
    actor: Principal,
    input: { name: unknown; source: unknown; runId?: unknown; modelId?: unknown; tags?: unknown[]; runLink?: unknown; description?: unknown },
  ): Promise<VersionOf> {
    const tags = (input.tags ?? []).map((t) => checkRegistryTag(t as { key?: unknown; value?: unknown }));
    const description = checkDescription(input.description);
    const model = await this.#registry.writable(actor, input.name);
    if (typeof input.source !== "string" || input.source === "") throw invalidParameter("Missing value for required parameter 'source'.");
    const from = await this.#resolveSource(actor, input.source, optionalId(input.runId, "run_id"), optionalId(input.modelId, "model_id"));
    const now = this.#clock.now();
    const version = await this.#store.createVersion(
      {
        registered_model_id: model.id,
        created_by: actor.userId,
        creation_time: now,
        last_update_time: now,
        description,
        source: input.source,
        storage_location: from.storage,
        run_id: from.run?.id ?? null,
        model_id: from.logged?.id ?? null,
        run_link: typeof input.runLink === "string" && input.runLink !== "" ? input.runLink : null,
        current_stage: "None",
        deleted: 0,
      },
      tags,
    );
    if (from.logged) await this.#noteRegistration(from.logged, model.name, version.version);
    return { model: { ...model, last_update_time: now }, version };
  }

  /** The version the person may read, by number. */
  async get(actor: Principal, name: unknown, versionInput: unknown): Promise<VersionOf> {
    const number = checkVersion(versionInput);
    const model = await this.#registry.readable(actor, name);
    return { model, version: await this.#version(model, number) };
  }

  /** The version an alias names (`latest`: the highest number). */
  async byAlias(actor: Principal, name: unknown, aliasInput: unknown): Promise<VersionOf> {
    const alias = checkAlias(aliasInput, { forSetting: false });
    const model = await this.#registry.readable(actor, name);
    if (alias.toLowerCase() === "latest") {
      const newest = (await this.#store.latestVersions([model.id])).get(model.id)?.at(-1);
      if (!newest) throw doesNotExist(`Latest version not found for model ${model.name}.`);
      return { model, version: newest };
    }
    const number = await this.#store.alias(model.id, alias);
    if (number === undefined) throw invalidParameter(`Registered model alias ${alias} not found.`);
    return { model, version: await this.#version(model, number) };
  }

  async update(actor: Principal, name: unknown, versionInput: unknown, descriptionInput: unknown): Promise<VersionOf> {
    const { model, version } = await this.#writable(actor, name, versionInput);
    const description = checkDescription(descriptionInput);
    const now = this.#clock.now();
    await this.#store.updateVersion(version, { description }, now);
    return { model, version: { ...version, description, last_update_time: now } };
  }

  /** MLflow's (deprecated) stages, kept for clients that still move versions between them. */
  async transitionStage(actor: Principal, name: unknown, versionInput: unknown, stageInput: unknown, archiveExisting: unknown): Promise<VersionOf> {
    const stage = STAGES.find((s) => typeof stageInput === "string" && s.toLowerCase() === stageInput.toLowerCase());
    if (!stage) throw invalidParameter(`Invalid Model Version stage: ${String(stageInput).slice(0, 60)}. Value must be one of ${STAGES.join(", ")}.`);
    const archive = archiveExisting === true || archiveExisting === "true";
    if (archive && stage !== "Staging" && stage !== "Production") {
      throw invalidParameter(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production`);
    }
    const { model, version } = await this.#writable(actor, name, versionInput);
    const now = this.#clock.now();
    if (archive) await this.#store.archiveOthers(version, stage, now);
    await this.#store.updateVersion(version, { current_stage: stage }, now, true);
    return { model, version: { ...version, current_stage: stage, last_update_time: now } };
  }

  async delete(actor: Principal, name: unknown, versionInput: unknown): Promise<VersionOf> {
    const found = await this.#writable(actor, name, versionInput);
    await this.#store.deleteVersion(found.version, this.#clock.now());
    return found;
  }

  async setTag(actor: Principal, name: unknown, versionInput: unknown, tag: { key?: unknown; value?: unknown }): Promise<void> {
    const checked = checkRegistryTag(tag);
    const { version } = await this.#writable(actor, name, versionInput);
    await this.#store.setVersionTag(version, checked);
  }

  async deleteTag(actor: Principal, name: unknown, versionInput: unknown, key: unknown): Promise<void> {
    if (typeof key !== "string" || key === "") throw invalidParameter("Missing value for required parameter 'key'.");
    const { version } = await this.#writable(actor, name, versionInput);
    await this.#store.deleteVersionTag(version, key);
  }

  /** The newest version in each stage (or in the stages asked for). */
  async latest(actor: Principal, name: unknown, stages: unknown): Promise<VersionOf[]> {
    const model = await this.#registry.readable(actor, name);
    const wanted = Array.isArray(stages) && stages.length > 0 ? stages.map((s) => String(s).toLowerCase()) : null;
    const latest = (await this.#store.latestVersions([model.id])).get(model.id) ?? [];
    return latest.filter((v) => wanted === null || wanted.includes(v.current_stage.toLowerCase())).map((version) => ({ model, version }));
  }

  async #writable(actor: Principal, name: unknown, versionInput: unknown): Promise<VersionOf> {
    const number = checkVersion(versionInput);
    const model = await this.#registry.writable(actor, name);
    return { model, version: await this.#version(model, number) };
  }

  async #version(model: TrackingRegisteredModelsTable, number: number): Promise<TrackingModelVersionsTable> {
    const version = await this.#store.version({ registered_model_id: model.id, version: number });
    if (!version) throw versionNotFound(model.name, number);
    return version;
  }

  /**
   * Where a version's files are and what made them, from the source a client gives, checked
   * against the run_id and model_id it gives as MLflow checks them, each readable by the person.
   */
  async #resolveSource(actor: Principal, source: string, runId: string | null, modelId: string | null): Promise<{ storage: string; run: TrackingRunsTable | null; logged: TrackingLoggedModelsTable | null }> {
    const bad = (what: string) => invalidParameter(`Invalid model version source: '${source.slice(0, 300)}'. The ${what} request parameter must identify the resource that contains the source.`);
    // A run or model the person may not read does not exist for them: the source is then invalid, as MLflow answers for one that does not exist.
    const readable = async <T>(what: string, find: () => Promise<T>): Promise<T> => {
      try {
        return await find();
      } catch (err) {
        if (err instanceof MlflowError && err.code === "RESOURCE_DOES_NOT_EXIST") throw bad(what);
        throw err;
      }
    };
    const run = runId === null ? null : await readable("run_id", () => this.#runs.readable(actor, runId));
    const logged = modelId === null ? null : await readable("model_id", () => this.#logged.readable(actor, modelId));
    const match = /^([a-z][\w+.-]*):(.*)$/i.exec(source);
    const scheme = match?.[1]?.toLowerCase();
    const rest = match?.[2] ?? "";
    if (scheme === "models") {
      const target = rest.replace(/^\/+/, "");
      if (!rest.startsWith("/") || rest.startsWith("//")) throw invalidParameter(`Invalid model version source: '${source}'. Registered model sources must use the active model registry.`);
      if (/^m-[0-9a-f]{32}$/.test(target)) {
        if (logged && logged.id !== target) throw bad("model_id");
        const from = logged ?? (await readable("model_id", () => this.#logged.readable(actor, target)));
        return { storage: from.artifact_uri, run: run ?? (from.source_run_id ? await this.#runs.readable(actor, from.source_run_id) : null), logged: from };
      }
      const other = /^([^/@]+)(?:\/(\d+)|@([\w-]+))$/.exec(target);
      if (!other) throw invalidParameter(`Invalid model version source: '${source}'. ${PLINTH_SOURCES}`);
      const earlier = other[2] !== undefined ? await this.get(actor, other[1], other[2]) : await this.byAlias(actor, other[1], other[3]);
      if ((runId !== null && runId !== (earlier.version.run_id ?? "")) || (modelId !== null && modelId !== (earlier.version.model_id ?? ""))) {
        throw invalidParameter(`Invalid model version source: '${source}'. The run_id and model_id request parameters must match the source model version.`);
      }
      const earlierModel = earlier.version.model_id ? await this.#logged.readable(actor, earlier.version.model_id, { allowDeleted: true }) : null;
      const earlierRun = earlier.version.run_id ? await this.#runs.readable(actor, earlier.version.run_id) : null;
      return { storage: earlier.version.storage_location, run: earlierRun, logged: earlierModel };
    }
    if (scheme === "runs") {
      const parts = /^\/([0-9a-f]{32})(?:\/(.*))?$/.exec(rest);
      if (!parts || logged) throw bad(logged ? "model_id" : "run_id");
      if (run && run.id !== parts[1]) throw bad("run_id");
      const from = run ?? (await readable("run_id", () => this.#runs.readable(actor, parts[1]!)));
      const path = relativePath(parts[2] ?? "", source);
      return { storage: path === "" ? from.artifact_uri : `${from.artifact_uri}/${path}`, run: from, logged: null };
    }
    if (scheme === "mlflow-artifacts") {
      const root = logged?.artifact_uri ?? run?.artifact_uri;
      if (!root) throw bad("run_id");
      if (source !== root && !source.startsWith(`${root}/`)) throw bad(logged ? "model_id" : "run_id");
      relativePath(source.slice(root.length + 1), source);
      return { storage: source, run: run ?? (logged?.source_run_id ? await this.#runs.readable(actor, logged.source_run_id) : null), logged };
    }
    throw invalidParameter(`Invalid model version source: '${source.slice(0, 300)}'. ${PLINTH_SOURCES}`);
  }

  /** Notes on the logged model which versions were made from it (MLflow's mlflow.modelVersions tag). */
  async #noteRegistration(logged: TrackingLoggedModelsTable, name: string, version: number): Promise<void> {
    const tags = (await this.#logged.store.loggedModelData([logged.id])).get(logged.id)?.tags ?? [];
    let list: Array<{ name: string; version: string }> = [];
    try {
      const parsed = JSON.parse(tags.find((t) => t.key === "mlflow.modelVersions")?.value ?? "[]") as unknown;
      if (Array.isArray(parsed)) list = parsed as typeof list;
    } catch {
      // A tag someone set by hand: it is replaced.
    }
    if (!list.some((v) => v.name === name && String(v.version) === String(version))) list.push({ name, version: String(version) });
    await this.#logged.store.setLoggedModelValues("tracking_logged_model_tags", logged.id, [{ key: "mlflow.modelVersions", value: JSON.stringify(list) }]);
  }
}

function optionalId(value: unknown, name: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") throw invalidParameter(`Invalid value for parameter '${name}': expected a string.`);
  return value;
}

/** A path below a root: names separated by '/', no '.', '..' or empty parts. */
function relativePath(path: string, source: string): string {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed !== "" && !trimmed.split("/").every(isPathName)) {
    throw invalidParameter(`Invalid model version source: '${source.slice(0, 300)}': it may not contain '.', '..' or empty path parts.`);
  }
  return trimmed;
}
