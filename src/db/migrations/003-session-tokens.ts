import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";

// Which API token a browser session was signed in with, so that revoking the token ends the
// sessions it started. Sessions from before this migration cannot say which token they came
// from, so they end here: everyone signed in to the portal signs in once more.
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable("sessions")
    .addColumn("token_id", "text", (c) => c.references("api_tokens.id"))
    .execute();
  await db.schema.createIndex("sessions_token").on("sessions").columns(["token_id"]).execute();
  await db.updateTable("sessions").set({ revoked_at: Date.now() }).where("revoked_at", "is", null).execute();
}
