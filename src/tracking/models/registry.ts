import { randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.ts";
import { ProblemError } from "../../core/errors.ts";
import { can, type Owned, VISIBILITIES, type Visibility } from "../../identity/policy.ts";
import type { Principal } from "../../identity/service.ts";
import type { TeamService } from "../../identity/teams.ts";
import { TEAM_TAG } from "../experiments.ts";
import { doesNotExist, invalidParameter, MlflowError } from "../mlflow-error.ts";
import type { RegistryStore } from "./registry-store.ts";
import type { TrackingRegisteredModelsTable } from "./tables.ts";
import { checkAlias, checkDescription, checkModelName, checkRegistryTag, checkVersion } from "./validation.ts";

// Registered models, through the one policy. A registered model belongs to a team (its
// creator's primary team, or the one its `plinth.team` tag names), and its name is unique
// there: every member reads it and its versions, viewers too; its creator and the team's
// admins rename, tag, alias, delete it and add versions. One the person may not read does not
// exist for them. A name is looked up in the person's primary team first, then their others.

export const registeredModelOwned = (m: TrackingRegisteredModelsTable): Owned => ({
  ownerId: m.created_by,
  teamId: m.team_id,
  visibility: (VISIBILITIES as readonly string[]).includes(m.visibility) ? (m.visibility as Visibility) : "private",
});

export const notFound = (name: string) => doesNotExist(`Registered Model with name=${name.slice(0, 256)} not found`);
const exists = (name: string) => new MlflowError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);

export class Registry {
  readonly store: RegistryStore;
  readonly #teams: TeamService;
  readonly #clock: Clock;

  constructor(o: { store: RegistryStore; teams: TeamService; clock: Clock }) {
    this.store = o.store;
    this.#teams = o.teams;
    this.#clock = o.clock;
  }

  async create(actor: Principal, input: { name: unknown; tags?: unknown[]; description?: unknown }): Promise<TrackingRegisteredModelsTable> {
    const name = checkModelName(input.name);
    const tags = (input.tags ?? []).map((t) => checkRegistryTag(t as { key?: unknown; value?: unknown }));
    const description = checkDescription(input.description);
    const teamId = await this.#teams.teamForNew(actor, tags.find((t) => t.key === TEAM_TAG)?.value);
    if (await this.store.registeredModelIn(teamId, name)) throw exists(name);
    const now = this.#clock.now();
    const row: TrackingRegisteredModelsTable = {
      id: randomBytes(16).toString("hex"),
      team_id: teamId,
      name,
      created_by: actor.userId,
      visibility: "team",
      description,
      creation_time: now,
      last_update_time: now,
    };
    try {
      await this.store.createRegisteredModel(
        row,
        tags.filter((t) => t.key !== TEAM_TAG),
      );
    } catch (err) {
      // Two creations of one name at once: the unique (team, name) decides.
      if (await this.store.registeredModelIn(teamId, name)) throw exists(name);
      throw err;
    }
    return row;
  }

  /** The registered model of this name the person may read: in their primary team first. */
  async readable(actor: Principal, nameInput: unknown, parameter = "name"): Promise<TrackingRegisteredModelsTable> {
    const name = checkModelName(nameInput, parameter);
    const visible = (await this.store.registeredModelsNamed(name)).filter((m) => can(actor, "read", registeredModelOwned(m)));
    if (visible.length === 0) throw notFound(name);
    if (visible.length === 1) return visible[0]!;
    // Someone in no team where they add work (a viewer) has no primary team to prefer.
    const primary = await this.#teams.teamForNew(actor, undefined).catch((err: unknown) => (err instanceof ProblemError ? null : Promise.reject(err)));
    const mine = visible.filter((m) => m.team_id === primary);
    const chosen = mine.length === 1 ? mine : visible.filter((m) => actor.teams[m.team_id] !== undefined);
    if (chosen.length === 1) return chosen[0]!;
    throw invalidParameter(`More than one registered model named '${name}' is open to you, in different teams: rename one, or ask from an account in one of those teams.`);
  }

  /** Like `readable`, and the person may change it. */
  async writable(actor: Principal, name: unknown): Promise<TrackingRegisteredModelsTable> {
    const model = await this.readable(actor, name);
    if (!can(actor, "write", registeredModelOwned(model))) {
      throw new MlflowError("PERMISSION_DENIED", `You may read registered model '${model.name}' but not change it: its creator and the admins of its team may rename, tag, alias or delete it and add versions.`);
    }
    return model;
  }

  async update(actor: Principal, name: unknown, description: unknown): Promise<TrackingRegisteredModelsTable> {
    const model = await this.writable(actor, name);
    const next = checkDescription(description);
    const now = this.#clock.now();
    await this.store.updateRegisteredModel(model.id, { description: next }, now);
    return { ...model, description: next, last_update_time: now };
  }

  async rename(actor: Principal, name: unknown, newName: unknown): Promise<TrackingRegisteredModelsTable> {
    const model = await this.writable(actor, name);
    const next = checkModelName(newName, "new_name");
    if (next !== model.name && (await this.store.registeredModelIn(model.team_id, next))) throw exists(next);
    const now = this.#clock.now();
    await this.store.updateRegisteredModel(model.id, { name: next }, now);
    return { ...model, name: next, last_update_time: now };
  }

  async delete(actor: Principal, name: unknown): Promise<TrackingRegisteredModelsTable> {
    const model = await this.writable(actor, name);
    await this.store.deleteRegisteredModel(model.id);
    return model;
  }

  async setTag(actor: Principal, name: unknown, tag: { key?: unknown; value?: unknown }): Promise<void> {
    const model = await this.writable(actor, name);
    await this.store.setRegisteredModelTag(model.id, checkRegistryTag(tag));
  }

  async deleteTag(actor: Principal, name: unknown, key: unknown): Promise<void> {
    const model = await this.writable(actor, name);
    if (typeof key !== "string" || !(await this.store.deleteRegisteredModelTag(model.id, key))) {
      throw doesNotExist(`No tag with name: ${String(key).slice(0, 250)} in registered model with name ${model.name}`);
    }
  }

  /** Points `alias` at a version (moving it from the one it named). */
  async setAlias(actor: Principal, name: unknown, aliasInput: unknown, versionInput: unknown): Promise<{ model: TrackingRegisteredModelsTable; alias: string; version: number }> {
    const alias = checkAlias(aliasInput, { forSetting: true });
    const version = checkVersion(versionInput);
    const model = await this.writable(actor, name);
    if (!(await this.store.version({ registered_model_id: model.id, version }))) throw versionNotFound(model.name, version);
    await this.store.setAlias({ registered_model_id: model.id, alias, version });
    return { model, alias, version };
  }

  async deleteAlias(actor: Principal, name: unknown, aliasInput: unknown): Promise<{ model: TrackingRegisteredModelsTable; alias: string }> {
    const alias = checkAlias(aliasInput, { forSetting: false });
    const model = await this.writable(actor, name);
    await this.store.deleteAlias(model.id, alias);
    return { model, alias };
  }
}

export const versionNotFound = (name: string, version: number | string) => doesNotExist(`Model Version (name=${name.slice(0, 256)}, version=${version}) not found`);
