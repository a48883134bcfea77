import type { Clock } from "../core/clock.ts";
import { problems } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { isCloseSpelling } from "../core/spelling.ts";
import { isTeamAdmin, mayCreateIn } from "./policy.ts";
import type { IdentityService, Principal } from "./service.ts";
import type { Team } from "./spec.ts";
import type { IdentityStore } from "./store.ts";
import type { TeamRole, TeamsTable } from "./tables.ts";

export interface TeamMember {
  user: string;
  displayName: string | null;
  role: TeamRole;
  source: "keeper" | "sso";
  since: string;
}

/** Teams and who belongs to them: Keepers create teams; a team's admins manage its members. */
export class TeamService {
  readonly #identity: IdentityService;
  readonly #store: IdentityStore;
  readonly #clock: Clock;

  constructor(identity: IdentityService, clock: Clock) {
    this.#identity = identity;
    this.#store = identity.store;
    this.#clock = clock;
  }

  async list(): Promise<Team[]> {
    return (await this.#store.listTeams()).map((t) => ({ ...toTeam(t), members: Number(t.members) }));
  }

  async create(actor: Principal, name: string, description: string): Promise<Team> {
    if (actor.role !== "admin") throw problems.forbidden("Only Keepers (platform admins) create teams.", "Ask one of your platform's admins.");
    if (await this.#store.teamByName(name)) throw problems.conflict(`A team named '${name}' exists.`, "Pick another name; `plinth teams ls` lists the teams.");
    const now = this.#clock.now();
    const row: TeamsTable = { id: newId("team", now), name, description, created_at: now };
    await this.#store.insertTeam(row);
    return { ...toTeam(row), members: 0 };
  }

  /** The team with this name; a 404 problem naming the closest existing team otherwise. */
  async named(name: string): Promise<TeamsTable> {
    const team = await this.#store.teamByName(name);
    if (team) return team;
    const close = (await this.#store.listTeams()).map((t) => t.name).filter((t) => isCloseSpelling(name, t));
    throw problems.notFound(
      "Team",
      name,
      close.length > 0 ? `Did you mean ${close.map((t) => `'${t}'`).join(" or ")}? \`plinth teams ls\` lists the teams.` : "`plinth teams ls` lists the teams; a Keeper creates one with `plinth teams add NAME`.",
    );
  }

  async members(teamName: string): Promise<TeamMember[]> {
    const team = await this.named(teamName);
    return (await this.#store.membersOf(team.id)).map((m) => ({
      user: m.user_name,
      displayName: m.display_name,
      role: m.role,
      source: m.source,
      since: new Date(m.created_at).toISOString(),
    }));
  }

  /** Adds a person to a team or changes their role there (Keepers and the team's admins). */
  async setMember(actor: Principal | "system", teamName: string, userName: string, role: TeamRole, source: "keeper" | "sso" = "keeper"): Promise<void> {
    const team = await this.named(teamName);
    if (actor !== "system") this.#requireTeamAdmin(actor, team);
    const user = await this.#identity.userNamed(userName);
    if (user.removedAt !== null) throw problems.conflict(`${user.name} was removed from the platform.`, "A Keeper adds them again with `plinth users add`.");
    await this.#store.setMembership({ team_id: team.id, user_id: user.id, role, source, created_at: this.#clock.now() });
    this.#identity.invalidate();
  }

  /** Takes a person out of a team (Keepers and the team's admins). */
  async removeMember(actor: Principal | "system", teamName: string, userName: string): Promise<void> {
    const team = await this.named(teamName);
    if (actor !== "system") this.#requireTeamAdmin(actor, team);
    const user = await this.#identity.userNamed(userName);
    if (!(await this.#store.removeMembership(team.id, user.id))) {
      throw problems.notFound("Member", `${userName} in ${teamName}`, `\`plinth teams show ${teamName}\` lists its members.`);
    }
    this.#identity.invalidate();
  }

  /**
   * The team a new resource (a job, a dataset…) of this person goes to: the one named, where
   * they may add things, or else their primary team.
   */
  async teamForNew(user: Principal, teamName: string | undefined): Promise<string> {
    if (teamName === undefined) {
      const primary = (await this.#store.userById(user.userId))?.primary_team_id;
      const fallback = primary && user.teams[primary] ? primary : Object.keys(user.teams).find((id) => mayCreateIn(user, id));
      if (fallback && mayCreateIn(user, fallback)) return fallback;
      if (user.role === "admin") return (await this.named("default")).id;
      throw problems.forbidden(`${user.name} is in no team where they may add work.`, "Ask a Keeper or a team admin to make you a member of a team: `plinth teams add-member TEAM NAME`.");
    }
    const team = await this.named(teamName);
    if (!mayCreateIn(user, team.id)) {
      throw problems.forbidden(
        user.teams[team.id] === "viewer" ? `You are a viewer in team ${team.name}: viewers see its work but add none.` : `You are not a member of team ${team.name}.`,
        `Leave out \`team\` to use your own team, or ask an admin of ${team.name} to make you a member: \`plinth teams show ${team.name}\` lists them.`,
      );
    }
    return team.id;
  }

  #requireTeamAdmin(actor: Principal, team: TeamsTable): void {
    if (!isTeamAdmin(actor, team.id)) {
      throw problems.forbidden(`Only Keepers and the admins of team ${team.name} change its members.`, `Ask an admin of ${team.name}: \`plinth teams show ${team.name}\` lists them.`);
    }
  }
}

function toTeam(t: TeamsTable): Omit<Team, "members"> {
  return { id: t.id, name: t.name, description: t.description, createdAt: new Date(t.created_at).toISOString() };
}
