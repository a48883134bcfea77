// dispatch: time from a submit over HTTP to the job's process running, p50 and p99 over 200
// jobs, one at a time on an idle server (default config: sandboxed when bubblewrap works).
// The job is `date +%s%N`: the first thing that runs prints the wall clock in nanoseconds.
// Target: p50 ≤ 15 ms, p99 ≤ 50 ms.
import { nowMs, percentile, round, startBenchServer } from "./lib/server.ts";

const JOBS = Number(process.env.BENCH_DISPATCH_JOBS ?? 200);

export async function benchDispatch(): Promise<Record<string, unknown>> {
  const server = await startBenchServer();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < JOBS + 10; i++) {
      const t0 = nowMs();
      const job = await server.api<{ id: string }>("POST", "/api/v1/jobs", { command: ["date", "+%s%N"], resources: { cpus: 0.1, memory: "64M" } });
      const log = await server.api<string>("GET", `/api/v1/jobs/${job.id}/logs?follow=true`);
      const startedMs = Number(BigInt(log.trim()) / 1000n) / 1000;
      if (i >= 10) latencies.push(startedMs - t0); // the first few warm up the JIT
    }
  } finally {
    await server.stop();
  }
  latencies.sort((a, b) => a - b);
  const result = {
    bench: "dispatch",
    jobs: latencies.length,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1]!),
    targetP50Ms: 15,
    targetP99Ms: 50,
  };
  return { ...result, targetsMet: result.p50Ms <= 15 && result.p99Ms <= 50 };
}

if (import.meta.main) {
  const r = await benchDispatch();
  console.log(`dispatch: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms over ${r.jobs} jobs (targets 15 / 50 ms)`);
  console.log(JSON.stringify(r));
}
