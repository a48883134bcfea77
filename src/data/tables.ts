import type { Visibility } from "../identity/policy.ts";

// The data module's tables (migration 011). Timestamps are milliseconds; JSON columns are text.

export interface DatasetsTable {
  id: string;
  team_id: string;
  name: string;
  owner_id: string;
  visibility: Visibility;
  description: string;
  /** The dataset's Expectations as JSON, or null. */
  expectations: string | null;
  /** The highest version number given so far (removed versions' numbers are not reused). */
  last_version: number;
  created_at: number;
  updated_at: number;
}

export interface DatasetVersionsTable {
  id: string;
  dataset_id: string;
  /** 1, 2, 3… within the dataset. */
  number: number;
  /** sha256 of the canonical manifest (`path\tsha256\tsize` lines sorted by path). */
  digest: string;
  file_count: number;
  total_bytes: number;
  message: string;
  /** A user id. */
  created_by: string;
  created_at: number;
  produced_by_job_id: string | null;
}

export interface DatasetFilesTable {
  version_id: string;
  path: string;
  sha256: string;
  size: number;
  /** TableProfile as JSON for CSV, TSV and Parquet files; null otherwise. */
  profile: string | null;
}

export interface DatasetAliasesTable {
  dataset_id: string;
  alias: string;
  version_id: string;
  updated_at: number;
  /** A user id. */
  updated_by: string;
}

export interface DataBlobsTable {
  sha256: string;
  size: number;
  created_at: number;
}

export interface DataBlobGrantsTable {
  user_id: string;
  sha256: string;
  created_at: number;
}

export interface DataUploadsTable {
  id: string;
  user_id: string;
  team_id: string;
  sha256: string;
  size: number;
  part_size: number;
  /** The blob store's multipart session. */
  store_upload_id: string;
  created_at: number;
  expires_at: number;
}

export interface JobDatasetLinksTable {
  job_id: string;
  /** The input's or output's name in the job spec. */
  name: string;
  version_id: string;
}

export interface DataTables {
  datasets: DatasetsTable;
  dataset_versions: DatasetVersionsTable;
  dataset_files: DatasetFilesTable;
  dataset_aliases: DatasetAliasesTable;
  data_blobs: DataBlobsTable;
  data_blob_grants: DataBlobGrantsTable;
  data_uploads: DataUploadsTable;
  job_dataset_inputs: JobDatasetLinksTable;
  job_dataset_outputs: JobDatasetLinksTable;
}
