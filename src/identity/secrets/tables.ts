// The secrets module's tables (migration 005). Values are sealed (sealing.ts), never in clear.

export interface SecretsTable {
  id: string;
  /** "user:<user id>" or "team:<team id>": whose secret it is. */
  scope: string;
  name: string;
  /** The value, sealed for "secret:<id>". */
  sealed: string;
  /** Which key sealed it, so a start-up check and a re-seal find rows without opening them. */
  key_id: string;
  /** Who set the value last. */
  set_by: string;
  created_at: number;
  updated_at: number;
}

/** The values a job was given when it started, sealed for "job-secrets:<job id>": its log is masked with them. */
export interface JobSecretValuesTable {
  job_id: string;
  sealed: string;
  key_id: string;
  created_at: number;
}

export interface SecretTables {
  secrets: SecretsTable;
  job_secret_values: JobSecretValuesTable;
}
