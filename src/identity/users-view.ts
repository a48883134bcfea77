import type { User } from "./spec.ts";
import type { TeamRole, UsersTable } from "./tables.ts";

/** A person as the API shows them; email and Unix account only when `private` is asked for. */
export function toUser(u: UsersTable, teams: Array<{ team_name: string; role: TeamRole }>, opts: { private?: boolean } = {}): User {
  return {
    id: u.id,
    name: u.name,
    displayName: u.display_name,
    ...(opts.private && { email: u.email, unixUser: u.unix_user }),
    role: u.role,
    teams: teams.map((m) => ({ team: m.team_name, role: m.role })),
    createdAt: new Date(u.created_at).toISOString(),
    removedAt: u.removed_at === null ? null : new Date(u.removed_at).toISOString(),
  };
}
