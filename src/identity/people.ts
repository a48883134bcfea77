import type { Clock } from "../core/clock.ts";
import { problems } from "../core/errors.ts";
import { DEFAULT_TEAM, type IdentityService, newUserRow, type Principal, requireAdmin } from "./service.ts";
import type { TeamRole } from "./tables.ts";
import type { TeamService } from "./teams.ts";
import type { User } from "./spec.ts";
import type { IdentityStore } from "./store.ts";
import { toUser } from "./users-view.ts";

export interface NewPerson {
  name: string;
  role: "admin" | "member";
  team?: string | undefined;
  teamRole: TeamRole;
  displayName?: string | undefined;
  email?: string | undefined;
  unixUser?: string | undefined;
  /** OpenSSH public key lines, added with the person (checked before anything is written). */
  sshKeys?: string[] | undefined;
}

/**
 * What another module adds with a new person (SSH keys…): `check` refuses bad input before
 * anything is written, `apply` writes once the person exists.
 */
export interface PersonAddHook {
  check(person: NewPerson): Promise<void>;
  apply(actor: Principal, userId: string, person: NewPerson): Promise<void>;
}

export interface PersonChanges {
  displayName?: string | null | undefined;
  email?: string | null | undefined;
  role?: "admin" | "member" | undefined;
  unixUser?: string | null | undefined;
  primaryTeam?: string | undefined;
}

/** People: Keepers add and remove them; each person keeps their own profile. */
export class PeopleService {
  readonly #identity: IdentityService;
  readonly #teams: TeamService;
  readonly #store: IdentityStore;
  readonly #clock: Clock;
  readonly #addHooks: PersonAddHook[] = [];

  constructor(identity: IdentityService, teams: TeamService, clock: Clock) {
    this.#identity = identity;
    this.#teams = teams;
    this.#store = identity.store;
    this.#clock = clock;
  }

  onAdding(hook: PersonAddHook): void {
    this.#addHooks.push(hook);
  }

  /** Everyone (removed people too when asked); email and Unix account for Keepers and oneself. */
  async list(actor: Principal, opts: { includeRemoved?: boolean } = {}): Promise<User[]> {
    const memberships = new Map<string, Array<{ team_name: string; role: TeamRole }>>();
    for (const m of await this.#store.allMemberships()) {
      const list = memberships.get(m.user_id) ?? [];
      list.push(m);
      memberships.set(m.user_id, list);
    }
    const rows = await this.#store.listUsers(opts.includeRemoved === true);
    return rows.map((u) => toUser(u, memberships.get(u.id) ?? [], { private: actor.role === "admin" || actor.userId === u.id }));
  }

  async show(actor: Principal, name: string): Promise<User> {
    const u = await this.#store.userByName(name);
    if (!u) throw problems.notFound("User", name, "List the people with `plinth users ls`.");
    return toUser(u, await this.#store.membershipsOf(u.id), { private: actor.role === "admin" || actor.userId === u.id });
  }

  /** Adds a person to the platform and a team, with a first token (Keepers only). */
  async add(actor: Principal, person: NewPerson): Promise<{ user: User; token: string }> {
    requireAdmin(actor, "add people");
    const existing = await this.#store.userByName(person.name);
    if (existing) {
      throw problems.conflict(
        existing.removed_at === null ? `A person named '${person.name}' is already on the platform.` : `'${person.name}' was removed from the platform; a name is not given to someone else, so their past work stays theirs.`,
        existing.removed_at === null ? "Pick another name, or add them to a team with `plinth teams add-member TEAM NAME`." : "Pick another name for a new person.",
      );
    }
    const team = await this.#teams.named(person.team ?? DEFAULT_TEAM);
    if (person.sshKeys?.length && this.#addHooks.length === 0) throw problems.badRequest("This server does not take SSH keys.", "Leave out sshKeys.");
    for (const hook of this.#addHooks) await hook.check(person);
    const now = this.#clock.now();
    const row = newUserRow(person.name, person.role, now, team.id);
    row.display_name = person.displayName ?? null;
    row.email = person.email ?? null;
    row.unix_user = person.unixUser ?? null;
    await this.#store.insertUser(row);
    await this.#store.setMembership({ team_id: team.id, user_id: row.id, role: person.teamRole, source: "keeper", created_at: now });
    for (const hook of this.#addHooks) await hook.apply(actor, row.id, person);
    const token = await this.#identity.issueFirstToken(row.id);
    return { user: toUser(row, [{ team_name: team.name, role: person.teamRole }], { private: true }), token };
  }

  /** Changes a profile: a person their own name and email; Keepers anything. */
  async update(actor: Principal, name: string, changes: PersonChanges): Promise<User> {
    const u = await this.#store.userByName(name);
    if (!u || u.removed_at !== null) throw problems.notFound("User", name, "List the people with `plinth users ls`.");
    const self = actor.userId === u.id;
    if (!self) requireAdmin(actor, "change other people's profiles");
    if ((changes.role !== undefined || changes.unixUser !== undefined) && actor.role !== "admin") {
      throw problems.forbidden("Only Keepers change a platform role or the Unix account jobs run as.", "Ask one of your platform's admins.");
    }
    if (changes.role === "member" && u.role === "admin" && (await this.#store.countActiveAdmins()) <= 1) {
      throw problems.conflict(`${name} is the platform's last admin.`, "Make someone else an admin first: `plinth users set OTHER --role admin`.");
    }
    const patch: Parameters<IdentityStore["updateUser"]>[1] = {};
    if (changes.displayName !== undefined) patch.display_name = changes.displayName;
    if (changes.email !== undefined) patch.email = changes.email;
    if (changes.role !== undefined) patch.role = changes.role;
    if (changes.unixUser !== undefined) patch.unix_user = changes.unixUser;
    if (changes.primaryTeam !== undefined) {
      const team = await this.#teams.named(changes.primaryTeam);
      const member = (await this.#store.membershipsOf(u.id)).some((m) => m.team_id === team.id);
      if (!member) throw problems.badRequest(`${name} is not in team ${team.name}.`, `Add them first: \`plinth teams add-member ${team.name} ${name}\`.`);
      patch.primary_team_id = team.id;
    }
    if (Object.keys(patch).length > 0) await this.#store.updateUser(u.id, patch);
    this.#identity.invalidate();
    return this.show(actor, name);
  }

  /**
   * Removes a person (Keepers only): they can no longer sign in, every credential they held
   * stops working at once, and their work stays, handed to their teams.
   */
  async remove(actor: Principal, name: string): Promise<{ user: User; done: string[] }> {
    requireAdmin(actor, "remove people");
    const u = await this.#store.userByName(name);
    if (!u || u.removed_at !== null) throw problems.notFound("User", name, "List the people with `plinth users ls`.");
    if (u.id === actor.userId) throw problems.conflict("You cannot remove yourself.", "Ask another Keeper to do it.");
    if (u.role === "admin" && (await this.#store.countActiveAdmins()) <= 1) {
      throw problems.conflict(`${name} is the platform's last admin.`, "Make someone else an admin first: `plinth users set OTHER --role admin`.");
    }
    const teams = await this.#store.membershipsOf(u.id);
    // Marked removed first: from here no credential of theirs signs anyone in.
    await this.#store.updateUser(u.id, { removed_at: this.#clock.now(), password_hash: null });
    const user = toUser({ ...u, removed_at: this.#clock.now() }, teams, { private: true });
    // Listeners end sessions, delete keys and hand over work while the person's teams are
    // still on record; then the tokens are revoked for good, and the person leaves their teams.
    const done = await this.#identity.userRemoved(user);
    const revoked = await this.#identity.revokeAllTokensOf(u.id);
    done.unshift(`${revoked} API token${revoked === 1 ? "" : "s"} revoked`);
    await this.#store.removeAllMembershipsOf(u.id);
    this.#identity.invalidate();
    return { user, done };
  }
}
