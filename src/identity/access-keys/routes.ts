import { z } from "zod";
import type { RouteRegistry } from "../../http/routes.ts";
import type { AccessKeyService } from "./service.ts";
import { AccessKeyIdSchema, AccessKeyInfoSchema, CreateAccessKeySchema, NewAccessKeySchema } from "./spec.ts";

export function registerAccessKeyRoutes(r: RouteRegistry, keys: AccessKeyService): void {
  r.add({
    method: "GET",
    url: "/api/v1/access-keys",
    summary: "Your access keys for S3-style clients (secrets are never shown again)",
    tags: ["identity"],
    response: z.object({ items: z.array(AccessKeyInfoSchema) }),
    handler: async ({ user }) => ({ items: await keys.list(user) }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/access-keys",
    summary: "Create an access key; its secret is in this response only",
    tags: ["identity"],
    scope: "admin",
    body: CreateAccessKeySchema,
    response: NewAccessKeySchema,
    status: 201,
    audit: { action: "access-key.create", target: (_ctx, created) => ({ kind: "access-key", id: created.accessKeyId, name: created.info.name }), after: (_ctx, created) => created.info },
    handler: ({ user, body }) => keys.create(user, body.name),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/access-keys/{id}",
    summary: "Revoke an access key: clients using it are refused from now on",
    tags: ["identity"],
    scope: "admin",
    params: z.strictObject({ id: AccessKeyIdSchema }),
    response: AccessKeyInfoSchema,
    audit: { action: "access-key.revoke", target: (_ctx, info) => ({ kind: "access-key", id: info.id, name: info.name }), after: (_ctx, info) => info },
    handler: ({ user, params }) => keys.revoke(user, params.id),
  });
}
