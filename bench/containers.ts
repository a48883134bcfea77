// Jobs in container images: what running a trivial job (`true`) in an image costs over the same
// job without one, and a job in an image against `podman run --rm` of the same image, the way a
// person would run it by hand. Same machine, same run, alternating who goes first.
//
// Needs podman and the Debian image the container tests use (scripts/peers/container-base.sh,
// as root, once); without them it says so and exits non-zero.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { jobUserFor } from "../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../src/jobs/executors/local/sandbox.ts";
import { type JobTiming, sleep, timedJob } from "./lib/job-timing.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { median, percentile, REPO, round, startBenchServer } from "./lib/server.ts";

const JOBS = Number(process.env.BENCH_CONTAINERS_JOBS ?? 20);
const WARM_UP = 2;
const SETTLE_MS = 300;
const IMAGE = "localhost/plinth-test-base:1";
const CONFIG = join(REPO, "test/fixtures/containers.conf");
const RESOURCES = { cpus: 0.5, memory: "256M" };

function podmanProgram(): string {
  const program = ["/usr/bin/podman", "/usr/local/bin/podman"].find((p) => existsSync(p));
  if (!program) throw new Error("this benchmark needs podman (apt-get install podman runc)");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", CONTAINERS_CONF: CONFIG };
  if (spawnSync(program, ["image", "exists", IMAGE], { env }).status !== 0) {
    const base = spawnSync("bash", [join(REPO, "scripts/peers/container-base.sh")], { encoding: "utf8" });
    if (base.status !== 0) throw new Error(`this benchmark needs the Debian image: ${base.stderr.trim()}`);
    const imported = spawnSync(program, ["import", base.stdout.trim(), IMAGE], { encoding: "utf8", env });
    if (imported.status !== 0) throw new Error(`podman import failed: ${imported.stderr.trim()}`);
  }
  return program;
}

/** `podman run --rm IMAGE true`, timed from start to exit. */
function podmanRun(program: string): number {
  const started = performance.now();
  const r = spawnSync(program, ["run", "--rm", "--network", "none", IMAGE, "true"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", CONTAINERS_CONF: CONFIG } });
  if (r.status !== 0) throw new Error(`podman run failed: ${r.stderr}`);
  return performance.now() - started;
}

function spread(xs: number[]) {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: round(median(sorted), 1), p95: round(percentile(sorted, 95), 1) };
}

export async function benchContainers(): Promise<Record<string, unknown>> {
  const program = podmanProgram();
  const version = spawnSync(program, ["--version"], { encoding: "utf8" }).stdout.trim();
  const bwrap = findBwrap();
  const sandbox = bwrap && (await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody"))).ok ? "bubblewrap" : "none";
  const server = await startBenchServer({ PLINTH_EXECUTOR_SANDBOX: sandbox, PLINTH_PODMAN: program, PLINTH_ENVIRONMENTS_CONTAINERS_CONFIG: CONFIG });
  try {
    const bare = { name: "bare", command: ["true"], resources: RESOURCES };
    const inImage = { ...bare, name: "in-image", environment: { image: IMAGE } };
    const run = async (spec: unknown) => {
      await sleep(SETTLE_MS);
      return timedJob(server, spec);
    };
    for (let i = 0; i < WARM_UP; i++) {
      await run(bare);
      await run(inImage);
      podmanRun(program);
    }
    const without: JobTiming[] = [];
    const withImage: JobTiming[] = [];
    const byHand: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const order = i % 2 === 0 ? ["bare", "image", "hand"] : ["hand", "image", "bare"];
      for (const which of order) {
        if (which === "bare") without.push(await run(bare));
        else if (which === "image") withImage.push(await run(inImage));
        else {
          await sleep(SETTLE_MS);
          byHand.push(podmanRun(program));
        }
      }
    }
    const start = { without: spread(without.map((t) => t.startMs)), withImage: spread(withImage.map((t) => t.startMs)) };
    const total = { without: spread(without.map((t) => t.totalMs)), withImage: spread(withImage.map((t) => t.totalMs)), podmanRun: spread(byHand) };
    return { bench: "containers", machine: describeMachine(server.dataDir), podman: version, sandbox, jobs: JOBS, start, total, overheadMs: { median: round(start.withImage.median - start.without.median, 1), p95: round(start.withImage.p95 - start.without.p95, 1) } };
  } finally {
    await server.stop();
  }
}

if (import.meta.main) {
  const r = (await benchContainers()) as any;
  console.log(`containers: ${r.podman}, jobs sandboxed with ${r.sandbox}, ${r.jobs} of each`);
  console.log(`  machine: ${machineLine(r.machine)}`);
  console.log(`  starting → running: median ${r.start.withImage.median} ms in an image vs ${r.start.without.median} ms without (p95 ${r.start.withImage.p95} vs ${r.start.without.p95}); over: median ${r.overheadMs.median} ms, p95 ${r.overheadMs.p95} ms`);
  console.log(`  submit → succeeded: median ${r.total.withImage.median} ms in an image, ${r.total.without.median} ms without; podman run --rm by hand ${r.total.podmanRun.median} ms (p95 ${r.total.withImage.p95} / ${r.total.without.p95} / ${r.total.podmanRun.p95})`);
  console.log(JSON.stringify(r));
}
