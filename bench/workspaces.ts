// workspaces: JupyterLab workspaces through Plinth against the same JupyterLab reached directly,
// on the same machine in the same run:
//   1. start latency with the environment already built (one workspace first builds it): from
//      the request (POST /api/v1/workspaces, or POST …/start of a stopped one) to the first 200
//      of GET /w/<id>/api/status through Plinth's proxy; against `jupyter lab` started by hand
//      from the same environment on a Unix socket, with the arguments Plinth gives it, until
//      its /api/status answers there. Target: < 5 s.
//   2. the proxy against the app's own socket, on one running workspace:
//      a. a 1 GiB file in the owner's home, downloaded from /files/ (MiB/s, time to first byte);
//      b. small requests: sequential GET api/status (median and p99);
//      c. websocket round trips: kernel_info_request on a kernel's channels, answered on shell.
//   Both sides use the same client code; the direct side sends the app's token as Plinth does.
//   For scale, a and b also go through a bare Node.js proxy (a few lines, no authentication) in
//   front of the same socket: what one hop through Node costs by itself.
// Needs the real uv (PLINTH_UV, else the copy scripts/peers/uv.sh installed), the package index
// (the first workspace builds JupyterLab's environment) and bubblewrap; says so and skips without.
//   node bench/workspaces.ts          # or: npm run bench -- workspaces
//   BENCH_WORKSPACES_STARTS (5), BENCH_WORKSPACES_REQUESTS (500), BENCH_WORKSPACES_ECHOES (200),
//   BENCH_WORKSPACES_FILE_MIB (1024), BENCH_WORKSPACES_DOWNLOADS (3)
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { chmodSync, chownSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { appAccess, appLaunch, HOME_MARK } from "../src/workspaces/apps.ts";
import { jobUserFor } from "../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../src/jobs/executors/local/sandbox.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { RawWebSocket } from "./lib/raw-websocket.ts";
import { cpuSeconds } from "./lib/rss.ts";
import { type BenchServer, median, percentile, REPO, round, startBenchServer } from "./lib/server.ts";

const STARTS = Number(process.env.BENCH_WORKSPACES_STARTS ?? 5);
const REQUESTS = Number(process.env.BENCH_WORKSPACES_REQUESTS ?? 500);
const ECHOES = Number(process.env.BENCH_WORKSPACES_ECHOES ?? 200);
const FILE_MIB = Number(process.env.BENCH_WORKSPACES_FILE_MIB ?? 1024);
const DOWNLOADS = Number(process.env.BENCH_WORKSPACES_DOWNLOADS ?? 3);
const RESOURCES = { cpus: 1, memory: "2G" };
/** How often both sides ask whether JupyterLab answers yet. */
const POLL_MS = 50;
const MiB = 1024 ** 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readLoad = () => loadavg().map((l) => l.toFixed(2)).join(" ");

/** The uv program, or why there is none. */
function findUv(): { uv: string } | { missing: string } {
  const configured = process.env.PLINTH_UV;
  if (configured) return existsSync(configured) ? { uv: configured } : { missing: `PLINTH_UV is ${configured}, which does not exist` };
  const r = spawnSync("bash", [join(REPO, "scripts/peers/uv.sh"), "--if-present"], { encoding: "utf8" });
  if (r.status === 0) return { uv: r.stdout.trim() };
  return { missing: "uv is missing: set PLINTH_UV, or run scripts/peers/uv.sh once (it installs uv 0.13.8 from PyPI)" };
}

// ---- HTTP, the same client for both sides ---------------------------------------------------

/** Where a request goes: Plinth's port (with the portal token) or the app's socket (with the app's token). */
interface Side {
  name: "proxy" | "direct" | "bare";
  connect: { host: string; port: number } | { socketPath: string };
  authorization: string;
  /** The path prefix the app serves under: /w/<id>/. */
  base: string;
  agent: Agent;
}

function get(side: Side, path: string, onData?: (chunk: Buffer) => void): Promise<{ status: number; body: string; headersMs: number; firstByteMs: number; bytes: number; ms: number }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const req = request({ ...side.connect, agent: side.agent, path: side.base + path, headers: { host: "localhost", authorization: side.authorization } }, (res) => {
      const headersMs = performance.now() - t0;
      let firstByteMs = Number.NaN;
      let bytes = 0;
      const kept: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (bytes === 0) firstByteMs = performance.now() - t0;
        bytes += chunk.length;
        if (onData) onData(chunk);
        else kept.push(chunk);
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body: Buffer.concat(kept).toString("utf8"), headersMs, firstByteMs, bytes, ms: performance.now() - t0 }));
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end();
  });
}

/** Asks GET <base>api/status every POLL_MS until it answers 200; ms since t0. */
async function untilAnswers(side: Side, t0: number, limitMs: number, alive: () => string | null = () => null): Promise<number> {
  for (;;) {
    const r = await get(side, "api/status").catch(() => null);
    if (r?.status === 200) return performance.now() - t0;
    const dead = alive();
    if (dead) throw new Error(dead);
    if (performance.now() - t0 > limitMs) throw new Error(`JupyterLab (${side.name}) did not answer in ${limitMs / 1000} s; last: ${r ? `${r.status} ${r.body.slice(0, 300)}` : "no connection"}`);
    await sleep(POLL_MS);
  }
}

/** A message on the shell channel answering msgId (the kernel's status on iopub names it too). */
function isReplyTo(text: string, msgId: string): boolean {
  if (!text.includes(msgId)) return false;
  const m = JSON.parse(text) as { channel?: string; parent_header?: { msg_id?: string } };
  return m.channel === "shell" && m.parent_header?.msg_id === msgId;
}

/** One kernel_info_request on the shell channel and its reply: the round trip in ms. */
async function kernelInfo(ws: RawWebSocket, session: string): Promise<number> {
  const msgId = randomUUID();
  const message = { header: { msg_id: msgId, username: "bench", session, msg_type: "kernel_info_request", version: "5.3", date: new Date().toISOString() }, parent_header: {}, metadata: {}, content: {}, channel: "shell", buffers: [] };
  const t0 = performance.now();
  const reply = ws.next((text) => text.includes(msgId) && isReplyTo(text, msgId));
  ws.send(JSON.stringify(message));
  const text = await reply;
  const ms = performance.now() - t0;
  const type = (JSON.parse(text) as { header: { msg_type: string } }).header.msg_type;
  if (type !== "kernel_info_reply") throw new Error(`expected kernel_info_reply, got ${type}`);
  return ms;
}

// ---- Plinth's side ------------------------------------------------------------------------

interface WorkspaceView {
  id: string;
  state: string;
  jobId: string | null;
  ownerId: string;
  message: string | null;
}

function proxySide(server: BenchServer, id: string): Side {
  const { port } = new URL(server.url);
  return { name: "proxy", connect: { host: "127.0.0.1", port: Number(port) }, authorization: `Bearer ${server.token}`, base: `/w/${id}/`, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
}

/** Fails the wait when the workspace has failed (with its message) rather than waiting out the limit. */
function failedCheck(server: BenchServer, id: string): () => string | null {
  let last: string | null = null;
  let asking = false;
  return () => {
    if (!asking) {
      asking = true;
      server
        .api<WorkspaceView>("GET", `/api/v1/workspaces/${id}`)
        .then((w) => {
          if (w.state === "failed" || w.state === "stopped") last = `workspace ${id} is ${w.state}: ${w.message ?? ""}`;
        })
        .catch(() => {})
        .finally(() => {
          asking = false;
        });
    }
    return last;
  };
}

async function untilState(server: BenchServer, id: string, state: string, limitMs = 60_000): Promise<WorkspaceView> {
  const until = performance.now() + limitMs;
  for (;;) {
    const w = await server.api<WorkspaceView>("GET", `/api/v1/workspaces/${id}`);
    if (w.state === state) return w;
    if (performance.now() > until) throw new Error(`workspace ${id} is ${w.state}, not ${state}, after ${limitMs / 1000} s`);
    await sleep(100);
  }
}

/** A new workspace (create) or a stopped one started again: request → first 200 through the proxy, ms. */
async function timedStart(server: BenchServer, how: { create: string } | { start: string }, limitMs = 120_000): Promise<{ id: string; ms: number }> {
  const t0 = performance.now();
  const w =
    "create" in how
      ? await server.api<WorkspaceView>("POST", "/api/v1/workspaces", { name: how.create, app: "jupyterlab", resources: RESOURCES })
      : await server.api<WorkspaceView>("POST", `/api/v1/workspaces/${how.start}/start`);
  const ms = await untilAnswers(proxySide(server, w.id), t0, limitMs, failedCheck(server, w.id));
  return { id: w.id, ms };
}

async function stopWorkspace(server: BenchServer, id: string): Promise<void> {
  await server.api("POST", `/api/v1/workspaces/${id}/stop`);
  await untilState(server, id, "stopped");
}

// ---- the user's own: jupyter lab by hand -----------------------------------------------------

/** `jupyter lab` from the environment with Plinth's arguments on a socket of its own, until api/status answers: ms. */
async function directStart(root: string, envPath: string): Promise<number> {
  const dir = mkdtempSync(join(root, "direct-"));
  const token = randomBytes(32).toString("base64url");
  const launch = appLaunch("jupyterlab", { workspaceId: "ws_direct", stateDir: dir, token })!;
  const side: Side = { name: "direct", connect: { socketPath: join(dir, "app.sock") }, authorization: appAccess("jupyterlab", "ws_direct", token)!.authorization!, base: "/w/ws_direct/", agent: new Agent({ keepAlive: false }) };
  let child: ChildProcess | undefined;
  let output = "";
  try {
    const t0 = performance.now();
    // As root here (the bench runs as root), so --allow-root; bytecode is not written into the shared environment.
    child = spawn(join(envPath, "bin", "jupyter"), [...launch.argv.slice(1).map((a) => a.replace(HOME_MARK, dir)), "--allow-root"], {
      cwd: dir,
      env: { PATH: `${join(envPath, "bin")}:/usr/bin:/bin`, HOME: dir, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1", ...launch.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const proc = child;
    return await untilAnswers(side, t0, 120_000, () => (proc.exitCode !== null ? `jupyter lab exited with ${proc.exitCode}: ${output.slice(-1000)}` : null));
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- part 2: proxy against direct --------------------------------------------------------------

function directSide(server: BenchServer, id: string, jobId: string): Side {
  const state = join(server.dataDir, "runs", jobId, "work", ".plinth");
  const agent = JSON.parse(readFileSync(join(state, "agent.json"), "utf8")) as { appEnv: { JUPYTER_TOKEN: string } };
  return { name: "direct", connect: { socketPath: join(state, "app.sock") }, authorization: `token ${agent.appEnv.JUPYTER_TOKEN}`, base: `/w/${id}/`, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
}

/**
 * For scale: the least an HTTP proxy in Node.js does (no authentication, no lookups), in a
 * process of its own, in front of the same socket: what a hop through Node costs by itself.
 */
const BARE_PROXY = `
const { createServer, request } = require("node:http");
const [socketPath, authorization] = process.argv.slice(1);
const hop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "authorization"]);
const server = createServer((req, res) => {
  const headers = { authorization };
  for (const [k, v] of Object.entries(req.headers)) if (!hop.has(k)) headers[k] = v;
  const up = request({ socketPath, method: req.method, path: req.url, headers }, (u) => {
    const out = {};
    for (const [k, v] of Object.entries(u.headers)) if (!hop.has(k)) out[k] = v;
    res.writeHead(u.statusCode, out);
    u.pipe(res);
  });
  up.on("error", () => res.destroy());
  req.pipe(up);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

async function startBareProxy(direct: Side): Promise<{ side: Side; pid: number; stop: () => void }> {
  const connect = direct.connect as { socketPath: string };
  const child = spawn(process.execPath, ["-e", BARE_PROXY, connect.socketPath, direct.authorization], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  const side: Side = { name: "bare", connect: { host: "127.0.0.1", port }, authorization: "none", base: direct.base, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
  return { side, pid: child.pid!, stop: () => child.kill("SIGTERM") };
}

/** A file of random bytes in the owner's home, owned like the home. */
async function bigFile(home: string, mib: number): Promise<string> {
  const path = join(home, "big.bin");
  const block = randomBytes(MiB);
  const out = createWriteStream(path);
  for (let i = 0; i < mib; i++) if (!out.write(block)) await once(out, "drain");
  out.end();
  await once(out, "finish");
  const owner = statSync(home);
  chownSync(path, owner.uid, owner.gid);
  chmodSync(path, 0o600);
  return path;
}

interface Download {
  mibPerS: number;
  firstByteMs: number;
  serverCpuS: number;
}

async function download(side: Side, size: number, serverPid: number): Promise<Download> {
  const cpu0 = cpuSeconds(serverPid);
  const r = await get(side, "files/big.bin", () => {});
  if (r.status !== 200 || r.bytes !== size) throw new Error(`download (${side.name}): ${r.status}, ${r.bytes} of ${size} bytes`);
  return { mibPerS: size / MiB / (r.ms / 1000), firstByteMs: r.firstByteMs, serverCpuS: cpuSeconds(serverPid) - cpu0 };
}

function stats(ms: number[]): { median: number; p99: number; mean: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: round(median(ms), 3), p99: round(percentile(sorted, 99), 3), mean: round(ms.reduce((a, b) => a + b, 0) / ms.length, 3) };
}

const pct = (proxy: number, direct: number) => round((proxy / direct - 1) * 100, 1);

async function proxyAgainstDirect(server: BenchServer, w: WorkspaceView) {
  const proxy = proxySide(server, w.id);
  const direct = directSide(server, w.id, w.jobId!);
  const bare = await startBareProxy(direct);
  try {
    return await compare(server, w, proxy, direct, bare);
  } finally {
    bare.stop();
    for (const side of [proxy, direct, bare.side]) side.agent.destroy();
  }
}

async function compare(server: BenchServer, w: WorkspaceView, proxy: Side, direct: Side, bare: { side: Side; pid: number }) {
  const sides = [proxy, direct, bare.side];
  /** Each round in another order: [a, b, c], [b, c, a], [c, a, b]. */
  const order = <T>(xs: T[], i: number) => xs.map((_, k) => xs[(i + k) % xs.length]!);
  const cpuOf = (side: Side) => (side === bare.side ? bare.pid : server.pid);

  // a. a large file
  const home = join(server.dataDir, "homes", w.ownerId);
  const t0 = performance.now();
  const file = await bigFile(home, FILE_MIB);
  const size = FILE_MIB * MiB;
  console.log(`  wrote ${FILE_MIB} MiB into the home in ${round((performance.now() - t0) / 1000, 1)} s`);
  await download(direct, size, server.pid); // once unmeasured: the page cache and JupyterLab's handler
  const downloads: Record<string, Download[]> = { proxy: [], direct: [], bare: [] };
  for (let i = 0; i < DOWNLOADS; i++) {
    for (const side of order(sides, i)) downloads[side.name]!.push(await download(side, size, cpuOf(side)));
  }
  rmSync(file);
  const fileFigures = Object.fromEntries(
    Object.entries(downloads).map(([name, ds]) => [name, { mibPerS: round(median(ds.map((d) => d.mibPerS)), 0), firstByteMs: round(median(ds.map((d) => d.firstByteMs)), 1), serverCpuS: round(median(ds.map((d) => d.serverCpuS)), 2), each: ds.map((d) => round(d.mibPerS, 0)) }]),
  ) as Record<"proxy" | "direct" | "bare", { mibPerS: number; firstByteMs: number; serverCpuS: number; each: number[] }>;
  console.log(`  ${FILE_MIB} MiB download: proxy ${fileFigures.proxy.mibPerS} MiB/s, direct ${fileFigures.direct.mibPerS} MiB/s, bare Node.js proxy ${fileFigures.bare.mibPerS} MiB/s`);

  // b. small requests, alternating, after a few to warm both connections
  const small: Record<string, number[]> = { proxy: [], direct: [], bare: [] };
  for (let i = 0; i < REQUESTS + 20; i++) {
    for (const side of order(sides, i)) {
      const r = await get(side, "api/status");
      if (r.status !== 200) throw new Error(`api/status (${side.name}): ${r.status}`);
      if (i >= 20) small[side.name]!.push(r.ms);
    }
  }
  const smallFigures = { proxy: stats(small.proxy!), direct: stats(small.direct!), bare: stats(small.bare!) };
  console.log(`  ${REQUESTS} × api/status: proxy median ${smallFigures.proxy.median} ms, direct ${smallFigures.direct.median} ms, bare Node.js proxy ${smallFigures.bare.median} ms`);

  // c. websocket round trips on one kernel, one connection each way, alternating
  const kernel = await new Promise<{ id: string }>((done, fail) => {
    const req = request({ ...proxy.connect, method: "POST", path: `${proxy.base}api/kernels`, headers: { authorization: proxy.authorization, "content-type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => (res.statusCode === 201 ? done(JSON.parse(body)) : fail(new Error(`POST api/kernels: ${res.statusCode} ${body.slice(0, 300)}`))));
    });
    req.on("error", fail);
    req.end(JSON.stringify({ name: "python3" }));
  });
  const echoes: Record<string, number[]> = { proxy: [], direct: [] };
  const sockets: RawWebSocket[] = [];
  try {
    const open = await Promise.all(
      [proxy, direct].map(async (side) => {
        const session = randomUUID();
        const ws = await RawWebSocket.open(side, `api/kernels/${kernel.id}/channels?session_id=${session}`);
        sockets.push(ws);
        return { side, ws, session };
      }),
    );
    for (let i = 0; i < ECHOES + 10; i++) {
      for (const o of i % 2 ? [...open].reverse() : open) {
        const ms = await kernelInfo(o.ws, o.session);
        if (i >= 10) echoes[o.side.name]!.push(ms);
      }
    }
  } finally {
    for (const ws of sockets) ws.close();
    await get(proxy, `api/kernels/${kernel.id}`).catch(() => {});
    await new Promise<void>((done) => {
      const req = request({ ...proxy.connect, method: "DELETE", path: `${proxy.base}api/kernels/${kernel.id}`, headers: { authorization: proxy.authorization } }, (res) => {
        res.resume();
        res.on("end", done);
      });
      req.on("error", () => done());
      req.end();
    });
  }
  const echoFigures = { proxy: stats(echoes.proxy!), direct: stats(echoes.direct!) };
  console.log(`  ${ECHOES} kernel_info round trips: proxy median ${echoFigures.proxy.median} ms, direct ${echoFigures.direct.median} ms`);

  return {
    file: { mib: FILE_MIB, downloads: DOWNLOADS, ...fileFigures, throughputPct: pct(fileFigures.proxy.mibPerS, fileFigures.direct.mibPerS), bareThroughputPct: pct(fileFigures.bare.mibPerS, fileFigures.direct.mibPerS), firstBytePct: pct(fileFigures.proxy.firstByteMs, fileFigures.direct.firstByteMs) },
    smallRequests: { n: REQUESTS, ...smallFigures, medianPct: pct(smallFigures.proxy.median, smallFigures.direct.median), p99Pct: pct(smallFigures.proxy.p99, smallFigures.direct.p99), bareMedianPct: pct(smallFigures.bare.median, smallFigures.direct.median) },
    websocket: { n: ECHOES, ...echoFigures, medianPct: pct(echoFigures.proxy.median, echoFigures.direct.median), p99Pct: pct(echoFigures.proxy.p99, echoFigures.direct.p99) },
  };
}

// ---- the whole ---------------------------------------------------------------------------------

export async function benchWorkspaces(): Promise<Record<string, any>> {
  const found = findUv();
  if ("missing" in found) return { bench: "workspaces", skipped: found.missing };
  const bwrap = findBwrap();
  if (!bwrap || !(await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody"))).ok) return { bench: "workspaces", skipped: "bubblewrap is missing or does not work here; workspaces run their sessions in it" };
  const uvVersion = spawnSync(found.uv, ["--version"], { encoding: "utf8" }).stdout.trim();
  const root = mkdtempSync(join(tmpdir(), "plinth-workspaces-bench-"));
  chmodSync(root, 0o755);
  const load: Record<string, string> = { atStart: readLoad() };
  const server = await startBenchServer({ PLINTH_UV: found.uv, PLINTH_EXECUTOR_SANDBOX: "bubblewrap" });
  const live = new Set<string>();
  try {
    // The first workspace builds JupyterLab's environment; every later start finds it built.
    const first = await timedStart(server, { create: "warm" }, 600_000);
    live.add(first.id);
    const warm = await server.api<WorkspaceView>("GET", `/api/v1/workspaces/${first.id}`);
    const job = await server.api<{ events: Array<{ to: string; detail?: { environment?: { key: string; seconds: number } } }> }>("GET", `/api/v1/jobs/${warm.jobId}`);
    const environment = job.events.find((e) => e.to === "running")?.detail?.environment;
    if (!environment) throw new Error("the workspace's job reported no environment");
    const envPath = join(server.dataDir, "environments", environment.key);
    console.log(`  first workspace (environment built in ${round(environment.seconds, 1)} s): answered after ${round(first.ms / 1000, 1)} s`);
    await stopWorkspace(server, first.id);
    live.delete(first.id);
    load.afterWarmUp = readLoad();

    // 1. Starts, each kind in turn, who goes first rotating.
    const starts: Record<"restart" | "create" | "direct", number[]> = { restart: [], create: [], direct: [] };
    const kinds = ["direct", "restart", "create"] as const;
    for (let i = 0; i < STARTS; i++) {
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(i + k) % kinds.length]!;
        if (kind === "direct") starts.direct.push(await directStart(root, envPath));
        else {
          const s = await timedStart(server, kind === "restart" ? { start: first.id } : { create: `new-${i}` });
          live.add(s.id);
          starts[kind].push(s.ms);
          await stopWorkspace(server, s.id);
          live.delete(s.id);
        }
      }
      console.log(`  round ${i + 1}: restart ${round(starts.restart.at(-1)!, 0)} ms, new ${round(starts.create.at(-1)!, 0)} ms, jupyter lab by hand ${round(starts.direct.at(-1)!, 0)} ms`);
    }
    load.afterStarts = readLoad();
    const s = (xs: number[]) => ({ medianMs: round(median(xs), 0), maxMs: round(Math.max(...xs), 0), each: xs.map((x) => round(x, 0)) });
    const startFigures = {
      n: STARTS,
      firstWithBuildMs: round(first.ms, 0),
      environmentBuildS: round(environment.seconds, 1),
      restart: s(starts.restart),
      create: s(starts.create),
      direct: s(starts.direct),
      restartOverMedianMs: round(median(starts.restart) - median(starts.direct), 0),
      createOverMedianMs: round(median(starts.create) - median(starts.direct), 0),
    };

    // 2. The proxy against the app's socket, on the first workspace started once more.
    await timedStart(server, { start: first.id });
    live.add(first.id);
    const running = await server.api<WorkspaceView>("GET", `/api/v1/workspaces/${first.id}`);
    const proxy = await proxyAgainstDirect(server, running);
    load.atEnd = readLoad();
    const all = [...starts.restart, ...starts.create];
    return {
      bench: "workspaces",
      machine: machineLine(describeMachine(server.dataDir)),
      uv: uvVersion,
      load,
      starts: startFigures,
      proxy,
      met: { startUnder5s: Math.max(...all) < 5000 },
    };
  } finally {
    for (const id of live) await stopWorkspace(server, id).catch((err) => console.error(`  could not stop workspace ${id}: ${(err as Error).message}`));
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function summary(r: Record<string, any>): string {
  if (r.skipped) return `workspaces: skipped — ${r.skipped}`;
  const st = r.starts;
  const p = r.proxy;
  return [
    `workspaces: ${r.uv}; ${r.machine}; load average ${r.load.atStart} at the start, ${r.load.atEnd} at the end`,
    `  first workspace, building the environment (${st.environmentBuildS} s): ${round(st.firstWithBuildMs / 1000, 1)} s to api/status through the proxy`,
    `  start → api/status 200, environment built, ${st.n} each: restart of a stopped workspace median ${st.restart.medianMs} ms (max ${st.restart.maxMs}); new workspace ${st.create.medianMs} ms (max ${st.create.maxMs}); jupyter lab by hand ${st.direct.medianMs} ms (max ${st.direct.maxMs})`,
    `    Plinth adds ${st.restartOverMedianMs} ms (restart) and ${st.createOverMedianMs} ms (new) at the median; target < 5 s: ${r.met.startUnder5s ? "met" : "NOT met"}`,
    `  ${p.file.mib} MiB from files/, median of ${p.file.downloads}: proxy ${p.file.proxy.mibPerS} MiB/s (first byte ${p.file.proxy.firstByteMs} ms, server CPU ${p.file.proxy.serverCpuS} s), direct ${p.file.direct.mibPerS} MiB/s (first byte ${p.file.direct.firstByteMs} ms): ${p.file.throughputPct}%; a bare Node.js proxy ${p.file.bare.mibPerS} MiB/s (its CPU ${p.file.bare.serverCpuS} s): ${p.file.bareThroughputPct}%`,
    `  ${p.smallRequests.n} × GET api/status: proxy median ${p.smallRequests.proxy.median} ms, p99 ${p.smallRequests.proxy.p99}; direct ${p.smallRequests.direct.median}, p99 ${p.smallRequests.direct.p99}: +${p.smallRequests.medianPct}% / +${p.smallRequests.p99Pct}%; a bare Node.js proxy median ${p.smallRequests.bare.median} (+${p.smallRequests.bareMedianPct}%)`,
    `  ${p.websocket.n} kernel_info round trips: proxy median ${p.websocket.proxy.median} ms, p99 ${p.websocket.proxy.p99}; direct ${p.websocket.direct.median}, p99 ${p.websocket.direct.p99}: +${p.websocket.medianPct}% / +${p.websocket.p99Pct}%`,
  ].join("\n");
}

if (import.meta.main) {
  const r = await benchWorkspaces();
  console.log(summary(r));
  console.log(JSON.stringify(r));
}
