// startup: from `plinth up` to GET /healthz answering 200, on a first start (new data
// directory: migrations, admin user) and on a restart of the same directory. Target: < 2 s.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, percentile, REPO, round } from "./lib/server.ts";

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);

async function timeToHealthy(dataDir: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(REPO, "src/main.ts"), "up", "--data-dir", dataDir, "--port", String(port)], {
    env: { ...process.env, PLINTH_BOOTSTRAP_TOKEN: "plt_bench_token_0123456789abcdef0123", PLINTH_LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  try {
    while (true) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error("plinth up exited");
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

export async function benchStartup(): Promise<Record<string, unknown>> {
  const first: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), "plinth-startup-"));
    first.push(await timeToHealthy(dir));
    warm.push(await timeToHealthy(dir));
    rmSync(dir, { recursive: true, force: true });
  }
  first.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);
  const result = { bench: "startup", runs: RUNS, firstStartMedianMs: round(percentile(first, 50), 0), warmStartMedianMs: round(percentile(warm, 50), 0), warmStartMaxMs: round(warm[warm.length - 1]!, 0), targetMs: 2000 };
  return { ...result, targetsMet: result.warmStartMaxMs < 2000 };
}

if (import.meta.main) {
  const r = await benchStartup();
  console.log(`startup: first start ${r.firstStartMedianMs} ms, warm start ${r.warmStartMedianMs} ms (max ${r.warmStartMaxMs} ms; target < 2000 ms)`);
  console.log(JSON.stringify(r));
}
