import { randomInt } from "node:crypto";
import type { Clock } from "../core/clock.ts";
import { ProblemError } from "../core/errors.ts";
import { can, type Owned } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import { doesNotExist, invalidParameter, MlflowError } from "./mlflow-error.ts";
import type { TrackingStore } from "./store.ts";
import type { TrackingExperimentsTable } from "./tables.ts";
import { checkExperimentName, checkTag } from "./validation.ts";

// Experiments, through the one policy. An experiment belongs to a team: every member reads it
// and adds runs to it, viewers read it, and its creator and the team's admins rename, tag or
// delete it. One the person may not read does not exist for them. Names are unique within a
// team; a name is looked up in the person's primary team first, then their other teams.
// MLflow's experiment "0" ("Default") is each person's Default experiment in their primary team.

export const DEFAULT_EXPERIMENT_ID = "0";
export const DEFAULT_EXPERIMENT_NAME = "Default";
/** A tag a client may set when creating an experiment to choose its team (default: the primary team). */
export const TEAM_TAG = "plinth.team";

export const experimentOwned = (e: TrackingExperimentsTable): Owned => ({ ownerId: e.created_by, teamId: e.team_id, visibility: "team" });

export class Experiments {
  readonly #store: TrackingStore;
  readonly #teams: TeamService;
  readonly #clock: Clock;

  constructor(store: TrackingStore, teams: TeamService, clock: Clock) {
    this.#store = store;
    this.#teams = teams;
    this.#clock = clock;
  }

  async create(actor: Principal, input: { name: unknown; artifactLocation?: unknown; tags?: Array<{ key?: unknown; value?: unknown }> }): Promise<TrackingExperimentsTable> {
    const name = checkExperimentName(input.name);
    if (input.artifactLocation !== undefined && input.artifactLocation !== "") {
      throw invalidParameter("Plinth keeps every experiment's artifacts in its own store; leave artifact_location out (MLflow clients then send artifacts through this server).");
    }
    const tags = (input.tags ?? []).map(checkTag);
    const teamTag = tags.find((t) => t.key === TEAM_TAG)?.value;
    const teamId = await this.#teams.teamForNew(actor, teamTag);
    if (await this.#store.experimentIn(teamId, name)) {
      throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment '${name}' already exists.`);
    }
    const now = this.#clock.now();
    for (let attempt = 0; ; attempt++) {
      const id = newExperimentId(now);
      const row: TrackingExperimentsTable = {
        id,
        team_id: teamId,
        name,
        artifact_location: `mlflow-artifacts:/${id}`,
        lifecycle_stage: "active",
        created_by: actor.userId,
        creation_time: now,
        last_update_time: now,
      };
      try {
        await this.#store.createExperiment(row, tags.filter((t) => t.key !== TEAM_TAG));
        return row;
      } catch (err) {
        // Two creations of one name at once: the unique (team, name) decides; an id clash is tried again.
        if (await this.#store.experimentIn(teamId, name)) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment '${name}' already exists.`);
        if (attempt >= 3) throw err;
      }
    }
  }

  /** The experiment of this id the person may read; "0" is their Default experiment. */
  async readable(actor: Principal, id: unknown): Promise<TrackingExperimentsTable> {
    if (typeof id !== "string" || id === "") throw invalidParameter("Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.");
    if (id === DEFAULT_EXPERIMENT_ID) return this.#default(actor);
    const e = await this.#store.experiment(id);
    if (!e || !can(actor, "read", experimentOwned(e))) throw doesNotExist(`No Experiment with id=${id.slice(0, 64)} exists`);
    return e;
  }

  /** Like `readable`, and the person may change it. */
  async writable(actor: Principal, id: unknown): Promise<TrackingExperimentsTable> {
    const e = await this.readable(actor, id);
    if (!can(actor, "write", experimentOwned(e))) {
      throw new MlflowError("PERMISSION_DENIED", `You may read experiment '${e.name}' but not change it: its creator and the admins of its team may rename, tag or delete it.`);
    }
    return e;
  }

  /** The experiment of this name the person may read: in their primary team first. */
  async named(actor: Principal, name: unknown): Promise<TrackingExperimentsTable> {
    if (typeof name !== "string" || name === "") throw invalidParameter("Missing value for required parameter 'experiment_name'. See the API docs for more information about request parameters.");
    const visible = (await this.#store.experimentsNamed(name)).filter((e) => can(actor, "read", experimentOwned(e)));
    if (visible.length === 0) {
      if (name === DEFAULT_EXPERIMENT_NAME) return this.#default(actor);
      throw doesNotExist(`Could not find experiment with name '${name.slice(0, 200)}'`);
    }
    if (visible.length === 1) return visible[0]!;
    const primary = await this.#primaryTeam(actor);
    const inPrimary = visible.find((e) => e.team_id === primary);
    if (inPrimary) return inPrimary;
    const mine = visible.filter((e) => actor.teams[e.team_id] !== undefined);
    if (mine.length === 1) return mine[0]!;
    throw invalidParameter(`More than one experiment named '${name}' is open to you (ids ${visible.map((e) => e.id).join(", ")}): use its id.`);
  }

  /** Where a run may be added: an active experiment in a team where the person adds work. */
  async forNewRun(actor: Principal, id: unknown): Promise<TrackingExperimentsTable> {
    const e = await this.readable(actor, id);
    if (e.lifecycle_stage !== "active") throw invalidParameter(`The experiment ${e.id} must be in the 'active' state. Current state is ${e.lifecycle_stage}.`);
    await this.#teams.teamForNew(actor, await this.teamName(e.team_id));
    return e;
  }

  async rename(actor: Principal, id: unknown, newName: unknown): Promise<void> {
    const e = await this.writable(actor, id);
    const name = checkExperimentName(newName);
    if (e.lifecycle_stage !== "active") throw invalidParameter(`Cannot rename a non-active experiment.`);
    if (name !== e.name && (await this.#store.experimentIn(e.team_id, name))) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment '${name}' already exists.`);
    await this.#store.updateExperiment(e.id, { name }, this.#clock.now());
  }

  async setStage(actor: Principal, id: unknown, stage: "active" | "deleted"): Promise<void> {
    const e = await this.writable(actor, id);
    if (stage === "deleted" && e.lifecycle_stage === "deleted") throw invalidParameter(`The experiment ${e.id} must be in the 'active' state. Current state is deleted.`);
    if (stage === "active" && e.lifecycle_stage === "active") throw invalidParameter(`Cannot restore an active experiment: ${e.id}`);
    await this.#store.setExperimentStage(e.id, stage, this.#clock.now());
  }

  async setTag(actor: Principal, id: unknown, tag: { key?: unknown; value?: unknown }): Promise<void> {
    const e = await this.writable(actor, id);
    const t = checkTag(tag);
    await this.#store.setExperimentTag({ experiment_id: e.id, key: t.key, value: t.value }, this.#clock.now());
  }

  async deleteTag(actor: Principal, id: unknown, key: unknown): Promise<void> {
    const e = await this.writable(actor, id);
    if (typeof key !== "string" || !(await this.#store.deleteExperimentTag(e.id, key))) throw doesNotExist(`No tag with name: ${String(key).slice(0, 250)} in experiment with id ${e.id}`);
  }

  /** The person's Default experiment (MLflow's "0"): made in their primary team on first use. */
  async #default(actor: Principal): Promise<TrackingExperimentsTable> {
    const teamId = await this.#primaryTeam(actor);
    const found = teamId ? await this.#store.experimentIn(teamId, DEFAULT_EXPERIMENT_NAME) : undefined;
    if (found) return found;
    try {
      return await this.create(actor, { name: DEFAULT_EXPERIMENT_NAME });
    } catch (err) {
      // Made by a request of the same person at the same moment.
      const made = teamId ? await this.#store.experimentIn(teamId, DEFAULT_EXPERIMENT_NAME) : undefined;
      if (made) return made;
      throw err;
    }
  }

  async #primaryTeam(actor: Principal): Promise<string | null> {
    try {
      return await this.#teams.teamForNew(actor, undefined);
    } catch (err) {
      if (err instanceof ProblemError) return null;
      throw err;
    }
  }

  async teamName(teamId: string): Promise<string> {
    return (await this.#teams.list()).find((t) => t.id === teamId)?.name ?? teamId;
  }
}

/** Digits, as MLflow's ids are, that sort by creation and stay below 2^53 (JavaScript clients read them as numbers). */
function newExperimentId(now: number): string {
  return `${now}${String(randomInt(1000)).padStart(3, "0")}`;
}
