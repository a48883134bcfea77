import type { WorkspaceApp, WorkspaceState } from "./spec.ts";

export interface WorkspacesTable {
  id: string;
  /** Unique per owner; what `plinth ssh NAME` takes. */
  name: string;
  user_id: string;
  team_id: string;
  /** `private`: its owner only; `team`: shared with its team's members. */
  visibility: "private" | "team";
  app: WorkspaceApp;
  /** The WorkspaceSpec it was made from, as JSON. */
  spec: string;
  state: WorkspaceState;
  /** The job of its current (or last) session. */
  job_id: string | null;
  /** What Plinth's proxy shows the app on each request; never leaves the server. */
  app_token: string;
  /** Why it stopped last: `owner`, `idle`, `schedule`, `lifetime`, `keeper`, `ended`, `failed`. */
  stop_reason: string | null;
  /** The latest thing worth telling its owner: why it waits, why it failed. */
  message: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  /** The last time a connection carried bytes or its GPUs were busy. */
  last_active_at: number | null;
  /** A stop asked for ahead (`stopAt`), or the end of its maximum lifetime; null: none. */
  stop_at: number | null;
}

export interface WorkspaceEventsTable {
  workspace_id: string;
  at: number;
  from_state: string | null;
  to_state: string;
  detail: string;
}

export interface WorkspaceTeamSettingsTable {
  team_id: string;
  idle_stop_seconds: number;
  max_lifetime_seconds: number | null;
  updated_by: string;
  updated_at: number;
}

export interface WorkspaceTables {
  workspaces: WorkspacesTable;
  workspace_events: WorkspaceEventsTable;
  workspace_team_settings: WorkspaceTeamSettingsTable;
}
