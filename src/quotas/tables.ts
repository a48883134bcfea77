export interface QuotasTable {
  /** "user" or "team". */
  scope: "user" | "team";
  /** The user's or the team's id. */
  subject_id: string;
  gpus: number | null;
  running_jobs: number | null;
  /** GPU-seconds per rolling 7 days. */
  gpu_seconds_per_week: number | null;
  /** Bytes of dataset and S3 content a team may keep (migration 011). */
  storage_bytes: number | null;
  updated_at: number;
  /** Who set it last (a user id). */
  updated_by: string | null;
}

export interface QuotaTables {
  quotas: QuotasTable;
}
