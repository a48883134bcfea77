import { createReadStream } from "node:fs";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Principal } from "../identity/service.ts";
import type { EventBus } from "../core/events.ts";
import { ProblemError, problems } from "../core/errors.ts";
import { queryInteger, type RouteRegistry } from "../http/routes.ts";
import { JobSpecSchema } from "../jobs/spec.ts";
import { sessionAudits } from "./audit.ts";
import { type Authenticator, SESSION_COOKIE } from "./auth.ts";
import { sessionCookie } from "./cookies.ts";
import { streamEvents } from "./events.ts";
import type { GuideLibrary } from "./guides.ts";
import type { ProgressService } from "./progress.ts";
import { SESSION_TTL_MS, type SessionService } from "./sessions.ts";

// The portal's API: sessions (sign-in and sign-out), live events, the job spec's JSON
// Schema for forms, the Start-here journey and the guides.

export interface PortalRouteDeps {
  sessions: SessionService;
  progress: ProgressService;
  guides: GuideLibrary;
  bus: EventBus;
  auth: Authenticator;
  /** Whether this person may see this job: live events carry only the jobs they may see. */
  mayReadJob(user: Principal, jobId: string): Promise<boolean>;
  /** Whether cookies get the Secure flag even on plain HTTP requests (public URL is https). */
  secureCookies: boolean;
}

const MeSchema = z.object({ id: z.string(), name: z.string(), role: z.enum(["admin", "member"]) });
const SessionSchema = z.object({ id: z.string(), method: z.string(), createdAt: z.string(), expiresAt: z.string() });

const StepSchema = z.object({ done: z.boolean(), at: z.string().nullable(), jobId: z.string().nullable().optional() });
const GuideSummarySchema = z.object({ id: z.string(), section: z.string(), title: z.string(), summary: z.string() }).meta({ id: "GuideSummary" });

export function registerPortalRoutes(r: RouteRegistry, http: FastifyInstance, deps: PortalRouteDeps): void {
  const { sessions, progress, guides, bus, auth } = deps;
  const audits = sessionAudits(auth);

  // Signing in with an API token: the token in the Authorization header is the proof, and
  // the answer is a session cookie. Other methods (password, SSO) get routes of their own
  // beside this one and end in the same SessionService.createSession(userId, method).
  r.add({
    method: "POST",
    url: "/api/v1/sessions",
    summary: "Sign in: exchange the API token in the Authorization header for a session cookie",
    description: "Sets an HttpOnly, SameSite=Strict cookie. Requests that use the cookie and change something must send the header `x-plinth-csrf: 1`.",
    tags: ["portal"],
    response: z.object({ user: MeSchema, session: SessionSchema }).meta({ id: "SignedIn" }),
    status: 201,
    audit: audits.start,
    handler: async ({ user, request, reply }) => {
      if (auth.principalOf(request)?.via !== "bearer") {
        throw problems.badRequest("A session is started with an API token.", "Send the token as 'Authorization: Bearer <token>'.");
      }
      // The token is recorded with the session: revoking the token ends the session.
      const { secret, session } = await sessions.createSession(user.userId, "token", { tokenId: user.tokenId, userAgent: request.headers["user-agent"] });
      void reply.header("set-cookie", sessionCookie(SESSION_COOKIE, secret, { maxAgeSeconds: SESSION_TTL_MS / 1000, secure: deps.secureCookies || request.protocol === "https" }));
      return { user: { id: user.userId, name: user.name, role: user.role }, session };
    },
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/sessions/current",
    summary: "Sign out: end this browser's session and clear its cookie",
    tags: ["portal"],
    response: z.object({ signedOut: z.literal(true) }),
    audit: audits.end,
    handler: async ({ user, request, reply }) => {
      if (auth.principalOf(request)?.via === "session") await sessions.revoke(user.userId, user.tokenId);
      void reply.header("set-cookie", sessionCookie(SESSION_COOKIE, "", { maxAgeSeconds: 0, secure: deps.secureCookies || request.protocol === "https" }));
      return { signedOut: true as const };
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/me/sessions",
    summary: "Your browsers that are signed in, this one marked",
    tags: ["portal"],
    response: z.object({
      items: z.array(SessionSchema.extend({ lastSeenAt: z.string(), userAgent: z.string().nullable(), current: z.boolean() })),
    }),
    handler: async ({ user, request }) => {
      const current = auth.principalOf(request)?.via === "session" ? user.tokenId : null;
      return { items: (await sessions.listOf(user.userId)).map((s) => ({ ...s, current: s.id === current })) };
    },
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/me/sessions/{id}",
    summary: "Sign one of your browsers out (a lost laptop, a shared computer)",
    tags: ["portal"],
    params: z.strictObject({ id: z.string().min(1).max(64) }),
    response: z.object({ signedOut: z.literal(true) }),
    audit: audits.endOne,
    handler: async ({ user, params }) => {
      if (!(await sessions.revoke(user.userId, params.id))) {
        throw problems.notFound("Session", params.id, "Your signed-in browsers are listed on your Profile page and by GET /api/v1/me/sessions.");
      }
      return { signedOut: true as const };
    },
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/users/{name}/sessions",
    summary: "Sign a user out of every browser (admins); their API tokens keep working",
    tags: ["portal"],
    access: "admin",
    params: z.strictObject({ name: z.string().min(1).max(64).meta({ description: "The user's name, as `plinth users ls` shows it." }) }),
    response: z.object({ ended: z.number().int().meta({ description: "How many browser sessions ended." }) }),
    audit: audits.endAllOf,
    handler: async ({ user, params }) => ({ ended: await sessions.endAllOf(user, params.name) }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/events",
    summary: "Live events as server-sent events (event `job.changed` with jobId, state, userId)",
    tags: ["portal"],
    response: null,
    produces: "text/event-stream",
    handler: async ({ request, reply }) =>
      streamEvents(bus, request, reply, async (jobId) => {
        // Asked again at each event (cached for a few seconds), so a stream opened before a
        // revocation or a change of teams follows it.
        const now = await auth.authenticate(request).catch(() => null);
        return now ? deps.mayReadJob(now, jobId) : "signed-out";
      }),
  });

  const jobSpecJsonSchema = selfContained(z.toJSONSchema(JobSpecSchema, { io: "input", unrepresentable: "any" }) as Record<string, any>);
  r.add({
    method: "GET",
    url: "/api/v1/schemas/job-spec.json",
    summary: "The job spec as JSON Schema (for forms and editors validating plinth.yaml)",
    tags: ["jobs"],
    response: z.record(z.string(), z.unknown()),
    handler: async ({ reply }) => {
      void reply.header("cache-control", "no-cache");
      return jobSpecJsonSchema as Record<string, unknown>;
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/portal/start",
    summary: "Your progress through the Start-here journey, from what you have really done",
    tags: ["portal"],
    response: z
      .object({ signedIn: StepSchema, cli: StepSchema, firstJob: StepSchema, watched: StepSchema, read: StepSchema, latestJobId: z.string().nullable() })
      .meta({ id: "Journey" }),
    handler: ({ user }) => progress.journey(user),
  });

  r.add({
    method: "GET",
    url: "/api/v1/guides",
    summary: "Every guide under docs/, by section",
    tags: ["guides"],
    response: z.object({ items: z.array(GuideSummarySchema) }),
    handler: async () => ({ items: guides.list() }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/guides/search",
    summary: "Full-text search across the guides",
    tags: ["guides"],
    query: z.strictObject({ q: z.string().max(200), limit: queryInteger({ min: 1, max: 50 }).default(20) }),
    response: z.object({ items: z.array(GuideSummarySchema.extend({ snippet: z.string() })) }),
    handler: async ({ query }) => ({ items: guides.search(query.q, query.limit) }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/guides/{id}",
    summary: "One guide rendered as HTML, with its headings; the id is its path under docs/ without .md, URL-encoded",
    tags: ["guides"],
    params: z.strictObject({ id: z.string().min(1).max(300) }),
    response: GuideSummarySchema.extend({
      html: z.string(),
      headings: z.array(z.object({ depth: z.number().int(), id: z.string(), text: z.string() })),
      updatedAt: z.string(),
    }).meta({ id: "Guide" }),
    handler: async ({ params }) => guides.get(params.id),
  });

  // Images that guides show. Not an API operation of its own, so outside the OpenAPI document;
  // public like the docs folder it serves from.
  http.get("/api/v1/guide-assets/*", async (request, reply) => {
    const rel = (request.params as { "*": string })["*"];
    const asset = guides.assetPath(rel);
    if (!asset) throw new ProblemError({ status: 404, title: "No such guide image", code: "not-found", detail: `docs/${rel} is not an image under docs/.`, hint: "Check the image's path in the guide's Markdown." });
    return reply.type(asset.type).header("cache-control", "public, max-age=300").send(createReadStream(asset.path));
  });

  // Reading a job's logs or page is how people watch a job and read its results.
  http.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url;
    if (reply.statusCode !== 200 || (route !== "/api/v1/jobs/:id/logs" && route !== "/api/v1/jobs/:id")) return;
    const who = auth.principalOf(request);
    if (!who) return;
    const id = (request.params as { id: string }).id;
    const follow = route.endsWith("/logs") && /^(true|1)$/.test(String((request.query as { follow?: unknown }).follow ?? ""));
    await progress.noteJobLook(who.principal, id, follow).catch((err) => request.log.warn({ err }, "could not note progress"));
  });
}

/**
 * zod puts a schema with an id under $defs behind a $ref; editors and forms read the top level
 * more easily inline. Other definitions it uses (Expectations…) stay in $defs, where their
 * references point.
 */
function selfContained(schema: Record<string, any>): Record<string, unknown> {
  const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref ?? "");
  const { [m?.[1] ?? ""]: top, ...rest } = (schema.$defs ?? {}) as Record<string, Record<string, unknown>>;
  if (!m || !top) return schema;
  return { $schema: schema.$schema, $id: "https://plinth.dev/schemas/job-spec.json", title: m[1], ...top, ...(Object.keys(rest).length > 0 && { $defs: rest }) };
}
