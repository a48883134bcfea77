import { z } from "zod";
import type { RouteRegistry } from "../http/routes.ts";
import type { IdentityService } from "./service.ts";
import { CreateTokenSchema, CreateUserSchema, NewTokenSchema, TokenInfoSchema, UserSchema } from "./spec.ts";

const TokenId = z.string().min(1).max(64);
const UserName = z.string().min(1).max(64).meta({ description: "The user's name, as `plinth users ls` shows it." });
const RevokedSchema = z.object({ revoked: z.literal(true) });

export function registerIdentityRoutes(r: RouteRegistry, identity: IdentityService): void {
  r.add({
    method: "GET",
    url: "/api/v1/me",
    summary: "Who the token belongs to",
    tags: ["identity"],
    response: z.object({ id: z.string(), name: z.string(), role: z.enum(["admin", "member"]) }).meta({ id: "Me" }),
    handler: async ({ user }) => ({ id: user.userId, name: user.name, role: user.role }),
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
    summary: "Create an API token; the secret is in this response only",
    tags: ["identity"],
    body: CreateTokenSchema,
    response: NewTokenSchema,
    status: 201,
    handler: ({ user, body }) => identity.createToken(user, body.name, body.expiresInDays),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/tokens/{id}",
    summary: "Revoke one of your tokens; browsers signed in with it are signed out",
    tags: ["identity"],
    params: z.strictObject({ id: TokenId }),
    response: RevokedSchema,
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
    handler: async ({ user, params }) => {
      await identity.revokeTokenOf(user, params.name, params.id);
      return { revoked: true as const };
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/users",
    summary: "Everyone on this platform",
    tags: ["identity"],
    response: z.object({ items: z.array(UserSchema) }),
    handler: async () => ({ items: await identity.listUsers() }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/users",
    summary: "Create a user and their first token (admins)",
    tags: ["identity"],
    access: "admin",
    body: CreateUserSchema,
    response: z.object({ user: UserSchema, token: z.string() }),
    status: 201,
    handler: ({ user, body }) => identity.createUser(user, body.name, body.role),
  });
}
