import type { Kysely } from "kysely";

// Tracking, MLflow 3's models: logged models with their params and tags, the data sets and
// models a run read or wrote, and the model registry (registered models per team, their
// versions, tags and aliases). See src/tracking/models/tables.ts. No foreign keys, as elsewhere.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tracking_logged_models")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("experiment_id", "text", (c) => c.notNull())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("artifact_uri", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("status_message", "text")
    .addColumn("model_type", "text", (c) => c.notNull())
    .addColumn("source_run_id", "text")
    .addColumn("lifecycle_stage", "text", (c) => c.notNull())
    .addColumn("creation_time", "bigint", (c) => c.notNull())
    .addColumn("last_update_time", "bigint", (c) => c.notNull())
    .execute();
  // Searches list an experiment's models newest first; a run finds the models it logged.
  await db.schema.createIndex("tracking_logged_models_experiment").on("tracking_logged_models").columns(["experiment_id", "creation_time", "id"]).execute();
  await db.schema.createIndex("tracking_logged_models_run").on("tracking_logged_models").columns(["source_run_id"]).execute();

  for (const table of ["tracking_logged_model_params", "tracking_logged_model_tags"]) {
    await db.schema
      .createTable(table)
      .addColumn("model_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["model_id", "key"])
      .execute();
  }

  await db.schema
    .createTable("tracking_datasets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("experiment_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("source_type", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("schema", "text")
    .addColumn("profile", "text")
    .addUniqueConstraint("tracking_datasets_name_digest", ["experiment_id", "name", "digest"])
    .execute();
  await db.schema
    .createTable("tracking_dataset_inputs")
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("dataset_id", "text", (c) => c.notNull())
    .addColumn("tags", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_dataset_inputs_pk", ["run_id", "dataset_id"])
    .execute();
  await db.schema
    .createTable("tracking_run_models")
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("model_id", "text", (c) => c.notNull())
    .addColumn("step", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_run_models_pk", ["run_id", "direction", "model_id"])
    .execute();

  await db.schema
    .createTable("tracking_registered_models")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("creation_time", "bigint", (c) => c.notNull())
    .addColumn("last_update_time", "bigint", (c) => c.notNull())
    .addUniqueConstraint("tracking_registered_models_team_name", ["team_id", "name"])
    .execute();
  // A name is looked up across the teams a person reads; searches sort by name.
  await db.schema.createIndex("tracking_registered_models_name").on("tracking_registered_models").columns(["name", "id"]).execute();
  await db.schema
    .createTable("tracking_registered_model_tags")
    .addColumn("registered_model_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_registered_model_tags_pk", ["registered_model_id", "key"])
    .execute();

  await db.schema
    .createTable("tracking_model_versions")
    .addColumn("registered_model_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("creation_time", "bigint", (c) => c.notNull())
    .addColumn("last_update_time", "bigint", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("storage_location", "text", (c) => c.notNull())
    .addColumn("run_id", "text")
    .addColumn("model_id", "text")
    .addColumn("run_link", "text")
    .addColumn("current_stage", "text", (c) => c.notNull())
    .addColumn("deleted", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_model_versions_pk", ["registered_model_id", "version"])
    .execute();
  // The versions a run made (its job's models).
  await db.schema.createIndex("tracking_model_versions_run").on("tracking_model_versions").columns(["run_id"]).execute();
  await db.schema
    .createTable("tracking_model_version_tags")
    .addColumn("registered_model_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_model_version_tags_pk", ["registered_model_id", "version", "key"])
    .execute();
  await db.schema
    .createTable("tracking_model_aliases")
    .addColumn("registered_model_id", "text", (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("tracking_model_aliases_pk", ["registered_model_id", "alias"])
    .execute();
}
