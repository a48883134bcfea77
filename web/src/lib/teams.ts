import { useQuery } from "@tanstack/react-query";
import { teamsQuery } from "../api/queries";
import type { Me, TeamRole } from "../api/types";

/** Every team on the platform, for showing team names instead of team ids. */
export function useTeams() {
  const q = useQuery(teamsQuery);
  const byId = new Map((q.data?.items ?? []).map((t) => [t.id, t.name]));
  return { teams: q.data?.items ?? [], isSuccess: q.isSuccess, nameOf: (id: string | null) => (id === null ? "none" : (byId.get(id) ?? id.slice(0, 12))) };
}

/** The signed-in person's role in a team, if they are in it. */
export function roleIn(me: Me, team: string): TeamRole | undefined {
  return (me.teams ?? []).find((t) => t.team === team)?.role;
}

/** Whether the signed-in person manages a team's members: Keepers, and the team's admins. */
export function managesTeam(me: Me, team: string): boolean {
  return me.role === "admin" || roleIn(me, team) === "admin";
}

/**
 * The teams a person may add work to, in the order a form offers them: their own teams where
 * they are an admin or a member; Keepers may add work to any team, their own first.
 */
export function teamsToAddTo(me: Me, all: string[]): string[] {
  const own = (me.teams ?? []).filter((t) => t.role !== "viewer").map((t) => t.team);
  if (me.role !== "admin") return own;
  return [...own, ...all.filter((t) => !own.includes(t)).sort()];
}

export const TEAM_ROLE_TEXT: Record<TeamRole, string> = {
  admin: "manages the team's members and sees all it holds, private work too",
  member: "runs jobs in the team and sees its work",
  viewer: "sees the team's work but adds none",
};
