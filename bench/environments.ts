// environments: jobs in Python environments that Plinth builds once with the real uv and
// shares, against what a user does without them — `python -m venv` + `pip install` — on the
// same machine, with the same interpreter and the same pinned packages, in the same run:
//   1. start overhead with the environment already built: trivial jobs (`python3 -c pass`)
//      with it and without one, alternately, one at a time; the `starting` → `running` time
//      from the job's events, and submit → `succeeded`. Target: < 50 ms over no environment.
//   2. first build: Plinth's resolve (at submit) and build (at start) of requests, six, idna,
//      packaging (and numpy where this Python has its wheel), against `python -m venv` +
//      `pip install` of every package of Plinth's lock. Both download caches cold: a new
//      data directory (uv's cache lives in it) and a new PIP_CACHE_DIR. Runs alternate who
//      goes first, so neither always meets the index's CDN cold.
//   3. 20 jobs asking for one environment on a new server (one build, uv's cache cold),
//      against 20 venvs each with its own `pip install` at the same concurrency the jobs run
//      at, the wheels downloaded once first (a warm pip cache, which this machine's index
//      does not give pip: see sharedThroughPip): total time and disk.
// Starts Plinth with the real uv: PLINTH_UV, else the one scripts/peers/uv.sh installed.
//   BENCH_ENVIRONMENTS_JOBS (30), BENCH_ENVIRONMENTS_SHARED (20), BENCH_ENVIRONMENTS_BUILD_RUNS (2)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DiskLedger, treeBytes } from "../src/environments/disk-usage.ts";
import { jobUserFor } from "../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../src/jobs/executors/local/sandbox.ts";
import { type JobTiming, sleep, submit, timedJob, timingOf, waitSucceeded } from "./lib/job-timing.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { makeVenv, pipDownload, venvAndPipInstall } from "./lib/pip-baseline.ts";
import { type BenchServer, median, percentile, REPO, round, startBenchServer } from "./lib/server.ts";

const JOBS = Number(process.env.BENCH_ENVIRONMENTS_JOBS ?? 30);
const SHARED = Number(process.env.BENCH_ENVIRONMENTS_SHARED ?? 20);
const BUILD_RUNS = Number(process.env.BENCH_ENVIRONMENTS_BUILD_RUNS ?? 2);
const WARM_UP = 3;
/** Pause before each job of part 1, longer than a job's end takes to settle here. */
const SETTLE_MS = 300;
// Each job asks for half a CPU of a 2-CPU pool: 4 run at once, and 4 pip installs beside them.
const POOL_CPUS = 2;
const RESOURCES = { cpus: 0.5, memory: "512M" };
const CONCURRENCY = POOL_CPUS / RESOURCES.cpus;
const PINS = ["requests==2.32.3", "six==1.17.0", "idna==3.10", "packaging==24.2"];
/** numpy 2.2.6 has wheels for CPython 3.10 to 3.13 on x86_64 and aarch64 Linux. */
const NUMPY = "numpy==2.2.6";
const MiB = 1024 ** 2;

interface BuildRun {
  /** Who went first in this run. */
  first: "plinth" | "pip";
  plinth: { resolveSeconds: number; buildSeconds: number; submitToRunningSeconds: number; submitToSucceededSeconds: number };
  pip: { venvSeconds: number; installSeconds: number; runSeconds: number };
}

/** The uv program: PLINTH_UV, else the copy scripts/peers/uv.sh installed; missing is an error. */
function realUv(): string {
  const configured = process.env.PLINTH_UV;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`PLINTH_UV is ${configured}, which does not exist`);
    return configured;
  }
  const r = spawnSync("bash", [join(REPO, "scripts/peers/uv.sh"), "--if-present"], { encoding: "utf8" });
  if (r.status === 0) return r.stdout.trim();
  throw new Error(`this benchmark needs the real uv: set PLINTH_UV, or run scripts/peers/uv.sh once (it installs uv 0.13.8 from PyPI). ${r.stderr.trim()}`);
}

/** The packages: PINS, and numpy where the system python3 is a version its wheels exist for. */
function packagesFor(): string[] {
  const r = spawnSync("/usr/bin/python3", ["-c", "import sys; print(sys.version_info[1])"], { encoding: "utf8" });
  const minor = Number(r.stdout.trim());
  return r.status === 0 && minor >= 10 && minor <= 13 ? [...PINS, NUMPY] : PINS;
}

/** The command every job and every venv runs: the packages imported. */
function importCommand(packages: string[]): string {
  const modules = packages.map((p) => p.split("==")[0]!).filter((m) => m !== "packaging" && m !== "six");
  return `import ${[...modules, "packaging.version", "six"].join(", ")}`;
}

async function startServer(uv: string, sandbox: string): Promise<BenchServer> {
  return startBenchServer({ PLINTH_UV: uv, PLINTH_EXECUTOR_SANDBOX: sandbox, PLINTH_EXECUTOR_CPUS: String(POOL_CPUS) });
}

/** The built environment's record: its folder, interpreter and every package it holds. */
function environmentOf(server: BenchServer, key: string): { path: string; interpreter: string; packages: string[] } {
  const path = join(server.dataDir, "environments", key);
  const metadata = JSON.parse(readFileSync(join(path, "plinth-environment.json"), "utf8")) as { interpreter: string; packages: string[] };
  return { path, interpreter: metadata.interpreter, packages: metadata.packages };
}

/** Plinth's first build on a new server: resolve at submit, build at start, then the job. */
async function plinthFirstBuild(server: BenchServer, packages: string[]): Promise<{ figures: BuildRun["plinth"]; timing: JobTiming }> {
  const job = await submit(server, { name: "first-build", command: ["python3", "-c", importCommand(packages)], resources: RESOURCES, environment: { packages } });
  const detail = await waitSucceeded(server, job.id, 50);
  const timing = timingOf(detail, job.sentAt, job.submitMs);
  if (!timing.environment?.built) throw new Error(`the first job did not build its environment: ${JSON.stringify(timing.environment)}`);
  const runningAt = Date.parse(detail.events.find((e) => e.to === "running")!.at);
  return {
    timing,
    figures: {
      resolveSeconds: timing.submitMs / 1000,
      buildSeconds: timing.environment.seconds,
      submitToRunningSeconds: (runningAt - job.sentAt) / 1000,
      submitToSucceededSeconds: timing.totalMs / 1000,
    },
  };
}

/** `python -m venv` + `pip install` of the lock's packages with a cold pip cache, then the job's import. */
async function pipFirstBuild(python: string, lock: string[], packages: string[]): Promise<BuildRun["pip"]> {
  const dir = mkdtempSync(join(tmpdir(), "plinth-bench-pip-"));
  try {
    return await venvAndPipInstall({ python, venv: join(dir, "venv"), packages: lock, cacheDir: join(dir, "cache"), run: ["-c", importCommand(packages)] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Trivial jobs with the environment (built) and without, alternately, one at a time, each
 * after a pause: the end of a job in an environment walks the environments folder to keep
 * the size cap, and a job started meanwhile would pay for it whichever kind it is.
 */
async function startOverhead(server: BenchServer, packages: string[]) {
  const bare = { name: "bare", command: ["python3", "-c", "pass"], resources: RESOURCES };
  const inEnvironment = { ...bare, name: "in-environment", environment: { packages } };
  const run = async (spec: unknown) => {
    await sleep(SETTLE_MS);
    return timedJob(server, spec);
  };
  for (let i = 0; i < WARM_UP; i++) {
    await run(bare);
    await run(inEnvironment);
  }
  const without: JobTiming[] = [];
  const withEnv: JobTiming[] = [];
  for (let i = 0; i < JOBS; i++) {
    // Alternating who goes first spreads any drift of the machine's load over both.
    if (i % 2 === 0) {
      without.push(await run(bare));
      withEnv.push(await run(inEnvironment));
    } else {
      withEnv.push(await run(inEnvironment));
      without.push(await run(bare));
    }
  }
  // What each such job's end costs besides: the walk of the environments folder for the cap.
  const walks: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await new DiskLedger().add(join(server.dataDir, "environments"));
    walks.push(performance.now() - started);
  }
  const rebuilt = withEnv.filter((t) => t.environment?.built !== false);
  if (rebuilt.length > 0) throw new Error(`a job with the environment built did not find it ready: ${JSON.stringify(rebuilt[0])}`);
  return { without: spread(without), withEnvironment: spread(withEnv), capWalkMs: round(median(walks), 1) };
}

/** Median and p95 of each of a series' times, in milliseconds. */
function spread(timings: JobTiming[]) {
  const of = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { median: round(median(sorted), 1), p95: round(percentile(sorted, 95), 1) };
  };
  return { jobs: timings.length, startMs: of(timings.map((t) => t.startMs)), totalMs: of(timings.map((t) => t.totalMs)), submitMs: of(timings.map((t) => t.submitMs)) };
}

/** SHARED jobs asking for one environment on a new server, submitted one after another. */
async function sharedThroughPlinth(uv: string, sandbox: string, packages: string[]) {
  const server = await startServer(uv, sandbox);
  try {
    const spec = { name: "shared", command: ["python3", "-c", importCommand(packages)], resources: RESOURCES, environment: { packages } };
    const started = Date.now();
    const sent: Array<Awaited<ReturnType<typeof submit>>> = [];
    for (let i = 0; i < SHARED; i++) sent.push(await submit(server, spec));
    const submittedSeconds = (Date.now() - started) / 1000;
    const timings = await Promise.all(sent.map(async (s) => timingOf(await waitSucceeded(server, s.id, 250), s.sentAt, s.submitMs)));
    const seconds = Math.max(...timings.map((t, i) => sent[i]!.sentAt + t.totalMs - started)) / 1000;
    const builds = timings.filter((t) => t.environment?.built).length;
    const keys = new Set(timings.map((t) => t.environment?.key));
    if (builds !== 1 || keys.size !== 1) throw new Error(`${SHARED} jobs asking for one environment made ${builds} builds of ${keys.size} environments`);
    const root = join(server.dataDir, "environments");
    const all = new DiskLedger();
    await all.add(root);
    const environmentBytes = await treeBytes(join(root, [...keys][0]!));
    return { seconds, submittedSeconds, builds, environmentMiB: round(environmentBytes / MiB, 1), withCacheMiB: round(all.bytes / MiB, 1) };
  } finally {
    await server.stop();
  }
}

/**
 * SHARED venvs, each with its own `pip install` and the job's import, CONCURRENCY at a time.
 * The wheels are downloaded once first (into the first venv's pip), as a warm pip cache would
 * give them: this machine's index answers without caching headers, so pip's own cache keeps
 * nothing and every install would download everything again.
 */
async function sharedThroughPip(python: string, lock: string[], packages: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "plinth-bench-pip-"));
  const cacheDir = join(dir, "cache");
  const wheels = join(dir, "wheels");
  const venv = (n: number) => join(dir, `venv-${n}`);
  try {
    const started = performance.now();
    await makeVenv(python, venv(0), cacheDir);
    const downloadSeconds = await pipDownload(venv(0), lock, wheels, cacheDir);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SHARED) {
          const n = next++;
          await venvAndPipInstall({ python, venv: venv(n), packages: lock, cacheDir, wheels, run: ["-c", importCommand(packages)] });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const venvs = new DiskLedger();
    for (let n = 0; n < SHARED; n++) await venvs.add(venv(n));
    const all = new DiskLedger();
    await all.add(dir);
    return { seconds, downloadSeconds: round(downloadSeconds, 1), venvsMiB: round(venvs.bytes / MiB, 1), withCacheMiB: round(all.bytes / MiB, 1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The 1, 5 and 15-minute load averages: other work on the machine moves every figure here. */
const readLoad = () => loadavg().map((l) => l.toFixed(2)).join(" ");

export async function benchEnvironments(): Promise<Record<string, any>> {
  const uv = realUv();
  const uvVersion = spawnSync(uv, ["--version"], { encoding: "utf8" }).stdout.trim();
  const bwrap = findBwrap();
  const sandbox = bwrap && (await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody"))).ok ? "bubblewrap" : "none";
  const packages = packagesFor();
  const load: Record<string, string> = { atStart: readLoad() };
  const startedAt = performance.now();

  // 2. First builds, alternating who goes first; the last server stays up for part 1.
  const runs: BuildRun[] = [];
  let kept: BenchServer | undefined;
  let lock: string[] = [];
  let python = "";
  let key = "";
  try {
    for (let i = 0; i < BUILD_RUNS; i++) {
      const server = await startServer(uv, sandbox);
      const first: BuildRun["first"] = i % 2 === 0 ? "plinth" : "pip";
      let pip: BuildRun["pip"] | undefined;
      if (first === "pip") pip = await pipFirstBuild(python, lock, packages);
      const plinth = await plinthFirstBuild(server, packages);
      key = plinth.timing.environment!.key;
      ({ packages: lock, interpreter: python } = environmentOf(server, key));
      pip ??= await pipFirstBuild(python, lock, packages);
      runs.push({ first, plinth: plinth.figures, pip });
      console.log(
        `  first build, run ${i + 1} (${first} first): Plinth resolve ${round(plinth.figures.resolveSeconds, 2)} s + build ${plinth.figures.buildSeconds} s; ` +
          `venv ${round(pip.venvSeconds, 2)} s + pip install ${round(pip.installSeconds, 2)} s`,
      );
      if (i < BUILD_RUNS - 1) await server.stop();
      else kept = server;
    }
    load.afterBuilds = readLoad();

    // 1. Start overhead on the server whose environment is built.
    const overhead = await startOverhead(kept!, packages);
    load.afterOverhead = readLoad();
    await kept!.stop();
    kept = undefined;

    // 3. Twenty jobs sharing one environment, against twenty pip installs.
    const machine = describeMachine(tmpdir());
    const sharedPlinth = await sharedThroughPlinth(uv, sandbox, packages);
    console.log(`  ${SHARED} jobs sharing one environment: ${round(sharedPlinth.seconds, 1)} s`);
    const sharedPip = await sharedThroughPip(python, lock, packages);
    console.log(`  ${SHARED} venvs with pip install: ${round(sharedPip.seconds, 1)} s`);
    load.atEnd = readLoad();

    const build = (pick: (r: BuildRun) => number) => round(median(runs.map(pick)), 2);
    const firstBuild = {
      runs: BUILD_RUNS,
      caches: "cold for both: a new data directory (uv's cache) and a new PIP_CACHE_DIR each run",
      plinth: {
        resolveSeconds: build((r) => r.plinth.resolveSeconds),
        buildSeconds: build((r) => r.plinth.buildSeconds),
        resolveAndBuildSeconds: build((r) => r.plinth.resolveSeconds + r.plinth.buildSeconds),
        submitToRunningSeconds: build((r) => r.plinth.submitToRunningSeconds),
        submitToSucceededSeconds: build((r) => r.plinth.submitToSucceededSeconds),
      },
      pip: {
        venvSeconds: build((r) => r.pip.venvSeconds),
        installSeconds: build((r) => r.pip.installSeconds),
        venvAndInstallSeconds: build((r) => r.pip.venvSeconds + r.pip.installSeconds),
        withRunSeconds: build((r) => r.pip.venvSeconds + r.pip.installSeconds + r.pip.runSeconds),
      },
      each: runs.map((r) => ({ first: r.first, plinth: roundAll(r.plinth), pip: roundAll(r.pip) })),
    };
    const overheadMs = { median: round(overhead.withEnvironment.startMs.median - overhead.without.startMs.median, 1), p95: round(overhead.withEnvironment.startMs.p95 - overhead.without.startMs.p95, 1) };
    return {
      bench: "environments",
      machine,
      uv: uvVersion,
      python,
      sandbox,
      packages,
      lock,
      environmentKey: key,
      concurrency: CONCURRENCY,
      load,
      seconds: round((performance.now() - startedAt) / 1000, 0),
      startOverhead: { ...overhead, overheadMs },
      firstBuild,
      shared: { jobs: SHARED, plinth: { ...sharedPlinth, seconds: round(sharedPlinth.seconds, 1), submittedSeconds: round(sharedPlinth.submittedSeconds, 1) }, pip: { ...sharedPip, seconds: round(sharedPip.seconds, 1) } },
      met: { startOverheadMedian: overheadMs.median < 50, startOverheadP95: overheadMs.p95 < 50 },
    };
  } finally {
    await kept?.stop();
  }
}

function roundAll<T extends Record<string, number>>(figures: T): T {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v, 2)])) as T;
}

if (import.meta.main) {
  const r = await benchEnvironments();
  const o = r.startOverhead;
  const b = r.firstBuild;
  const s = r.shared;
  const yes = (met: boolean) => (met ? "met" : "NOT met");
  console.log(`environments: ${r.uv}, ${r.python}, sandbox ${r.sandbox}, ${r.concurrency} jobs at once; ${r.lock.length} packages (${r.packages.join(", ")} and their dependencies)`);
  console.log(`  machine: ${machineLine(r.machine)}; load average ${r.load.atStart} at the start, ${r.load.atEnd} at the end`);
  console.log(
    `  start overhead, ${o.withEnvironment.jobs} jobs each: starting → running median ${o.withEnvironment.startMs.median} ms with the environment vs ${o.without.startMs.median} ms without (p95 ${o.withEnvironment.startMs.p95} vs ${o.without.startMs.p95}); ` +
      `over: median ${o.overheadMs.median} ms ${yes(r.met.startOverheadMedian)}, p95 ${o.overheadMs.p95} ms ${yes(r.met.startOverheadP95)} (target < 50 ms)`,
  );
  console.log(`    submit → succeeded median ${o.withEnvironment.totalMs.median} vs ${o.without.totalMs.median} ms (p95 ${o.withEnvironment.totalMs.p95} vs ${o.without.totalMs.p95}); the submit request alone ${o.withEnvironment.submitMs.median} vs ${o.without.submitMs.median} ms (resolving the environment is part of it); each end of a job in an environment walks the environments folder for the size cap: ${o.capWalkMs} ms here`);
  console.log(
    `  first build, median of ${b.runs} (${b.caches}): Plinth resolve ${b.plinth.resolveSeconds} s + build ${b.plinth.buildSeconds} s = ${b.plinth.resolveAndBuildSeconds} s (submit → succeeded ${b.plinth.submitToSucceededSeconds} s); ` +
      `python -m venv ${b.pip.venvSeconds} s + pip install ${b.pip.installSeconds} s = ${b.pip.venvAndInstallSeconds} s (with the import ${b.pip.withRunSeconds} s)`,
  );
  console.log(
    `  ${s.jobs} jobs, one environment: Plinth ${s.plinth.seconds} s (${s.plinth.builds} build), ${s.plinth.environmentMiB} MiB (${s.plinth.withCacheMiB} MiB with uv's cache); ` +
      `${s.jobs} venvs + pip install: ${s.pip.seconds} s (the wheels downloaded once first, ${s.pip.downloadSeconds} s of it), ${s.pip.venvsMiB} MiB (${s.pip.withCacheMiB} MiB with the wheels)`,
  );
  console.log(JSON.stringify(r));
}
