import { problems } from "../core/errors.ts";
import type { WorkspaceState } from "./spec.ts";

// The workspace lifecycle as a transition table, like the job lifecycle. A transition is
// committed with an event row before its side effect (submitting, cancelling the job) runs.
// Drawn in docs/reference/workspace-lifecycle.md; a test checks the drawing matches this table.
export const WORKSPACE_TRANSITIONS: Readonly<Record<WorkspaceState, readonly WorkspaceState[]>> = {
  // Its job is queued: waiting for CPUs, memory or GPUs like any job.
  requested: ["starting", "stopping", "failed"],
  // Its job runs; the app is not answering yet.
  starting: ["running", "stopping", "failed"],
  running: ["idle_warned", "stopping", "failed"],
  // Unused for most of its idle stop: its owner is warned; any activity brings it back.
  idle_warned: ["running", "stopping", "failed"],
  // Its job is being cancelled; the GPUs go back to the queue as soon as it ends.
  stopping: ["stopped"],
  stopped: ["requested"],
  failed: ["requested"],
};

export function canTransition(from: WorkspaceState, to: WorkspaceState): boolean {
  return WORKSPACE_TRANSITIONS[from].includes(to);
}

export function assertTransition(name: string, from: WorkspaceState, to: WorkspaceState): void {
  if (canTransition(from, to)) return;
  const next = WORKSPACE_TRANSITIONS[from];
  throw problems.conflict(`Workspace ${name} is ${from} and cannot become ${to}.`, `From ${from} a workspace can become: ${next.join(", ")}.`);
}
