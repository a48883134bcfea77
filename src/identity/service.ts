import type { Clock } from "../core/clock.ts";
import { problems } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Subject } from "./policy.ts";
import { type Scope, scopeAllows } from "./scopes.ts";
import type { TokenInfo, User } from "./spec.ts";
import type { IdentityStore } from "./store.ts";
import type { ApiTokensTable, TeamRole, UsersTable } from "./tables.ts";
import { generateToken, hashToken, looksLikeToken } from "./tokens.ts";
import { toUser } from "./users-view.ts";

/** A signed-in person as the policy sees them, and the credential they came with. */
export interface Principal extends Subject {
  name: string;
  /** The API token, or for a browser the session, the request came with. */
  tokenId: string;
  /** What the token may do (see scopes.ts); null: all its owner may. */
  scopes: string[] | null;
}

export const DEFAULT_TEAM = "default";
const CACHE_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;

/**
 * Who is who: signs tokens in, builds principals with their teams, and issues and revokes
 * API tokens. People and teams are changed through people.ts and teams.ts, which tell this
 * service so that cached principals are dropped at once.
 */
export class IdentityService {
  readonly #store: IdentityStore;
  readonly #clock: Clock;
  // Verified tokens for a few seconds, so a burst of API calls costs one lookup.
  readonly #cache = new Map<string, { principal: Principal; until: number; expiresAt: number | null; generation: number }>();
  readonly #touched = new Map<string, number>();
  readonly #revokeListeners: Array<(tokenId: string) => Promise<unknown>> = [];
  readonly #removedListeners: Array<(user: User) => Promise<string | undefined>> = [];
  #generation = 0;

  constructor(store: IdentityStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  get store(): IdentityStore {
    return this.#store;
  }

  /**
   * Bumped whenever a person's teams, role or standing change: a principal cached before
   * the change is not used after it.
   */
  get generation(): number {
    return this.#generation;
  }

  invalidate(): void {
    this.#generation++;
    this.#cache.clear();
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
        const users = await this.#store.listUsers(true);
        const keeper = users.find((u) => u.role === "admin" && u.removed_at === null) ?? users[0]!;
        return { user: toUser(keeper, []), token: null, created: false };
      }
      const team = await this.#store.teamByName(DEFAULT_TEAM);
      admin = newUserRow("admin", "admin", now, team?.id ?? null);
      await this.#store.insertUser(admin);
      if (team) await this.#store.setMembership({ team_id: team.id, user_id: admin.id, role: "admin", source: "keeper", created_at: now });
      created = true;
    }
    if (bootstrapToken) {
      if (!looksLikeToken(bootstrapToken)) {
        throw problems.badRequest("PLINTH_BOOTSTRAP_TOKEN is too short or has odd characters.", "Use at least 16 characters of letters, digits and -_.~+/=; e.g. `openssl rand -hex 32`.");
      }
      if (!(await this.#store.tokenByHash(hashToken(bootstrapToken)))) {
        await this.#insertToken(admin.id, "bootstrap", bootstrapToken, null, null);
      }
      return { user: toUser(admin, []), token: null, created };
    }
    if (!created) return { user: toUser(admin, []), token: null, created };
    const token = generateToken();
    await this.#insertToken(admin.id, "first admin token", token, null, null);
    return { user: toUser(admin, []), token, created };
  }

  async authenticate(token: string): Promise<Principal | null> {
    if (!looksLikeToken(token)) return null;
    const hash = hashToken(token);
    const now = this.#clock.now();
    const hit = this.#cache.get(hash);
    if (hit && hit.until > now && hit.generation === this.#generation && (hit.expiresAt === null || hit.expiresAt > now)) return hit.principal;
    const generation = this.#generation;
    const row = await this.#store.tokenByHash(hash);
    if (!row || row.revoked_at !== null || row.user_removed_at !== null || (row.expires_at !== null && row.expires_at <= now)) {
      this.#cache.delete(hash);
      return null;
    }
    const principal = await this.principalFor(row.user_id, row.id, row.scopes === null ? null : row.scopes.split(","));
    if (!principal) return null;
    if (generation === this.#generation) this.#cache.set(hash, { principal, until: now + CACHE_MS, expiresAt: row.expires_at, generation });
    if (this.#cache.size > 10_000) this.#cache.clear();
    if ((this.#touched.get(row.id) ?? 0) + TOUCH_EVERY_MS < now) {
      this.#touched.set(row.id, now);
      await this.#store.touchToken(row.id, now);
    }
    return principal;
  }

  /** The principal of a person signed in with some credential; null when they were removed. */
  async principalFor(userId: string, credentialId: string, scopes: string[] | null): Promise<Principal | null> {
    const user = await this.#store.userById(userId);
    if (!user || user.removed_at !== null) return null;
    const teams: Record<string, TeamRole> = {};
    for (const m of await this.#store.membershipsOf(userId)) teams[m.team_id] = m.role;
    return { userId: user.id, name: user.name, role: user.role, teams, tokenId: credentialId, scopes };
  }

  async userById(id: string): Promise<User | null> {
    const u = await this.#store.userById(id);
    return u ? toUser(u, await this.#store.membershipsOf(u.id)) : null;
  }

  /** The id of the person with this name (removed people too), or null. */
  async userIdNamed(name: string): Promise<string | null> {
    return (await this.#store.userByName(name))?.id ?? null;
  }

  /** The Unix account a Keeper mapped this person to, for their jobs to run as; null for the default. */
  async unixAccountOf(userId: string): Promise<string | null> {
    return (await this.#store.userById(userId))?.unix_user ?? null;
  }

  /** The person with this name (removed people too); a 404 problem when there is none. */
  async userNamed(name: string): Promise<User> {
    const u = await this.#store.userByName(name);
    if (!u) throw problems.notFound("User", name, "List the people with `plinth users ls`.");
    return toUser(u, await this.#store.membershipsOf(u.id));
  }

  async createToken(actor: Principal, name: string, expiresInDays?: number, scopes?: Scope[]): Promise<{ token: string; info: TokenInfo }> {
    // A token cannot give more than the credential that asks for it.
    const wanted = scopes ? [...new Set(scopes)] : null;
    const beyond = wanted === null ? (actor.scopes === null ? [] : ["everything"]) : wanted.filter((s) => !scopeAllows(actor.scopes, s));
    if (beyond.length > 0) {
      throw problems.forbidden(
        `This credential may not create a token with ${beyond.join(", ")}: its own scopes are ${actor.scopes?.join(", ")}.`,
        "Ask for scopes within your token's own, or create the token from the portal or with a token that has the admin scope.",
      );
    }
    const token = generateToken();
    const expiresAt = expiresInDays ? this.#clock.now() + expiresInDays * 86_400_000 : null;
    const row = await this.#insertToken(actor.userId, name, token, expiresAt, wanted);
    return { token, info: toTokenInfo(row) };
  }

  /** A first token for a person a Keeper has just added. */
  async issueFirstToken(userId: string): Promise<string> {
    const token = generateToken();
    await this.#insertToken(userId, "first token", token, null, null);
    return token;
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

  /** Revokes all of a person's tokens (they are being removed); returns how many. */
  async revokeAllTokensOf(userId: string): Promise<number> {
    const ids = await this.#store.revokeAllTokensOf(userId, this.#clock.now());
    this.invalidate();
    for (const id of ids) for (const listener of this.#revokeListeners) await listener(id);
    return ids.length;
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

  /**
   * Calls `listener` when a Keeper removes a person, before the removal is answered: each
   * kind of credential (SSH keys, access keys, sessions…) revokes or deletes the person's, and
   * each module hands their work to their team. A listener returns one line saying what it did
   * ("2 SSH keys deleted"), or undefined when there was nothing to do.
   */
  onUserRemoved(listener: (user: User) => Promise<string | undefined>): void {
    this.#removedListeners.push(listener);
  }

  /** Runs the removal listeners; people.ts calls it once the person is marked removed. */
  async userRemoved(user: User): Promise<string[]> {
    this.invalidate();
    const done: string[] = [];
    for (const listener of this.#removedListeners) {
      const line = await listener(user);
      if (line) done.push(line);
    }
    return done;
  }

  async #revoke(userId: string, id: string, hint: string): Promise<void> {
    const ok = await this.#store.revokeToken(userId, id, this.#clock.now());
    if (!ok) throw problems.notFound("Token", id, hint);
    this.#cache.clear();
    for (const listener of this.#revokeListeners) await listener(id);
  }

  async #insertToken(userId: string, name: string, token: string, expiresAt: number | null, scopes: string[] | null): Promise<ApiTokensTable> {
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
      scopes: scopes === null ? null : scopes.join(","),
    };
    await this.#store.insertToken(row);
    return row;
  }
}

export function requireAdmin(actor: Principal, what: string): void {
  if (actor.role !== "admin") throw problems.forbidden(`Only admins may ${what}.`, "Ask one of your platform's admins.");
}

export function newUserRow(name: string, role: UsersTable["role"], now: number, primaryTeamId: string | null): UsersTable {
  return {
    id: newId("usr", now),
    name,
    role,
    created_at: now,
    display_name: null,
    email: null,
    password_hash: null,
    unix_user: null,
    primary_team_id: primaryTeamId,
    removed_at: null,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toTokenInfo(t: ApiTokensTable): TokenInfo {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scopes: t.scopes === null ? null : t.scopes.split(","),
    createdAt: new Date(t.created_at).toISOString(),
    lastUsedAt: iso(t.last_used_at),
    expiresAt: iso(t.expires_at),
    revokedAt: iso(t.revoked_at),
  };
}
