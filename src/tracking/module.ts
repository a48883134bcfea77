import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { DB, Dialect } from "../db/database.ts";
import type { RouteAuditor } from "../http/route-audit.ts";
import type { IdentityService, Principal } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import type { EventBus } from "../core/events.ts";
import type { JobUsage } from "../jobs/executors/executor.ts";
import { JobRuns } from "./job-runs.ts";
import type { TrackingData } from "./artifacts.ts";
import { registerMlflowArtifacts } from "./mlflow/artifact-routes.ts";
import { registerMlflow } from "./mlflow/routes.ts";
import { registerTrackingRoutes } from "./routes.ts";
import type { RouteRegistry } from "../http/routes.ts";
import { TrackingService } from "./service.ts";
import { SystemMetricsSampler } from "./system-metrics.ts";

// The tracking module in one piece for app.ts: its service, MLflow's REST API, and a run for
// every job with its system metrics.

export interface Tracking {
  service: TrackingService;
  /** Every job is a run: the jobs service asks this at each launch. */
  jobs: JobRuns;
  register(http: FastifyInstance, authenticate: (request: FastifyRequest) => Promise<Principal | null>): void;
  /** Plinth's own tracking API (/api/v1/experiments, /api/v1/runs). */
  registerApi(routes: RouteRegistry): void;
  /** The server's address as jobs reach it, once it listens. */
  listening(url: string): void;
  /**
   * Artifacts keep their bytes in the data module's store, within team quotas. Given once the
   * data module is up, before its garbage collection first runs (it must know what runs keep).
   */
  attachData(data: TrackingData): void;
  stop(): Promise<void>;
}

/** How long a person's name is remembered for MLflow answers (names do not change; people may go). */
const NAME_MS = 60_000;

export function startTracking(deps: {
  db: DB;
  dialect: Dialect;
  identity: IdentityService;
  teams: TeamService;
  audit: RouteAuditor;
  clock: Clock;
  logger: Logger;
  bus: EventBus;
  /** What a running job uses now, from its executor: sampled into the job's run. */
  usage: (jobId: string) => Promise<JobUsage | null>;
  /** How often; 0: never. */
  systemMetricsIntervalMs?: number;
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
  const service = new TrackingService({ db: deps.db, dialect: deps.dialect, teams: deps.teams, clock: deps.clock, userName, audit: deps.audit });
  // Jobs launched before the server listens wait for its address; a server that never gets
  // there (it stops, or its port is taken) gives them none, so no launch waits forever.
  let heard: (url: string) => void = () => undefined;
  let gone: (err: Error) => void = () => undefined;
  const url = new Promise<string>((resolve, reject) => {
    heard = resolve;
    gone = reject;
  });
  url.catch(() => undefined);
  const systemMetrics =
    deps.systemMetricsIntervalMs === 0
      ? null
      : new SystemMetricsSampler({ store: service.store, usage: deps.usage, clock: deps.clock, logger: deps.logger, intervalMs: deps.systemMetricsIntervalMs });
  const jobs = new JobRuns({ tracking: service, identity: deps.identity, serverUrl: () => url, clock: deps.clock, logger: deps.logger, systemMetrics });
  const unsubscribe = jobs.listen((listener) => deps.bus.on("job.changed", listener));
  return {
    service,
    jobs,
    register: (http, authenticate) => {
      registerMlflow(http, { tracking: service, authenticate, logger: deps.logger });
      registerMlflowArtifacts(http, { artifacts: service.artifacts, authenticate, logger: deps.logger });
    },
    registerApi: (routes) => registerTrackingRoutes(routes, service),
    listening: heard,
    attachData: (data) => service.attachData(data),
    stop: async () => {
      gone(new Error("the server stopped before it listened"));
      unsubscribe();
      await jobs.drain();
      systemMetrics?.stop();
    },
  };
}
