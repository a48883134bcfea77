import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startPlatform, type Platform } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { freshPostgresUrl, type TestDatabase } from "./databases.ts";

// Starts a real Plinth on a temporary data directory and a free port, on the database asked
// for, and talks to it over HTTP like any client would.

export const REPO = resolve(import.meta.dirname, "../..");
export const NODE = process.execPath;
export const TOKEN = "plt_test_admin_token_0123456789abcdef";

export interface TestPlatform {
  platform: Platform;
  url: string;
  dataDir: string;
  databaseUrl: string | undefined;
  api<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T; headers: Headers }>;
  waitFor(jobId: string, states?: string[], timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  fakeGpus?: number | Array<{ model: string; memory: string }>;
  sandbox?: "auto" | "none" | "bubblewrap";
  cpus?: number;
  memory?: string;
  extra?: Record<string, unknown>;
}

export async function databaseUrlFor(db: TestDatabase, label: string): Promise<{ url: string | undefined; cleanup: () => Promise<void> }> {
  if (db.name === "sqlite") return { url: undefined, cleanup: async () => {} };
  return freshPostgresUrl(db.url!, label);
}

export async function startTestPlatform(db: TestDatabase, label: string, opts: PlatformOptions = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-test-"));
  const database = await databaseUrlFor(db, label);
  const { config } = loadConfig({
    env: {},
    cwd: dataDir,
    overrides: {
      dataDir,
      server: { port: 0 },
      database: database.url ? { url: database.url } : {},
      executor: {
        sandbox: opts.sandbox ?? "none",
        fakeGpus: opts.fakeGpus ?? 0,
        cancelGracePeriod: "2s",
        ...(opts.cpus !== undefined && { cpus: opts.cpus }),
        ...(opts.memory !== undefined && { memory: opts.memory }),
      },
      log: { level: "warn" },
      ...opts.extra,
    },
  });
  const platform = await startPlatform(config, { bootstrapToken: TOKEN });
  const url = platform.url;
  const api = makeApi(url);
  return {
    platform,
    url,
    dataDir,
    databaseUrl: database.url,
    api,
    waitFor: (jobId, states, timeoutMs) => waitForJob(api, jobId, states, timeoutMs),
    close: async () => {
      await endActiveJobs(api);
      await platform.close();
      await database.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function makeApi(url: string) {
  return async <T = any>(method: string, path: string, body?: unknown, token = TOKEN) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const res = await fetch(url + path, { method, headers, body: payload });
    const text = await res.text();
    const isJson = /json/.test(res.headers.get("content-type") ?? "");
    const parsed: any = isJson && text ? JSON.parse(text) : text;
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
}

const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

export async function waitForJob(api: ReturnType<typeof makeApi>, jobId: string, states = TERMINAL, timeoutMs = 30_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  while (true) {
    const { body } = await api("GET", `/api/v1/jobs/${jobId}`);
    if (states.includes(body.state)) return body;
    if (Date.now() > until) throw new Error(`job ${jobId} is ${body.state}, not ${states.join("|")} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Jobs outlive their server by design (a restart reattaches them); a test's platform takes its
 * folder with it, so what it left running (a workspace's session, a sleeping job) is ended first.
 */
async function endActiveJobs(api: ReturnType<typeof makeApi>): Promise<void> {
  const active = async () => {
    const r = await api("GET", "/api/v1/jobs?state=queued,starting,running,saving&limit=500").catch(() => null);
    return r?.status === 200 ? (r.body.items as Array<{ id: string }>) : [];
  };
  const jobs = await active();
  for (const job of jobs) await api("POST", `/api/v1/jobs/${job.id}/cancel`).catch(() => null);
  for (let i = 0; i < 100 && jobs.length > 0 && (await active()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

/** Runs the real `plinth` CLI as a separate process. */
export function runCli(args: string[], opts: { url: string; token?: string; cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODE, [join(REPO, "src/main.ts"), ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, PLINTH_URL: opts.url, PLINTH_TOKEN: opts.token ?? TOKEN, XDG_CONFIG_HOME: join(tmpdir(), "plinth-cli-test-config"), ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`plinth ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Starts `plinth up` as its own process (for restart tests); resolves once it is healthy. */
export async function spawnServer(opts: { dataDir: string; port: number; env?: Record<string, string>; user?: { uid: number; gid: number } }): Promise<ChildProcess> {
  const child = spawn(NODE, [join(REPO, "src/main.ts"), "up", "--data-dir", opts.dataDir, "--port", String(opts.port)], {
    env: { ...process.env, PLINTH_BOOTSTRAP_TOKEN: TOKEN, PLINTH_LOG_LEVEL: "warn", PLINTH_EXECUTOR_SANDBOX: "none", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.user && { uid: opts.user.uid, gid: opts.user.gid }),
  });
  let output = "";
  child.stdout!.on("data", (d) => {
    output += d;
  });
  child.stderr!.on("data", (d) => {
    output += d;
  });
  // Generous: on a busy 2-core machine a cold start (module loading, migrations) can take a while.
  const until = Date.now() + 45_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`plinth up exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${opts.port}/healthz`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`plinth up did not become healthy:\n${output}`);
}

export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolvePromise) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as import("node:net").AddressInfo).port;
      srv.close(() => resolvePromise(port));
    });
  });
}
