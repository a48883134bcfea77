// slurm: the dispatch and throughput measurements through Slurm's sbatch on this machine,
// beside Plinth's in the same run, reported as ratios. Runs where Slurm is installed
// (`eval "$(scripts/start-slurm.sh)"` starts a one-node cluster whose scheduler runs every
// second, and sets PLINTH_SLURM_BIN to the wrappers that reach it in its network namespace).
// Slurm takes seconds per job here, so it gets fewer jobs than the other benchmarks.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dispatchLatencies } from "./dispatch.ts";
import { nowMs, percentile, round, startBenchServer } from "./lib/server.ts";

const DISPATCH_JOBS = Number(process.env.BENCH_SLURM_DISPATCH_JOBS ?? 20);
const THROUGHPUT_JOBS = Number(process.env.BENCH_SLURM_THROUGHPUT_JOBS ?? 100);

/** A Slurm client command: the wrapper in PLINTH_SLURM_BIN when set, else the one on PATH. */
function slurmProgram(name: string): string {
  const bin = process.env.PLINTH_SLURM_BIN;
  return bin ? join(bin, name) : name;
}

function slurmReady(): boolean {
  return spawnSync(slurmProgram("sinfo"), ["-h"], { stdio: "ignore" }).status === 0;
}

function sbatch(args: string[]): string {
  return execFileSync(slurmProgram("sbatch"), ["--parsable", ...args], { encoding: "utf8" }).trim().split(";")[0]!;
}

async function slurmDispatch(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < DISPATCH_JOBS; i++) {
    const file = join(dir, `d${i}.out`);
    const t0 = nowMs();
    sbatch(["-o", file, "--mem=64M", "-c", "1", "--wrap", "date +%s%N"]);
    while (!existsSync(file) || readFileSync(file, "utf8").trim() === "") await new Promise((r) => setTimeout(r, 5));
    out.push(Number(BigInt(readFileSync(file, "utf8").trim()) / 1000n) / 1000 - t0);
  }
  return out.sort((a, b) => a - b);
}

async function slurmThroughput(): Promise<number> {
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < THROUGHPUT_JOBS; i++) ids.push(sbatch(["-o", "/dev/null", "--mem=32M", "-c", "1", "--wrap", "true"]));
  // Done when no job of ours is pending or running any more.
  while (execFileSync(slurmProgram("squeue"), ["-h", "-j", ids.join(","), "-o", "%i"], { encoding: "utf8" }).trim() !== "") await new Promise((r) => setTimeout(r, 100));
  return THROUGHPUT_JOBS / ((performance.now() - t0) / 1000);
}

async function plinthThroughput(): Promise<number> {
  const server = await startBenchServer({ PLINTH_EXECUTOR_SANDBOX: "none" });
  try {
    const t0 = performance.now();
    for (let i = 0; i < THROUGHPUT_JOBS; i++) await server.api("POST", "/api/v1/jobs", { command: ["true"], resources: { cpus: 1, memory: "32M" } });
    while ((await server.api<{ items: unknown[] }>("GET", "/api/v1/jobs?state=queued,starting,running&limit=1")).items.length) await new Promise((r) => setTimeout(r, 20));
    return THROUGHPUT_JOBS / ((performance.now() - t0) / 1000);
  } finally {
    await server.stop();
  }
}

export async function benchSlurm(): Promise<Record<string, unknown>> {
  if (!slurmReady()) return { bench: "slurm", skipped: "Slurm is not running here; start it with eval \"$(scripts/start-slurm.sh)\"" };
  const dir = mkdtempSync(join(tmpdir(), "plinth-slurm-bench-"));
  try {
    const sd = await slurmDispatch(dir);
    const pd = await dispatchLatencies("none", DISPATCH_JOBS, 1);
    const st = await slurmThroughput();
    const pt = await plinthThroughput();
    return {
      bench: "slurm",
      dispatchJobs: DISPATCH_JOBS,
      throughputJobs: THROUGHPUT_JOBS,
      slurmDispatchP50Ms: round(percentile(sd, 50)),
      slurmDispatchP99Ms: round(percentile(sd, 99)),
      plinthDispatchP50Ms: round(percentile(pd, 50)),
      plinthDispatchP99Ms: round(percentile(pd, 99)),
      dispatchP50Speedup: round(percentile(sd, 50) / percentile(pd, 50), 1),
      slurmJobsPerS: round(st, 2),
      plinthJobsPerS: round(pt, 1),
      throughputSpeedup: round(pt / st, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const r = await benchSlurm();
  if (r.skipped) console.log(`slurm: skipped — ${r.skipped}`);
  else
    console.log(
      `slurm: dispatch p50 ${r.slurmDispatchP50Ms} ms via sbatch vs ${r.plinthDispatchP50Ms} ms via Plinth (${r.dispatchP50Speedup}×); ` +
        `throughput ${r.slurmJobsPerS} jobs/s vs ${r.plinthJobsPerS} jobs/s (${r.throughputSpeedup}×)`,
    );
  console.log(JSON.stringify(r));
}
