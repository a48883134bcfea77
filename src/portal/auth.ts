import type { IncomingHttpHeaders } from "node:http";
import type { FastifyRequest } from "fastify";
import { ProblemError } from "../core/errors.ts";
import { bearerToken } from "../http/server.ts";
import type { IdentityService, Principal } from "../identity/service.ts";
import { readCookie } from "./cookies.ts";
import type { ProgressService } from "./progress.ts";
import type { SessionService } from "./sessions.ts";

export const SESSION_COOKIE = "plinth_session";
/**
 * Cookie-authenticated requests that change something must carry this header. A page on
 * another site cannot add a custom header to a request here without a CORS preflight, which
 * this server never grants, so the header proves the request came from the portal itself.
 * (The cookie is also SameSite=Strict; the header covers older browsers and sibling subdomains.)
 */
export const CSRF_HEADER = "x-plinth-csrf";

const SIGN_IN_ROUTE = "/api/v1/sessions";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type Via = "bearer" | "session";

/** Who made a request, by Bearer token or session cookie; what the RouteRegistry calls. */
export class Authenticator {
  readonly #identity: IdentityService;
  readonly #sessions: SessionService;
  readonly #progress: ProgressService;
  readonly #seen = new WeakMap<FastifyRequest, { principal: Principal; via: Via }>();

  constructor(identity: IdentityService, sessions: SessionService, progress: ProgressService) {
    this.#identity = identity;
    this.#sessions = sessions;
    this.#progress = progress;
  }

  authenticate = async (request: FastifyRequest): Promise<Principal | null> => {
    const token = bearerToken(request);
    if (token) {
      const principal = await this.#identity.authenticate(token);
      if (!principal) throw badToken();
      this.#seen.set(request, { principal, via: "bearer" });
      // A token used outside the portal's sign-in means the CLI (or a script) is signed in.
      if (request.routeOptions.url !== SIGN_IN_ROUTE) await this.#progress.note(principal.userId, "cli");
      return principal;
    }
    const secret = readCookie(request, SESSION_COOKIE);
    if (!secret) return null;
    const principal = await this.#sessions.authenticate(secret);
    if (!principal) return null;
    if (!SAFE_METHODS.has(request.method)) requireCsrfHeader(request);
    this.#seen.set(request, { principal, via: "session" });
    return principal;
  };

  /**
   * Who a request outside the routes is from (the workspace proxy, which passes the request on
   * untouched): its Bearer token or session cookie. The proxy changes nothing of Plinth's, so
   * no CSRF header is asked for; the session cookie is SameSite=Strict.
   */
  fromHeaders = async (headers: IncomingHttpHeaders): Promise<Principal | null> => {
    const header = headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (m) {
      const principal = await this.#identity.authenticate(m[1]!);
      if (!principal) throw badToken();
      return principal;
    }
    const secret = readCookie({ headers } as FastifyRequest, SESSION_COOKIE);
    return secret ? this.#sessions.authenticate(secret) : null;
  };

  /** The principal a request was authenticated as, once the route has run. */
  principalOf(request: FastifyRequest): { principal: Principal; via: Via } | undefined {
    return this.#seen.get(request);
  }
}

export function requireCsrfHeader(request: FastifyRequest): void {
  if (request.headers[CSRF_HEADER] === "1") return;
  throw new ProblemError({
    status: 403,
    title: "Request not from the portal",
    code: "csrf",
    detail: `Requests signed in by the session cookie that change something need the '${CSRF_HEADER}: 1' header.`,
    hint: "Use the portal's own pages, or call the API with 'Authorization: Bearer <token>' instead of the cookie.",
  });
}

/** Says what is wrong with the token, not just that nobody is signed in. */
function badToken(): ProblemError {
  return new ProblemError({
    status: 401,
    title: "Not signed in",
    code: "unauthorized",
    detail: "That token is unknown, revoked or expired.",
    hint: "Use the whole token (it starts with plt_): `plinth up` printed the first one, the portal's Tokens page makes new ones, and `plinth login` saves one for the CLI.",
  });
}
