import type { Clock } from "../../core/clock.ts";
import { problems } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { isTeamAdmin } from "../policy.ts";
import type { IdentityService, Principal } from "../service.ts";
import type { User } from "../spec.ts";
import type { TeamService } from "../teams.ts";
import { parseSshPublicKey } from "./parse.ts";
import { SSH_KEY_NAME, type SshKey } from "./spec.ts";
import type { SshKeyStore } from "./store.ts";
import type { SshKeysTable } from "./tables.ts";

// SSH public keys: each person adds their own, a Keeper adds them for anyone. A key belongs to
// one person only, across the platform. `authorizedKeys` writes the file hosts read: Keepers
// get everyone's, a team's admins their team's, anyone else their own.

const ID_PREFIX = "ssh";
const LIST_HINT = "`plinth ssh-keys ls` lists your keys with their IDs.";

export interface SshKeyServiceDeps {
  store: SshKeyStore;
  identity: IdentityService;
  teams: TeamService;
  clock: Clock;
}

export interface AuthorizedKeysFilter {
  user?: string | undefined;
  team?: string | undefined;
}

export class SshKeyService {
  readonly #store: SshKeyStore;
  readonly #identity: IdentityService;
  readonly #teams: TeamService;
  readonly #clock: Clock;

  constructor(deps: SshKeyServiceDeps) {
    this.#store = deps.store;
    this.#identity = deps.identity;
    this.#teams = deps.teams;
    this.#clock = deps.clock;
  }

  /** Your own keys. */
  async list(actor: Principal): Promise<SshKey[]> {
    const names = await this.#namesById();
    return (await this.#store.of(actor.userId)).map((row) => toSshKey(row, actor.name, names.get(row.added_by) ?? row.added_by));
  }

  /**
   * authorized_keys lines for these people, for a host Plinth itself prepares (a workspace
   * someone enters): the caller has already decided they may log in there.
   */
  async authorizedLinesOf(userIds: readonly string[]): Promise<string[]> {
    return (await this.#store.ofUsers(userIds)).map((k) => `${k.public_key} plinth:${k.user_id}:${k.name}`);
  }

  /** Someone's keys: Keepers, and the person themselves. */
  async listOf(actor: Principal, userName: string): Promise<SshKey[]> {
    const user = await this.#identity.userNamed(userName);
    this.#requireKeeperOrSelf(actor, user, "see other people's SSH keys");
    const names = await this.#namesById();
    return (await this.#store.of(user.id)).map((row) => toSshKey(row, user.name, names.get(row.added_by) ?? row.added_by));
  }

  /** One key, for its owner and Keepers; anyone else is told there is no such key. */
  async get(actor: Principal, id: string): Promise<SshKey> {
    const row = await this.#store.byId(id);
    if (!row || (row.user_id !== actor.userId && actor.role !== "admin")) throw problems.notFound("SSH key", id, LIST_HINT);
    const names = await this.#namesById();
    return toSshKey(row, names.get(row.user_id) ?? row.user_id, names.get(row.added_by) ?? row.added_by);
  }

  /** Adds a key of your own. */
  add(actor: Principal, text: string, name?: string): Promise<SshKey> {
    return this.addSshKey(actor, actor.userId, text, name);
  }

  /** Adds a key for someone by name (Keepers; or the person themselves). */
  async addFor(actor: Principal, userName: string, text: string, name?: string): Promise<SshKey> {
    const user = await this.#identity.userNamed(userName);
    return this.addSshKey(actor, user.id, text, name);
  }

  /**
   * Adds one OpenSSH public key line to a person's keys: their own, or anyone's for a Keeper
   * (`plinth users add alice --ssh-key alice.pub` comes here). Refuses a key anyone already has.
   */
  async addSshKey(actor: Principal, userId: string, text: string, name?: string): Promise<SshKey> {
    const user = await this.#identity.userById(userId);
    if (!user) throw problems.notFound("User", userId, "List the people with `plinth users ls`.");
    this.#requireKeeperOrSelf(actor, user, "add SSH keys for other people");
    if (user.removedAt !== null) throw problems.conflict(`${user.name} was removed from the platform.`, "A removed person gets no new keys; a Keeper adds them again with `plinth users add`.");
    const key = parseSshPublicKey(text);
    const keyName = name?.trim() || defaultName(key.comment, key.type);
    if (!SSH_KEY_NAME.test(keyName) || keyName.length > 64) {
      throw problems.badRequest("name: a key name is 1 to 64 letters, digits, spaces and . _ @ + -", "Pick another name with `--name`.", [{ path: "name", message: "letters, digits, spaces and . _ @ + -" }]);
    }
    const now = this.#clock.now();
    const row: SshKeysTable = {
      id: newId(ID_PREFIX, now),
      user_id: user.id,
      name: keyName,
      type: key.type,
      bits: key.bits,
      fingerprint: key.fingerprint,
      public_key: key.publicKey,
      comment: key.comment,
      created_at: now,
      added_by: actor.userId,
    };
    if (!(await this.#store.insert(row))) throw await this.#taken(key.fingerprint, user);
    return toSshKey(row, user.name, actor.name);
  }

  /**
   * Checks the keys a Keeper gives with a new person before the person is written, so a bad or
   * taken key refuses the whole addition rather than leaving someone half added.
   */
  async checkNew(person: Pick<User, "name">, texts: readonly string[]): Promise<void> {
    const seen = new Set<string>();
    for (const text of texts) {
      const { fingerprint } = parseSshPublicKey(text);
      if (seen.has(fingerprint)) throw problems.badRequest(`The same key (${fingerprint}) is given twice.`, "Give each --ssh-key file once.");
      seen.add(fingerprint);
      if (await this.#store.byFingerprint(fingerprint)) throw await this.#taken(fingerprint, { id: "", name: person.name });
    }
  }

  /** Deletes a key: its owner or a Keeper; for anyone else there is no such key. */
  async remove(actor: Principal, id: string): Promise<SshKey> {
    const key = await this.get(actor, id);
    if (!(await this.#store.delete(id))) throw problems.notFound("SSH key", id, LIST_HINT);
    return key;
  }

  /** Deletes all of a person's keys, when a Keeper removes them; one line for the removal's report. */
  async removeAllOf(user: Pick<User, "id">): Promise<string | undefined> {
    const n = await this.#store.deleteAllOf(user.id);
    return n > 0 ? `${n} SSH key${n === 1 ? "" : "s"} deleted` : undefined;
  }

  /**
   * An authorized_keys file: one line per key of the people asked for, each with the comment
   * `plinth:USER:KEYNAME`; removed people never. Keepers may ask for anyone, a team's admins for
   * their team and its members, everyone else gets their own keys.
   */
  async authorizedKeys(actor: Principal, filter: AuthorizedKeysFilter): Promise<string> {
    const everyone = (await this.#identity.store.listUsers(false)).map((u) => ({ id: u.id, name: u.name }));
    const memberships = await this.#identity.store.allMemberships();
    let team: { id: string; name: string } | null = null;
    if (filter.team !== undefined) {
      team = await this.#teams.named(filter.team);
      // Someone outside the team, and not a Keeper, cannot tell it from one that does not exist.
      if (actor.role !== "admin" && actor.teams[team.id] === undefined) throw problems.notFound("Team", filter.team, "`plinth teams ls` lists the teams; `plinth me` shows yours.");
    }
    const teamsOf = new Map<string, Set<string>>();
    for (const m of memberships) {
      const set = teamsOf.get(m.user_id) ?? new Set<string>();
      set.add(m.team_name);
      teamsOf.set(m.user_id, set);
    }
    const adminOf = new Set((await this.#teams.list()).filter((t) => isTeamAdmin(actor, t.id)).map((t) => t.name));
    const mayExport = (userId: string) => actor.role === "admin" || userId === actor.userId || [...(teamsOf.get(userId) ?? [])].some((t) => adminOf.has(t));
    let people = everyone.filter((u) => mayExport(u.id));
    if (team) people = people.filter((u) => teamsOf.get(u.id)?.has(team.name));
    if (filter.user !== undefined) {
      const wanted = people.find((u) => u.name === filter.user);
      if (!wanted) {
        const exists = everyone.some((u) => u.name === filter.user);
        throw problems.notFound(
          "User",
          filter.user,
          exists && team ? `${filter.user} is not in team ${team.name}, or their keys are not yours to export.` : "`plinth users ls` lists the people; you may export your own keys, a team's admins their team's, Keepers anyone's.",
        );
      }
      people = [wanted];
    }
    const names = new Map(people.map((u) => [u.id, u.name]));
    const keys = await this.#store.ofUsers(actor.role === "admin" && !team && filter.user === undefined ? null : [...names.keys()]);
    const lines = keys.filter((k) => names.has(k.user_id)).map((k) => `${k.public_key} plinth:${names.get(k.user_id)}:${k.name}`);
    const owners = new Set(keys.filter((k) => names.has(k.user_id)).map((k) => k.user_id)).size;
    const scope = [filter.user && `person ${filter.user}`, team && `team ${team.name}`].filter(Boolean).join(", ");
    const header = [
      `# authorized_keys written by Plinth on ${new Date(this.#clock.now()).toISOString()}: ${lines.length} key${lines.length === 1 ? "" : "s"} of ${owners} ${owners === 1 ? "person" : "people"}${scope ? ` (${scope})` : ""}.`,
      "# Each key's comment is plinth:PERSON:KEYNAME. Write it again after people or keys change: plinth ssh-keys export -o FILE",
    ];
    if (actor.role !== "admin" && people.every((u) => u.id === actor.userId)) {
      header.push("# Only your own keys: Keepers export everyone's, a team's admins their team's.");
    }
    return `${[...header, ...lines].join("\n")}\n`;
  }

  #requireKeeperOrSelf(actor: Principal, user: Pick<User, "id">, what: string): void {
    if (actor.role !== "admin" && actor.userId !== user.id) throw problems.forbidden(`Only Keepers (platform admins) may ${what}.`, "Ask one of your platform's admins, or let the person add the key themselves.");
  }

  async #namesById(): Promise<Map<string, string>> {
    return new Map((await this.#identity.store.listUsers(true)).map((u) => [u.id, u.name]));
  }

  async #taken(fingerprint: string, user: Pick<User, "id" | "name">): Promise<Error> {
    const other = await this.#store.byFingerprint(fingerprint);
    if (other?.user_id === user.id) {
      return problems.conflict(`${user.name} already has this key, named '${other.name}' (${fingerprint}).`, "Nothing to do: the key is there. `plinth ssh-keys ls` lists the keys.");
    }
    // Whose it is stays unsaid: the key's owner is nobody else's business.
    return problems.conflict(
      `This key (${fingerprint}) already belongs to someone else on this platform; one key cannot belong to two people, or one could sign in to hosts as the other.`,
      "Use a key pair of your own: make one with `plinth gen ssh-key` and add its .pub file. If the key really is yours, ask a Keeper to delete it from the other account.",
    );
  }
}

/** The key's comment made into a name, or the key type and date when it has none. */
function defaultName(comment: string, type: string): string {
  const cleaned = comment
    .replace(/[^A-Za-z0-9._@+ -]+/g, "-")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 64)
    .trim();
  return cleaned || type.replace(/^ssh-|^ecdsa-sha2-/, "");
}

function toSshKey(row: SshKeysTable, user: string, addedBy: string): SshKey {
  return {
    id: row.id,
    user,
    name: row.name,
    type: row.type,
    bits: row.bits,
    fingerprint: row.fingerprint,
    publicKey: row.public_key,
    comment: row.comment,
    createdAt: new Date(row.created_at).toISOString(),
    addedBy,
  };
}
