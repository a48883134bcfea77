import type { Me } from "../../api/types";
import { roleIn } from "../../lib/teams";

/**
 * Whether the signed-in person may change a dataset, as the server's policy decides it: push
 * versions, move tags, edit or delete it (its owner, its team's admins, Keepers). Buttons
 * follow this; the server checks again.
 */
export function mayWrite(me: Me, d: { owner: string; team: string }): boolean {
  return me.role === "admin" || d.owner === me.name || roleIn(me, d.team) === "admin";
}
