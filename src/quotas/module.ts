import type { Clock } from "../core/clock.ts";
import type { DB } from "../db/database.ts";
import type { RouteRegistry } from "../http/routes.ts";
import type { IdentityService } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import { registerQuotaRoutes } from "./routes.ts";
import { type QuotaEnforcer, QuotaService } from "./service.ts";
import { QuotaStore } from "./store.ts";

// Quotas in one piece for app.ts: the service, loaded and handed to the dispatcher before it
// starts any job; its routes; and a removed person's quota removed with them.

export interface Quotas {
  service: QuotaService;
  register(routes: RouteRegistry): void;
}

export async function startQuotas(deps: {
  db: DB;
  identity: IdentityService;
  teams: TeamService;
  clock: Clock;
  enforcer: QuotaEnforcer;
  defaults: { gpus?: number | undefined; runningJobs?: number | undefined };
  /** Bytes a team keeps, for its storage quota (the data module's count). */
  storageUsage?: (teamId: string) => Promise<number>;
}): Promise<Quotas> {
  const defaults = {
    ...(deps.defaults.gpus !== undefined && { gpus: deps.defaults.gpus }),
    ...(deps.defaults.runningJobs !== undefined && { runningJobs: deps.defaults.runningJobs }),
  };
  const service = new QuotaService({
    store: new QuotaStore(deps.db),
    identity: deps.identity,
    teams: deps.teams,
    clock: deps.clock,
    enforcer: deps.enforcer,
    defaults,
    ...(deps.storageUsage && { storageUsage: deps.storageUsage }),
  });
  await service.load();
  deps.identity.onUserRemoved((user) => service.userRemoved(user.id));
  return { service, register: (routes) => registerQuotaRoutes(routes, service) };
}
