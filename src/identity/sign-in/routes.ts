import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type Problem, ProblemError } from "../../core/errors.ts";
import { clientOf, type RouteAuditor } from "../../http/route-audit.ts";
import type { RouteRegistry } from "../../http/routes.ts";
import { requireCsrfHeader, SESSION_COOKIE } from "../../portal/auth.ts";
import { readCookie, sessionCookie } from "../../portal/cookies.ts";
import { SESSION_TTL_MS, type SessionService, type SignInMethod } from "../../portal/sessions.ts";
import type { UsersTable } from "../tables.ts";
import type { InvitationService } from "./invitations.ts";
import { LOGIN_TTL_MS, type OidcSignIn } from "./oidc.ts";
import type { PasswordService } from "./password-service.ts";
import {
  AcceptInvitationSchema,
  ChangePasswordSchema,
  CreateInvitationSchema,
  InvitationPreviewSchema,
  InvitationSchema,
  InvitationSecretSchema,
  NewInvitationSchema,
  PasswordSignInSchema,
  SetPasswordSchema,
  SignInMethodsSchema,
} from "./spec.ts";

// Signing in without a token, over HTTP: a password, an invitation link, single sign-on. Each
// ends like the token sign-in, in a session cookie from SessionService.createSession.

export interface SignInRouteDeps {
  passwords: PasswordService;
  invitations: InvitationService;
  oidc: OidcSignIn | null;
  sessions: SessionService;
  /** server.publicUrl: where people reach Plinth; else the address each request came to. */
  publicUrl: string | undefined;
  /** Where a single sign-on, which no route declaration records (it is a GET), is recorded. */
  audit?: Pick<RouteAuditor, "record"> | undefined;
}

const OIDC_COOKIE = "plinth_oidc";
const OIDC_PATH = "/api/v1/auth/oidc";
const CALLBACK = `${OIDC_PATH}/callback`;

const SignedInSchema = z.object({
  user: z.object({ id: z.string(), name: z.string(), role: z.enum(["admin", "member"]) }),
  session: z.object({ id: z.string(), method: z.string(), createdAt: z.string(), expiresAt: z.string() }),
});
const UserName = z.string().min(1).max(64).meta({ description: "The user's name, as `plinth users ls` shows it." });

export function registerSignInRoutes(r: RouteRegistry, deps: SignInRouteDeps): void {
  const { passwords, invitations, oidc, sessions } = deps;
  const baseUrl = (request: FastifyRequest) => (deps.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");
  const secure = (request: FastifyRequest) => baseUrl(request).startsWith("https:") || request.protocol === "https";

  /** Starts a browser session for someone who has just proved who they are. */
  const signIn = async (request: FastifyRequest, reply: FastifyReply, user: UsersTable, method: SignInMethod, extraCookies: string[] = []) => {
    const { secret, session } = await sessions.createSession(user.id, method, { userAgent: request.headers["user-agent"] });
    const cookie = sessionCookie(SESSION_COOKIE, secret, { maxAgeSeconds: SESSION_TTL_MS / 1000, secure: secure(request) });
    void reply.header("set-cookie", [cookie, ...extraCookies]);
    return { user: { id: user.id, name: user.name, role: user.role }, session };
  };

  r.add({
    method: "GET",
    url: "/api/v1/auth/methods",
    summary: "How people can sign in here: password, API token, and single sign-on when set up",
    tags: ["portal"],
    access: "public",
    response: SignInMethodsSchema,
    handler: async () => ({ password: true as const, token: true as const, sso: oidc ? { name: oidc.providerName, url: `${OIDC_PATH}/login` } : null }),
  });

  r.add({
    method: "POST",
    url: "/api/v1/sessions/password",
    summary: "Sign in with user name and password; answers with a session cookie",
    description:
      "Failures are limited per user name (5 in 15 minutes) and per client address (20 in 15 minutes); past the limit the answer is 429 with Retry-After. Needs the header `x-plinth-csrf: 1`.",
    tags: ["portal"],
    access: "public",
    body: PasswordSignInSchema,
    response: SignedInSchema,
    status: 201,
    audit: { action: "session.password", target: (_ctx, r) => ({ kind: "user", id: r.user.id, name: r.user.name }), actor: (_ctx, r) => ({ userId: r.user.id, name: r.user.name }) },
    handler: async ({ body, request, reply }) => {
      requireCsrfHeader(request);
      const user = await withRetryAfter(reply, () => passwords.verify(body.name, body.password, request.ip));
      return signIn(request, reply, user, "password");
    },
  });

  r.add({
    method: "PUT",
    url: "/api/v1/me/password",
    summary: "Set or change your password (the current one is needed when one is set)",
    tags: ["identity"],
    scope: "admin",
    body: ChangePasswordSchema,
    response: z.object({ changed: z.literal(true) }),
    audit: { action: "user.password.change", target: (ctx) => ({ kind: "user", id: ctx.user.userId, name: ctx.user.name }) },
    handler: async ({ user, body, request, reply }) => {
      await withRetryAfter(reply, () => passwords.change(user, body.current, body.password, request.ip));
      return { changed: true as const };
    },
  });

  r.add({
    method: "PUT",
    url: "/api/v1/users/{name}/password",
    summary: "Set someone's password (Keepers); signs them out of every browser",
    tags: ["identity"],
    access: "admin",
    scope: "admin",
    params: z.strictObject({ name: UserName }),
    body: SetPasswordSchema,
    response: z.object({ sessionsEnded: z.number().int() }),
    audit: { action: "user.password.reset", target: (ctx) => ({ kind: "user", id: null, name: ctx.params.name }) },
    handler: ({ user, params, body }) => passwords.reset(user, params.name, body.password),
  });

  r.add({
    method: "POST",
    url: "/api/v1/invitations",
    summary: "Invite someone (Keepers): a link that lets one person join, until it expires; shown only in this answer",
    tags: ["identity"],
    access: "admin",
    scope: "admin",
    body: CreateInvitationSchema,
    response: NewInvitationSchema,
    status: 201,
    audit: { action: "invitation.create", target: (_ctx, r) => ({ kind: "invitation", id: r.invitation.id, name: r.invitation.name }), after: (_ctx, r) => r.invitation },
    handler: ({ user, body, request }) => invitations.create(user, body, baseUrl(request)),
  });

  r.add({
    method: "GET",
    url: "/api/v1/invitations",
    summary: "Invitations, newest first (Keepers); their links are never shown again",
    tags: ["identity"],
    access: "admin",
    response: z.object({ items: z.array(InvitationSchema) }),
    handler: async ({ user }) => ({ items: await invitations.list(user) }),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/invitations/{id}",
    summary: "Withdraw an open invitation (Keepers): its link stops working",
    tags: ["identity"],
    access: "admin",
    scope: "admin",
    params: z.strictObject({ id: z.string().min(1).max(64) }),
    response: z.object({ revoked: z.literal(true) }),
    audit: { action: "invitation.revoke", target: (ctx) => ({ kind: "invitation", id: ctx.params.id }) },
    handler: async ({ user, params }) => {
      await invitations.revoke(user, params.id);
      return { revoked: true as const };
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/invitations/preview",
    summary: "What an invitation link offers (team, role, fixed user name), for the Join page",
    description: "The secret travels in the body, not the URL, so that it stays out of logs.",
    tags: ["identity"],
    access: "public",
    body: InvitationSecretSchema,
    response: InvitationPreviewSchema,
    audit: { notAudited: "reads an invitation, changes nothing" },
    handler: ({ body }) => invitations.preview(body.secret),
  });

  r.add({
    method: "POST",
    url: "/api/v1/invitations/accept",
    summary: "Join with an invitation link: choose a user name and password; answers with a session cookie",
    description: "Needs the header `x-plinth-csrf: 1`.",
    tags: ["identity"],
    access: "public",
    body: AcceptInvitationSchema,
    response: SignedInSchema,
    status: 201,
    audit: { action: "invitation.accept", target: (_ctx, r) => ({ kind: "user", id: r.user.id, name: r.user.name }), actor: (_ctx, r) => ({ userId: r.user.id, name: r.user.name }) },
    handler: async ({ body, request, reply }) => {
      requireCsrfHeader(request);
      const user = await invitations.accept(body);
      return signIn(request, reply, user, "password");
    },
  });

  r.add({
    method: "GET",
    url: `${OIDC_PATH}/login`,
    summary: "Start single sign-on: redirects the browser to the provider",
    tags: ["portal"],
    access: "public",
    query: z.strictObject({ returnTo: z.string().max(500).optional().meta({ description: "A path here to land on afterwards, e.g. /jobs." }) }),
    response: null,
    handler: async ({ query, request, reply }) => {
      const sso = requireSso(oidc);
      const started = await sso.start(`${baseUrl(request)}${CALLBACK}`, localPath(query.returnTo));
      void reply.header("set-cookie", stateCookie(started.state, LOGIN_TTL_MS / 1000, secure(request)));
      return reply.redirect(started.url, 302);
    },
  });

  r.add({
    method: "GET",
    url: CALLBACK,
    summary: "Where the provider sends the browser back; signs in and redirects to the portal",
    description: "On failure the browser lands on the sign-in page, which shows what went wrong.",
    tags: ["portal"],
    access: "public",
    query: z.record(z.string(), z.unknown()),
    response: null,
    handler: async ({ request, reply }) => {
      const clear = stateCookie("", 0, secure(request));
      try {
        const sso = requireSso(oidc);
        const { user, changes, returnTo } = await sso.finish(new URL(`${baseUrl(request)}${request.url}`), readCookie(request, OIDC_COOKIE));
        await signIn(request, reply, user, "oidc", [clear]);
        const who = { userId: user.id, name: user.name };
        await deps.audit?.record({ actor: who, action: "session.oidc", target: { kind: "user", id: user.id, name: user.name }, after: { changes }, from: clientOf(request) });
        return reply.redirect(returnTo, 302);
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err;
        // A browser, not a program, is on the other end: the sign-in page shows the problem.
        void reply.header("set-cookie", clear);
        return reply.redirect(`/#sso-problem=${Buffer.from(JSON.stringify(shownProblem(err.problem))).toString("base64url")}`, 302);
      }
    },
  });
}

/** Runs a password check; a 429 gets its Retry-After header. */
async function withRetryAfter<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProblemError && err.status === 429) void reply.header("retry-after", String(err.problem.retryAfterSeconds));
    throw err;
  }
}

function requireSso(oidc: OidcSignIn | null): OidcSignIn {
  if (oidc) return oidc;
  throw new ProblemError({
    status: 404,
    title: "Single sign-on is not set up",
    code: "sso-not-configured",
    detail: "This server has no auth.oidc settings.",
    hint: "Sign in with your password or an API token; a Keeper sets up single sign-on as the guide 'Set up single sign-on' says.",
  });
}

/** Only a path on this server: never another site (an open redirect). */
function localPath(returnTo: string | undefined): string {
  return returnTo && /^\/(?![/\\])[^\s\\]*$/.test(returnTo) ? returnTo : "/";
}

/** The sign-on's state: only for the sign-on paths, and sent back on the provider's redirect (Lax). */
function stateCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${OIDC_COOKIE}=${value}`, `Path=${OIDC_PATH}`, "HttpOnly", "SameSite=Lax", `Max-Age=${maxAgeSeconds}`, ...(secure ? ["Secure"] : [])].join("; ");
}

function shownProblem(p: Problem): Pick<Problem, "title" | "status" | "detail" | "hint"> {
  return { title: p.title, status: p.status, ...(p.detail && { detail: p.detail }), ...(p.hint && { hint: p.hint }) };
}

