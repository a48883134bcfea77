import { z } from "zod";
import type { RouteRegistry } from "../../http/routes.ts";
import type { NamedEnvironments } from "./service.ts";
import {
  DescribeEnvironmentSchema,
  NamedEnvironmentDetailSchema,
  NamedEnvironmentNameSchema,
  NamedEnvironmentSchema,
  NamedTeamQuery,
  PublishEnvironmentSchema,
} from "./spec.ts";

// Named team environments over HTTP: listed and read by the teams' people, published,
// described and removed by their admins and Keepers (the service asks the policy).

const NameParams = z.strictObject({ name: NamedEnvironmentNameSchema });
const BASE = "/api/v1/environments/named";
// The team's id lets its admins read the event in the audit log.
const target = (view: { name: string; team: string; teamId: string }) => ({ kind: "named-environment", id: null, name: `${view.team}/${view.name}`, teamId: view.teamId });

export function registerNamedEnvironmentRoutes(r: RouteRegistry, named: NamedEnvironments): void {
  r.add({
    method: "GET",
    url: BASE,
    summary: "The named environments of your teams (of one with ?team=), each with its latest version",
    tags: ["environments"],
    query: NamedTeamQuery,
    response: z.object({ items: z.array(NamedEnvironmentSchema) }),
    handler: async ({ user, query }) => ({ items: await named.list(user, query.team) }),
  });

  r.add({
    method: "GET",
    url: `${BASE}/{name}`,
    summary: "One named environment: every version, what each pins, and the latest jobs that used each",
    tags: ["environments"],
    params: NameParams,
    query: NamedTeamQuery,
    response: NamedEnvironmentDetailSchema,
    handler: ({ user, params, query }) => named.get(user, params.name, query.team),
  });

  r.add({
    method: "POST",
    url: `${BASE}/{name}`,
    summary: "Publish a new version of a named environment (team admins and Keepers); the first makes the name",
    description: "The packages are pinned now (422 naming a package that cannot be installed); the environment is built by the first job that uses it, or ahead with POST /api/v1/environments.",
    tags: ["environments"],
    params: NameParams,
    body: PublishEnvironmentSchema,
    response: NamedEnvironmentSchema,
    status: 201,
    audit: { action: "named-environment.publish", target: (_ctx, view) => target(view), after: (_ctx, view) => view },
    handler: async ({ user, params, body }) => (await named.publish(user, params.name, body)).view,
  });

  r.add({
    method: "PATCH",
    url: `${BASE}/{name}`,
    summary: "Change a named environment's description (team admins and Keepers)",
    tags: ["environments"],
    params: NameParams,
    query: NamedTeamQuery,
    body: DescribeEnvironmentSchema,
    response: NamedEnvironmentSchema,
    audit: { action: "named-environment.describe", target: (_ctx, view) => target(view), after: (_ctx, view) => ({ description: view.description }) },
    handler: ({ user, params, query, body }) => named.describe(user, params.name, query.team, body.description),
  });

  r.add({
    method: "DELETE",
    url: `${BASE}/{name}`,
    summary: "Remove a named environment and its versions (team admins and Keepers); jobs that used it keep their environment",
    tags: ["environments"],
    params: NameParams,
    query: NamedTeamQuery,
    response: NamedEnvironmentSchema,
    audit: { action: "named-environment.remove", target: (_ctx, view) => target(view), before: () => null, after: () => null },
    handler: ({ user, params, query }) => named.remove(user, params.name, query.team),
  });
}
