import { z } from "zod";
import type { RouteRegistry } from "../../http/routes.ts";
import type { Sealer } from "../sealing.ts";
import type { SecretService } from "./service.ts";
import { RotateKeyResultSchema, SecretInfoSchema, SecretNameSchema, SecretTeamQuery, SetSecretSchema } from "./spec.ts";

const NameParams = z.strictObject({ name: SecretNameSchema });
const target = (name: string, info: { team: string | null; owner: string | null }) => ({ kind: "secret", id: null, name: info.team ? `${info.team}/${name}` : `${info.owner ?? "?"}/${name}` });

export function registerSecretRoutes(r: RouteRegistry, deps: { secrets: SecretService; sealer: Sealer }): void {
  const { secrets, sealer } = deps;

  r.add({
    method: "GET",
    url: "/api/v1/secrets",
    summary: "Your secrets and your teams' (names only; values are never shown)",
    tags: ["secrets"],
    query: SecretTeamQuery,
    response: z.object({ items: z.array(SecretInfoSchema) }),
    handler: async ({ user, query }) => ({ items: await secrets.list(user, query.team) }),
  });

  r.add({
    method: "PUT",
    url: "/api/v1/secrets/{name}",
    summary: "Set a secret: your own, or with ?team= a team's (its admins); replaces the value if it exists",
    description: "The value is stored encrypted and given to jobs that name the secret in `secrets`; no API shows it again.",
    tags: ["secrets"],
    scope: "admin",
    params: NameParams,
    query: SecretTeamQuery,
    body: SetSecretSchema,
    response: SecretInfoSchema,
    audit: { action: "secret.set", target: (ctx, info) => target(ctx.params.name, info), after: (_ctx, info) => info },
    handler: async ({ user, params, query, body }) => (await secrets.set(user, params.name, body.value, query.team)).info,
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/secrets/{name}",
    summary: "Remove a secret: your own, or with ?team= a team's (its admins)",
    tags: ["secrets"],
    scope: "admin",
    params: NameParams,
    query: SecretTeamQuery,
    response: SecretInfoSchema,
    audit: { action: "secret.remove", target: (ctx, info) => target(ctx.params.name, info), before: () => null, after: () => null },
    handler: ({ user, params, query }) => secrets.remove(user, params.name, query.team),
  });

  r.add({
    method: "POST",
    url: "/api/v1/secrets/rotate-key",
    summary: "Make a new encryption key and re-encrypt every secret and access key with it (Keepers)",
    description:
      "When the key is the one Plinth made in its data directory, a new one replaces it. When it comes from the configuration (secrets.key or secrets.keyFile), Plinth cannot change it: this re-encrypts what older keys encrypted and answers `rotated: false`; the Configure Plinth guide gives the steps.",
    tags: ["secrets"],
    access: "admin",
    scope: "admin",
    response: RotateKeyResultSchema,
    audit: { action: "secrets.rotate-key", target: (_ctx, result) => ({ kind: "sealing-key", id: result.keyId }), after: (_ctx, result) => result },
    handler: () => sealer.rotate(),
  });
}
