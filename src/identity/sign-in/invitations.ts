import { randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.ts";
import { ProblemError, problems } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { parseDuration } from "../../core/units.ts";
import { DEFAULT_TEAM, type IdentityService, newUserRow, type Principal, requireAdmin } from "../service.ts";
import type { TeamRole, UsersTable } from "../tables.ts";
import type { TeamService } from "../teams.ts";
import { hashToken as hashSecret } from "../tokens.ts";
import { checkNewPassword, hashPassword } from "./passwords.ts";
import type { Invitation } from "./spec.ts";
import type { SignInStore } from "./store.ts";
import type { InvitationsTable } from "./tables.ts";

// Invitation links: a Keeper makes one, the invitee opens it, picks a name and a password, and
// is in. A link works once and until it expires; only its sha256 is stored (its secret is 32
// random bytes, so like an API token it cannot be guessed from the digest).

export interface NewInvitation {
  team?: string | undefined;
  role: TeamRole;
  expiresIn: string;
  name?: string | undefined;
}

export interface Joining {
  secret: string;
  name: string;
  displayName?: string | undefined;
  email?: string | undefined;
  password: string;
}

export class InvitationService {
  readonly #store: SignInStore;
  readonly #identity: IdentityService;
  readonly #teams: TeamService;
  readonly #clock: Clock;

  constructor(store: SignInStore, identity: IdentityService, teams: TeamService, clock: Clock) {
    this.#store = store;
    this.#identity = identity;
    this.#teams = teams;
    this.#clock = clock;
  }

  /** A Keeper invites someone; `baseUrl` is where people reach the portal. The link is in this answer only. */
  async create(actor: Principal, input: NewInvitation, baseUrl: string): Promise<{ invitation: Invitation; url: string }> {
    requireAdmin(actor, "invite people");
    const team = await this.#teams.named(input.team ?? DEFAULT_TEAM);
    if (input.name) {
      const taken = await this.#identity.store.userByName(input.name);
      if (taken) throw problems.conflict(`The user name '${input.name}' is taken.`, "Pick another name for the invitation, or leave --name out to let the invitee choose.");
    }
    const now = this.#clock.now();
    const secret = randomBytes(32).toString("base64url");
    const row: InvitationsTable = {
      id: newId("inv", now),
      secret_hash: hashSecret(secret),
      team_id: team.id,
      team_role: input.role,
      user_name: input.name ?? null,
      created_by: actor.userId,
      created_at: now,
      expires_at: now + parseDuration(input.expiresIn)!,
      used_at: null,
      used_by: null,
      revoked_at: null,
    };
    await this.#store.insertInvitation(row);
    return { invitation: toInvitation(row, team.name, actor.name, null, now), url: `${baseUrl.replace(/\/+$/, "")}/join/${secret}` };
  }

  async list(actor: Principal): Promise<Invitation[]> {
    requireAdmin(actor, "see invitations");
    const now = this.#clock.now();
    return (await this.#store.listInvitations(500)).map((r) => toInvitation(r, r.team_name, r.created_by_name, r.used_by_name, now));
  }

  /** Withdraws an open invitation: its link stops working. */
  async revoke(actor: Principal, id: string): Promise<void> {
    requireAdmin(actor, "withdraw invitations");
    if (!(await this.#store.revokeInvitation(id, this.#clock.now()))) {
      throw problems.notFound("Open invitation", id, "`plinth users invitations` lists them; a used or withdrawn one cannot be withdrawn again.");
    }
  }

  /** What the link offers, for the Join page; a problem when it no longer works. */
  async preview(secret: string): Promise<{ team: string; role: TeamRole; name: string | null; invitedBy: string; expiresAt: string }> {
    const row = await this.#open(secret);
    const team = await this.#identity.store.teamById(row.team_id);
    const inviter = await this.#identity.store.userById(row.created_by);
    return { team: team?.name ?? DEFAULT_TEAM, role: row.team_role, name: row.user_name, invitedBy: inviter?.display_name ?? inviter?.name ?? "a Keeper", expiresAt: iso(row.expires_at) };
  }

  /** The invitee joins: a new person with a password, in the invitation's team. */
  async accept(joining: Joining): Promise<UsersTable> {
    const row = await this.#open(joining.secret);
    if (row.user_name !== null && row.user_name !== joining.name) {
      throw problems.badRequest(`This invitation is for the user name '${row.user_name}'.`, `Use '${row.user_name}'; a Keeper can make a new invitation for another name.`, [
        { path: "body.name", message: `must be ${row.user_name}` },
      ]);
    }
    if (await this.#identity.store.userByName(joining.name)) {
      throw new ProblemError({ status: 409, title: "User name taken", code: "conflict", detail: `Someone here is already called '${joining.name}'.`, hint: "Pick another user name.", errors: [{ path: "body.name", message: "taken" }] });
    }
    checkNewPassword(joining.password, joining.name);
    const passwordHash = await hashPassword(joining.password);
    const now = this.#clock.now();
    // Only one of two people racing with the same link gets this far.
    if (!(await this.#store.claimInvitation(row.id, now))) throw await this.#closedProblem(row.id);
    const team = await this.#identity.store.teamById(row.team_id);
    const user = newUserRow(joining.name, "member", now, row.team_id);
    user.display_name = joining.displayName ?? null;
    user.email = joining.email ?? null;
    user.password_hash = passwordHash;
    try {
      await this.#identity.store.insertUser(user);
    } catch (err) {
      await this.#store.releaseInvitation(row.id);
      if (await this.#identity.store.userByName(joining.name)) throw problems.conflict(`Someone here is already called '${joining.name}'.`, "Pick another user name.");
      throw err;
    }
    await this.#store.markInvitationUsedBy(row.id, user.id);
    await this.#teams.setMember("system", team?.name ?? DEFAULT_TEAM, user.name, row.team_role, "keeper");
    return user;
  }

  /** Invitations a removed Keeper left open stop working. */
  async revokeAllBy(userId: string): Promise<number> {
    return this.#store.revokeInvitationsBy(userId, this.#clock.now());
  }

  async #open(secret: string): Promise<InvitationsTable> {
    const row = await this.#store.invitationBySecretHash(hashSecret(secret));
    if (!row) {
      throw new ProblemError({
        status: 404,
        title: "Invitation not found",
        code: "invitation-not-found",
        detail: "This invitation link is not known here.",
        hint: "Check that the whole link was copied; otherwise ask the Keeper who sent it for a new one.",
      });
    }
    const closed = closedProblem(row, this.#clock.now());
    if (closed) throw closed;
    return row;
  }

  /** Why a claim just failed: someone used, withdrew or outlived the invitation meanwhile. */
  async #closedProblem(id: string): Promise<ProblemError> {
    const now = this.#clock.now();
    const row = (await this.#store.invitationById(id))!;
    return closedProblem(row, now) ?? closedProblem({ ...row, used_at: now }, now)!;
  }
}

function closedProblem(row: InvitationsTable, now: number): ProblemError | null {
  const gone = (title: string, detail: string, hint: string) => new ProblemError({ status: 410, title, code: "invitation-closed", detail, hint });
  if (row.revoked_at !== null) return gone("Invitation withdrawn", "A Keeper withdrew this invitation.", "Ask them for a new one if you should still join.");
  if (row.used_at !== null) {
    return gone("Invitation already used", `This invitation was used on ${iso(row.used_at).slice(0, 10)}; each link lets one person join.`, "If that was you, sign in with your user name and password. Otherwise ask a Keeper for a new link.");
  }
  if (row.expires_at <= now) {
    return gone("Invitation expired", `This invitation expired on ${iso(row.expires_at).slice(0, 16).replace("T", " ")} UTC.`, "Ask the Keeper who sent it for a new one (`plinth users invite`).");
  }
  return null;
}

function state(row: InvitationsTable, now: number): Invitation["state"] {
  if (row.revoked_at !== null) return "revoked";
  if (row.used_at !== null) return "used";
  return row.expires_at <= now ? "expired" : "open";
}

function toInvitation(row: InvitationsTable, teamName: string, createdBy: string, usedBy: string | null, now: number): Invitation {
  return {
    id: row.id,
    team: teamName,
    role: row.team_role,
    name: row.user_name,
    state: state(row, now),
    createdBy,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    usedAt: row.used_at === null ? null : iso(row.used_at),
    usedBy,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
