import type { AuditTables } from "../audit/tables.ts";
import type { DataTables } from "../data/tables.ts";
import type { NamedEnvironmentTables } from "../environments/named/tables.ts";
import type { AccessKeyTables } from "../identity/access-keys/tables.ts";
import type { SecretTables } from "../identity/secrets/tables.ts";
import type { SignInTables } from "../identity/sign-in/tables.ts";
import type { SshKeyTables } from "../identity/ssh-keys/tables.ts";
import type { IdentityTables } from "../identity/tables.ts";
import type { JobTables } from "../jobs/tables.ts";
import type { QuotaTables } from "../quotas/tables.ts";
import type { S3Tables } from "../s3/tables.ts";
import type { TrackingModelTables } from "../tracking/models/tables.ts";
import type { TrackingTables } from "../tracking/tables.ts";
import type { WorkspaceTables } from "../workspaces/tables.ts";

// Each module owns its tables (declared beside its store); this only joins them for Kysely.
export interface KvTable {
  key: string;
  value: string;
  updated_at: number;
}

export type Tables = AuditTables & IdentityTables & SecretTables & AccessKeyTables & SignInTables & SshKeyTables & JobTables & QuotaTables & DataTables & S3Tables & TrackingTables & TrackingModelTables & NamedEnvironmentTables & WorkspaceTables & { kv: KvTable };
