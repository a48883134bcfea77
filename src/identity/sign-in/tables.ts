import type { TeamRole } from "../tables.ts";

// The tables of signing in without a token (migration 007).

/** One failed password sign-in, counted against the name tried and against the address. */
export interface SignInFailuresTable {
  id: string;
  kind: "name" | "address";
  key: string;
  at: number;
}

export interface InvitationsTable {
  id: string;
  /** sha256 of the link's secret; the secret is in the link alone. */
  secret_hash: string;
  team_id: string;
  team_role: TeamRole;
  user_name: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
  revoked_at: number | null;
}

/** A provider's account (issuer + subject) linked to a person here. */
export interface OidcIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  admin_granted_at: number | null;
  created_at: number;
  last_sign_in_at: number;
}

/** A sign-on in progress: what the callback needs to finish it. */
export interface OidcLoginsTable {
  id: string;
  code_verifier: string;
  nonce: string;
  return_to: string;
  created_at: number;
  expires_at: number;
}

export interface SignInTables {
  sign_in_failures: SignInFailuresTable;
  invitations: InvitationsTable;
  oidc_identities: OidcIdentitiesTable;
  oidc_logins: OidcLoginsTable;
}
