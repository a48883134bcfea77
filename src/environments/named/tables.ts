// The tables of named team environments (migration 018). Times are milliseconds since the epoch.

/** A name a team publishes environments under: `pytorch`, `sklearn`, `r-4.4`. */
export interface NamedEnvironmentsTable {
  id: string;
  team_id: string;
  name: string;
  description: string;
  /** Who published its first version. */
  owner_id: string;
  /** The highest version number published; versions are never renumbered or reused. */
  latest_version: number;
  created_at: number;
  updated_at: number;
}

/** One immutable version: what was asked for, and what it was pinned to then. */
export interface NamedEnvironmentVersionsTable {
  environment_id: string;
  version: number;
  /** JSON: `{ python?, packages }` as published. */
  definition: string;
  /** JSON: the ResolvedEnvironment pinned at publish, so jobs using it need no index at submit. */
  resolved: string;
  published_by: string;
  created_at: number;
}

/** That a job was submitted with a version (one row per job). */
export interface NamedEnvironmentUsesTable {
  job_id: string;
  environment_id: string;
  version: number;
  used_at: number;
}

export interface NamedEnvironmentTables {
  named_environments: NamedEnvironmentsTable;
  named_environment_versions: NamedEnvironmentVersionsTable;
  named_environment_uses: NamedEnvironmentUsesTable;
}
