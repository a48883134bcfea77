// dispatch: time from a submit over HTTP to the job's process running, p50 and p99 over 200
// jobs, one at a time on an idle server; without the sandbox, and with it where bubblewrap
// works. The job is `date +%s%N`: the first thing that runs prints the wall clock in
// nanoseconds. Target: p50 ≤ 15 ms, p99 ≤ 50 ms.
import { findBwrap, probeBubblewrap, systemLayout } from "../src/jobs/executors/local/sandbox.ts";
import { nowMs, percentile, round, startBenchServer } from "./lib/server.ts";

const JOBS = Number(process.env.BENCH_DISPATCH_JOBS ?? 200);

/** Submit → process running, one job at a time, sorted; the first 10 warm up and are not counted. */
export async function dispatchLatencies(sandbox: "none" | "bubblewrap", jobs = JOBS, cpus = 0.1): Promise<number[]> {
  const server = await startBenchServer({ PLINTH_EXECUTOR_SANDBOX: sandbox });
  const out: number[] = [];
  try {
    for (let i = 0; i < jobs + 10; i++) {
      const t0 = nowMs();
      const job = await server.api<{ id: string }>("POST", "/api/v1/jobs", { command: ["date", "+%s%N"], resources: { cpus, memory: "64M" } });
      const log = await server.api<string>("GET", `/api/v1/jobs/${job.id}/logs?follow=true`);
      const startedMs = Number(BigInt(log.trim()) / 1000n) / 1000;
      if (i >= 10) out.push(startedMs - t0); // the first few warm up the JIT
    }
  } finally {
    await server.stop();
  }
  return out.sort((a, b) => a - b);
}

export async function benchDispatch(): Promise<Record<string, unknown>> {
  const bare = await dispatchLatencies("none");
  const result: Record<string, unknown> = { bench: "dispatch", jobs: JOBS, p50Ms: round(percentile(bare, 50)), p99Ms: round(percentile(bare, 99)), maxMs: round(bare[bare.length - 1]!) };
  let met = percentile(bare, 50) <= 15 && percentile(bare, 99) <= 50;
  const bwrap = findBwrap();
  if (bwrap && (await probeBubblewrap(bwrap, systemLayout())).ok) {
    const boxed = await dispatchLatencies("bubblewrap");
    Object.assign(result, { sandboxP50Ms: round(percentile(boxed, 50)), sandboxP99Ms: round(percentile(boxed, 99)) });
    met &&= percentile(boxed, 50) <= 15 && percentile(boxed, 99) <= 50;
  }
  return { ...result, targetP50Ms: 15, targetP99Ms: 50, targetsMet: met };
}

if (import.meta.main) {
  const r = await benchDispatch();
  console.log(
    `dispatch: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms over ${r.jobs} jobs` +
      (r.sandboxP50Ms !== undefined ? `; in the sandbox p50 ${r.sandboxP50Ms} ms, p99 ${r.sandboxP99Ms} ms` : "") +
      " (targets 15 / 50 ms)",
  );
  console.log(JSON.stringify(r));
}
