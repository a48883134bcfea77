import { ProblemError, problems } from "../core/errors.ts";
import { can, type Owned } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import { formatRef, LATEST, parseRef, type VersionSelector } from "./refs.ts";
import type { DataStore } from "./store.ts";
import type { DatasetsTable, DatasetVersionsTable } from "./tables.ts";

// Finding datasets and versions for a person, through the one policy: what they may not read
// is not found (404), never "forbidden", so a name reveals nothing; what they may read but not
// change is a 403 that says who may.

const LIST_HINT = "`plinth data ls` lists the datasets you may read; name another team's as `team/name`.";

export const owned = (d: DatasetsTable): Owned => ({ ownerId: d.owner_id, teamId: d.team_id, visibility: d.visibility });

export class DatasetAccess {
  readonly #store: DataStore;
  readonly #teams: TeamService;

  constructor(store: DataStore, teams: TeamService) {
    this.#store = store;
    this.#teams = teams;
  }

  /** The dataset of this name the person may read: in `teamName`, or found in their teams (primary first). */
  async readable(actor: Principal, name: string, teamName?: string): Promise<DatasetsTable> {
    const found = await this.#find(actor, name, teamName);
    if (!found) throw notFound(teamName ? `${teamName}/${name}` : name);
    return found;
  }

  /** Like `readable`, and the person may change it (its owner, the team's admins, Keepers). */
  async writable(actor: Principal, name: string, teamName?: string): Promise<DatasetsTable> {
    const d = await this.readable(actor, name, teamName);
    await this.requireWrite(actor, d);
    return d;
  }

  async requireWrite(actor: Principal, d: DatasetsTable): Promise<void> {
    if (can(actor, "write", owned(d))) return;
    const team = await this.#teams.named(await this.teamName(d.team_id)).catch(() => null);
    const label = `${team?.name ?? d.team_id}/${d.name}`;
    throw problems.forbidden(
      actor.teams[d.team_id] === "viewer"
        ? `You are a viewer in team ${team?.name}: you may read ${label} but not change it.`
        : `You may read ${label} but not change it: its owner and the admins of team ${team?.name} may add versions, move tags or delete it.`,
      `Push your files as a dataset of your own (another name), or ask an admin of ${team?.name} (\`plinth teams show ${team?.name}\` lists them).`,
    );
  }

  /**
   * Where a push goes: the dataset of that name the person may change, or, when there is none
   * yet, the team to create it in (the one named, or their primary team).
   */
  async forPush(actor: Principal, name: string, teamName?: string): Promise<{ dataset: DatasetsTable } | { teamId: string }> {
    const found = await this.#find(actor, name, teamName, true);
    if (found) {
      await this.requireWrite(actor, found);
      return { dataset: found };
    }
    if (teamName) {
      // A dataset there that the person may not read is refused as if it were not there.
      const team = await this.#teams.named(teamName);
      if (await this.#store.datasetIn(team.id, name)) throw notFound(`${teamName}/${name}`);
    }
    const teamId = await this.#teams.teamForNew(actor, teamName);
    if (!teamName && (await this.#store.datasetIn(teamId, name))) throw notFound(name);
    return { teamId };
  }

  /** `[team/]name[@version]` to the dataset and version, for a person who may read them. */
  async resolve(actor: Principal, ref: string): Promise<{ dataset: DatasetsTable; version: DatasetVersionsTable }> {
    const parsed = parseRef(ref);
    const dataset = await this.readable(actor, parsed.name, parsed.team ?? undefined);
    return { dataset, version: await this.version(dataset, parsed.version) };
  }

  async version(dataset: DatasetsTable, selector: VersionSelector): Promise<DatasetVersionsTable> {
    const label = formatRef({ name: dataset.name, version: selector });
    const hint = `\`plinth data show ${dataset.name}\` lists its versions and tags.`;
    let found: DatasetVersionsTable | undefined;
    if (selector.kind === "number") found = await this.#store.versionByNumber(dataset.id, selector.number);
    else if (selector.kind === "alias") {
      const alias = await this.#store.alias(dataset.id, selector.alias);
      found = alias ? await this.#store.version(alias.version_id) : selector.alias === LATEST ? await this.#store.latestVersion(dataset.id) : undefined;
      if (!found && selector.alias === LATEST) {
        throw new ProblemError({ status: 404, title: "Dataset version not found", code: "not-found", detail: `${dataset.name} has no versions yet.`, hint: "Push files to it first: `plinth data push PATH --name NAME`." });
      }
    } else {
      const matches = await this.#store.versionsByDigest(dataset.id, selector.prefix);
      if (new Set(matches.map((v) => v.digest)).size > 1) {
        throw problems.conflict(`${label} matches more than one version (${matches.map((v) => `v${v.number}`).join(", ")}).`, "Give more hex digits of the digest, or the version number.");
      }
      found = matches[0];
    }
    if (!found) throw problems.notFound("Dataset version", label, hint);
    return found;
  }

  async teamName(teamId: string): Promise<string> {
    return (await this.#teams.list()).find((t) => t.id === teamId)?.name ?? teamId;
  }

  async #find(actor: Principal, name: string, teamName: string | undefined, writing = false): Promise<DatasetsTable | null> {
    if (teamName) {
      const team = await this.#teams.named(teamName).catch((err) => {
        // A team that does not exist holds no dataset: the same answer as an invisible one.
        if (err instanceof ProblemError && err.status === 404) return null;
        throw err;
      });
      const d = team ? await this.#store.datasetIn(team.id, name) : undefined;
      return d && can(actor, "read", owned(d)) ? d : null;
    }
    const candidates = await this.#store.datasetsNamed(name, actor);
    if (candidates.length === 0) return null;
    const primary = await this.#teams.teamForNew(actor, undefined).catch(() => null);
    const inPrimary = candidates.find((d) => d.team_id === primary);
    if (inPrimary) return inPrimary;
    const inTeams = candidates.filter((d) => actor.teams[d.team_id] !== undefined);
    // A push without a team goes to the person's own teams: a public dataset elsewhere is not where it lands.
    const pool = inTeams.length > 0 || writing ? inTeams : candidates;
    if (pool.length === 0) return null;
    if (pool.length > 1) {
      const names = await Promise.all(pool.map((d) => this.teamName(d.team_id)));
      throw problems.conflict(
        `More than one dataset named '${name}' is open to you: in teams ${names.join(", ")}.`,
        `Name the team: ${names.map((t) => `\`${t}/${name}\``).join(" or ")}.`,
      );
    }
    return pool[0]!;
  }
}

function notFound(label: string): ProblemError {
  return problems.notFound("Dataset", label, LIST_HINT);
}
