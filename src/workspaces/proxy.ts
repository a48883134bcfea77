import { type IncomingHttpHeaders, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Logger } from "pino";
import { ProblemError, type Problem } from "../core/errors.ts";
import type { Principal } from "../identity/service.ts";
import type { ConfinedSocket } from "./confined-path.ts";
import { openSocket, type SocketPlace } from "./readiness.ts";
import type { AppTarget, WorkspaceService } from "./service.ts";
import type { WorkspaceRow } from "./store.ts";

// Plinth's own server serves each workspace's app under /w/<id>/ (HTTP and websockets, passed
// through untouched) and its SSH under GET /api/v1/workspaces/<id>/ssh with `Upgrade:
// plinth-ssh` (bytes both ways after the 101). Every request is checked first: who asks (the
// portal's session or a token) and whether they may enter the workspace. Plinth's credentials
// never reach the app: its cookies and the Authorization header are taken out, the app's own
// token is put in, and cookies the app sets are kept to its own path.

export interface ProxyDeps {
  workspaces: WorkspaceService;
  /** The person a request's Bearer token or session cookie names; null when neither; throws for a bad token. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal | null>;
  logger: Logger;
}

const APP_PATH = /^\/w\/([a-z]+_[0-9a-z]{26})(\/.*)?$/s;
const SSH_PATH = /^\/api\/v1\/workspaces\/([a-z]+_[0-9a-z]{26})\/ssh\/?$/;
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"];

/** Puts the proxy in front of the server's other request handlers, and answers upgrades. */
export function attachWorkspaceProxy(server: Server, deps: ProxyDeps): void {
  const others = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith("/w/")) {
      proxyRequest(req, res, deps).catch((err) => answerError(res, err, deps.logger));
      return;
    }
    for (const handler of others) handler(req, res);
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "").split("?")[0]!;
    const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
    let done: Promise<void>;
    if (APP_PATH.test(path)) done = proxyUpgrade(req, socket, head, deps);
    else if (SSH_PATH.test(path) && upgrade === "plinth-ssh") done = sshTunnel(req, socket, head, deps);
    else done = Promise.reject(new ProblemError({ status: 404, title: "Not found", code: "not-found", detail: `Nothing here takes an upgrade to ${upgrade || "(none)"} at ${path.slice(0, 200)}.`, hint: "Websockets are proxied under /w/<workspace id>/; SSH under /api/v1/workspaces/<id>/ssh with Upgrade: plinth-ssh." }));
    done.catch((err) => writeRawProblem(socket, toProblem(err, deps.logger)));
  });
}

async function proxyRequest(req: IncomingMessage, res: ServerResponse, deps: ProxyDeps): Promise<void> {
  const url = req.url!;
  const m = APP_PATH.exec(url.split("?")[0]!);
  if (!m) throw notFound(url);
  const principal = await deps.authenticate(req.headers);
  if (!principal) {
    if (String(req.headers.accept ?? "").includes("text/html")) {
      res.writeHead(302, { location: `/?next=${encodeURIComponent(url.slice(0, 1000))}`, "cache-control": "no-store" }).end();
      return;
    }
    throw new ProblemError({ status: 401, title: "Not signed in", code: "unauthorized", detail: "Workspaces open for signed-in people only.", hint: "Sign in to the portal first, then open the workspace from its Workspaces page." });
  }
  const id = m[1]!;
  if (m[2] === undefined) {
    res.writeHead(308, { location: `/w/${id}/${url.includes("?") ? url.slice(url.indexOf("?")) : ""}` }).end();
    return;
  }
  const target = await deps.workspaces.appTarget(principal, id);
  // One note per request is enough: activity is kept to the minute.
  activityOf(target, deps)();
  const path = target.access.stripPrefix ? url.slice(`/w/${id}`.length) : url;
  const socket = openAppSocket(target);
  const upstream = httpRequest({ socketPath: socket.path, method: req.method, path, headers: forwardHeaders(req, target.access.authorization) }, (up) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) headers[k] = v;
    const cookies = up.headers["set-cookie"];
    if (cookies) headers["set-cookie"] = keepCookiesToPath(cookies, `/w/${id}/`);
    res.writeHead(up.statusCode ?? 502, headers);
    up.pipe(res);
  });
  upstream.on("error", (err) => answerError(res, appDown(target.row, err), deps.logger));
  upstream.on("close", socket.close);
  // A client that hangs up stops the app's answer too, instead of the app sending it all.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

async function proxyUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, deps: ProxyDeps): Promise<void> {
  const url = req.url!;
  const id = APP_PATH.exec(url.split("?")[0]!)![1]!;
  const principal = await deps.authenticate(req.headers);
  if (!principal) throw new ProblemError({ status: 401, title: "Not signed in", code: "unauthorized", detail: "Workspaces open for signed-in people only.", hint: "Sign in to the portal first." });
  const target = await deps.workspaces.appTarget(principal, id);
  const path = target.access.stripPrefix ? url.slice(`/w/${id}`.length) || "/" : url;
  const headers = forwardHeaders(req, target.access.authorization);
  headers.connection = "Upgrade";
  headers.upgrade = String(req.headers.upgrade);
  const upstream = await connectTo(target);
  const lines = [`${req.method} ${path} HTTP/1.1`];
  for (const [k, v] of Object.entries(headers)) for (const value of Array.isArray(v) ? v : [v]) if (value !== undefined) lines.push(`${k}: ${value}`);
  upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
  if (head.length) upstream.write(head);
  const active = activityOf(target, deps);
  splice(socket, upstream, active, active);
}

async function sshTunnel(req: IncomingMessage, socket: Socket, head: Buffer, deps: ProxyDeps): Promise<void> {
  const id = SSH_PATH.exec((req.url ?? "").split("?")[0]!)![1]!;
  const principal = await deps.authenticate(req.headers);
  if (!principal) throw new ProblemError({ status: 401, title: "Not signed in", code: "unauthorized", detail: "The SSH tunnel takes a token.", hint: "Sign the CLI in with `plinth login`; `plinth ssh` and `plinth config-ssh` use its token." });
  const target = await deps.workspaces.sshTarget(principal, id);
  const upstream = await connectTo(target);
  deps.logger.info({ workspace: target.row.id, user: principal.name }, "workspace ssh session opened");
  socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: plinth-ssh\r\nConnection: Upgrade\r\n\r\n");
  if (head.length) upstream.write(head);
  // What the person sends counts, past what keep-alives alone amount to (a few hundred bytes a
  // minute): a connection left open is not use, typing and copying are.
  const typed = new ByteRate(SSH_ACTIVE_BYTES_PER_MINUTE, () => deps.workspaces.noteActivity(target.row));
  splice(socket, upstream, (chunk) => typed.add(chunk.length), () => {});
}

/**
 * Whether the app's own traffic counts as use. JupyterLab's page polls its server while it is
 * merely open, so the idle watch asks JupyterLab itself (its last_activity, as JupyterHub's
 * culler does) instead; VS Code in the browser has no such measure, so its traffic counts.
 */
function activityOf(target: AppTarget, deps: ProxyDeps): () => void {
  if (target.row.app === "jupyterlab") return () => {};
  return () => deps.workspaces.noteActivity(target.row);
}

const SSH_ACTIVE_BYTES_PER_MINUTE = 2048;

/** Calls `reached` once a minute's window has carried `limit` bytes. */
export class ByteRate {
  readonly #limit: number;
  readonly #reached: () => void;
  #windowStart = 0;
  #bytes = 0;

  constructor(limit: number, reached: () => void) {
    this.#limit = limit;
    this.#reached = reached;
  }

  add(bytes: number, now = Date.now()): void {
    if (now - this.#windowStart >= 60_000) {
      this.#windowStart = now;
      this.#bytes = 0;
    }
    const before = this.#bytes;
    this.#bytes += bytes;
    if (before < this.#limit && this.#bytes >= this.#limit) this.#reached();
  }
}

/** The target's socket, opened without following the job user's links (confined-path.ts). */
function openAppSocket(target: { row: WorkspaceRow; socket: SocketPlace }): ConfinedSocket {
  try {
    return openSocket(target.socket);
  } catch (err) {
    throw appDown(target.row, err as Error);
  }
}

async function connectTo(target: { row: WorkspaceRow; socket: SocketPlace }): Promise<Socket> {
  const place = openAppSocket(target);
  const upstream = connect({ path: place.path });
  try {
    await new Promise<void>((done, fail) => {
      upstream.once("connect", done);
      upstream.once("error", (err) => fail(appDown(target.row, err)));
    });
  } finally {
    place.close();
  }
  return upstream;
}

/** Bytes both ways until either side ends; `fromClient` and `toClient` see every chunk. */
function splice(a: Socket, b: Socket, fromClient: (chunk: Buffer) => void, toClient: (chunk: Buffer) => void): void {
  a.setNoDelay(true);
  a.on("data", fromClient);
  b.on("data", toClient);
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on("close", end);
  b.on("close", end);
  a.on("error", end);
  b.on("error", end);
}

/** The request's headers less Plinth's credentials and hop-by-hop ones, with the app's token. */
export function forwardHeaders(req: IncomingMessage, authorization: string | null): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.includes(k) || k === "authorization" || k === "cookie" || k.startsWith("x-plinth")) continue;
    out[k] = v;
  }
  const cookies = withoutPlinthCookies(req.headers.cookie);
  if (cookies) out.cookie = cookies;
  if (authorization) out.authorization = authorization;
  out["x-forwarded-proto"] = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  if (req.headers.host) out["x-forwarded-host"] = req.headers.host;
  return out;
}

export function withoutPlinthCookies(header: string | undefined): string | null {
  if (!header) return null;
  const kept = header
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p !== "" && !p.toLowerCase().startsWith("plinth_"));
  return kept.length ? kept.join("; ") : null;
}

/** Cookies an app sets are kept to its own path, and never Plinth's names. */
export function keepCookiesToPath(cookies: string[], path: string): string[] {
  return cookies
    .filter((c) => !c.trim().toLowerCase().startsWith("plinth_"))
    .map((c) => {
      const parts = c.split(";").filter((p) => !/^\s*(path|domain)=/i.test(p));
      return [...parts, ` Path=${path}`].join(";");
    });
}

function appDown(row: WorkspaceRow, err: Error): ProblemError {
  return new ProblemError({
    status: 502,
    title: "Workspace not answering",
    code: "workspace-not-answering",
    detail: `Workspace ${row.name} is ${row.state} but its app does not answer (${(err as NodeJS.ErrnoException).code ?? err.message}).`,
    hint: row.state === "starting" ? "It is still starting; try again in a few seconds." : "Its app may have stopped; its job's log says why. Stop and start the workspace to begin again.",
  });
}

function notFound(url: string): ProblemError {
  return new ProblemError({ status: 404, title: "Not found", code: "not-found", detail: `No workspace at ${url.slice(0, 200)}.`, hint: "Open workspaces from the portal's Workspaces page." });
}

function toProblem(err: unknown, logger: Logger): Problem {
  if (err instanceof ProblemError) return err.problem;
  logger.error({ err }, "workspace proxy failed");
  return { type: "https://plinth.dev/problems/internal", title: "Internal error", status: 500, detail: "The workspace proxy failed.", hint: "The server log has details." };
}

function answerError(res: ServerResponse, err: unknown, logger: Logger): void {
  const problem = toProblem(err, logger);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(problem);
  res.writeHead(problem.status, { "content-type": "application/problem+json; charset=utf-8", "content-length": Buffer.byteLength(body), "cache-control": "no-store" }).end(body);
}

function writeRawProblem(socket: Socket, problem: Problem): void {
  const body = JSON.stringify(problem);
  socket.end(`HTTP/1.1 ${problem.status} ${problem.title}\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
