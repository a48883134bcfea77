export type PlatformRole = "admin" | "member";
export type TeamRole = "admin" | "member" | "viewer";

export interface UsersTable {
  id: string;
  name: string;
  /** Platform role: `admin` is a Keeper, who runs the platform; everyone else is a `member`. */
  role: PlatformRole;
  created_at: number;
  display_name: string | null;
  email: string | null;
  /** scrypt, with its parameters; null when the person signs in only by token or SSO. */
  password_hash: string | null;
  /** The Unix account this person's jobs run as, where a Keeper mapped one. */
  unix_user: string | null;
  /** The team a job goes to when its spec names none. */
  primary_team_id: string | null;
  /** Set when a Keeper removed the person: they can no longer sign in; their work stays. */
  removed_at: number | null;
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
  /** Comma-separated scopes; null means everything its owner may do. */
  scopes: string | null;
}

export interface TeamsTable {
  id: string;
  name: string;
  description: string;
  created_at: number;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  role: TeamRole;
  source: "keeper" | "sso";
  created_at: number;
}

export interface IdentityTables {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
}
