import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// Datasets: named, versioned sets of files in a team. A version is a manifest of files (path,
// sha256, size) frozen when it is made; the bytes live once per sha256 in the blob store.
// `data_blobs` lists every blob ever stored, for garbage collection; `data_blob_grants` says
// who may name a blob by its hash (they sent its bytes); `data_uploads` holds open resumable
// uploads. `last_version` is the highest version number ever given, so a removed version's
// number is never given again. Jobs record the versions they read and wrote (lineage). A team's byte quota is a
// new column of `quotas`. No foreign keys, as elsewhere: the services keep rows consistent.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("datasets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("owner_id", "text", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("expectations", "text")
    .addColumn("last_version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("datasets_team_name", ["team_id", "name"])
    .execute();
  // Lists walk the newest changed first (keyset on updated_at, id); a name is looked up in
  // every team the person may read; a person's own datasets by owner.
  await db.schema.createIndex("datasets_updated").on("datasets").columns(["updated_at", "id"]).execute();
  await db.schema.createIndex("datasets_name").on("datasets").columns(["name", "id"]).execute();
  await db.schema.createIndex("datasets_owner").on("datasets").columns(["owner_id", "name"]).execute();

  await db.schema
    .createTable("dataset_versions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("dataset_id", "text", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("file_count", "integer", (c) => c.notNull())
    .addColumn("total_bytes", "bigint", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("produced_by_job_id", "text")
    .addUniqueConstraint("dataset_versions_number", ["dataset_id", "number"])
    .execute();
  await db.schema.createIndex("dataset_versions_digest").on("dataset_versions").columns(["digest"]).execute();
  await db.schema.createIndex("dataset_versions_job").on("dataset_versions").columns(["produced_by_job_id"]).execute();

  await db.schema
    .createTable("dataset_files")
    .addColumn("version_id", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("profile", "text")
    .addPrimaryKeyConstraint("dataset_files_pk", ["version_id", "path"])
    .execute();
  await db.schema.createIndex("dataset_files_sha256").on("dataset_files").columns(["sha256"]).execute();

  await db.schema
    .createTable("dataset_aliases")
    .addColumn("dataset_id", "text", (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("version_id", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("dataset_aliases_pk", ["dataset_id", "alias"])
    .execute();
  await db.schema.createIndex("dataset_aliases_version").on("dataset_aliases").columns(["version_id"]).execute();

  await db.schema
    .createTable("data_blobs")
    .addColumn("sha256", "text", (c) => c.primaryKey())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("data_blobs_created").on("data_blobs").columns(["created_at", "sha256"]).execute();

  await db.schema
    .createTable("data_blob_grants")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("data_blob_grants_pk", ["user_id", "sha256"])
    .execute();
  await db.schema.createIndex("data_blob_grants_sha256").on("data_blob_grants").columns(["sha256"]).execute();

  await db.schema
    .createTable("data_uploads")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("part_size", "bigint", (c) => c.notNull())
    .addColumn("store_upload_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("data_uploads_owner").on("data_uploads").columns(["user_id", "sha256", "size"]).execute();
  await db.schema.createIndex("data_uploads_team").on("data_uploads").columns(["team_id"]).execute();
  await db.schema.createIndex("data_uploads_expires").on("data_uploads").columns(["expires_at"]).execute();
  await db.schema.createIndex("data_uploads_sha256").on("data_uploads").columns(["sha256"]).execute();

  for (const table of ["job_dataset_inputs", "job_dataset_outputs"]) {
    await db.schema
      .createTable(table)
      .addColumn("job_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("version_id", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["job_id", "name"])
      .execute();
    await db.schema.createIndex(`${table}_version`).on(table).columns(["version_id"]).execute();
  }

  await db.schema.alterTable("quotas").addColumn("storage_bytes", "bigint").execute();
}
