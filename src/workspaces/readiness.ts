import { request } from "node:http";
import { connect } from "node:net";
import { APP_SOCKET, appAccess } from "./apps.ts";
import { type ConfinedSocket, openSocketBeneath } from "./confined-path.ts";
import type { WorkspaceRow } from "./store.ts";

// Talking to a workspace's app from the server: whether a starting one answers yet (or, for
// ssh-only ones, whether its SSH socket takes a connection; asked every 200 ms while it is
// starting), and what JupyterLab says of its last use. Sockets are reached without following
// the job user's links (confined-path.ts).

const EVERY_MS = 200;

/** Where a session's sockets lie: its run folder (the server's) and the path below it (the job's). */
export interface SocketPlace {
  root: string;
  parts: readonly string[];
}

/** The socket `name` of a session whose run folder is `runDir`. */
export function socketIn(runDir: string, name: string): SocketPlace {
  return { root: runDir, parts: ["work", ".plinth", name] };
}

export function openSocket(place: SocketPlace): ConfinedSocket {
  return openSocketBeneath(place.root, place.parts);
}

export async function waitForApp(row: WorkspaceRow, runDir: string, current: () => Promise<WorkspaceRow | undefined>): Promise<boolean> {
  const access = appAccess(row.app, row.id, row.app_token);
  for (;;) {
    const fresh = await current();
    if (fresh?.state !== "starting" || fresh.job_id !== row.job_id) return false;
    const up = access ? (await ask(socketIn(runDir, APP_SOCKET), access.readyPath, access.authorization, 2000)) !== null : await accepts(socketIn(runDir, "ssh.sock"));
    if (up) return true;
    await new Promise((r) => setTimeout(r, EVERY_MS));
  }
}

/** When JupyterLab last saw use (kernels, terminals, its API), from its /api/status; null when it does not say. */
export async function jupyterLastActivity(runDir: string, row: WorkspaceRow): Promise<number | null> {
  const access = appAccess(row.app, row.id, row.app_token)!;
  const answer = await ask(socketIn(runDir, APP_SOCKET), access.readyPath, access.authorization, 5000);
  if (answer === null) return null;
  try {
    const at = Date.parse((JSON.parse(answer) as { last_activity?: string }).last_activity ?? "");
    return Number.isFinite(at) ? at : null;
  } catch {
    return null;
  }
}

/** GET `path` from the app: its body when it answers below 500, else null. */
function ask(place: SocketPlace, path: string, authorization: string | null, timeout: number): Promise<string | null> {
  let socket: ConfinedSocket;
  try {
    socket = openSocket(place);
  } catch {
    return Promise.resolve(null);
  }
  return new Promise((done) => {
    const req = request({ socketPath: socket.path, path, method: "GET", headers: { host: "localhost", ...(authorization && { authorization }) }, timeout }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => {
        text += d;
      });
      res.on("end", () => done((res.statusCode ?? 500) < 500 ? text : null));
    });
    req.on("error", () => done(null));
    req.on("timeout", () => req.destroy());
    req.on("close", socket.close);
    req.end();
  });
}

function accepts(place: SocketPlace): Promise<boolean> {
  let socket: ConfinedSocket;
  try {
    socket = openSocket(place);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((done) => {
    const connection = connect({ path: socket.path });
    connection.on("connect", () => {
      connection.destroy();
      done(true);
    });
    connection.on("error", () => done(false));
    connection.on("close", socket.close);
  });
}
