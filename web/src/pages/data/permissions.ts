import type { Me } from "../../api/types";
import { roleIn } from "../../lib/teams";

/**
 * What the signed-in person may do with a dataset, as the server's policy decides it: change
 * or delete it (its owner, its team's admins, Keepers) and push versions (also its team's
 * members). Buttons follow this; the server checks again.
 */
export function permissions(me: Me, d: { owner: string; team: string }): { write: boolean; push: boolean } {
  const role = roleIn(me, d.team);
  const write = me.role === "admin" || d.owner === me.name || role === "admin";
  return { write, push: write || role === "member" };
}
