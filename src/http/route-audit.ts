import type { FastifyRequest } from "fastify";
import type { Principal } from "../identity/service.ts";

// How a route's changes reach the audit log. Every route that is not a GET says one of three
// things in its declaration (`audit:` in RouteRegistry.add), and a test enumerates the routes
// to hold each to it:
//
//   - the registry records the event itself, after the handler succeeded:
//       audit: { action: "job.cancel", target: (ctx, job) => ({ kind: "job", id: job.id, name: job.name }),
//                before: (ctx) => …, after: (ctx, job) => … }
//   - the service records it (it alone knows before and after), by `audit.record(...)`:
//       audit: { action: "secret.set", recordedBy: "service" }
//   - nothing worth recording happens, and why:
//       audit: { notAudited: "a blob is recorded with the bundle that names it" }
//
// Either way the client's address and User-Agent come from the request: a service's
// `audit.record` inside a request handler finds them without being passed them.

/** What was changed. `teamId` lets that team's admins read the event. */
export interface AuditTarget {
  kind: string;
  id: string | null;
  name?: string | null;
  teamId?: string | null;
}

/** Where a change came from. */
export interface AuditFrom {
  address: string | null;
  userAgent: string | null;
}

/** Who made a change: a signed-in person. */
export type AuditActor = Pick<Principal, "userId" | "name"> & { tokenId?: string | null };

export interface AuditRecord {
  /** `system`: the platform by itself (a retry, a clean-up); `anonymous`: someone not signed in. */
  actor: AuditActor | "system" | "anonymous";
  action: string;
  target: AuditTarget;
  /** The changed object before the change; null or left out for something new. Never secret values. */
  before?: unknown;
  /** The changed object after the change; null or left out for something deleted. Never secret values. */
  after?: unknown;
  /** Left out inside a request: the request's client is used. */
  from?: AuditFrom | null;
}

export type RouteAudit<Ctx = any, Result = any> =
  | {
      action: string;
      /** What changed; null when the request changed nothing (then nothing is recorded). */
      target(ctx: Ctx, result: Result, before: any): AuditTarget | null | Promise<AuditTarget | null>;
      /** Read before the handler runs; a failure here leaves `before` null and lets the handler answer. */
      before?(ctx: Ctx): unknown;
      /** The object after the change; may read it again (a promise). */
      after?(ctx: Ctx, result: Result, before: any): unknown;
      /** For routes anyone may call (a sign-in): who acted, when it is not the signed-in user. */
      actor?(ctx: Ctx, result: Result): AuditActor | null;
    }
  | { action: string; recordedBy: "service" }
  | { notAudited: string };

/** What the route registry needs of the audit log. */
export interface RouteAuditor {
  record(event: AuditRecord): Promise<void>;
  /** Runs `fn` with `from` known to every `record` inside it; says how many events it recorded. */
  within<T>(from: AuditFrom, fn: () => Promise<T>): Promise<{ value: T; recorded: number }>;
}

const MAX_USER_AGENT = 300;

export function clientOf(request: FastifyRequest): AuditFrom {
  const agent = request.headers["user-agent"];
  return { address: request.ip ?? null, userAgent: typeof agent === "string" ? agent.slice(0, MAX_USER_AGENT) : null };
}

/**
 * Runs a changing route's handler and records what its declaration asks for. A route
 * declared as recorded by its service that recorded nothing is logged as a warning.
 */
export async function runAudited<Ctx extends { user: Principal | null; request: FastifyRequest }, Result>(
  auditor: RouteAuditor,
  audit: RouteAudit<Ctx, Result> | undefined,
  route: string,
  ctx: Ctx,
  run: () => Promise<Result>,
): Promise<Result> {
  const from = clientOf(ctx.request);
  if (!audit || "notAudited" in audit) return (await auditor.within(from, run)).value;
  if ("recordedBy" in audit) {
    const { value, recorded } = await auditor.within(from, run);
    if (recorded === 0) ctx.request.log.warn({ route, action: audit.action }, "a change was made but its service recorded no audit event");
    return value;
  }
  let before: unknown = null;
  if (audit.before) {
    try {
      before = (await audit.before(ctx)) ?? null;
    } catch {
      before = null;
    }
  }
  const { value } = await auditor.within(from, run);
  // The change is made: whatever goes wrong from here is logged, and the answer stands.
  let target: AuditTarget | null;
  let after: unknown = null;
  try {
    target = await audit.target(ctx, value, before);
    if (target) after = (await audit.after?.(ctx, value, before)) ?? null;
  } catch (err) {
    ctx.request.log.error({ err, route, action: audit.action }, "could not describe a change for the audit log");
    target = { kind: "unknown", id: null };
  }
  if (!target) return value;
  const actor = audit.actor?.(ctx, value) ?? ctx.user;
  await auditor.record({ actor: actor ?? "anonymous", action: audit.action, target, before, after, from });
  return value;
}
