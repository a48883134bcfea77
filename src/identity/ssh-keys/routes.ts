import { z } from "zod";
import type { RouteRegistry } from "../../http/routes.ts";
import type { SshKeyService } from "./service.ts";
import { AddSshKeySchema, AuthorizedKeysQuerySchema, SshKeySchema } from "./spec.ts";

const KeyId = z.string().min(1).max(64).meta({ description: "The key's ID, as `plinth ssh-keys ls` shows it." });
const UserName = z.string().min(1).max(64).meta({ description: "The person's name, as `plinth users ls` shows it." });
const KeyList = z.object({ items: z.array(SshKeySchema) });
const ADD_HINT = "Send {\"publicKey\": \"<the one line of your .pub file>\", \"name\": \"laptop\"}; `plinth ssh-keys add ~/.ssh/id_ed25519.pub` does it for you.";
const target = (key: { id: string; name: string; user: string }) => ({ kind: "ssh_key", id: key.id, name: `${key.user}:${key.name}` });
/** What the audit log keeps of a key: public facts only. */
const facts = (key: { user: string; name: string; type: string; bits: number; fingerprint: string }) => ({ user: key.user, name: key.name, type: key.type, bits: key.bits, fingerprint: key.fingerprint });

export function registerSshKeyRoutes(r: RouteRegistry, keys: SshKeyService): void {
  r.add({
    method: "GET",
    url: "/api/v1/ssh-keys",
    summary: "Your SSH public keys, with their fingerprints",
    tags: ["ssh-keys"],
    response: KeyList,
    handler: async ({ user }) => ({ items: await keys.list(user) }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/ssh-keys",
    summary: "Add one of your SSH public keys (ed25519, ECDSA, or RSA of 3072 bits or more)",
    description: "The key must not belong to anyone else on the platform. Private keys are refused, and not stored or logged.",
    tags: ["ssh-keys"],
    scope: "admin",
    body: AddSshKeySchema,
    bodyHint: ADD_HINT,
    response: SshKeySchema,
    status: 201,
    audit: { action: "ssh_key.add", target: (_ctx, key) => target(key), after: (_ctx, key) => facts(key) },
    handler: ({ user, body }) => keys.add(user, body.publicKey, body.name),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/ssh-keys/{id}",
    summary: "Delete an SSH key: your own, or anyone's for a Keeper",
    tags: ["ssh-keys"],
    scope: "admin",
    params: z.strictObject({ id: KeyId }),
    response: SshKeySchema,
    audit: { action: "ssh_key.delete", target: (_ctx, key) => target(key), before: (ctx) => keys.get(ctx.user, ctx.params.id).then(facts) },
    handler: ({ user, params }) => keys.remove(user, params.id),
  });

  r.add({
    method: "GET",
    url: "/api/v1/ssh-keys/authorized-keys",
    summary: "An authorized_keys file for a host: one line per key, commented plinth:PERSON:KEYNAME",
    description:
      "Keepers get everyone's keys, a team's admins those of their team's members, anyone else their own. People who were removed are never in it. Filter by `user` and `team`.",
    tags: ["ssh-keys"],
    query: AuthorizedKeysQuerySchema,
    response: null,
    produces: "text/plain",
    handler: async ({ user, query, reply }) => {
      const text = await keys.authorizedKeys(user, query);
      return reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").header("x-content-type-options", "nosniff").send(text);
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/users/{name}/ssh-keys",
    summary: "A person's SSH public keys (Keepers, or the person themselves)",
    tags: ["ssh-keys"],
    params: z.strictObject({ name: UserName }),
    response: KeyList,
    handler: async ({ user, params }) => ({ items: await keys.listOf(user, params.name) }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/users/{name}/ssh-keys",
    summary: "Add an SSH public key for a person (Keepers, or the person themselves)",
    tags: ["ssh-keys"],
    scope: "admin",
    params: z.strictObject({ name: UserName }),
    body: AddSshKeySchema,
    bodyHint: ADD_HINT,
    response: SshKeySchema,
    status: 201,
    audit: { action: "ssh_key.add", target: (_ctx, key) => target(key), after: (_ctx, key) => facts(key) },
    handler: ({ user, params, body }) => keys.addFor(user, params.name, body.publicKey, body.name),
  });
}
