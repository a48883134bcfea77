// The tracking module's tables (migration 015): experiments and runs as MLflow has them, kept
// per team. Times are milliseconds since the epoch, as MLflow's API gives them. Metric values
// are doubles; NaN is kept as is_nan = 1 (SQLite cannot store NaN), ±Infinity as themselves.

export interface TrackingExperimentsTable {
  /** MLflow's experiment_id: a string of digits here, as MLflow's own server gives. */
  id: string;
  team_id: string;
  /** Unique within the team. */
  name: string;
  /** Where the experiment's runs keep their artifacts (mlflow-artifacts:/…). */
  artifact_location: string;
  /** "active" or "deleted" (MLflow's lifecycle stage; deleted experiments can be restored). */
  lifecycle_stage: string;
  created_by: string;
  creation_time: number;
  last_update_time: number;
}

export interface TrackingExperimentTagsTable {
  experiment_id: string;
  key: string;
  value: string;
}

export interface TrackingRunsTable {
  /** MLflow's run_id: 32 hex digits. */
  id: string;
  experiment_id: string;
  /** The experiment's team, kept on the run so lists filter without a join. */
  team_id: string;
  name: string;
  /** The person who made the run (MLflow's user_id is their name; this is their id). */
  user_id: string;
  /** As a job's: "team" (every member reads it, the default), "private" (its owner, the team's admins and Keepers) or "public". */
  visibility: string;
  /** RUNNING, SCHEDULED, FINISHED, FAILED or KILLED. */
  status: string;
  start_time: number;
  end_time: number | null;
  /** "active" or "deleted". */
  lifecycle_stage: string;
  artifact_uri: string;
  /** The job this run tracks, when a job made it. */
  job_id: string | null;
  /** The run this one is nested in (MLflow's mlflow.parentRunId tag, kept as a column too). */
  parent_run_id: string | null;
  deleted_time: number | null;
}

export interface TrackingParamsTable {
  run_id: string;
  key: string;
  value: string;
}

export interface TrackingRunTagsTable {
  run_id: string;
  key: string;
  value: string;
}

/** Every logged point of every metric: the history get_metric_history and the charts read. */
export interface TrackingMetricsTable {
  run_id: string;
  key: string;
  value: number;
  is_nan: number;
  step: number;
  timestamp: number;
}

/**
 * The latest point of each metric of a run (the largest step, then timestamp, then value, as
 * MLflow picks it): what searches filter and sort on, one row per (run, key). It carries the run's
 * experiment so that a search ordered by a metric reads it in order from an index.
 */
export interface TrackingLatestMetricsTable extends TrackingMetricsTable {
  experiment_id: string;
}

/** A file a run logged (log_artifact, log_model…), at `path` below the run's artifact root. */
export interface TrackingArtifactsTable {
  run_id: string;
  path: string;
  sha256: string;
  size: number;
  modified_at: number;
}

export interface TrackingTables {
  tracking_experiments: TrackingExperimentsTable;
  tracking_experiment_tags: TrackingExperimentTagsTable;
  tracking_runs: TrackingRunsTable;
  tracking_params: TrackingParamsTable;
  tracking_run_tags: TrackingRunTagsTable;
  tracking_metrics: TrackingMetricsTable;
  tracking_latest_metrics: TrackingLatestMetricsTable;
  tracking_artifacts: TrackingArtifactsTable;
}
