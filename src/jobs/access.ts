import { problems } from "../core/errors.ts";
import { can, type OwnedColumns, type Owned, type Subject } from "../identity/policy.ts";
import type { JobRow } from "./store.ts";

// How jobs plug into the one authorization policy: which of a job's fields are its owner,
// team and visibility. The policy itself decides.

export const JOB_COLUMNS: OwnedColumns = { owner: "jobs.user_id", team: "jobs.team_id", visibility: "jobs.visibility" };

export function jobResource(row: Pick<JobRow, "user_id" | "team_id" | "visibility">): Owned {
  return { ownerId: row.user_id, teamId: row.team_id, visibility: row.visibility };
}

/** The same answer for a job that does not exist and one the subject may not see. */
export function noSuchJob(id: string) {
  return problems.notFound("Job", id, "List the jobs you can see with `plinth jobs ls`.");
}

/** Throws 404 unless the subject may read the job, 403 if they may read but not `write`. */
export function requireJobAccess(subject: Subject, row: JobRow, action: "read" | "write", what = "change"): void {
  const resource = jobResource(row);
  if (!can(subject, "read", resource)) throw noSuchJob(row.id);
  if (action === "write" && !can(subject, "write", resource)) {
    throw problems.forbidden(`Job ${row.id} belongs to someone else.`, `Only its owner, an admin of its team or a Keeper may ${what} it.`);
  }
}
