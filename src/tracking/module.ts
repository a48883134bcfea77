import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { DB } from "../db/database.ts";
import type { RouteAuditor } from "../http/route-audit.ts";
import type { IdentityService, Principal } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import { registerMlflow } from "./mlflow/routes.ts";
import { TrackingService } from "./service.ts";

// The tracking module in one piece for app.ts: its service and MLflow's REST API.

export interface Tracking {
  service: TrackingService;
  register(http: FastifyInstance): void;
}

/** How long a person's name is remembered for MLflow answers (names do not change; people may go). */
const NAME_MS = 60_000;

export function startTracking(deps: {
  db: DB;
  identity: IdentityService;
  teams: TeamService;
  audit: RouteAuditor;
  clock: Clock;
  logger: Logger;
  authenticate: (request: FastifyRequest) => Promise<Principal | null>;
}): Tracking {
  const names = new Map<string, { name: string; until: number }>();
  const userName = async (userId: string): Promise<string> => {
    const now = deps.clock.now();
    const hit = names.get(userId);
    if (hit && hit.until > now) return hit.name;
    const name = (await deps.identity.store.userById(userId))?.name ?? userId;
    if (names.size >= 10_000) names.clear();
    names.set(userId, { name, until: now + NAME_MS });
    return name;
  };
  const service = new TrackingService({ db: deps.db, teams: deps.teams, clock: deps.clock, userName, audit: deps.audit });
  return {
    service,
    register: (http) => registerMlflow(http, { tracking: service, authenticate: deps.authenticate, logger: deps.logger }),
  };
}
