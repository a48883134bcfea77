import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import { ProblemError } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { DEFAULT_TEAM, type IdentityService, newUserRow } from "../service.ts";
import { UserNameSchema } from "../spec.ts";
import type { TeamRole, UsersTable } from "../tables.ts";
import type { TeamService } from "../teams.ts";
import type { GroupMapping, OidcConfig } from "./oidc-config.ts";
import type { SignInStore } from "./store.ts";
import type { OidcIdentitiesTable } from "./tables.ts";

// Who a sign-on account is here, and what its groups make them. A provider account is known by
// its issuer and subject (never by a name, which may change); the first time, it is linked to
// the person of the same user name or a new person is made. At every sign-in the teams its
// groups give are synced: memberships from groups come and go with the groups, memberships a
// Keeper set by hand stay as they are.

export type Claims = Record<string, unknown>;

const RANK: Record<TeamRole, number> = { viewer: 0, member: 1, admin: 2 };

/** Teams and roles that groups give, and whether they make the person a Keeper. */
export function grantsOf(groups: readonly string[], mapping: Readonly<Record<string, GroupMapping>>): { teams: Map<string, TeamRole>; keeper: boolean } {
  const teams = new Map<string, TeamRole>();
  let keeper = false;
  for (const group of groups) {
    const grant = mapping[group];
    if (!grant) continue;
    if ("platformRole" in grant) {
      keeper = true;
      continue;
    }
    const had = teams.get(grant.team);
    if (had === undefined || RANK[grant.role] > RANK[had]) teams.set(grant.team, grant.role);
  }
  return { teams, keeper };
}

/** The groups claim as a list of names: providers send an array, a few a single string. */
export function groupsOf(claims: Claims, claim: string): string[] {
  const value = claims[claim];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  if (typeof value === "string" && value !== "") return [value];
  return [];
}

/** The user name a provider account asks for; the part before @ of an email address. */
export function userNameFrom(claims: Claims, claim: string): string | null {
  const value = claims[claim];
  if (typeof value !== "string") return null;
  const name = value.trim().toLowerCase().replace(/@.*$/, "");
  return UserNameSchema.safeParse(name).success ? name : null;
}

export class OidcAccounts {
  readonly #config: OidcConfig;
  readonly #store: SignInStore;
  readonly #identity: IdentityService;
  readonly #teams: TeamService;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(deps: { config: OidcConfig; store: SignInStore; identity: IdentityService; teams: TeamService; clock: Clock; logger: Logger }) {
    this.#config = deps.config;
    this.#store = deps.store;
    this.#identity = deps.identity;
    this.#teams = deps.teams;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
  }

  /**
   * The person these verified claims belong to, with their teams brought up to date, and what
   * changed for them (for the audit log): "account made", "joined vision as member"…
   */
  async signIn(issuer: string, claims: Claims): Promise<{ user: UsersTable; changes: string[] }> {
    const subject = String(claims.sub);
    const now = this.#clock.now();
    let link = await this.#store.identity(issuer, subject);
    let user = link ? await this.#identity.store.userById(link.user_id) : undefined;
    const { teams, keeper } = grantsOf(groupsOf(claims, this.#config.groupsClaim), this.#config.teams);
    const changes: string[] = [];
    if (!user) {
      user = await this.#findOrCreate(issuer, claims, teams, changes);
      link = { issuer, subject, user_id: user.id, admin_granted_at: null, created_at: now, last_sign_in_at: now };
      await this.#store.insertIdentity(link);
    }
    if (user.removed_at !== null) {
      throw refused("Removed from this platform", `${user.name} was removed from this platform.`, "Ask a Keeper if that is a mistake.");
    }
    await this.#syncTeams(user, teams, changes);
    const admin = await this.#syncKeeper(user, link!, keeper, changes);
    await this.#store.updateIdentity(issuer, subject, { last_sign_in_at: now, admin_granted_at: admin });
    this.#identity.invalidate();
    return { user: (await this.#identity.store.userById(user.id))!, changes };
  }

  async #findOrCreate(issuer: string, claims: Claims, teams: Map<string, TeamRole>, changes: string[]): Promise<UsersTable> {
    const name = userNameFrom(claims, this.#config.usernameClaim);
    if (!name) {
      throw refused(
        "No usable user name",
        `The provider's '${this.#config.usernameClaim}' claim for this account is missing or is not a user name here (lower-case letters, digits and . _ -, starting with a letter).`,
        "A Keeper can point auth.oidc.usernameClaim at another claim (for example email).",
      );
    }
    const existing = await this.#identity.store.userByName(name);
    if (existing) {
      // The person a Keeper added under this name, unless another account of this provider has them.
      if ((await this.#store.identitiesOf(existing.id)).some((i) => i.issuer === issuer)) {
        throw refused("Name already linked", `'${name}' here is linked to another account at this provider.`, "Ask a Keeper: the provider may have given the name to someone new.");
      }
      changes.push("sign-on account linked");
      return existing;
    }
    if (!this.#config.createUsers) {
      throw refused("No account here", `Nobody called '${name}' has been added to this platform.`, `Ask a Keeper to add you: \`plinth users add ${name}\`; then sign in again.`);
    }
    const now = this.#clock.now();
    const primary = [...teams.keys()].sort()[0];
    const row = newUserRow(name, "member", now, null);
    row.display_name = typeof claims.name === "string" ? claims.name.slice(0, 200) : null;
    row.email = typeof claims.email === "string" ? claims.email.slice(0, 320) : null;
    await this.#identity.store.insertUser(row);
    changes.push("account made");
    if (primary === undefined) {
      // No group gives a team: the platform's default team, as for anyone a Keeper adds without one.
      await this.#teams.setMember("system", DEFAULT_TEAM, name, "member", "keeper");
      changes.push(`joined ${DEFAULT_TEAM} as member`);
    }
    this.#logger.info({ user: name }, "single sign-on made a new account");
    return row;
  }

  async #syncTeams(user: UsersTable, wanted: Map<string, TeamRole>, changes: string[]): Promise<void> {
    const current = await this.#identity.store.membershipsOf(user.id);
    for (const [team, role] of wanted) {
      const had = current.find((m) => m.team_name === team);
      if (had && (had.source === "keeper" || had.role === role)) continue;
      if (!had) await this.#ensureTeam(team);
      await this.#teams.setMember("system", team, user.name, role, "sso");
      changes.push(had ? `${team}: ${had.role} → ${role}` : `joined ${team} as ${role}`);
    }
    for (const m of current) {
      if (m.source === "sso" && !wanted.has(m.team_name)) {
        await this.#teams.removeMember("system", m.team_name, user.name);
        changes.push(`left ${m.team_name}`);
      }
    }
    const after = await this.#identity.store.membershipsOf(user.id);
    if (!after.some((m) => m.team_id === user.primary_team_id)) {
      await this.#identity.store.updateUser(user.id, { primary_team_id: after[0]?.team_id ?? null });
    }
  }

  /** Makes or unmakes a Keeper by group; returns when groups made them one (null: not by groups). */
  async #syncKeeper(user: UsersTable, link: OidcIdentitiesTable, keeper: boolean, changes: string[]): Promise<number | null> {
    if (keeper) {
      if (user.role === "admin") return link.admin_granted_at;
      await this.#identity.store.updateUser(user.id, { role: "admin" });
      changes.push("made a Keeper");
      return this.#clock.now();
    }
    if (link.admin_granted_at === null || user.role !== "admin") return null;
    if ((await this.#identity.store.countActiveAdmins()) <= 1) {
      this.#logger.warn({ user: user.name }, "left a Keeper whose group no longer makes them one: they are the last admin");
      return link.admin_granted_at;
    }
    await this.#identity.store.updateUser(user.id, { role: "member" });
    changes.push("no longer a Keeper");
    return null;
  }

  /** A team a group maps to, made on first use: the mapping is the Keeper's say-so. */
  async #ensureTeam(name: string): Promise<void> {
    if (await this.#identity.store.teamByName(name)) return;
    const now = this.#clock.now();
    try {
      await this.#identity.store.insertTeam({ id: newId("team", now), name, description: "Made for single sign-on (auth.oidc.teams).", created_at: now });
    } catch (err) {
      // Another sign-in made it at the same moment.
      if (!(await this.#identity.store.teamByName(name))) throw err;
    }
  }
}

function refused(title: string, detail: string, hint: string): ProblemError {
  return new ProblemError({ status: 403, title, code: "sso-refused", detail, hint });
}
