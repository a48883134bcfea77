import type { Clock } from "../../core/clock.ts";
import { type FieldError, problems } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { can, isTeamAdmin, type Owned, type Subject } from "../policy.ts";
import { resealRows, type SealedCollection, type Sealer } from "../sealing.ts";
import type { SecretInfo } from "./spec.ts";
import type { SecretStore } from "./store.ts";
import type { SecretsTable } from "./tables.ts";

// Secrets per person and per team. A person manages their own; a team's admins (and Keepers)
// manage the team's; a job gets, by name, its submitter's own secret or else its team's, the
// latter only when the submitter may use the team's secrets (members, not viewers). Values go
// into the job's environment when it starts, and nowhere else.

/** What the secrets service needs to know of people and teams. */
export interface SecretDirectory {
  /** The team with this name; a 404 problem when there is none. */
  team(name: string): Promise<{ id: string; name: string }>;
  teamName(id: string): Promise<string | null>;
  userName(id: string): Promise<string | null>;
  /** A person as the policy sees them now; null for someone removed. */
  subject(userId: string): Promise<Subject | null>;
}

const userScope = (userId: string) => `user:${userId}`;
const teamScope = (teamId: string) => `team:${teamId}`;
const secretContext = (id: string) => `secret:${id}`;
const jobContext = (jobId: string) => `job-secrets:${jobId}`;

/** A team's secrets as a resource for the policy: the team's, readable by the team, owned by no one person. */
function teamSecrets(teamId: string): Owned {
  return { ownerId: "", teamId, visibility: "team" };
}

export class SecretService {
  readonly #store: SecretStore;
  readonly #sealer: Sealer;
  readonly #directory: SecretDirectory;
  readonly #clock: Clock;

  constructor(opts: { store: SecretStore; sealer: Sealer; directory: SecretDirectory; clock: Clock }) {
    this.#store = opts.store;
    this.#sealer = opts.sealer;
    this.#directory = opts.directory;
    this.#clock = opts.clock;
    opts.sealer.register(this.#collection());
  }

  // ---- managing ------------------------------------------------------------------------

  /** Sets (or replaces) a secret's value: the actor's own, or a team's. */
  async set(actor: Subject, name: string, value: string, teamName?: string): Promise<{ info: SecretInfo; created: boolean }> {
    const { scope, team } = await this.#managed(actor, teamName, "set");
    const existing = await this.#store.get(scope, name);
    const now = this.#clock.now();
    const id = existing?.id ?? newId("sec", now);
    const { sealed, keyId } = this.#sealer.seal(value, secretContext(id));
    const row: SecretsTable = { id, scope, name, sealed, key_id: keyId, set_by: actor.userId, created_at: existing?.created_at ?? now, updated_at: now };
    const { created } = await this.#store.upsert(row);
    return { info: await this.#info(row, team), created };
  }

  async remove(actor: Subject, name: string, teamName?: string): Promise<SecretInfo> {
    const { scope, team } = await this.#managed(actor, teamName, "remove");
    const row = await this.#store.get(scope, name);
    if (!row || !(await this.#store.remove(scope, name))) throw notFound(name, teamName);
    return this.#info(row, team);
  }

  /** Without a team: the actor's own secrets and those of every team they belong to. With one: that team's. */
  async list(actor: Subject, teamName?: string): Promise<SecretInfo[]> {
    let scopes: string[];
    if (teamName !== undefined) {
      const team = await this.#directory.team(teamName);
      if (!can(actor, "read", teamSecrets(team.id))) throw teamNotFound(teamName);
      scopes = [teamScope(team.id)];
    } else {
      scopes = [userScope(actor.userId), ...Object.keys(actor.teams).map(teamScope)];
    }
    const rows = await this.#store.list(scopes);
    const names = new Map<string, string | null>();
    const out: SecretInfo[] = [];
    for (const row of rows) out.push(await this.#info(row, undefined, names));
    return out;
  }

  /** Deletes a removed person's own secrets; the line for the removal's report. */
  async removeAllOf(userId: string): Promise<string | undefined> {
    const n = await this.#store.removeScope(userScope(userId));
    return n > 0 ? `${n} secret${n === 1 ? "" : "s"} deleted` : undefined;
  }

  // ---- for jobs --------------------------------------------------------------------------

  /** At submit: refuses, naming them, secrets that do not resolve for the submitter in the job's team. */
  async check(userId: string, names: readonly string[], teamId: string | null): Promise<void> {
    const { missing } = await this.#resolve(userId, names, teamId);
    if (missing.length === 0) return;
    throw unknownSecrets(names, missing);
  }

  /**
   * At launch: the values, for the job's environment only, resolved again (a secret changed or
   * removed since the submit counts as it is now). Records them, sealed, so the job's log is
   * masked with exactly what it was given. The error names secrets, never values.
   */
  async forLaunch(jobId: string, userId: string, names: readonly string[], teamId: string | null): Promise<Record<string, string>> {
    const { found, missing } = await this.#resolve(userId, names, teamId);
    if (missing.length > 0) {
      throw new Error(`the secret${missing.length === 1 ? "" : "s"} ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} no longer there for its owner (removed, or they left the team); set it again with \`plinth secrets set\``);
    }
    const env: Record<string, string> = {};
    for (const name of names) {
      const row = found.get(name)!;
      env[name] = this.#sealer.openText(row.sealed, secretContext(row.id));
    }
    const { sealed, keyId } = this.#sealer.seal(JSON.stringify(Object.values(env)), jobContext(jobId));
    await this.#store.recordJobValues({ job_id: jobId, sealed, key_id: keyId, created_at: this.#clock.now() });
    return env;
  }

  /** The values a job was given, to mask its log; null when it was given none. */
  async jobValues(jobId: string): Promise<string[] | null> {
    const row = await this.#store.jobValues(jobId);
    return row ? (JSON.parse(this.#sealer.openText(row.sealed, jobContext(jobId))) as string[]) : null;
  }

  // ---- helpers -------------------------------------------------------------------------

  async #resolve(userId: string, names: readonly string[], teamId: string | null): Promise<{ found: Map<string, SecretsTable>; missing: string[] }> {
    if (names.length === 0) return { found: new Map(), missing: [] };
    const subject = await this.#directory.subject(userId);
    if (!subject) return { found: new Map(), missing: [...names] };
    const scopes = [userScope(userId)];
    if (teamId !== null && can(subject, "use", teamSecrets(teamId))) scopes.push(teamScope(teamId));
    const found = await this.#store.resolve(scopes, [...names]);
    return { found, missing: names.filter((n) => !found.has(n)) };
  }

  /** The scope an actor may change secrets in: their own, or a team they administer. */
  async #managed(actor: Subject, teamName: string | undefined, verb: string): Promise<{ scope: string; team: { id: string; name: string } | null }> {
    if (teamName === undefined) return { scope: userScope(actor.userId), team: null };
    const team = await this.#directory.team(teamName);
    const resource = teamSecrets(team.id);
    if (!can(actor, "read", resource)) throw teamNotFound(teamName);
    if (!isTeamAdmin(actor, team.id)) {
      throw problems.forbidden(`Only the admins of team '${team.name}' may ${verb} its secrets.`, `Ask one of its admins (\`plinth teams show ${team.name}\` lists them), or keep the secret as your own by leaving out --team.`);
    }
    return { scope: teamScope(team.id), team };
  }

  async #info(row: SecretsTable, team?: { id: string; name: string } | null, names = new Map<string, string | null>()): Promise<SecretInfo> {
    const cached = async (key: string, load: () => Promise<string | null>) => {
      if (!names.has(key)) names.set(key, await load());
      return names.get(key) ?? null;
    };
    const [kind, id] = row.scope.split(":") as ["user" | "team", string];
    const setBy = (await cached(`u:${row.set_by}`, () => this.#directory.userName(row.set_by))) ?? "(removed)";
    return {
      name: row.name,
      scope: kind,
      team: kind === "team" ? (team?.name ?? (await cached(`t:${id}`, () => this.#directory.teamName(id)))) : null,
      owner: kind === "user" ? await cached(`u:${id}`, () => this.#directory.userName(id)) : null,
      setBy,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  #collection(): SealedCollection {
    return {
      name: "secrets",
      keyIds: () => this.#store.keyIds(),
      reseal: async (ring) => {
        const secrets = await resealRows(
          ring,
          await this.#store.staleSecrets(ring.current.id),
          (r) => ({ sealed: r.sealed, context: secretContext(r.id) }),
          (r, sealed, keyId) => this.#store.resealSecret(r.id, r.sealed, sealed, keyId),
        );
        const jobs = await resealRows(
          ring,
          await this.#store.staleJobValues(ring.current.id),
          (r) => ({ sealed: r.sealed, context: jobContext(r.job_id) }),
          (r, sealed, keyId) => this.#store.resealJobValues(r.job_id, r.sealed, sealed, keyId),
        );
        return secrets + jobs;
      },
    };
  }
}

function notFound(name: string, teamName: string | undefined) {
  return problems.notFound("Secret", name, teamName ? `\`plinth secrets ls --team ${teamName}\` lists the team's secrets.` : "`plinth secrets ls` lists yours; add --team NAME for a team's.");
}

function teamNotFound(name: string) {
  return problems.notFound("Team", name, "`plinth secrets ls` lists the secrets of your teams; `plinth teams ls` lists the teams.");
}

/** 400 naming each secret a job asks for that its submitter cannot use. */
function unknownSecrets(names: readonly string[], missing: string[]) {
  const errors: FieldError[] = missing.map((m) => ({ path: `secrets[${names.indexOf(m)}]`, message: `unknown secret ${m}` }));
  return problems.badRequest(
    `Unknown secret${missing.length === 1 ? "" : "s"} ${missing.join(", ")}: neither yours nor, for a member, the job's team's.`,
    `Set it with \`plinth secrets set ${missing[0]}\` (the value is read from standard input), or ask an admin of the job's team to set it with --team; \`plinth secrets ls\` lists the secrets you can use.`,
    errors,
  );
}
