import type { DB } from "../../db/database.ts";
import type { InvitationsTable, OidcIdentitiesTable, OidcLoginsTable } from "./tables.ts";

/** Invitations, linked sign-on accounts and sign-ons in progress (the failures are rate-limit.ts's). */
export class SignInStore {
  readonly #db: DB;
  constructor(db: DB) {
    this.#db = db;
  }

  insertInvitation(row: InvitationsTable): Promise<unknown> {
    return this.#db.insertInto("invitations").values(row).execute();
  }

  invitationBySecretHash(hash: string): Promise<InvitationsTable | undefined> {
    return this.#db.selectFrom("invitations").selectAll().where("secret_hash", "=", hash).executeTakeFirst();
  }

  invitationById(id: string): Promise<InvitationsTable | undefined> {
    return this.#db.selectFrom("invitations").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The newest first, with the names of the team and of who invited whom. */
  listInvitations(limit: number): Promise<Array<InvitationsTable & { team_name: string; created_by_name: string; used_by_name: string | null }>> {
    return this.#db
      .selectFrom("invitations")
      .innerJoin("teams", "teams.id", "invitations.team_id")
      .innerJoin("users as creator", "creator.id", "invitations.created_by")
      .leftJoin("users as joiner", "joiner.id", "invitations.used_by")
      .selectAll("invitations")
      .select(["teams.name as team_name", "creator.name as created_by_name", "joiner.name as used_by_name"])
      .orderBy("invitations.created_at", "desc")
      .limit(limit)
      .execute();
  }

  /** Takes an invitation for one use: true only for the one caller that found it open. */
  async claimInvitation(id: string, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable("invitations")
      .set({ used_at: now })
      .where("id", "=", id)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Gives a claimed invitation back (the account could not be made after all). */
  releaseInvitation(id: string): Promise<unknown> {
    return this.#db.updateTable("invitations").set({ used_at: null }).where("id", "=", id).where("used_by", "is", null).execute();
  }

  markInvitationUsedBy(id: string, userId: string): Promise<unknown> {
    return this.#db.updateTable("invitations").set({ used_by: userId }).where("id", "=", id).execute();
  }

  async revokeInvitation(id: string, now: number): Promise<boolean> {
    const r = await this.#db.updateTable("invitations").set({ revoked_at: now }).where("id", "=", id).where("used_at", "is", null).where("revoked_at", "is", null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Revokes the open invitations someone made (they were removed); returns how many. */
  async revokeInvitationsBy(userId: string, now: number): Promise<number> {
    const r = await this.#db.updateTable("invitations").set({ revoked_at: now }).where("created_by", "=", userId).where("used_at", "is", null).where("revoked_at", "is", null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  // Sign-on accounts.

  identity(issuer: string, subject: string): Promise<OidcIdentitiesTable | undefined> {
    return this.#db.selectFrom("oidc_identities").selectAll().where("issuer", "=", issuer).where("subject", "=", subject).executeTakeFirst();
  }

  identitiesOf(userId: string): Promise<OidcIdentitiesTable[]> {
    return this.#db.selectFrom("oidc_identities").selectAll().where("user_id", "=", userId).execute();
  }

  insertIdentity(row: OidcIdentitiesTable): Promise<unknown> {
    return this.#db.insertInto("oidc_identities").values(row).execute();
  }

  updateIdentity(issuer: string, subject: string, patch: Partial<Pick<OidcIdentitiesTable, "admin_granted_at" | "last_sign_in_at">>): Promise<unknown> {
    return this.#db.updateTable("oidc_identities").set(patch).where("issuer", "=", issuer).where("subject", "=", subject).execute();
  }

  async deleteIdentitiesOf(userId: string): Promise<number> {
    const r = await this.#db.deleteFrom("oidc_identities").where("user_id", "=", userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // Sign-ons in progress.

  insertLogin(row: OidcLoginsTable): Promise<unknown> {
    return this.#db.insertInto("oidc_logins").values(row).execute();
  }

  /** Takes a sign-on in progress out, once: a second callback with the same state finds nothing. */
  async takeLogin(id: string, now: number): Promise<OidcLoginsTable | undefined> {
    const row = await this.#db.selectFrom("oidc_logins").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) return undefined;
    const r = await this.#db.deleteFrom("oidc_logins").where("id", "=", id).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1 || row.expires_at <= now) return undefined;
    return row;
  }

  deleteExpiredLogins(now: number): Promise<unknown> {
    return this.#db.deleteFrom("oidc_logins").where("expires_at", "<=", now).execute();
  }
}
