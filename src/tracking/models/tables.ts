// The tables of MLflow 3's logged models, a run's inputs and outputs, and the model registry
// (migration 016). Times are milliseconds since the epoch, as MLflow's API gives them. A logged
// model's files are rows of tracking_artifacts keyed by the model's id (see ../artifacts.ts).

/** A model a run (or a script) logged: MLflow 3's LoggedModel, `m-<32 hex digits>`. */
export interface TrackingLoggedModelsTable {
  id: string;
  experiment_id: string;
  /** The experiment's team, kept here so lists filter without a join. */
  team_id: string;
  name: string;
  /** The person who logged it; it is theirs to finalize, tag and delete. */
  created_by: string;
  /** Its source run's ("team", "private" or "public"); "team" when it has none. */
  visibility: string;
  /** mlflow-artifacts:/<experiment>/models/<id>/artifacts */
  artifact_uri: string;
  /** LOGGED_MODEL_PENDING, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED. */
  status: string;
  status_message: string | null;
  model_type: string;
  source_run_id: string | null;
  /** "active" or "deleted". */
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface TrackingLoggedModelParamsTable {
  model_id: string;
  key: string;
  value: string;
}

export type TrackingLoggedModelTagsTable = TrackingLoggedModelParamsTable;

/** A data set an experiment's runs used, once per (experiment, name, digest), as MLflow keeps it. */
export interface TrackingDatasetsTable {
  id: string;
  experiment_id: string;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

/** That a run used a data set, with the input's tags (mlflow.data.context…) as a JSON list. */
export interface TrackingDatasetInputsTable {
  run_id: string;
  dataset_id: string;
  tags: string;
}

/** A logged model a run read ("input") or wrote ("output", at a step). */
export interface TrackingRunModelsTable {
  run_id: string;
  direction: string;
  model_id: string;
  step: number;
}

/** A model in the registry: a team's, its name unique in the team. */
export interface TrackingRegisteredModelsTable {
  id: string;
  team_id: string;
  name: string;
  created_by: string;
  /** "team" (every member reads it and its versions); kept as a column so lists filter as they do for runs. */
  visibility: string;
  description: string | null;
  creation_time: number;
  last_update_time: number;
}

export interface TrackingRegisteredModelTagsTable {
  registered_model_id: string;
  key: string;
  value: string;
}

/**
 * A version of a registered model. A deleted version stays as a tombstone (`deleted` = 1,
 * its source and run cleared) so that its number is never given again, as in MLflow.
 */
export interface TrackingModelVersionsTable {
  registered_model_id: string;
  version: number;
  created_by: string;
  creation_time: number;
  last_update_time: number;
  description: string | null;
  /** As the client gave it: runs:/…, models:/m-…, mlflow-artifacts:/… */
  source: string;
  /** Where its files are: a run's or a logged model's folder in the artifact proxy. */
  storage_location: string;
  /** The run that made it, and through tracking_runs.job_id the job. */
  run_id: string | null;
  /** The logged model it was made from. */
  model_id: string | null;
  run_link: string | null;
  /** MLflow's (deprecated) stages: None, Staging, Production, Archived. */
  current_stage: string;
  deleted: number;
}

export interface TrackingModelVersionTagsTable {
  registered_model_id: string;
  version: number;
  key: string;
  value: string;
}

export interface TrackingModelAliasesTable {
  registered_model_id: string;
  alias: string;
  version: number;
}

export interface TrackingModelTables {
  tracking_logged_models: TrackingLoggedModelsTable;
  tracking_logged_model_params: TrackingLoggedModelParamsTable;
  tracking_logged_model_tags: TrackingLoggedModelTagsTable;
  tracking_datasets: TrackingDatasetsTable;
  tracking_dataset_inputs: TrackingDatasetInputsTable;
  tracking_run_models: TrackingRunModelsTable;
  tracking_registered_models: TrackingRegisteredModelsTable;
  tracking_registered_model_tags: TrackingRegisteredModelTagsTable;
  tracking_model_versions: TrackingModelVersionsTable;
  tracking_model_version_tags: TrackingModelVersionTagsTable;
  tracking_model_aliases: TrackingModelAliasesTable;
}
