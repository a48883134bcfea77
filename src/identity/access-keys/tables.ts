// The access-keys module's table (migration 005).

export interface AccessKeysTable {
  /** The public half, `PLKA…`, 20 characters. */
  id: string;
  user_id: string;
  name: string;
  /** The secret half, sealed for "access-key:<id>": a request signature is checked with it. */
  sealed: string;
  key_id: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AccessKeyTables {
  access_keys: AccessKeysTable;
}
