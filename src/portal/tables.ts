import type { Kysely } from "kysely";
import type { DB } from "../db/database.ts";

// The portal's own tables. Sessions are kept apart from API tokens so that other ways of
// signing in (password, SSO) become new `method`s, not new session code.

export interface SessionsTable {
  id: string;
  user_id: string;
  /** sha256 of the cookie's secret; the secret itself lives only in the browser. */
  secret_hash: string;
  /** How the person proved who they are: "token" today; "password", "oidc" later. */
  method: string;
  /** The API token a "token" session was signed in with: revoking the token ends the session. */
  token_id: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  user_agent: string | null;
}

/** Milestones of the Start-here journey that no other module records (CLI used, job watched...). */
export interface PortalProgressTable {
  user_id: string;
  step: string;
  at: number;
}

export interface PortalTables {
  sessions: SessionsTable;
  portal_progress: PortalProgressTable;
}

export type PortalDB = Kysely<PortalTables>;

/** The shared connection, typed for the portal's tables only. */
export function portalDb(db: DB): PortalDB {
  return db as unknown as PortalDB;
}
