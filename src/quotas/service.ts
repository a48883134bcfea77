import type { Clock } from "../core/clock.ts";
import { problems } from "../core/errors.ts";
import { requireAdmin, type IdentityService, type Principal } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import type { QuotaDefinition, QuotaDefinitions, ScopeUsage } from "../jobs/quota-book.ts";
import { teamKey, tidy, userKey } from "../jobs/scheduler/quotas.ts";
import type { QuotaLimits } from "../jobs/scheduler/types.ts";
import type { QuotaLimitName, QuotaScope, QuotaView, SetQuota } from "./spec.ts";
import type { QuotaStore } from "./store.ts";
import type { QuotasTable } from "./tables.ts";

// Quotas per user and per team: Keepers set them; everyone sees their own and their teams'
// with what is in use. The dispatcher enforces them: this service hands it every change.

/** What the quotas need of the dispatcher. */
export interface QuotaEnforcer {
  setQuotas(defs: QuotaDefinitions): void;
  /** What each user and team holds and used, by scope key. */
  quotaUsage(): Map<string, ScopeUsage>;
  /** How many queued jobs a quota holds back, by scope key. */
  heldByScope(): Map<string, number>;
}

export interface QuotaServiceOptions {
  store: QuotaStore;
  identity: IdentityService;
  teams: TeamService;
  clock: Clock;
  enforcer: QuotaEnforcer;
  /** The platform-wide per-user limits from config, which a user's own quota overrides. */
  defaults: { gpus?: number; runningJobs?: number };
  /** Bytes a team keeps (datasets and S3 objects), for its storage quota. */
  storageUsage?: (teamId: string) => Promise<number>;
}

const HOUR_S = 3600;

export class QuotaService {
  readonly #o: QuotaServiceOptions;

  constructor(opts: QuotaServiceOptions) {
    this.#o = opts;
  }

  /** Reads every quota and hands them to the dispatcher; at start and after each change. */
  async load(): Promise<void> {
    const rows = await this.#o.store.all();
    const users = new Map<string, QuotaDefinition>();
    const teams = new Map<string, QuotaDefinition>();
    const teamNames = new Map((await this.#o.teams.list()).map((t) => [t.id, t.name]));
    for (const row of rows) {
      const limits: QuotaLimits = {};
      if (row.gpus !== null) limits.gpus = row.gpus;
      if (row.running_jobs !== null) limits.runningJobs = row.running_jobs;
      if (row.gpu_seconds_per_week !== null) limits.gpuSeconds = row.gpu_seconds_per_week;
      if (row.scope === "team") teams.set(row.subject_id, { limits, label: teamNames.get(row.subject_id) ?? row.subject_id });
      else users.set(row.subject_id, { limits, label: (await this.#o.identity.userById(row.subject_id))?.name ?? row.subject_id });
    }
    this.#o.enforcer.setQuotas({ users, teams });
  }

  /** The quotas a person may see, with usage: their own and their teams'; a Keeper's, every team's and every quota. */
  async list(actor: Principal): Promise<QuotaView[]> {
    const rows = new Map((await this.#o.store.all()).map((r) => [`${r.scope}:${r.subject_id}`, r]));
    const teams = await this.#o.teams.list();
    const admin = actor.role === "admin";
    const subjects: Array<{ scope: QuotaScope; id: string; name: string }> = [{ scope: "user", id: actor.userId, name: actor.name }];
    for (const t of teams) if (admin || actor.teams[t.id] !== undefined) subjects.push({ scope: "team", id: t.id, name: t.name });
    if (admin) {
      for (const r of rows.values()) {
        if (r.scope !== "user" || r.subject_id === actor.userId) continue;
        subjects.push({ scope: "user", id: r.subject_id, name: (await this.#o.identity.userById(r.subject_id))?.name ?? r.subject_id });
      }
    }
    const usage = this.#o.enforcer.quotaUsage();
    const held = this.#o.enforcer.heldByScope();
    return Promise.all(subjects.map((s) => this.#view(s, rows.get(`${s.scope}:${s.id}`), usage, held)));
  }

  /** One user's or team's quota (Keepers; or anyone for themselves and their teams). */
  async show(actor: Principal, scope: QuotaScope, name: string): Promise<QuotaView> {
    const subject = await this.#subject(scope, name);
    const mine = scope === "user" ? subject.id === actor.userId : actor.teams[subject.id] !== undefined;
    if (actor.role !== "admin" && !mine) throw notFound(scope, name);
    const row = await this.#o.store.get(scope, subject.id);
    return this.#view({ scope, ...subject }, row, this.#o.enforcer.quotaUsage(), this.#o.enforcer.heldByScope());
  }

  /** Sets some limits of a quota, keeping the others (Keepers only). A quota left with no limits is removed. */
  async set(actor: Principal, scope: QuotaScope, name: string, changes: SetQuota): Promise<QuotaView> {
    requireAdmin(actor, "set quotas");
    if (scope === "user" && changes.storageBytes !== undefined) {
      throw problems.badRequest("storageBytes: storage quotas are per team.", `Set it on a team: \`plinth quotas set --team TEAM --storage 500GiB\`.`);
    }
    const subject = await this.#subject(scope, name);
    const before = await this.#o.store.get(scope, subject.id);
    const row: QuotasTable = {
      scope,
      subject_id: subject.id,
      gpus: changes.gpus === undefined ? (before?.gpus ?? null) : changes.gpus,
      running_jobs: changes.runningJobs === undefined ? (before?.running_jobs ?? null) : changes.runningJobs,
      gpu_seconds_per_week:
        changes.gpuHoursPerWeek === undefined ? (before?.gpu_seconds_per_week ?? null) : changes.gpuHoursPerWeek === null ? null : Math.round(changes.gpuHoursPerWeek * HOUR_S),
      storage_bytes: changes.storageBytes === undefined ? (before?.storage_bytes ?? null) : changes.storageBytes,
      updated_at: this.#o.clock.now(),
      updated_by: actor.userId,
    };
    if (row.gpus === null && row.running_jobs === null && row.gpu_seconds_per_week === null && row.storage_bytes === null) await this.#o.store.remove(scope, subject.id);
    else await this.#o.store.put(row);
    await this.load();
    return this.show(actor, scope, name);
  }

  /** Removes a quota (Keepers only): a team goes back to no limits, a user to the platform-wide defaults. */
  async remove(actor: Principal, scope: QuotaScope, name: string): Promise<void> {
    requireAdmin(actor, "remove quotas");
    const subject = await this.#subject(scope, name);
    if (!(await this.#o.store.remove(scope, subject.id))) {
      throw problems.notFound("Quota", `${scope} ${name}`, "`plinth quotas ls` lists the quotas that are set.");
    }
    await this.load();
  }

  /** A team's storage quota in bytes; null: no limit. */
  async storageLimitOf(teamId: string): Promise<number | null> {
    return (await this.#o.store.get("team", teamId))?.storage_bytes ?? null;
  }

  /** Who can raise a team's quota (Keepers) and who manages the team (its admins), by name. */
  async whoManages(teamId: string): Promise<{ team: string; keepers: string[]; teamAdmins: string[] }> {
    const store = this.#o.identity.store;
    const team = await store.teamById(teamId);
    const keepers = (await store.listUsers()).filter((u) => u.role === "admin").map((u) => u.name);
    const teamAdmins = (await store.membersOf(teamId)).filter((m) => m.role === "admin").map((m) => m.user_name);
    return { team: team?.name ?? teamId, keepers, teamAdmins };
  }

  /** When a Keeper removes a person, their own quota goes with them. */
  async userRemoved(userId: string): Promise<string | undefined> {
    if (!(await this.#o.store.remove("user", userId))) return undefined;
    await this.load();
    return "quota removed";
  }

  async #subject(scope: QuotaScope, name: string): Promise<{ id: string; name: string }> {
    if (scope === "team") {
      const team = await this.#o.teams.named(name);
      return { id: team.id, name: team.name };
    }
    const user = await this.#o.identity.userNamed(name);
    return { id: user.id, name: user.name };
  }

  async #view(s: { scope: QuotaScope; id: string; name: string }, row: QuotasTable | undefined, usage: Map<string, ScopeUsage>, held: Map<string, number>): Promise<QuotaView> {
    const key = s.scope === "user" ? userKey(s.id) : teamKey(s.id);
    const defaults: QuotaLimitName[] = [];
    let gpus = row?.gpus ?? null;
    let runningJobs = row?.running_jobs ?? null;
    if (s.scope === "user") {
      if (gpus === null && this.#o.defaults.gpus !== undefined) {
        gpus = this.#o.defaults.gpus;
        defaults.push("gpus");
      }
      if (runningJobs === null && this.#o.defaults.runningJobs !== undefined) {
        runningJobs = this.#o.defaults.runningJobs;
        defaults.push("runningJobs");
      }
    }
    const used = usage.get(key);
    return {
      scope: s.scope,
      id: s.id,
      name: s.name,
      set: row !== undefined,
      limits: { gpus, runningJobs, gpuHoursPerWeek: row?.gpu_seconds_per_week == null ? null : tidy(row.gpu_seconds_per_week / HOUR_S), storageBytes: row?.storage_bytes ?? null },
      defaults,
      usage: {
        gpus: used?.gpus ?? 0,
        runningJobs: used?.runningJobs ?? 0,
        gpuHoursPerWeek: tidy((used?.gpuSeconds ?? 0) / HOUR_S),
        storageBytes: s.scope === "team" && this.#o.storageUsage ? await this.#o.storageUsage(s.id) : 0,
      },
      heldJobs: held.get(key) ?? 0,
      updatedAt: row ? new Date(row.updated_at).toISOString() : null,
      updatedBy: row?.updated_by ? ((await this.#o.identity.userById(row.updated_by))?.name ?? null) : null,
    };
  }
}

function notFound(scope: QuotaScope, name: string) {
  return problems.notFound(scope === "team" ? "Team" : "User", name, "`plinth quotas ls` lists the quotas you may see: your own and your teams'.");
}
