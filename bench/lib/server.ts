import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// A real `plinth up` in its own process for benchmarks, so the client's work does not share
// the server's event loop.

export const REPO = resolve(import.meta.dirname, "../..");
const TOKEN = "plt_bench_token_0123456789abcdef0123";

export interface BenchServer {
  url: string;
  /** The server's process id, to read its memory from /proc. */
  pid: number;
  dataDir: string;
  token: string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** `port`: where it listens, when settings written beforehand must name its address; default: a free port. */
export async function startBenchServer(env: Record<string, string> = {}, options: { port?: number } = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-bench-"));
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, [join(REPO, "src/main.ts"), "up", "--data-dir", dataDir, "--port", String(port)], {
    env: { ...process.env, PLINTH_BOOTSTRAP_TOKEN: TOKEN, PLINTH_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  while (true) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until || child.exitCode !== null) throw new Error("bench server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (/json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : text) as T;
  };
  return {
    url,
    pid: child.pid!,
    dataDir,
    token: TOKEN,
    api,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as import("node:net").AddressInfo;
      srv.close(() => resolvePort(port));
    });
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Wall-clock now in milliseconds with sub-millisecond resolution, comparable across processes. */
export const nowMs = () => performance.timeOrigin + performance.now();
