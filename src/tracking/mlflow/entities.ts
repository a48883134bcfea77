import type { TrackingExperimentsTable, TrackingExperimentTagsTable, TrackingLatestMetricsTable, TrackingMetricsTable, TrackingParamsTable, TrackingRunsTable, TrackingRunTagsTable } from "../tables.ts";

// Plinth's rows as MLflow's REST API shapes them (mlflow/protos/service.proto), field names
// and all, so MLflow's clients read them as they read an MLflow server's answers.

export interface MlflowKeyValue {
  key: string;
  value: string;
}

export function experimentJson(e: TrackingExperimentsTable, tags: TrackingExperimentTagsTable[]) {
  return {
    experiment_id: e.id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: Number(e.last_update_time),
    creation_time: Number(e.creation_time),
    tags: tags.map((t) => ({ key: t.key, value: t.value })),
  };
}

export function runInfoJson(r: TrackingRunsTable, userName: string) {
  return {
    run_id: r.id,
    run_uuid: r.id,
    run_name: r.name,
    experiment_id: r.experiment_id,
    user_id: userName,
    status: r.status,
    start_time: Number(r.start_time),
    ...(r.end_time !== null && { end_time: Number(r.end_time) }),
    artifact_uri: r.artifact_uri,
    lifecycle_stage: r.lifecycle_stage,
  };
}

export function metricJson(m: TrackingMetricsTable | TrackingLatestMetricsTable) {
  return { key: m.key, value: Number(m.is_nan) ? Number.NaN : Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step) };
}

/** A run with its data and, when given, what it read and wrote (`inputs`, `outputs`: see model-entities.ts). */
export function runJson(
  r: TrackingRunsTable,
  userName: string,
  data: { params: TrackingParamsTable[]; tags: TrackingRunTagsTable[]; metrics: TrackingLatestMetricsTable[] },
  io: { inputs: object; outputs: object } = { inputs: {}, outputs: {} },
) {
  return {
    info: runInfoJson(r, userName),
    data: {
      metrics: data.metrics.map(metricJson),
      params: data.params.map((p) => ({ key: p.key, value: p.value })),
      tags: data.tags.map((t) => ({ key: t.key, value: t.value })),
    },
    inputs: io.inputs,
    outputs: io.outputs,
  };
}
