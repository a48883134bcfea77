import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { PlatformRole, TeamRole } from "./tables.ts";

// The one authorization policy. Every module asks it, for one resource (`can`) and for a list
// (`visibleWhere`, the same rule as SQL); none decides access on its own. The table-driven
// test in test/integration/authorization-matrix.test.ts holds both to the same answers.

export const VISIBILITIES = ["private", "team", "public"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Who asks: a signed-in person, their platform role and their role in each team. */
export interface Subject {
  userId: string;
  role: PlatformRole;
  teams: Readonly<Record<string, TeamRole>>;
}

/** What every resource a person owns carries: jobs now; datasets, runs, workspaces, secrets later. */
export interface Owned {
  ownerId: string;
  teamId: string | null;
  visibility: Visibility;
}

/**
 * `read`: see it, its logs, its spec. `write`: change it, cancel or delete it, run with it.
 * `use`: build on it (run a job with a team's secret, start from a dataset); a viewer may not.
 */
export type Action = "read" | "write" | "use";

export function can(subject: Subject, action: Action, resource: Owned): boolean {
  if (subject.role === "admin") return true;
  if (resource.ownerId === subject.userId) return true;
  const teamRole = resource.teamId === null ? undefined : subject.teams[resource.teamId];
  // A team's admins keep its Keeper's watch over everything the team holds, private things too.
  if (teamRole === "admin") return true;
  if (action === "write") return false;
  const readable = resource.visibility === "public" || (resource.visibility === "team" && teamRole !== undefined);
  if (action === "read") return readable;
  return readable && teamRole === "member";
}

/** Whether the subject may create resources that belong to this team (viewers may not). */
export function mayCreateIn(subject: Subject, teamId: string): boolean {
  if (subject.role === "admin") return true;
  const role = subject.teams[teamId];
  return role === "admin" || role === "member";
}

/**
 * Whether the subject may add work anywhere: a Keeper, or an admin or member of some team (a
 * person who is a viewer wherever they belong may not). For what belongs to no team but takes
 * the machine's resources, such as building a Python environment ahead of the jobs that need it.
 */
export function mayAddWork(subject: Subject): boolean {
  return subject.role === "admin" || Object.keys(subject.teams).some((teamId) => mayCreateIn(subject, teamId));
}

/** Whether the subject manages this team: its members and roles. */
export function isTeamAdmin(subject: Subject, teamId: string): boolean {
  return subject.role === "admin" || subject.teams[teamId] === "admin";
}

/** The columns of a table that hold a resource's `Owned` fields, for `visibleWhere`. */
export interface OwnedColumns {
  owner: string;
  team: string;
  visibility: string;
}

/**
 * `can(subject, "read", row)` as a SQL condition over a table's columns, so lists, counts and
 * searches return exactly what the subject may read, and keyset pages stay index scans.
 * Null for platform admins: no condition.
 */
export function visibleWhere(subject: Subject, columns: OwnedColumns): ((eb: ExpressionBuilder<any, any>) => Expression<SqlBool>) | null {
  if (subject.role === "admin") return null;
  const teams = Object.entries(subject.teams);
  const memberOf = teams.map(([id]) => id);
  const adminOf = teams.filter(([, role]) => role === "admin").map(([id]) => id);
  return (eb) => {
    const owner = sql.ref(columns.owner);
    const team = sql.ref(columns.team);
    const visibility = sql.ref(columns.visibility);
    const any: Expression<SqlBool>[] = [eb(owner, "=", subject.userId), eb(visibility, "=", "public")];
    if (memberOf.length > 0) any.push(eb.and([eb(visibility, "=", "team"), eb(team, "in", memberOf)]));
    if (adminOf.length > 0) any.push(eb(team, "in", adminOf));
    return eb.or(any);
  };
}

/**
 * Whether the subject may enter a live session that runs as its owner (a workspace: open its
 * app, SSH into it): the owner, and members or admins of its team when the owner shares it.
 * Keepers and team admins may see and stop it through `can`, not enter it: entering acts as
 * its owner, with their files.
 */
export function canEnter(subject: Subject, resource: Owned): boolean {
  if (resource.ownerId === subject.userId) return true;
  if (resource.visibility === "private" || resource.teamId === null) return false;
  const role = subject.teams[resource.teamId];
  return role === "member" || role === "admin";
}
