import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// Signing in without a token: failed password attempts (for the rate limit, kept in the
// database so every replica counts the same), invitation links, the sign-on accounts linked
// to people, and sign-ons in progress (PKCE verifier and nonce, kept here for ten minutes).
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("sign_in_failures")
    .addColumn("id", "text", (c) => c.primaryKey())
    // "name" (the user name tried, lower-cased) or "address" (the client's address).
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sign_in_failures_key").on("sign_in_failures").columns(["kind", "key", "at"]).execute();
  await db.schema.createIndex("sign_in_failures_at").on("sign_in_failures").columns(["at"]).execute();

  await db.schema
    .createTable("invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("team_id", "text", (c) => c.notNull().references("teams.id"))
    .addColumn("team_role", "text", (c) => c.notNull())
    // The user name the invitee must take; null lets them choose.
    .addColumn("user_name", "text")
    .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .addColumn("used_by", "text", (c) => c.references("users.id"))
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("invitations_created").on("invitations").columns(["created_at"]).execute();

  await db.schema
    .createTable("oidc_identities")
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    // When a group claim made the person a Keeper: taken back when the group goes, unlike a
    // Keeper role given by hand.
    .addColumn("admin_granted_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_sign_in_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("oidc_identities_pk", ["issuer", "subject"])
    .execute();
  await db.schema.createIndex("oidc_identities_user").on("oidc_identities").columns(["user_id"]).execute();

  await db.schema
    .createTable("oidc_logins")
    // sha256 of the `state` value, which the browser holds in a cookie and the provider echoes.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("code_verifier", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("return_to", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("oidc_logins_expires").on("oidc_logins").columns(["expires_at"]).execute();
}
