import type { IdentityTables } from "../identity/tables.ts";
import type { JobTables } from "../jobs/tables.ts";

// Each module owns its tables (declared beside its store); this only joins them for Kysely.
export interface KvTable {
  key: string;
  value: string;
  updated_at: number;
}

export type Tables = IdentityTables & JobTables & { kv: KvTable };
