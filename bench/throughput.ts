// throughput: 1,000 trivial jobs submitted over HTTP until all have succeeded, beside the rate
// at which a bare loop on this machine spawns the same process, with the same sandbox, at the
// same concurrency, in the same run. Measured with the sandbox on (where bubblewrap works)
// and off. Targets: ≥ 50% of the bare rate; ≥ 300 jobs/s without the sandbox.
import { spawn } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobUserFor } from "../src/jobs/executors/local/job-user.ts";
import { bwrapArgs, findBwrap, probeBubblewrap, systemLayout } from "../src/jobs/executors/local/sandbox.ts";
import { round, startBenchServer } from "./lib/server.ts";

const JOBS = Number(process.env.BENCH_THROUGHPUT_JOBS ?? 1000);
// Each job asks for a quarter of a CPU on a 2-CPU pool: 8 run at once.
const CPUS_PER_JOB = 0.25;
const POOL_CPUS = 2;
const CONCURRENCY = POOL_CPUS / CPUS_PER_JOB;
const SUBMITTERS = 8;
const COMMAND = ["true"];

async function throughputThroughPlinth(sandbox: "none" | "bubblewrap"): Promise<number> {
  const server = await startBenchServer({ PLINTH_EXECUTOR_SANDBOX: sandbox, PLINTH_EXECUTOR_CPUS: String(POOL_CPUS) });
  try {
    // Warm-up: JIT, prepared statements, sandbox probe.
    for (let i = 0; i < 20; i++) await server.api("POST", "/api/v1/jobs", { command: COMMAND, resources: { cpus: CPUS_PER_JOB, memory: "32M" } });
    await drain(server);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SUBMITTERS }, async () => {
        while (next < JOBS) {
          next++;
          await server.api("POST", "/api/v1/jobs", { command: COMMAND, name: "trivial", resources: { cpus: CPUS_PER_JOB, memory: "32M" } });
        }
      }),
    );
    await drain(server);
    const seconds = (performance.now() - t0) / 1000;
    const failed = await server.api<{ items: unknown[] }>("GET", "/api/v1/jobs?state=failed,lost,cancelled,timed_out&limit=1");
    if (failed.items.length) throw new Error(`a trivial job did not succeed: ${JSON.stringify(failed.items[0])}`);
    return JOBS / seconds;
  } finally {
    await server.stop();
  }
}

/** Waits until nothing is queued, starting or running. */
async function drain(server: Awaited<ReturnType<typeof startBenchServer>>): Promise<void> {
  while (true) {
    const active = await server.api<{ items: unknown[] }>("GET", "/api/v1/jobs?state=queued,starting,running&limit=1");
    if (active.items.length === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The same processes without Plinth: spawn, wait, spawn, with the same concurrency. */
async function bareRate(sandbox: boolean): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), "plinth-bare-"));
  const bwrap = sandbox ? findBwrap()! : null;
  const layout = systemLayout();
  const user = jobUserFor("nobody");
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < JOBS) {
        const n = next++;
        const workdir = join(root, String(n));
        mkdirSync(workdir);
        const argv = bwrap ? [bwrap, ...bwrapArgs(layout, { workdir, env: { PATH: "/usr/bin:/bin" }, hiddenPaths: [root], gpuIndices: [], network: true }), ...COMMAND] : COMMAND;
        await new Promise<void>((resolve, reject) => {
          // As Plinth's jobs do: as an unprivileged user when this runs as root.
          if (user) chownSync(workdir, user.uid, user.gid);
          const child = spawn(argv[0]!, argv.slice(1), { cwd: workdir, stdio: "ignore", detached: true, ...(user && { uid: user.uid, gid: user.gid }) });
          child.on("error", reject);
          child.on("exit", () => resolve());
        });
      }
    }),
  );
  const rate = JOBS / ((performance.now() - t0) / 1000);
  rmSync(root, { recursive: true, force: true });
  return rate;
}

export async function benchThroughput(): Promise<Record<string, unknown>> {
  const bwrap = findBwrap();
  const sandboxWorks = bwrap !== null && (await probeBubblewrap(bwrap, systemLayout())).ok;
  const bareNoSandbox = await bareRate(false);
  const plinthNoSandbox = await throughputThroughPlinth("none");
  const result: Record<string, unknown> = {
    bench: "throughput",
    jobs: JOBS,
    concurrency: CONCURRENCY,
    plinthNoSandboxJobsPerS: round(plinthNoSandbox, 1),
    bareNoSandboxJobsPerS: round(bareNoSandbox, 1),
    ratioNoSandbox: round(plinthNoSandbox / bareNoSandbox, 3),
  };
  let met = plinthNoSandbox >= 300 && plinthNoSandbox / bareNoSandbox >= 0.5;
  if (sandboxWorks) {
    const bareSandbox = await bareRate(true);
    const plinthSandbox = await throughputThroughPlinth("bubblewrap");
    Object.assign(result, {
      plinthSandboxJobsPerS: round(plinthSandbox, 1),
      bareSandboxJobsPerS: round(bareSandbox, 1),
      ratioSandbox: round(plinthSandbox / bareSandbox, 3),
    });
    met &&= plinthSandbox / bareSandbox >= 0.5;
  } else {
    result.sandbox = "bubblewrap not usable here; sandboxed figures skipped";
  }
  result.targetsMet = met;
  return result;
}

if (import.meta.main) {
  const r = await benchThroughput();
  console.log(
    `throughput: ${r.plinthNoSandboxJobsPerS} jobs/s through Plinth vs ${r.bareNoSandboxJobsPerS}/s bare (${r.ratioNoSandbox})` +
      (r.plinthSandboxJobsPerS !== undefined ? `; sandboxed ${r.plinthSandboxJobsPerS} vs ${r.bareSandboxJobsPerS}/s bare (${r.ratioSandbox})` : ""),
  );
  console.log(JSON.stringify(r));
}
