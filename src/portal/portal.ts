import { resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { EventBus } from "../core/events.ts";
import type { Database } from "../db/database.ts";
import type { RouteRegistry } from "../http/routes.ts";
import type { IdentityService } from "../identity/service.ts";
import type { JobService } from "../jobs/service.ts";
import { Authenticator } from "./auth.ts";
import { GuideLibrary } from "./guides.ts";
import { ProgressService } from "./progress.ts";
import { registerPortalRoutes } from "./routes.ts";
import { SessionService } from "./sessions.ts";
import { BUILD_HINT, type WebApp, webApp } from "./static.ts";
import { portalDb } from "./tables.ts";

// The portal's server side in one piece for app.ts: who is signed in (token or session
// cookie), the portal's routes, and the built web app.

const REPO_ROOT = resolve(import.meta.dirname, "../..");

export interface PortalDeps {
  database: Database;
  identity: IdentityService;
  jobs: JobService;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  publicUrl?: string;
  /** Defaults to the repository's docs/ and web/dist. */
  docsDir?: string;
  webDist?: string;
}

export interface Portal {
  auth: Authenticator;
  /** Browser sessions: other ways of signing in (password, SSO) start theirs here. */
  sessions: SessionService;
  web: WebApp;
  register(routes: RouteRegistry, http: FastifyInstance): void;
}

export function createPortal(deps: PortalDeps): Portal {
  const db = portalDb(deps.database.db);
  const sessions = new SessionService(db, deps.identity, deps.clock);
  // A revoked token's browser sessions end with it.
  deps.identity.onTokenRevoked((tokenId) => sessions.endSignedInWith(tokenId));
  deps.identity.onUserRemoved(async (user) => {
    const ended = await sessions.endAllFor(user.id);
    return ended > 0 ? `${ended} browser session${ended === 1 ? "" : "s"} ended` : undefined;
  });
  const progress = new ProgressService(db, deps.jobs, deps.clock);
  const auth = new Authenticator(deps.identity, sessions, progress);
  const guides = new GuideLibrary(deps.docsDir ?? resolve(REPO_ROOT, "docs"));
  const web = webApp(deps.webDist ?? resolve(REPO_ROOT, "web/dist"));
  if (!web.built) deps.logger.warn({ dir: web.distDir }, `the web portal is not built. ${BUILD_HINT}`);
  return {
    auth,
    sessions,
    web,
    register(routes, http) {
      registerPortalRoutes(routes, http, {
        sessions,
        progress,
        guides,
        bus: deps.bus,
        auth,
        mayReadJob: (user, jobId) => deps.jobs.access.mayRead(user, jobId),
        secureCookies: deps.publicUrl?.startsWith("https:") ?? false,
      });
    },
  };
}
