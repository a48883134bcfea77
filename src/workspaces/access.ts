import { problems } from "../core/errors.ts";
import { can, canEnter, type Owned, type Subject } from "../identity/policy.ts";
import type { WorkspaceRow } from "./store.ts";

// How workspaces plug into the one authorization policy: seeing and stopping one follow
// `can` (its owner, its team's admins, Keepers; its team's members too when it is shared);
// opening it or SSH-ing in follow `canEnter` (its owner, and its team when shared), since
// entering acts as its owner.

export function workspaceResource(row: Pick<WorkspaceRow, "user_id" | "team_id" | "visibility">): Owned {
  return { ownerId: row.user_id, teamId: row.team_id, visibility: row.visibility };
}

export function noSuchWorkspace(ref: string) {
  return problems.notFound("Workspace", ref, "List the workspaces you can see with `plinth workspace ls`.");
}

export function requireWorkspace(subject: Subject, row: WorkspaceRow, action: "read"): void {
  if (!can(subject, action, workspaceResource(row))) throw noSuchWorkspace(row.name);
}

export function canEnterWorkspace(subject: Subject, row: WorkspaceRow): boolean {
  return canEnter(subject, workspaceResource(row));
}

export function mayStopWorkspace(subject: Subject, row: WorkspaceRow): boolean {
  return can(subject, "write", workspaceResource(row));
}
