import { problems } from "../core/errors.ts";
import type { JobState } from "./spec.ts";

// The job lifecycle as a transition table. Every change of state goes through `assertTransition`
// and is committed with an event row before its side effect runs. Drawn in
// docs/reference/job-lifecycle.md; a test checks the drawing matches this table.
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  // A job on a cluster engine is prepared and submitted while queued, waits in the engine's
  // queue, and goes to running when the engine starts it (or failed/lost when it never can).
  queued: ["starting", "running", "failed", "cancelled", "lost"],
  starting: ["running", "failed", "cancelled", "lost", "queued"],
  running: ["saving", "succeeded", "failed", "cancelled", "timed_out", "lost"],
  // The process succeeded; its outputs are being stored as dataset versions.
  saving: ["succeeded", "failed"],
  succeeded: [],
  failed: [],
  cancelled: [],
  timed_out: [],
  lost: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

export function assertTransition(jobId: string, from: JobState, to: JobState): void {
  if (!canTransition(from, to)) {
    throw problems.conflict(`Job ${jobId} is ${from} and cannot become ${to}.`, describeAllowed(from));
  }
}

function describeAllowed(from: JobState): string {
  const next = JOB_TRANSITIONS[from];
  if (next.length === 0) return `A ${from} job is finished; use \`plinth jobs retry\` to run it again.`;
  return `From ${from} a job can become: ${next.join(", ")}.`;
}
