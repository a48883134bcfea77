import type { Clock } from "../../core/clock.ts";
import type { DB } from "../../db/database.ts";
import type { PeopleService } from "../people.ts";
import type { RouteRegistry } from "../../http/routes.ts";
import type { IdentityService } from "../service.ts";
import type { TeamService } from "../teams.ts";
import { registerSshKeyRoutes } from "./routes.ts";
import { SshKeyService } from "./service.ts";
import { SshKeyStore } from "./store.ts";

// SSH public keys in one piece for app.ts: the service, its routes, the keys a Keeper gives
// with a new person (`plinth users add NAME --ssh-key FILE`), and the deletion of a person's
// keys when a Keeper removes them.

export interface SshKeys {
  service: SshKeyService;
  register(routes: RouteRegistry): void;
}

export function createSshKeys(deps: { db: DB; identity: IdentityService; teams: TeamService; people: PeopleService; clock: Clock }): SshKeys {
  const service = new SshKeyService({ store: new SshKeyStore(deps.db), identity: deps.identity, teams: deps.teams, clock: deps.clock });
  deps.people.onAdding({
    check: (person) => service.checkNew(person, person.sshKeys ?? []),
    apply: async (actor, userId, person) => {
      for (const text of person.sshKeys ?? []) await service.addSshKey(actor, userId, text);
    },
  });
  deps.identity.onUserRemoved((user) => service.removeAllOf(user));
  return { service, register: (routes) => registerSshKeyRoutes(routes, service) };
}
