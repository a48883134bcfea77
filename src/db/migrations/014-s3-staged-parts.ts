import type { Kysely } from "kysely";

// S3 multipart parts are staged in the blob store's own upload session (written at their
// offsets in one file on the local store, so completing copies nothing) instead of each being
// a blob: an upload names its session, and parts no longer name blobs. Uploads left unfinished
// from before have their parts as blobs and no session; they are ended here (S3 clients start
// an upload again when theirs is gone), and garbage collection takes their parts' blobs.
export async function up(db: Kysely<any>): Promise<void> {
  await db.deleteFrom("s3_multipart_parts").execute();
  await db.deleteFrom("s3_multipart_uploads").execute();
  await db.schema.alterTable("s3_multipart_uploads").addColumn("staging", "text").execute();
  await db.schema.dropIndex("s3_multipart_parts_sha256").execute();
  await db.schema.alterTable("s3_multipart_parts").dropColumn("sha256").execute();
}
