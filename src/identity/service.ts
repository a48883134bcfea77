import { problems } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Clock } from "../core/clock.ts";
import type { IdentityStore } from "./store.ts";
import type { ApiTokensTable, UsersTable } from "./tables.ts";
import { generateToken, hashToken, looksLikeToken } from "./tokens.ts";
import type { TokenInfo, User } from "./spec.ts";

export interface Principal {
  userId: string;
  name: string;
  role: "admin" | "member";
  tokenId: string;
}

const CACHE_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;

export class IdentityService {
  readonly #store: IdentityStore;
  readonly #clock: Clock;
  // Verified tokens for a few seconds, so a burst of API calls costs one lookup.
  readonly #cache = new Map<string, { principal: Principal; until: number; expiresAt: number | null }>();
  readonly #touched = new Map<string, number>();
  readonly #revokeListeners: Array<(tokenId: string) => Promise<unknown>> = [];

  constructor(store: IdentityStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /**
   * On first start: the admin user and a first token. Returns the token to print once, or null
   * when users already exist. A given bootstrap token (for automation) is registered if unknown.
   */
  async bootstrap(bootstrapToken?: string): Promise<{ user: User; token: string | null; created: boolean }> {
    const now = this.#clock.now();
    let admin = await this.#store.userByName("admin");
    let created = false;
    if (!admin) {
      if ((await this.#store.countUsers()) > 0 && !bootstrapToken) {
        const users = await this.#store.listUsers();
        return { user: toUser(users.find((u) => u.role === "admin") ?? users[0]!), token: null, created: false };
      }
      admin = { id: newId("usr", now), name: "admin", role: "admin", created_at: now };
      await this.#store.insertUser(admin);
      created = true;
    }
    if (bootstrapToken) {
      if (!looksLikeToken(bootstrapToken)) {
        throw problems.badRequest("PLINTH_BOOTSTRAP_TOKEN is too short or has odd characters.", "Use at least 16 characters of letters, digits and -_.~+/=; e.g. `openssl rand -hex 32`.");
      }
      if (!(await this.#store.tokenByHash(hashToken(bootstrapToken)))) {
        await this.#insertToken(admin.id, "bootstrap", bootstrapToken, null);
      }
      return { user: toUser(admin), token: null, created };
    }
    if (!created) return { user: toUser(admin), token: null, created };
    const token = generateToken();
    await this.#insertToken(admin.id, "first admin token", token, null);
    return { user: toUser(admin), token, created };
  }

  async authenticate(token: string): Promise<Principal | null> {
    if (!looksLikeToken(token)) return null;
    const hash = hashToken(token);
    const now = this.#clock.now();
    const hit = this.#cache.get(hash);
    if (hit && hit.until > now && (hit.expiresAt === null || hit.expiresAt > now)) return hit.principal;
    const row = await this.#store.tokenByHash(hash);
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) {
      this.#cache.delete(hash);
      return null;
    }
    const principal: Principal = { userId: row.user_id, name: row.user_name, role: row.user_role, tokenId: row.id };
    this.#cache.set(hash, { principal, until: now + CACHE_MS, expiresAt: row.expires_at });
    if (this.#cache.size > 10_000) this.#cache.clear();
    if ((this.#touched.get(row.id) ?? 0) + TOUCH_EVERY_MS < now) {
      this.#touched.set(row.id, now);
      await this.#store.touchToken(row.id, now);
    }
    return principal;
  }

  async createUser(actor: Principal, name: string, role: "admin" | "member"): Promise<{ user: User; token: string }> {
    requireAdmin(actor, "create users");
    if (await this.#store.userByName(name)) {
      throw problems.conflict(`A user named '${name}' exists.`, "Pick another name, or create a token for that user.");
    }
    const now = this.#clock.now();
    const user: UsersTable = { id: newId("usr", now), name, role, created_at: now };
    await this.#store.insertUser(user);
    const token = generateToken();
    await this.#insertToken(user.id, "first token", token, null);
    return { user: toUser(user), token };
  }

  async listUsers(): Promise<User[]> {
    return (await this.#store.listUsers()).map(toUser);
  }

  async userById(id: string): Promise<User | null> {
    const u = await this.#store.userById(id);
    return u ? toUser(u) : null;
  }

  /** The user with this name; a 404 problem when there is none. */
  async userNamed(name: string): Promise<User> {
    const u = await this.#store.userByName(name);
    if (!u) throw problems.notFound("User", name, "List the users with `plinth users ls`.");
    return toUser(u);
  }

  async createToken(actor: Principal, name: string, expiresInDays?: number): Promise<{ token: string; info: TokenInfo }> {
    const token = generateToken();
    const expiresAt = expiresInDays ? this.#clock.now() + expiresInDays * 86_400_000 : null;
    const row = await this.#insertToken(actor.userId, name, token, expiresAt);
    return { token, info: toTokenInfo(row) };
  }

  async listTokens(actor: Principal): Promise<TokenInfo[]> {
    return (await this.#store.tokensOf(actor.userId)).map(toTokenInfo);
  }

  /** Another user's tokens (admins only). */
  async listTokensOf(actor: Principal, userName: string): Promise<TokenInfo[]> {
    requireAdmin(actor, "see other people's tokens");
    const user = await this.userNamed(userName);
    return (await this.#store.tokensOf(user.id)).map(toTokenInfo);
  }

  /** Revokes one of your own tokens, and so ends the browser sessions signed in with it. */
  async revokeToken(actor: Principal, id: string): Promise<void> {
    await this.#revoke(actor.userId, id, "List your tokens with `plinth tokens ls`; a revoked token cannot be revoked again. Admins revoke other people's tokens with `plinth tokens revoke --user NAME ID`.");
  }

  /** Revokes one of another user's tokens (admins only), and so ends the browser sessions signed in with it. */
  async revokeTokenOf(actor: Principal, userName: string, id: string): Promise<void> {
    requireAdmin(actor, "revoke other people's tokens");
    const user = await this.userNamed(userName);
    await this.#revoke(user.id, id, `List ${user.name}'s tokens with \`plinth tokens ls --user ${user.name}\`; a revoked token cannot be revoked again.`);
  }

  /** Whether a token is neither revoked nor expired, read from the database (not the cache). */
  isTokenActive(id: string): Promise<boolean> {
    return this.#store.isTokenActive(id, this.#clock.now());
  }

  /**
   * Calls `listener` with each token revoked, before the revoking request is answered: the
   * portal ends the browser sessions that were signed in with the token.
   */
  onTokenRevoked(listener: (tokenId: string) => Promise<unknown>): void {
    this.#revokeListeners.push(listener);
  }

  async #revoke(userId: string, id: string, hint: string): Promise<void> {
    const ok = await this.#store.revokeToken(userId, id, this.#clock.now());
    if (!ok) throw problems.notFound("Token", id, hint);
    this.#cache.clear();
    for (const listener of this.#revokeListeners) await listener(id);
  }

  async #insertToken(userId: string, name: string, token: string, expiresAt: number | null): Promise<ApiTokensTable> {
    const now = this.#clock.now();
    const row: ApiTokensTable = {
      id: newId("tok", now),
      user_id: userId,
      name,
      token_hash: hashToken(token),
      prefix: token.slice(0, 8),
      created_at: now,
      last_used_at: null,
      expires_at: expiresAt,
      revoked_at: null,
    };
    await this.#store.insertToken(row);
    return row;
  }
}

export function requireAdmin(actor: Principal, what: string): void {
  if (actor.role !== "admin") throw problems.forbidden(`Only admins may ${what}.`, "Ask one of your platform's admins.");
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toUser(u: UsersTable): User {
  return { id: u.id, name: u.name, role: u.role, createdAt: new Date(u.created_at).toISOString() };
}

function toTokenInfo(t: ApiTokensTable): TokenInfo {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    createdAt: new Date(t.created_at).toISOString(),
    lastUsedAt: iso(t.last_used_at),
    expiresAt: iso(t.expires_at),
    revokedAt: iso(t.revoked_at),
  };
}
