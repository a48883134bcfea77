import type { Clock } from "../../core/clock.ts";
import type { DB } from "../../db/database.ts";
import type { Subject } from "../../identity/policy.ts";
import type { IdentityService } from "../../identity/service.ts";
import type { TeamService } from "../../identity/teams.ts";
import type { Environments } from "../service.ts";
import type { ResolvedImage } from "../containers/images.ts";
import { NamedEnvironments } from "./service.ts";
import { NamedEnvironmentStore } from "./store.ts";

// Named team environments in one piece for app.ts: the store, what the service needs to know
// of people and teams, and Python environments to pin each published version with.

export function createNamedEnvironments(deps: {
  db: DB;
  environments: Environments;
  identity: IdentityService;
  teams: TeamService;
  clock: Clock;
  /** The names of the jobs the subject may read (the jobs service is made after this). */
  jobNames: (subject: Subject, ids: string[]) => Promise<Map<string, string>>;
  /** An image on this machine pinned to its id (refused where there is no container engine). */
  resolveImage: (subject: Subject, reference: string) => Promise<ResolvedImage>;
}): NamedEnvironments {
  const { identity, teams } = deps;
  return new NamedEnvironments({
    store: new NamedEnvironmentStore(deps.db),
    resolve: (spec) => deps.environments.resolve(spec),
    resolveImage: deps.resolveImage,
    clock: deps.clock,
    directory: {
      team: (name) => teams.named(name),
      teamName: async (id) => (await identity.store.teamById(id))?.name ?? null,
      userName: async (id) => (await identity.store.userById(id))?.name ?? null,
      primaryTeam: async (userId) => (await identity.store.userById(userId))?.primary_team_id ?? null,
      jobNames: deps.jobNames,
    },
  });
}
