import type { WorkspaceApp } from "./spec.ts";

// How each app is started inside a workspace, and how Plinth reaches it. Every app listens on
// a Unix socket in the session's folder (never a network port) and is served under /w/<id>/ by
// Plinth's proxy, which adds the app's token to each request it passes on.

/** How the server reaches a running app: what the proxy and the readiness checks need. */
export interface AppAccess {
  /** A path the proxy asks to see the app answer (any status below 500 means it is up). */
  readyPath: string;
  /** The header the proxy adds to every request it passes on; null: none. */
  authorization: string | null;
  /** Whether the app expects paths without /w/<id> (it serves from "/" with relative links). */
  stripPrefix: boolean;
}

/** How the agent starts the app. */
export interface AppLaunch {
  argv: string[];
  /** Variables for the app alone (its token). */
  env: Record<string, string>;
}

export interface AppContext {
  workspaceId: string;
  /** The session's own folder inside the sandbox: sockets and config. */
  stateDir: string;
  token: string;
  /** The code-server folder (workspaces.codeServer), for `vscode`. */
  codeServer?: string | null;
}

export const APP_SOCKET = "app.sock";
/** The agent puts the job's home folder (its HOME) in place of this in an app's arguments. */
export const HOME_MARK = "@HOME@";

/** How the server reaches the app; null for ssh-only workspaces, which have none. */
export function appAccess(app: WorkspaceApp, workspaceId: string, token: string): AppAccess | null {
  if (app === "jupyterlab") return { readyPath: `/w/${workspaceId}/api/status`, authorization: `token ${token}`, stripPrefix: false };
  if (app === "vscode") return { readyPath: "/healthz", authorization: null, stripPrefix: true };
  return null;
}

export function appLaunch(app: WorkspaceApp, c: AppContext): AppLaunch | null {
  const socket = `${c.stateDir}/${APP_SOCKET}`;
  if (app === "jupyterlab") {
    return {
      argv: [
        "jupyter",
        "lab",
        "--no-browser",
        `--ServerApp.sock=${socket}`,
        "--ServerApp.sock_mode=0600",
        `--ServerApp.base_url=/w/${c.workspaceId}/`,
        // The browser's Host is Plinth's; Plinth has checked who asks before passing a request on.
        "--ServerApp.allow_remote_access=True",
        `--ServerApp.root_dir=${HOME_MARK}`,
        "--ServerApp.quit_button=False",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      ],
      env: { JUPYTER_TOKEN: c.token },
    };
  }
  if (app === "vscode") {
    return {
      argv: [`${c.codeServer ?? "/nonexistent"}/bin/code-server`, "--socket", socket, "--socket-mode", "600", "--auth", "none", "--disable-telemetry", "--disable-update-check", HOME_MARK],
      env: {},
    };
  }
  return null;
}

/** Where a person opens the app in the browser; null for ssh-only workspaces. */
export function appUrl(app: WorkspaceApp, workspaceId: string): string | null {
  if (app === "jupyterlab") return `/w/${workspaceId}/lab`;
  if (app === "vscode") return `/w/${workspaceId}/`;
  return null;
}
