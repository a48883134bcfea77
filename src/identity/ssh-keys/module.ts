import type { Clock } from "../../core/clock.ts";
import type { DB } from "../../db/database.ts";
import type { RouteRegistry } from "../../http/routes.ts";
import type { IdentityService } from "../service.ts";
import type { TeamService } from "../teams.ts";
import { registerSshKeyRoutes } from "./routes.ts";
import { SshKeyService } from "./service.ts";
import { SshKeyStore } from "./store.ts";

// SSH public keys in one piece for app.ts: the service, its routes, and the deletion of a
// person's keys when a Keeper removes them.

export interface SshKeys {
  service: SshKeyService;
  register(routes: RouteRegistry): void;
}

export function createSshKeys(deps: { db: DB; identity: IdentityService; teams: TeamService; clock: Clock }): SshKeys {
  const service = new SshKeyService({ store: new SshKeyStore(deps.db), identity: deps.identity, teams: deps.teams, clock: deps.clock });
  deps.identity.onUserRemoved((user) => service.removeAllOf(user));
  return { service, register: (routes) => registerSshKeyRoutes(routes, service) };
}
