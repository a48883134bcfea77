import type { Server } from "node:http";
import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import type { EventBus } from "../core/events.ts";
import { parseDuration, parseMemory } from "../core/units.ts";
import type { DB } from "../db/database.ts";
import type { RouteRegistry } from "../http/routes.ts";
import type { IdentityService, Principal } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import { GpuUsageReader } from "../jobs/executors/local/gpu-usage.ts";
import type { JobService } from "../jobs/service.ts";
import { Homes } from "./homes.ts";
import { IdleWatch } from "./idle-watch.ts";
import { attachWorkspaceProxy, type ProxyDeps } from "./proxy.ts";
import { registerWorkspaceRoutes } from "./routes.ts";
import { WorkspaceService } from "./service.ts";
import { findSshd } from "./session-files.ts";
import { WorkspaceStore } from "./store.ts";
import { toWorkspaceView } from "./view.ts";

// The workspaces module as app.ts sees it: the service, its idle watch, its routes and the
// proxy in front of the HTTP server.

export interface WorkspacesDeps {
  db: DB;
  jobs: JobService;
  identity: IdentityService;
  teams: TeamService;
  keysOf(userIds: readonly string[]): Promise<string[]>;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  runWorkdir(jobId: string): string;
  config: Config["workspaces"];
  nvidiaSmi?: string;
}

export interface Workspaces {
  service: WorkspaceService;
  start(): Promise<void>;
  register(routes: RouteRegistry, server: Server, authenticate: ProxyDeps["authenticate"]): void;
  stop(): void;
}

export function createWorkspaces(d: WorkspacesDeps): Workspaces {
  const names = new Map<string, string>();
  const userName = async (id: string) => names.get(`u:${id}`) ?? (await d.identity.userById(id))?.name ?? id;
  const teamName = async (id: string) => {
    const cached = names.get(`t:${id}`);
    if (cached) return cached;
    const team = (await d.teams.list()).find((t) => t.id === id);
    if (team) names.set(`t:${id}`, team.name);
    return team?.name ?? id;
  };
  const service = new WorkspaceService({
    store: new WorkspaceStore(d.db),
    jobs: d.jobs,
    homes: new Homes(d.dataDir),
    bus: d.bus,
    clock: d.clock,
    logger: d.logger,
    dataDir: d.dataDir,
    runWorkdir: d.runWorkdir,
    settings: {
      sshd: findSshd(d.config.sshd),
      codeServer: d.config.codeServer ?? null,
      defaultIdleStopMs: parseDuration(d.config.idleStop)!,
      homeQuotaBytes: parseMemory(d.config.homeQuota)!,
      gpuBusyPercent: d.config.gpuBusyPercent,
    },
    keysOf: d.keysOf,
    principalFor: (userId) => d.identity.principalFor(userId, "workspace", null),
    teamFor: (user, team) => d.teams.teamForNew(user, team),
    teamName,
    userName,
  });
  // Apps listen on Unix sockets in the job's folder, and such a path holds at most 107 bytes.
  const longest = d.runWorkdir(`job_${"0".repeat(26)}`).length + "/.plinth/app.sock".length;
  if (longest > 107) {
    d.logger.warn(`Workspaces cannot start here: their sockets' paths under the data directory ${d.dataDir} would be ${longest} bytes long, more than the 107 Unix sockets allow. Use a data directory of at most ${d.dataDir.length - (longest - 107)} characters.`);
  }
  const gpus = new GpuUsageReader(d.nvidiaSmi ?? "nvidia-smi");
  const gpuUtilization = async (jobId: string): Promise<Array<number | null>> => {
    const job = await d.jobs.stateOf(jobId);
    if (!job || job.gpuUuids.length === 0) return [];
    const readings = await gpus.read();
    return job.gpuUuids.map((uuid) => readings.get(uuid)?.utilizationPercent ?? null);
  };
  d.identity.onUserRemoved(async (user) => {
    const n = await service.stopAllOf(user.id);
    return n ? `${n} workspace${n === 1 ? "" : "s"} stopped` : undefined;
  });
  const watch = new IdleWatch({ workspaces: service, clock: d.clock, logger: d.logger, gpuUtilization, everyMs: parseDuration(d.config.checkInterval)! });
  const view = async (subject: Principal, row: Parameters<typeof toWorkspaceView>[1]) =>
    toWorkspaceView(subject, row, {
      owner: await userName(row.user_id),
      team: await teamName(row.team_id),
      job: row.state === "requested" ? await service.job(subject, row) : null,
      idleStopMs: await service.idleStopMs(row),
      gpuUtilization: (row.state === "running" || row.state === "idle_warned") && row.job_id ? await gpuUtilization(row.job_id) : [],
      now: d.clock.now(),
    });
  return {
    service,
    start: async () => {
      await service.watch();
      watch.start();
    },
    register: (routes, server, authenticate) => {
      registerWorkspaceRoutes(routes, { workspaces: service, view, teamNamed: (name) => d.teams.named(name), userName });
      attachWorkspaceProxy(server, { workspaces: service, authenticate, logger: d.logger });
    },
    stop: () => {
      watch.stop();
      service.close();
    },
  };
}
