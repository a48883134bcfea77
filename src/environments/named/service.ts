import type { Clock } from "../../core/clock.ts";
import { ProblemError, problems } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { can, isTeamAdmin, type Owned, type Subject } from "../../identity/policy.ts";
import type { ResolvedImage } from "../containers/images.ts";
import type { ResolvedEnvironment } from "../resolve.ts";
import type { EnvironmentSpec } from "../spec.ts";
import type { NamedVersion, NamedEnvironmentDetailView, NamedEnvironmentVersionView, NamedEnvironmentView } from "./spec.ts";
import { parseNamedRef } from "./spec.ts";
import type { NamedEnvironmentStore } from "./store.ts";
import type { NamedEnvironmentsTable, NamedEnvironmentVersionsTable } from "./tables.ts";

// Environments a team publishes by name, each version pinned when it is published. Through the
// one policy: the team's admins and Keepers publish, describe and remove; everyone in the team
// reads them, and its members' jobs use them; anyone else finds nothing (404).

/** What the service needs to know of people, teams and jobs. */
export interface NamedEnvironmentDirectory {
  /** The team with this name; a 404 problem when there is none. */
  team(name: string): Promise<{ id: string; name: string }>;
  teamName(id: string): Promise<string | null>;
  userName(id: string): Promise<string | null>;
  primaryTeam(userId: string): Promise<string | null>;
  /** The names of the jobs among `ids` that the subject may read. */
  jobNames(subject: Subject, ids: string[]): Promise<Map<string, string>>;
}

/** The definition a version is published from. */
export interface NamedDefinition {
  python?: string;
  /** Absent for an image. */
  packages?: string[];
  image?: string;
}

/** What a version was pinned to when published: a Python environment, or `{ image }`. */
type Pinned = ResolvedEnvironment | { image: ResolvedImage };
const isImage = (p: Pinned): p is { image: ResolvedImage } => "image" in p && !("key" in p);

const RECENT_JOBS = 20;
const LIST_HINT = "`plinth env named ls` lists the named environments of your teams.";

const ANYONE = "anyone may still give a job its packages with environment: {packages: [...]}.";

function notAdmin(team: string) {
  return problems.forbidden(`Only the admins of team ${team} and Keepers may publish its named environments.`, `Ask one of its admins (\`plinth teams show ${team}\` lists them); ${ANYONE}`);
}

/** A team's named environments as a resource for the policy: the team's, owned by no one person. */
const teamEnvironments = (teamId: string): Owned => ({ ownerId: "", teamId, visibility: "team" });

export class NamedEnvironments {
  readonly #store: NamedEnvironmentStore;
  readonly #resolve: (spec: EnvironmentSpec) => Promise<ResolvedEnvironment>;
  readonly #resolveImage: (subject: Subject, reference: string) => Promise<ResolvedImage>;
  readonly #directory: NamedEnvironmentDirectory;
  readonly #clock: Clock;

  constructor(o: { store: NamedEnvironmentStore; resolve: (spec: EnvironmentSpec) => Promise<ResolvedEnvironment>; resolveImage: (subject: Subject, reference: string) => Promise<ResolvedImage>; directory: NamedEnvironmentDirectory; clock: Clock }) {
    this.#store = o.store;
    this.#resolve = o.resolve;
    this.#resolveImage = o.resolveImage;
    this.#directory = o.directory;
    this.#clock = o.clock;
  }

  /** Those of one team, or of every team the subject belongs to (every team, for a Keeper). */
  async list(subject: Subject, teamName?: string): Promise<NamedEnvironmentView[]> {
    let rows: NamedEnvironmentsTable[];
    if (teamName !== undefined) {
      const team = await this.#readableTeam(subject, teamName);
      rows = await this.#store.inTeams([team.id]);
    } else {
      rows = subject.role === "admin" ? await this.#store.all() : await this.#store.inTeams(Object.keys(subject.teams));
    }
    const latest = await this.#store.latestOf(rows);
    return Promise.all(rows.map((row) => this.#view(row, latest.get(row.id)!)));
  }

  /** One, with every version and the latest jobs (the subject may see) that used each. */
  async get(subject: Subject, name: string, teamName?: string): Promise<NamedEnvironmentDetailView> {
    const row = await this.#readable(subject, name, teamName);
    const versions = await this.#store.versions(row.id);
    const uses = await this.#store.recentUses(row.id, RECENT_JOBS * 5);
    const names = await this.#directory.jobNames(subject, uses.map((u) => u.job_id));
    const recentJobs = uses
      .filter((u) => names.has(u.job_id))
      .slice(0, RECENT_JOBS)
      .map((u) => ({ id: u.job_id, name: names.get(u.job_id)!, version: u.version, submittedAt: new Date(u.used_at).toISOString() }));
    const versionViews = await Promise.all(versions.map((v) => this.#versionView(v)));
    return { ...(await this.#view(row, versions[0]!)), versions: versionViews, recentJobs };
  }

  /**
   * Publishes a new version (the first makes the name): pinned now, so a package that does not
   * exist is refused here, and jobs using it need no package index at submit.
   */
  async publish(subject: Subject, name: string, body: NamedDefinition & { team?: string; description?: string }): Promise<{ view: NamedEnvironmentView; created: boolean; teamId: string }> {
    const teamId = await this.#publishingTeam(subject, body.team);
    const definition: NamedDefinition = body.image !== undefined ? { image: body.image } : { ...(body.python !== undefined && { python: body.python }), packages: body.packages ?? [] };
    const resolved: Pinned = definition.image !== undefined ? { image: await this.#resolveImage(subject, definition.image) } : await this.#resolve({ ...(definition.python !== undefined && { python: definition.python }), packages: definition.packages });
    const now = this.#clock.now();
    const version = { definition: JSON.stringify(definition), resolved: JSON.stringify(resolved), published_by: subject.userId, created_at: now };
    const existing = await this.#store.named(teamId, name);
    if (existing) await this.#store.publish(null, existing.id, version, body.description);
    else {
      const create: NamedEnvironmentsTable = { id: newId("nenv", now), team_id: teamId, name, description: body.description ?? "", owner_id: subject.userId, latest_version: 1, created_at: now, updated_at: now };
      await this.#store.publish(create, create.id, version, body.description).catch(async (err: unknown) => {
        // Someone published the same new name at the same moment: this becomes its next version.
        const theirs = await this.#store.named(teamId, name);
        if (!theirs) throw err;
        await this.#store.publish(null, theirs.id, version, body.description);
      });
    }
    const row = (await this.#store.named(teamId, name))!;
    const latest = (await this.#store.version(row.id, row.latest_version))!;
    return { view: await this.#view(row, latest), created: !existing, teamId };
  }

  async describe(subject: Subject, name: string, teamName: string | undefined, description: string): Promise<NamedEnvironmentView> {
    const row = await this.#managed(subject, name, teamName, "describe");
    await this.#store.setDescription(row.id, description, this.#clock.now());
    const updated = (await this.#store.named(row.team_id, row.name))!;
    return this.#view(updated, (await this.#store.version(row.id, row.latest_version))!);
  }

  /** Removes the name and its versions; jobs that used it keep what they were pinned to. */
  async remove(subject: Subject, name: string, teamName: string | undefined): Promise<NamedEnvironmentView> {
    const row = await this.#managed(subject, name, teamName, "remove");
    const view = await this.#view(row, (await this.#store.version(row.id, row.latest_version))!);
    await this.#store.remove(row.id);
    return view;
  }

  // ---- for jobs --------------------------------------------------------------------------

  /** At submit: `name` or `name@version` in the job's team, to the environment that version pinned. */
  async forJob(subject: Subject, ref: string, teamId: string): Promise<{ resolved?: ResolvedEnvironment; image?: ResolvedImage; named: NamedVersion }> {
    const { name, version } = parseNamedRef(ref);
    const row = can(subject, "use", teamEnvironments(teamId)) ? await this.#store.named(teamId, name) : undefined;
    const teamName = (await this.#directory.teamName(teamId)) ?? teamId;
    if (!row) {
      const names = (await this.#store.inTeams([teamId])).map((r) => r.name);
      throw new ProblemError({
        status: 422,
        title: "Unknown named environment",
        code: "unknown-named-environment",
        detail: `Team ${teamName} has no environment named ${name}.`,
        hint:
          names.length > 0
            ? `Team ${teamName}'s named environments: ${names.join(", ")}. Or give the packages themselves: environment: {packages: [...]}.`
            : `Team ${teamName} has no named environments yet: a team admin publishes one with \`plinth env publish NAME -r requirements.txt\` (or \`--seed sklearn\`). Or give the packages themselves: environment: {packages: [...]}.`,
        errors: [{ path: "environment", message: `no environment named ${name} in team ${teamName}` }],
      });
    }
    const number = version ?? row.latest_version;
    const found = await this.#store.version(row.id, number);
    if (!found) {
      throw new ProblemError({
        status: 422,
        title: "Unknown version of a named environment",
        code: "unknown-named-environment",
        detail: `${name} in team ${teamName} has no version ${number}.`,
        hint: `Its versions are 1 to ${row.latest_version}: use ${name}@${row.latest_version}, or ${name} for the latest. \`plinth env named show ${name}\` lists them.`,
        errors: [{ path: "environment", message: `${name} has no version ${number}` }],
      });
    }
    const pinned = JSON.parse(found.resolved) as Pinned;
    const named = { id: row.id, name: row.name, version: number };
    return isImage(pinned) ? { image: pinned.image, named } : { resolved: pinned, named };
  }

  /** After a job is stored: that it used this version, for the environment's page. */
  recordUse(jobId: string, named: NamedVersion, at: number): Promise<void> {
    return this.#store.recordUse({ job_id: jobId, environment_id: named.id, version: named.version, used_at: at });
  }

  // ---- finding -------------------------------------------------------------------------

  async #readableTeam(subject: Subject, teamName: string): Promise<{ id: string; name: string }> {
    const team = await this.#directory.team(teamName).catch((err: unknown) => {
      if (err instanceof ProblemError && err.status === 404) return null;
      throw err;
    });
    // A team one is not in holds nothing one can see: the same answer as no team at all.
    if (!team || !can(subject, "read", teamEnvironments(team.id))) throw problems.notFound("Team", teamName, LIST_HINT);
    return team;
  }

  /** The environment of that name the subject may read: in the team named, or in theirs (primary first). */
  async #readable(subject: Subject, name: string, teamName: string | undefined): Promise<NamedEnvironmentsTable> {
    let row: NamedEnvironmentsTable | undefined;
    if (teamName !== undefined) {
      const team = await this.#readableTeam(subject, teamName).catch(() => null);
      row = team ? await this.#store.named(team.id, name) : undefined;
    } else {
      const primary = await this.#directory.primaryTeam(subject.userId);
      const teams = [...new Set([...(primary && subject.teams[primary] ? [primary] : []), ...Object.keys(subject.teams)])];
      for (const teamId of teams) {
        row = await this.#store.named(teamId, name);
        if (row) break;
      }
      // A Keeper belongs to no team of necessity: a name only one team has is theirs to see.
      if (!row && subject.role === "admin") {
        const all = (await this.#store.all()).filter((r) => r.name === name);
        if (all.length === 1) row = all[0];
        if (all.length > 1) throw problems.conflict(`Several teams have an environment named ${name}.`, "Name the team: --team TEAM (or ?team=).");
      }
    }
    if (!row || !can(subject, "read", teamEnvironments(row.team_id))) throw problems.notFound("Named environment", teamName ? `${teamName}/${name}` : name, LIST_HINT);
    return row;
  }

  async #managed(subject: Subject, name: string, teamName: string | undefined, verb: string): Promise<NamedEnvironmentsTable> {
    const row = await this.#readable(subject, name, teamName);
    if (!isTeamAdmin(subject, row.team_id)) {
      const team = (await this.#directory.teamName(row.team_id)) ?? row.team_id;
      throw problems.forbidden(`Only the admins of team ${team} and Keepers may ${verb} its named environments.`, `Ask one of its admins (\`plinth teams show ${team}\` lists them).`);
    }
    return row;
  }

  /** Where a new version goes: the team named, or the one the subject administers (primary first). */
  async #publishingTeam(subject: Subject, teamName: string | undefined): Promise<string> {
    if (teamName !== undefined) {
      const team = await this.#directory.team(teamName);
      if (!isTeamAdmin(subject, team.id)) throw notAdmin(team.name);
      return team.id;
    }
    const primary = await this.#directory.primaryTeam(subject.userId);
    if (primary && isTeamAdmin(subject, primary) && (subject.role === "admin" || subject.teams[primary])) return primary;
    const administered = Object.keys(subject.teams).filter((id) => isTeamAdmin(subject, id));
    if (administered.length === 1) return administered[0]!;
    if (administered.length > 1) throw problems.unprocessable("Which team?", "You administer several teams.", "Name the team: --team TEAM (or `team` in the body).", [{ path: "team", message: "required" }]);
    if (subject.role === "admin") return (await this.#directory.team("default")).id;
    const team = primary && subject.teams[primary] ? await this.#directory.teamName(primary) : null;
    throw team ? notAdmin(team) : problems.forbidden("Only team admins and Keepers publish named environments.", `Ask an admin of your team; ${ANYONE}`);
  }

  // ---- views -----------------------------------------------------------------------------

  async #view(row: NamedEnvironmentsTable, latest: NamedEnvironmentVersionsTable): Promise<NamedEnvironmentView> {
    return {
      name: row.name,
      team: (await this.#directory.teamName(row.team_id)) ?? row.team_id,
      teamId: row.team_id,
      description: row.description,
      owner: (await this.#directory.userName(row.owner_id)) ?? "(removed)",
      latest: await this.#versionView(latest),
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  async #versionView(v: NamedEnvironmentVersionsTable): Promise<NamedEnvironmentVersionView> {
    const definition = JSON.parse(v.definition) as NamedDefinition;
    const resolved = JSON.parse(v.resolved) as Pinned;
    const pinned = isImage(resolved)
      ? { key: resolved.image.id, python: null, packages: [], image: { reference: resolved.image.reference, id: resolved.image.id, digest: resolved.image.digest } }
      : { key: resolved.key, python: resolved.python.version, packages: resolved.packages.map((p) => `${p.name}==${p.version}`), image: null };
    return {
      version: v.version,
      python: definition.python ?? null,
      packages: definition.packages ?? [],
      pinned,
      publishedBy: (await this.#directory.userName(v.published_by)) ?? "(removed)",
      createdAt: new Date(v.created_at).toISOString(),
    };
  }
}
