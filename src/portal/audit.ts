import type { RouteAudit } from "../http/route-audit.ts";
import type { RouteContext } from "../http/routes.ts";
import type { Authenticator } from "./auth.ts";

// What the audit log records of browser sessions, declared on their routes: a sign-in, a
// sign-out and a Keeper signing someone out everywhere. Never the cookie's secret.

interface SignedIn {
  user: { id: string; name: string };
  session: { id: string; method: string; expiresAt: string };
}

export function sessionAudits(auth: Authenticator) {
  const start: RouteAudit<unknown, SignedIn> = {
    action: "session.start",
    target: (_ctx, r) => ({ kind: "session", id: r.session.id, name: r.user.name }),
    after: (_ctx, r) => ({ method: r.session.method, expiresAt: r.session.expiresAt }),
  };
  // Signing out with a token rather than the cookie ends no session, and records nothing.
  const end: RouteAudit<RouteContext<unknown, unknown, unknown>> = {
    action: "session.end",
    target: ({ user, request }) => (auth.principalOf(request)?.via === "session" ? { kind: "session", id: user.tokenId, name: user.name } : null),
    after: () => ({ ended: 1 }),
  };
  const endAllOf: RouteAudit<RouteContext<{ name: string }, unknown, unknown>, { ended: number }> = {
    action: "session.end",
    target: ({ params }) => ({ kind: "user", id: null, name: params.name }),
    after: (_ctx, r) => ({ ended: r.ended }),
  };
  const endOne: RouteAudit<RouteContext<{ id: string }, unknown, unknown>> = {
    action: "session.end",
    target: ({ params, user }) => ({ kind: "session", id: params.id, name: user.name }),
    after: () => ({ ended: 1 }),
  };
  return { start, end, endAllOf, endOne };
}
