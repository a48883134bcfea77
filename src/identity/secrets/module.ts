import type { Clock } from "../../core/clock.ts";
import type { DB } from "../../db/database.ts";
import type { RouteRegistry } from "../../http/routes.ts";
import type { JobSecrets } from "../../jobs/job-secrets.ts";
import { LogMasks } from "../../jobs/log-mask.ts";
import { registerAccessKeyRoutes } from "../access-keys/routes.ts";
import { AccessKeyService } from "../access-keys/service.ts";
import { AccessKeyStore } from "../access-keys/store.ts";
import { loadKeyRing, Sealer, type SecretsKeyConfig } from "../sealing.ts";
import type { IdentityService } from "../service.ts";
import type { TeamService } from "../teams.ts";
import { registerSecretRoutes } from "./routes.ts";
import { SecretService } from "./service.ts";
import { SecretStore } from "./store.ts";

// Secrets and access keys in one piece for app.ts: the key ring from the configuration, the
// services, what jobs use, their routes, and the clean-up when a Keeper removes a person.

export interface Secrets {
  sealer: Sealer;
  secrets: SecretService;
  accessKeys: AccessKeyService;
  /** For the job service: checks at submit, values at launch, masked logs. */
  forJobs: JobSecrets;
  /**
   * Refuses to go on when stored values name a key this server lacks (a clear start-up error
   * instead of failing jobs later), and re-seals what previous keys sealed.
   */
  start(): Promise<Record<string, number>>;
  register(routes: RouteRegistry): void;
}

export interface SecretsDeps {
  db: DB;
  identity: IdentityService;
  teams: TeamService;
  clock: Clock;
  dataDir: string;
  keys: SecretsKeyConfig;
}

/** Creates the module and checks its key against what is stored: a key that cannot open it stops the start, with a hint. */
export async function startSecrets(deps: SecretsDeps): Promise<Secrets> {
  const secrets = createSecrets(deps);
  await secrets.start();
  return secrets;
}

export function createSecrets(deps: SecretsDeps): Secrets {
  const { identity, teams, clock } = deps;
  const sealer = new Sealer(loadKeyRing(deps.keys, deps.dataDir));
  const secrets = new SecretService({
    store: new SecretStore(deps.db),
    sealer,
    clock,
    directory: {
      team: (name) => teams.named(name),
      teamName: async (id) => (await identity.store.teamById(id))?.name ?? null,
      userName: async (id) => (await identity.store.userById(id))?.name ?? null,
      subject: (userId) => identity.principalFor(userId, "", null),
    },
  });
  const accessKeys = new AccessKeyService({
    store: new AccessKeyStore(deps.db),
    sealer,
    clock,
    principal: (userId, keyId) => identity.principalFor(userId, keyId, null),
    generation: () => identity.generation,
  });
  identity.onUserRemoved(async (user) => {
    const lines = [await secrets.removeAllOf(user.id), await accessKeys.revokeAllOf(user.id)].filter((l) => l !== undefined);
    return lines.length > 0 ? lines.join("; ") : undefined;
  });
  const masks = new LogMasks((jobId) => secrets.jobValues(jobId));
  return {
    sealer,
    secrets,
    accessKeys,
    forJobs: { check: (...a) => secrets.check(...a), forLaunch: (...a) => secrets.forLaunch(...a), masks },
    start: () => sealer.start(),
    register: (routes) => {
      registerSecretRoutes(routes, { secrets, sealer });
      registerAccessKeyRoutes(routes, accessKeys);
    },
  };
}
