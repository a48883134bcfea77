import type { Workspace, WorkspaceState } from "../../api/types";
import { formatCpus } from "../../lib/format";

// Workspaces in words: their apps, states and resources, how long one has been unused and
// when it stops.

export const APP_LABELS: Record<Workspace["app"], string> = { jupyterlab: "JupyterLab", vscode: "VS Code", ssh: "SSH" };

export const WORKSPACE_STATE_LABELS: Record<WorkspaceState, string> = {
  requested: "Waiting",
  starting: "Starting",
  running: "Running",
  idle_warned: "Stopping soon",
  stopping: "Stopping",
  stopped: "Stopped",
  failed: "Failed",
};

export const WORKSPACE_STATE_COLORS: Record<WorkspaceState, string> = {
  requested: "gray",
  starting: "cyan",
  running: "blue",
  idle_warned: "yellow",
  stopping: "orange",
  stopped: "gray",
  failed: "red",
};

/** States that change on their own soon: the page refreshes often while one is on screen. */
export const CHANGING: ReadonlySet<WorkspaceState> = new Set(["requested", "starting", "stopping", "idle_warned"]);
/** States in which a workspace holds its resources or waits for them. */
export const LIVE: ReadonlySet<WorkspaceState> = new Set(["requested", "starting", "running", "idle_warned", "stopping"]);
/** States in which its app is up. */
export const UP: ReadonlySet<WorkspaceState> = new Set(["running", "idle_warned"]);

const STOP_REASONS: Record<NonNullable<Workspace["stopReason"]>, string> = {
  owner: "stopped by its owner",
  idle: "stopped after going unused",
  schedule: "stopped at its set time",
  lifetime: "stopped at the end of its lifetime",
  keeper: "stopped by an admin",
  ended: "its app ended",
  failed: "it failed",
};

export function stopReasonText(w: Workspace): string | null {
  return w.stopReason ? STOP_REASONS[w.stopReason] : null;
}

export function resourcesText(r: Workspace["resources"]): string {
  return `${formatCpus(r.cpus)}, ${r.memory} memory, ${r.gpus === 0 ? "no GPU" : r.gpus === 1 ? "1 GPU" : `${r.gpus} GPUs`}`;
}

/** 16:40 (local time). */
export function clock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function minutes(ms: number): number {
  return Math.max(0, Math.round(ms / 60_000));
}

/** "unused for 12 min; stops at 16:40 unless used", or null when it is not running. */
export function idleText(w: Workspace): string | null {
  if (w.idleSeconds === null) return null;
  const unused = w.idleSeconds < 60 ? "in use" : `unused for ${minutes(w.idleSeconds * 1000)} min`;
  return w.idleStopAt ? `${unused}; stops at ${clock(w.idleStopAt)} unless used` : unused;
}

/** "Stops in 4 min unless used", for a workspace about to be stopped for idleness. */
export function idleWarning(w: Workspace, now = Date.now()): string {
  if (!w.idleStopAt) return "Stops soon unless used";
  return `Stops in ${minutes(new Date(w.idleStopAt).getTime() - now)} min unless used`;
}

/** "GPU 0: 45%, GPU 1: —", or null without GPUs. */
export function gpuText(w: Workspace): string | null {
  if (w.resources.gpus === 0) return null;
  if (w.gpuUtilization.length === 0) return UP.has(w.state) ? "GPU use not reported" : null;
  return w.gpuUtilization.map((u, i) => `GPU ${i}: ${u === null ? "—" : `${Math.round(u)}%`}`).join(", ");
}
