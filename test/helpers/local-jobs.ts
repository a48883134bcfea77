import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { ExitInfo, LaunchRequest } from "../../src/jobs/executors/executor.ts";
import { LocalExecutor, type LocalExecutorOptions } from "../../src/jobs/executors/local/local-executor.ts";

// Jobs run straight through a LocalExecutor, on a temporary data directory: real processes,
// real signals, real cgroups and bubblewrap where this machine has them.

export interface TestJob {
  req: LaunchRequest;
  exited: Promise<ExitInfo>;
  onExit: (info: ExitInfo) => void;
  log: () => string;
}

export interface LocalJobs {
  /** The data directory (set once the suite starts). */
  root(): string;
  executor(opts?: LocalExecutorOptions): LocalExecutor;
  job(argv: string[], extra?: Partial<LaunchRequest>, base?: string): TestJob;
  run(ex: LocalExecutor, argv: string[], extra?: Partial<LaunchRequest>): Promise<{ info: ExitInfo; log: string; req: LaunchRequest }>;
}

/** Registers the suite's set-up and clean-up; executors made through it are closed after each test. */
export function localJobsSuite(prefix: string): LocalJobs {
  let root = "";
  const executors: LocalExecutor[] = [];
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
    // Run as root, jobs run as nobody, which must be able to pass through to the data dirs below.
    chmodSync(root, 0o711);
  });
  afterEach(async () => {
    for (const ex of executors.splice(0)) await ex.close();
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const executor = (opts: LocalExecutorOptions = {}) => {
    const ex = new LocalExecutor({ sandbox: "none", dataDir: root, logger: { warn: () => {} }, ...opts });
    executors.push(ex);
    return ex;
  };
  const job = (argv: string[], extra: Partial<LaunchRequest> = {}, base = root): TestJob => {
    const jobId = `t-${randomUUID()}`;
    const dir = join(base, "jobs", jobId);
    mkdirSync(join(dir, "work"), { recursive: true });
    const req: LaunchRequest = {
      jobId,
      argv,
      env: {},
      workdir: join(dir, "work"),
      logPath: join(dir, "log"),
      stateDir: join(dir, "state"),
      cpus: 1,
      memoryBytes: 0,
      gpus: [],
      ...extra,
    };
    let onExit!: (info: ExitInfo) => void;
    const exited = new Promise<ExitInfo>((resolve) => {
      onExit = resolve;
    });
    return { req, exited, onExit, log: () => (existsSync(req.logPath) ? readFileSync(req.logPath, "utf8") : "") };
  };
  const run = async (ex: LocalExecutor, argv: string[], extra: Partial<LaunchRequest> = {}) => {
    const j = job(argv, extra);
    await ex.launch(j.req, j.onExit);
    const info = await j.exited;
    return { info, log: j.log(), req: j.req };
  };
  return { root: () => root, executor, job, run };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
