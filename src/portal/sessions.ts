import { createHash, randomBytes } from "node:crypto";
import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import type { Clock } from "../core/clock.ts";
import { problems } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { type IdentityService, type Principal, requireAdmin } from "../identity/service.ts";
import type { PortalDB, PortalTables, SessionsTable } from "./tables.ts";

// Browser sessions. A session is created after someone proved who they are by any method
// (an API token today; a password or SSO later call the same createSession), and is
// presented as an HttpOnly cookie holding a random secret. Only the secret's sha256 is
// stored: like an API token it is 32 random bytes, so a fast hash cannot be reversed.

export const SESSION_TTL_MS = 30 * 86_400_000;
const CACHE_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;

export type SignInMethod = "token" | "password" | "oidc";

export interface SessionInfo {
  id: string;
  method: string;
  createdAt: string;
  expiresAt: string;
}

export class SessionService {
  readonly #db: PortalDB;
  readonly #identity: IdentityService;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { principal: Principal; until: number; expiresAt: number; generation: number }>();

  constructor(db: PortalDB, identity: IdentityService, clock: Clock) {
    this.#db = db;
    this.#identity = identity;
    this.#clock = clock;
  }

  /**
   * Starts a session for a user who has just proved who they are; returns the cookie secret.
   * `tokenId` is the API token they proved it with, if any: revoking it ends the session.
   */
  async createSession(userId: string, method: SignInMethod, opts: { tokenId?: string; userAgent?: string } = {}): Promise<{ secret: string; session: SessionInfo }> {
    const { tokenId, userAgent } = opts;
    const now = this.#clock.now();
    const secret = randomBytes(32).toString("base64url");
    const row: SessionsTable = {
      id: newId("ses", now),
      user_id: userId,
      secret_hash: hashSecret(secret),
      method,
      token_id: tokenId ?? null,
      created_at: now,
      last_seen_at: now,
      expires_at: now + SESSION_TTL_MS,
      revoked_at: null,
      user_agent: userAgent?.slice(0, 256) ?? null,
    };
    await this.#db.insertInto("sessions").values(row).execute();
    // A revocation racing this sign-in either ends the session just stored (it revokes the
    // token first, then that token's sessions) or is seen here.
    if (tokenId && !(await this.#identity.isTokenActive(tokenId))) {
      await this.#end((eb) => eb("id", "=", row.id));
      throw problems.unauthorized("That token was revoked as you signed in.");
    }
    return { secret, session: toInfo(row) };
  }

  /** The signed-in person for a cookie secret, or null. `tokenId` carries the session id. */
  async authenticate(secret: string): Promise<Principal | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
    const hash = hashSecret(secret);
    const now = this.#clock.now();
    const hit = this.#cache.get(hash);
    if (hit && hit.until > now && hit.expiresAt > now && hit.generation === this.#identity.generation) return hit.principal;
    const row = await this.#db.selectFrom("sessions").selectAll().where("secret_hash", "=", hash).executeTakeFirst();
    if (!row || row.revoked_at !== null || row.expires_at <= now) {
      this.#cache.delete(hash);
      return null;
    }
    const generation = this.#identity.generation;
    const principal = await this.#identity.principalFor(row.user_id, row.id, null);
    if (!principal) return null;
    if (generation === this.#identity.generation) this.#cache.set(hash, { principal, until: now + CACHE_MS, expiresAt: row.expires_at, generation });
    if (this.#cache.size > 10_000) this.#cache.clear();
    if (row.last_seen_at + TOUCH_EVERY_MS < now) {
      await this.#db.updateTable("sessions").set({ last_seen_at: now }).where("id", "=", row.id).execute();
    }
    return principal;
  }

  /** A person's browsers that are still signed in, newest first. */
  async listOf(userId: string): Promise<Array<SessionInfo & { lastSeenAt: string; userAgent: string | null }>> {
    const rows = await this.#db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", this.#clock.now())
      .orderBy("id", "desc")
      .execute();
    return rows.map((row) => ({ ...toInfo(row), lastSeenAt: new Date(Number(row.last_seen_at)).toISOString(), userAgent: row.user_agent }));
  }

  /** Ends one of a user's sessions (sign-out). */
  async revoke(userId: string, sessionId: string): Promise<boolean> {
    return (await this.#end((eb) => eb.and([eb("id", "=", sessionId), eb("user_id", "=", userId)]))) > 0;
  }

  /** Ends the sessions signed in with an API token (it has just been revoked); returns how many. */
  endSignedInWith(tokenId: string): Promise<number> {
    return this.#end((eb) => eb("token_id", "=", tokenId));
  }

  /** Ends every session of a person (they were removed); returns how many ended. */
  endAllFor(userId: string): Promise<number> {
    return this.#end((eb) => eb("user_id", "=", userId));
  }

  /** Signs someone out of every browser (admins only); returns how many sessions ended. */
  async endAllOf(actor: Principal, userName: string): Promise<number> {
    requireAdmin(actor, "sign other people out");
    const user = await this.#identity.userNamed(userName);
    return this.#end((eb) => eb("user_id", "=", user.id));
  }

  async #end(which: (eb: ExpressionBuilder<PortalTables, "sessions">) => Expression<SqlBool>): Promise<number> {
    const r = await this.#db.updateTable("sessions").set({ revoked_at: this.#clock.now() }).where("revoked_at", "is", null).where(which).executeTakeFirst();
    // Cached principals would outlive the revocation by a few seconds; drop them all.
    this.#cache.clear();
    return Number(r.numUpdatedRows);
  }
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function toInfo(row: SessionsTable): SessionInfo {
  return { id: row.id, method: row.method, createdAt: new Date(row.created_at).toISOString(), expiresAt: new Date(row.expires_at).toISOString() };
}
