export interface UsersTable {
  id: string;
  name: string;
  role: "admin" | "member";
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** First characters, so a person can tell tokens apart in a list. */
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface IdentityTables {
  users: UsersTable;
  api_tokens: ApiTokensTable;
}
