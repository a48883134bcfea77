import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { APP_SOCKET, appLaunch } from "./apps.ts";
import type { WorkspaceRow } from "./store.ts";

// When a starting workspace is up: its app answers on its socket (or, for ssh-only ones, the
// SSH socket takes a connection). Asked every 200 ms while the workspace is still starting.

const EVERY_MS = 200;

export async function waitForApp(row: WorkspaceRow, stateDir: string, current: () => Promise<WorkspaceRow | undefined>): Promise<boolean> {
  const launch = appLaunch(row.app, { workspaceId: row.id, stateDir, token: row.app_token });
  for (;;) {
    const fresh = await current();
    if (fresh?.state !== "starting" || fresh.job_id !== row.job_id) return false;
    const up = launch ? await answers(join(stateDir, APP_SOCKET), launch.readyPath, launch.authorization) : await accepts(join(stateDir, "ssh.sock"));
    if (up) return true;
    await new Promise((r) => setTimeout(r, EVERY_MS));
  }
}

/** When JupyterLab last saw use (kernels, terminals, its API), from its /api/status; null when it does not say. */
export function jupyterLastActivity(stateDir: string, row: WorkspaceRow): Promise<number | null> {
  const launch = appLaunch(row.app, { workspaceId: row.id, stateDir, token: row.app_token })!;
  return new Promise((done) => {
    const req = request({ socketPath: join(stateDir, APP_SOCKET), path: launch.readyPath, headers: { host: "localhost", ...(launch.authorization && { authorization: launch.authorization }) }, timeout: 5000 }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => {
        text += d;
      });
      res.on("end", () => {
        try {
          const at = Date.parse((JSON.parse(text) as { last_activity?: string }).last_activity ?? "");
          done(Number.isFinite(at) ? at : null);
        } catch {
          done(null);
        }
      });
    });
    req.on("error", () => done(null));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function answers(socketPath: string, path: string, authorization: string | null): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ socketPath, path, method: "GET", headers: { host: "localhost", ...(authorization && { authorization }) }, timeout: 2000 }, (res) => {
      res.resume();
      done((res.statusCode ?? 500) < 500);
    });
    req.on("error", () => done(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function accepts(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ path });
    socket.on("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.on("error", () => done(false));
  });
}
