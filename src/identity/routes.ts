import { z } from "zod";
import type { RouteRegistry } from "../http/routes.ts";
import { queryBoolean } from "../http/routes.ts";
import { identityAudits } from "./audit.ts";
import type { PeopleService } from "./people.ts";
import type { IdentityService } from "./service.ts";
import {
  CreateTeamSchema,
  CreateTokenSchema,
  CreateUserSchema,
  MembershipSchema,
  NewTokenSchema,
  RemovedUserSchema,
  SetMemberSchema,
  TeamMemberSchema,
  TeamSchema,
  TokenInfoSchema,
  UpdateUserSchema,
  UserSchema,
} from "./spec.ts";
import type { TeamService } from "./teams.ts";

const TokenId = z.string().min(1).max(64);
const UserName = z.string().min(1).max(64).meta({ description: "The user's name, as `plinth users ls` shows it." });
const TeamName = z.string().min(1).max(64).meta({ description: "The team's name, as `plinth teams ls` shows it." });
const RevokedSchema = z.object({ revoked: z.literal(true) });
const DoneSchema = z.object({ ok: z.literal(true) });

export const MeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    displayName: z.string().nullable(),
    role: z.enum(["admin", "member"]),
    teams: z.array(MembershipSchema),
    scopes: z.array(z.string()).nullable(),
  })
  .meta({ id: "Me" });

export interface IdentityRouteDeps {
  identity: IdentityService;
  people: PeopleService;
  teams: TeamService;
}

export function registerIdentityRoutes(r: RouteRegistry, { identity, people, teams }: IdentityRouteDeps): void {
  const audits = identityAudits({ identity, people, teams });
  r.add({
    method: "GET",
    url: "/api/v1/me",
    summary: "Who the token belongs to, their teams and the token's scopes",
    tags: ["identity"],
    response: MeSchema,
    handler: async ({ user }) => {
      const me = await identity.userById(user.userId);
      return { id: user.userId, name: user.name, displayName: me?.displayName ?? null, role: user.role, teams: me?.teams ?? [], scopes: user.scopes };
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/tokens",
    summary: "Your API tokens (secrets are never shown again)",
    tags: ["identity"],
    response: z.object({ items: z.array(TokenInfoSchema) }),
    handler: async ({ user }) => ({ items: await identity.listTokens(user) }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/tokens",
    summary: "Create an API token, with an expiry and scopes if you like; the secret is in this response only",
    tags: ["identity"],
    scope: "admin",
    body: CreateTokenSchema,
    response: NewTokenSchema,
    status: 201,
    audit: audits.tokenCreate,
    handler: ({ user, body }) => identity.createToken(user, body.name, body.expiresInDays, body.scopes as never),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/tokens/{id}",
    summary: "Revoke one of your tokens; browsers signed in with it are signed out",
    tags: ["identity"],
    scope: "admin",
    params: z.strictObject({ id: TokenId }),
    response: RevokedSchema,
    audit: audits.tokenRevoke,
    handler: async ({ user, params }) => {
      await identity.revokeToken(user, params.id);
      return { revoked: true as const };
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/users/{name}/tokens",
    summary: "A user's API tokens (admins)",
    tags: ["identity"],
    access: "admin",
    params: z.strictObject({ name: UserName }),
    response: z.object({ items: z.array(TokenInfoSchema) }),
    handler: async ({ user, params }) => ({ items: await identity.listTokensOf(user, params.name) }),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/users/{name}/tokens/{id}",
    summary: "Revoke one of a user's tokens; browsers signed in with it are signed out (admins)",
    tags: ["identity"],
    access: "admin",
    params: z.strictObject({ name: UserName, id: TokenId }),
    response: RevokedSchema,
    audit: audits.tokenRevokeOf,
    handler: async ({ user, params }) => {
      await identity.revokeTokenOf(user, params.name, params.id);
      return { revoked: true as const };
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/users",
    summary: "Everyone on this platform, with their teams (emails for Keepers only)",
    tags: ["identity"],
    query: z.strictObject({ removed: queryBoolean.default(false).meta({ description: "Include people who were removed." }) }),
    response: z.object({ items: z.array(UserSchema) }),
    handler: async ({ user, query }) => ({ items: await people.list(user, { includeRemoved: query.removed }) }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/users/{name}",
    summary: "One person, with their teams",
    tags: ["identity"],
    params: z.strictObject({ name: UserName }),
    response: UserSchema,
    handler: ({ user, params }) => people.show(user, params.name),
  });

  r.add({
    method: "POST",
    url: "/api/v1/users",
    summary: "Add a person to the platform and a team, with their first token (admins)",
    tags: ["identity"],
    access: "admin",
    body: CreateUserSchema,
    response: z.object({ user: UserSchema, token: z.string() }),
    status: 201,
    audit: audits.userAdd,
    handler: ({ user, body }) => people.add(user, body),
  });

  r.add({
    method: "PATCH",
    url: "/api/v1/users/{name}",
    summary: "Change a profile: your own display name and email; anything for admins",
    tags: ["identity"],
    scope: "admin",
    params: z.strictObject({ name: UserName }),
    body: UpdateUserSchema,
    response: UserSchema,
    audit: audits.userUpdate,
    handler: ({ user, params, body }) => people.update(user, params.name, body),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/users/{name}",
    summary: "Remove a person: revokes their tokens, keys and sessions at once; their work stays with their teams (admins)",
    tags: ["identity"],
    access: "admin",
    params: z.strictObject({ name: UserName }),
    response: RemovedUserSchema,
    audit: audits.userRemove,
    handler: ({ user, params }) => people.remove(user, params.name),
  });

  r.add({
    method: "GET",
    url: "/api/v1/teams",
    summary: "The teams on this platform",
    tags: ["identity"],
    response: z.object({ items: z.array(TeamSchema) }),
    handler: async () => ({ items: await teams.list() }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/teams",
    summary: "Create a team (admins)",
    tags: ["identity"],
    access: "admin",
    body: CreateTeamSchema,
    response: TeamSchema,
    status: 201,
    audit: audits.teamCreate,
    handler: ({ user, body }) => teams.create(user, body.name, body.description),
  });

  r.add({
    method: "GET",
    url: "/api/v1/teams/{team}/members",
    summary: "A team's members and their roles",
    tags: ["identity"],
    params: z.strictObject({ team: TeamName }),
    response: z.object({ items: z.array(TeamMemberSchema) }),
    handler: async ({ params }) => ({ items: await teams.members(params.team) }),
  });

  r.add({
    method: "PUT",
    url: "/api/v1/teams/{team}/members/{name}",
    summary: "Add a person to a team, or change their role in it (admins and the team's admins)",
    tags: ["identity"],
    scope: "admin",
    params: z.strictObject({ team: TeamName, name: UserName }),
    body: SetMemberSchema,
    response: DoneSchema,
    audit: audits.memberSet,
    handler: async ({ user, params, body }) => {
      await teams.setMember(user, params.team, params.name, body.role);
      return { ok: true as const };
    },
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/teams/{team}/members/{name}",
    summary: "Take a person out of a team (admins and the team's admins)",
    tags: ["identity"],
    scope: "admin",
    params: z.strictObject({ team: TeamName, name: UserName }),
    response: DoneSchema,
    audit: audits.memberRemove,
    handler: async ({ user, params }) => {
      await teams.removeMember(user, params.team, params.name);
      return { ok: true as const };
    },
  });
}
