import type { RouteRegistry } from "../http/routes.ts";
import type { AuditLog } from "./service.ts";
import { AuditFilterSchema, AuditListQuerySchema, AuditPageSchema } from "./spec.ts";

// Reading the audit log: a page at a time, or all of it as JSON lines. What a reader sees is
// decided by the service (platform admins: everything; others: their own actions and their
// teams' objects), so another person's events are simply absent, never a 403.

const WHO_SEES =
  "Platform admins see every event; a team's admins see the events about that team's jobs and other objects; everyone sees their own actions.";

export function registerAuditRoutes(r: RouteRegistry, audit: AuditLog): void {
  r.add({
    method: "GET",
    url: "/api/v1/audit",
    summary: "The audit log: who changed what, when, from where, before and after; newest first, one page at a time",
    description: WHO_SEES,
    tags: ["audit"],
    query: AuditListQuerySchema,
    response: AuditPageSchema,
    handler: ({ user, query }) => audit.list(user, query),
  });

  r.add({
    method: "GET",
    url: "/api/v1/audit/export",
    summary: "The audit log as JSON lines (one event per line, oldest first), streamed",
    description: `Takes the same filters as GET /api/v1/audit, without paging. ${WHO_SEES}`,
    tags: ["audit"],
    query: AuditFilterSchema,
    response: null,
    produces: "application/x-ndjson",
    handler: async ({ user, query, reply }) => {
      const stream = audit.exportLines(user, query);
      reply.raw.on("close", () => stream.destroy());
      return reply.type("application/x-ndjson; charset=utf-8").header("cache-control", "no-store").header("content-disposition", 'attachment; filename="plinth-audit.jsonl"').send(stream);
    },
  });
}
