import type { RunIo } from "../models/store.ts";
import type { TrackingLoggedModelsTable, TrackingModelVersionsTable, TrackingRegisteredModelsTable } from "../models/tables.ts";
import type { MlflowKeyValue } from "./entities.ts";

// Logged models, a run's inputs and outputs, registered models and their versions as MLflow's
// REST API shapes them (service.proto, model_registry.proto). Empty lists are left out, as
// protobuf's JSON leaves them out.

const list = <K extends string, T>(key: K, items: T[]) => (items.length > 0 ? ({ [key]: items } as Record<K, T[]>) : {});

export function loggedModelJson(m: TrackingLoggedModelsTable, data: { params: MlflowKeyValue[]; tags: MlflowKeyValue[] }) {
  return {
    info: {
      model_id: m.id,
      experiment_id: m.experiment_id,
      name: m.name,
      creation_timestamp_ms: Number(m.creation_time),
      last_updated_timestamp_ms: Number(m.last_update_time),
      artifact_uri: m.artifact_uri,
      status: m.status,
      model_type: m.model_type,
      ...(m.source_run_id !== null && { source_run_id: m.source_run_id }),
      ...(m.status_message !== null && { status_message: m.status_message }),
      ...list(
        "tags",
        data.tags.map((t) => ({ key: t.key, value: t.value })),
      ),
    },
    data: list(
      "params",
      data.params.map((p) => ({ key: p.key, value: p.value })),
    ),
  };
}

/** A run's `inputs` and `outputs` in get_run's answer. */
export function runIoJson(io: RunIo | undefined) {
  if (!io) return { inputs: {}, outputs: {} };
  return {
    inputs: {
      ...list(
        "dataset_inputs",
        io.datasets.map(({ dataset: d, tags }) => ({
          ...list("tags", tags),
          dataset: { name: d.name, digest: d.digest, source_type: d.source_type, source: d.source, ...(d.schema !== null && { schema: d.schema }), ...(d.profile !== null && { profile: d.profile }) },
        })),
      ),
      ...list(
        "model_inputs",
        io.modelInputs.map((model_id) => ({ model_id })),
      ),
    },
    outputs: list(
      "model_outputs",
      io.modelOutputs.map((o) => ({ model_id: o.modelId, step: o.step })),
    ),
  };
}

export function modelVersionJson(name: string, v: TrackingModelVersionsTable, data: { tags: MlflowKeyValue[]; aliases?: string[] }) {
  return {
    name,
    version: String(v.version),
    creation_timestamp: Number(v.creation_time),
    last_updated_timestamp: Number(v.last_update_time),
    current_stage: v.current_stage,
    description: v.description ?? "",
    source: v.source,
    ...(v.run_id !== null && { run_id: v.run_id }),
    ...(v.model_id !== null && { model_id: v.model_id }),
    status: "READY",
    ...list("tags", data.tags),
    run_link: v.run_link ?? "",
    ...list("aliases", data.aliases ?? []),
  };
}

export function registeredModelJson(
  m: TrackingRegisteredModelsTable,
  data: { tags: MlflowKeyValue[]; aliases: Array<{ alias: string; version: number }>; latest: Array<ReturnType<typeof modelVersionJson>> },
) {
  return {
    name: m.name,
    creation_timestamp: Number(m.creation_time),
    last_updated_timestamp: Number(m.last_update_time),
    ...(m.description !== null && { description: m.description }),
    ...list("latest_versions", data.latest),
    ...list("tags", data.tags),
    ...list(
      "aliases",
      data.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
    ),
  };
}
