import type { z } from "zod";
import type { RouteAudit } from "../http/route-audit.ts";
import type { RouteContext } from "../http/routes.ts";
import type { PeopleService } from "./people.ts";
import { DEFAULT_TEAM, type IdentityService } from "./service.ts";
import type { CreateUserSchema, RemovedUserSchema, Team, TokenInfo, User } from "./spec.ts";
import type { TeamService } from "./teams.ts";

// What the audit log records of tokens, people and teams, declared on their routes. A token
// is recorded by its id, name, scopes and dates: never the secret, nor its first characters.

type Ctx<P, B = unknown> = RouteContext<P, unknown, B>;

/** A token as the audit log keeps it. */
function tokenRecord(t: TokenInfo) {
  return { id: t.id, name: t.name, scopes: t.scopes, expiresAt: t.expiresAt, revokedAt: t.revokedAt };
}

function userRecord(u: User) {
  return { id: u.id, name: u.name, displayName: u.displayName, email: u.email ?? null, role: u.role, teams: u.teams, unixUser: u.unixUser ?? null, removedAt: u.removedAt };
}

export function identityAudits(deps: { identity: IdentityService; people: PeopleService; teams: TeamService }) {
  const { identity, people, teams } = deps;
  const teamId = async (name: string) => (await teams.named(name)).id;
  const teamTarget = async (name: string) => {
    const id = await teamId(name);
    return { kind: "team", id, name, teamId: id };
  };
  const tokenOf = async (list: TokenInfo[], id: string) => {
    const found = list.find((t) => t.id === id);
    return found ? tokenRecord(found) : null;
  };

  const tokenCreate: RouteAudit<unknown, { info: TokenInfo }> = {
    action: "token.create",
    target: (_ctx, r) => ({ kind: "token", id: r.info.id, name: r.info.name }),
    after: (_ctx, r) => tokenRecord(r.info),
  };
  const tokenRevoke: RouteAudit<Ctx<{ id: string }>> = {
    action: "token.revoke",
    target: ({ params }, _r, before) => ({ kind: "token", id: params.id, name: before?.name ?? null }),
    before: async ({ user, params }) => tokenOf(await identity.listTokens(user), params.id),
    after: async ({ user, params }) => tokenOf(await identity.listTokens(user), params.id),
  };
  const tokenRevokeOf: RouteAudit<Ctx<{ name: string; id: string }>> = {
    action: "token.revoke",
    target: ({ params }, _r, before) => ({ kind: "token", id: params.id, name: before?.name ?? null }),
    before: async ({ user, params }) => tokenOf(await identity.listTokensOf(user, params.name), params.id),
    after: async ({ user, params }) => ({ ...(await tokenOf(await identity.listTokensOf(user, params.name), params.id)), user: params.name }),
  };

  // The first token in the answer is never part of the record: only the person.
  const userAdd: RouteAudit<Ctx<unknown, z.output<typeof CreateUserSchema>>, { user: User }> = {
    action: "user.add",
    target: async ({ body }, r) => ({ kind: "user", id: r.user.id, name: r.user.name, teamId: await teamId(body.team ?? DEFAULT_TEAM) }),
    after: (_ctx, r) => userRecord(r.user),
  };
  const userUpdate: RouteAudit<Ctx<{ name: string }>, User> = {
    action: "user.update",
    target: (_ctx, u) => ({ kind: "user", id: u.id, name: u.name }),
    before: async ({ user, params }) => userRecord(await people.show(user, params.name)),
    after: (_ctx, u) => userRecord(u),
  };
  const userRemove: RouteAudit<Ctx<{ name: string }>, z.output<typeof RemovedUserSchema>> = {
    action: "user.remove",
    target: (_ctx, r) => ({ kind: "user", id: r.user.id, name: r.user.name }),
    before: async ({ user, params }) => userRecord(await people.show(user, params.name)),
    after: (_ctx, r) => ({ ...userRecord(r.user), done: r.done }),
  };

  const teamCreate: RouteAudit<unknown, Team> = {
    action: "team.create",
    target: (_ctx, team) => ({ kind: "team", id: team.id, name: team.name, teamId: team.id }),
    after: (_ctx, team) => ({ id: team.id, name: team.name, description: team.description }),
  };
  const memberRole = async (team: string, name: string) => {
    const member = (await teams.members(team)).find((m) => m.user === name);
    return member ? { user: name, role: member.role } : null;
  };
  const memberSet: RouteAudit<Ctx<{ team: string; name: string }>> = {
    action: "team.member.set",
    target: ({ params }) => teamTarget(params.team),
    before: ({ params }) => memberRole(params.team, params.name),
    after: ({ params }) => memberRole(params.team, params.name),
  };
  const memberRemove: RouteAudit<Ctx<{ team: string; name: string }>> = {
    action: "team.member.remove",
    target: ({ params }) => teamTarget(params.team),
    before: ({ params }) => memberRole(params.team, params.name),
    after: () => null,
  };

  return { tokenCreate, tokenRevoke, tokenRevokeOf, userAdd, userUpdate, userRemove, teamCreate, memberSet, memberRemove };
}
