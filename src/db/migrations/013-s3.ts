import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";

// The S3-compatible endpoint's own tables: the objects of each team's bucket, and multipart
// uploads in progress with their parts. Bytes live in the blob store by SHA-256; these rows
// name them. Keys sort as S3 sorts them, by their UTF-8 bytes: SQLite's default collation
// does, PostgreSQL's needs the "C" collation. No foreign keys, as elsewhere.
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const keyType = dialect === "postgres" ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable("s3_objects")
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("key", keyType, (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("etag", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("modified_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("s3_objects_pk", ["team_id", "key"])
    .execute();
  // Garbage collection asks which blobs are still named.
  await db.schema.createIndex("s3_objects_sha256").on("s3_objects").columns(["sha256"]).execute();

  await db.schema
    .createTable("s3_multipart_uploads")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("team_id", "text", (c) => c.notNull())
    .addColumn("key", keyType, (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("checksum_algorithm", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("initiated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("s3_multipart_uploads_key").on("s3_multipart_uploads").columns(["team_id", "key", "id"]).execute();

  await db.schema
    .createTable("s3_multipart_parts")
    .addColumn("upload_id", "text", (c) => c.notNull())
    .addColumn("part_number", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("etag", "text", (c) => c.notNull())
    .addColumn("checksum", "text")
    .addColumn("modified_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("s3_multipart_parts_pk", ["upload_id", "part_number"])
    .execute();
  await db.schema.createIndex("s3_multipart_parts_sha256").on("s3_multipart_parts").columns(["sha256"]).execute();
}
