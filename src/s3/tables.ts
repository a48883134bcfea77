// The S3 endpoint's tables (migrations 013 and 014). Timestamps are milliseconds; JSON columns are text.

export interface S3ObjectsTable {
  team_id: string;
  /** The object key, UTF-8, at most 1024 bytes. */
  key: string;
  /** The blob holding the bytes. */
  sha256: string;
  size: number;
  /** Without quotes: hex MD5 of the bytes, or `<md5 of the parts' MD5s>-N` after a multipart upload. */
  etag: string;
  content_type: string;
  /** Response headers to replay (x-amz-meta-*, Cache-Control, Content-Disposition…, a stored checksum), as a JSON object. */
  metadata: string;
  /** A user id: the object's owner for the policy. */
  created_by: string;
  modified_at: number;
}

export interface S3MultipartUploadsTable {
  id: string;
  team_id: string;
  key: string;
  content_type: string;
  metadata: string;
  /** crc32, sha256… when the client declared one at the start (x-amz-checksum-algorithm). */
  checksum_algorithm: string | null;
  /** The blob store's multipart session holding the parts (migration 014). */
  staging: string;
  created_by: string;
  initiated_at: number;
}

export interface S3MultipartPartsTable {
  upload_id: string;
  part_number: number;
  size: number;
  /** Hex MD5 of the part, without quotes. */
  etag: string;
  /** The part's additional checksum (base64), when one was sent. */
  checksum: string | null;
  modified_at: number;
}

export interface S3Tables {
  s3_objects: S3ObjectsTable;
  s3_multipart_uploads: S3MultipartUploadsTable;
  s3_multipart_parts: S3MultipartPartsTable;
}
