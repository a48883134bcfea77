import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { ProblemError } from "../core/errors.ts";
import type { DataForS3 } from "../data/ports.ts";
import type { DB } from "../db/database.ts";
import type { RouteAuditor } from "../http/route-audit.ts";
import type { TeamService } from "../identity/teams.ts";
import { S3Multipart } from "./multipart.ts";
import { type AccessKeySecrets, registerS3 } from "./routes.ts";
import { S3Service, type Team, type TeamLookup } from "./service.ts";
import { S3Store } from "./store.ts";

// The S3-compatible endpoint in one piece for app.ts: its service on the data module's blobs
// and quota, and its routes under /s3.

export interface S3Endpoint {
  service: S3Service;
  register(http: FastifyInstance): void;
}

export function startS3(deps: { db: DB; data: DataForS3; teams: TeamService; keys: AccessKeySecrets; audit: RouteAuditor; clock: Clock; logger: Logger }): S3Endpoint {
  const service = new S3Service({ store: new S3Store(deps.db), data: deps.data, teams: teamLookup(deps.teams, deps.clock), audit: deps.audit, clock: deps.clock });
  const multipart = new S3Multipart(service);
  return {
    service,
    register: (http) => registerS3(http, { s3: service, multipart, keys: deps.keys, audit: deps.audit, clock: deps.clock, logger: deps.logger }),
  };
}

/** How long a bucket's team is remembered by name: every request names one. */
const TEAM_NAME_MS = 5_000;

function teamLookup(teams: TeamService, clock: Clock): TeamLookup {
  // Teams are neither renamed nor deleted; who may see one is the policy's answer on each request.
  const known = new Map<string, { team: Team; until: number }>();
  return {
    named: async (name) => {
      const now = clock.now();
      const hit = known.get(name);
      if (hit && hit.until > now) return hit.team;
      try {
        const t = await teams.named(name);
        const team = { id: t.id, name: t.name, createdAt: t.created_at };
        if (known.size >= 1000) known.clear();
        known.set(name, { team, until: now + TEAM_NAME_MS });
        return team;
      } catch (err) {
        if (err instanceof ProblemError && err.status === 404) return null;
        throw err;
      }
    },
    all: async () => (await teams.list()).map((t) => ({ id: t.id, name: t.name, createdAt: Date.parse(t.createdAt) })),
  };
}
