import { z } from "zod";
import type { RouteAudit } from "../http/route-audit.ts";
import type { RouteContext, RouteRegistry } from "../http/routes.ts";
import type { Principal } from "../identity/service.ts";
import type { QuotaService } from "./service.ts";
import { QUOTA_SCOPES, type QuotaScope, QuotaSchema, type QuotaView, SetQuotaSchema } from "./spec.ts";

const Params = z.strictObject({
  kind: z.enum(QUOTA_SCOPES).meta({ description: "`team` or `user`." }),
  name: z.string().min(1).max(64).meta({ description: "The team's or the user's name." }),
});
type Ctx = RouteContext<z.output<typeof Params>, unknown, unknown>;

/** A quota as the audit log keeps it: its limits (null when none is set), never usage, which changes by the second. */
const record = (q: QuotaView | null) => (q ? { id: q.id, limits: q.set ? q.limits : null } : null);

export function registerQuotaRoutes(r: RouteRegistry, quotas: QuotaService): void {
  const current = async (user: Principal, kind: QuotaScope, name: string) => record(await quotas.show(user, kind, name).catch(() => null));
  const target = ({ params }: Ctx, _result: unknown, before: { id: string } | null) => ({
    kind: "quota",
    id: `${params.kind}:${before?.id ?? params.name}`,
    name: `${params.kind} ${params.name}`,
    teamId: params.kind === "team" ? (before?.id ?? null) : null,
  });
  const audit = (action: string): RouteAudit<Ctx, unknown> => ({
    action,
    target,
    before: ({ user, params }) => current(user, params.kind, params.name),
    after: ({ user, params }) => current(user, params.kind, params.name),
  });

  r.add({
    method: "GET",
    url: "/api/v1/quotas",
    summary: "Quotas with what is in use: your own and your teams' (Keepers: every team's, and every quota)",
    tags: ["quotas"],
    response: z.object({ items: z.array(QuotaSchema) }),
    handler: async ({ user }) => ({ items: await quotas.list(user) }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/quotas/{kind}/{name}",
    summary: "One team's or user's quota, with what is in use",
    tags: ["quotas"],
    params: Params,
    response: QuotaSchema,
    handler: ({ user, params }) => quotas.show(user, params.kind, params.name),
  });

  r.add({
    method: "PUT",
    url: "/api/v1/quotas/{kind}/{name}",
    summary: "Set limits of a team's or user's quota; limits left out stay as they are, null removes one (Keepers)",
    tags: ["quotas"],
    access: "admin",
    scope: "admin",
    params: Params,
    body: SetQuotaSchema,
    response: QuotaSchema,
    audit: audit("quota.set"),
    handler: ({ user, params, body }) => quotas.set(user, params.kind, params.name, body),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/quotas/{kind}/{name}",
    summary: "Remove a team's or user's quota: a team has no limits then, a user the platform-wide defaults (Keepers)",
    tags: ["quotas"],
    access: "admin",
    scope: "admin",
    params: Params,
    response: z.object({ removed: z.literal(true) }),
    audit: audit("quota.remove"),
    handler: async ({ user, params }) => {
      await quotas.remove(user, params.kind, params.name);
      return { removed: true as const };
    },
  });
}
