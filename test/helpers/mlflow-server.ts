import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { it } from "vitest";
import { describeWithPeer } from "./describe-with-peer.ts";
import { freePort, REPO } from "./platform.ts";
import { runOk } from "./python-clients.ts";

// The real MLflow client at the version pinned in scripts/peers/mlflow.txt, in the virtual
// environment that scripts/peers/mlflow.sh builds once into the peers cache, and the reference
// `mlflow server` from the same environment, which the client scripts in test/clients/py/
// (mlflow_*.py) are checked against. `.ci/run` builds it and sets PLINTH_MLFLOW_PYTHON; elsewhere
// the cache is looked up (nothing is built here: the first build takes minutes). A missing
// environment fails loudly in CI and skips the tests elsewhere, saying how many and why.

export const MLFLOW_PYTHON_VARIABLE = "PLINTH_MLFLOW_PYTHON";
const SCRIPT = join(REPO, "scripts/peers/mlflow.sh");
const CLIENT_SCRIPTS = join(REPO, "test/clients/py");

/**
 * What every MLflow process here runs with: no usage reports sent out (the machines have no
 * network, and a test should not talk to anyone else), and one attempt per request, so a
 * failing call fails the script instead of being retried for minutes.
 */
export const MLFLOW_QUIET_ENV = { MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" };

let found: { python: string | null; reason: string } | undefined;

function locate(): { python: string | null; reason: string } {
  let python = process.env[MLFLOW_PYTHON_VARIABLE] || "";
  if (!python) {
    const r = spawnSync("bash", [SCRIPT, "--if-present"], { encoding: "utf8" });
    if (r.status === 0) python = join(r.stdout.trim(), "bin/python");
    else return { python: null, reason: r.status === 3 ? "it is not installed" : `${SCRIPT} --if-present failed: ${r.stderr.trim() || r.error?.message}` };
  }
  const absent = [python, mlflowCommandBeside(python)].filter((file) => !existsSync(file));
  if (absent.length === 0) return { python, reason: "" };
  return { python: null, reason: `${MLFLOW_PYTHON_VARIABLE} or the cache points at ${python}, but ${absent.join(" and ")} ${absent.length > 1 ? "are" : "is"} missing` };
}

const mlflowCommandBeside = (python: string) => join(dirname(python), "mlflow");

/**
 * The Python of the MLflow environment, or null (outside CI) when it is not built. In CI a
 * missing environment is an error: `.ci/run` builds it.
 */
export function mlflowPython(): string | null {
  found ??= locate();
  if (!found.python && process.env.CI === "true") {
    throw new Error(
      `The MLflow client tests need the real MLflow client, and ${found.reason}. .ci/run builds it with ` +
        `scripts/peers/mlflow.sh and sets ${MLFLOW_PYTHON_VARIABLE}; run that script (about 2 minutes, once).`,
    );
  }
  return found.python;
}

/**
 * A describe block for tests that need the MLflow client. Without it (outside CI) its tests are
 * registered as skipped and the file prints how many and why.
 */
export function describeWithMlflow(name: string, factory: (ctx: { python: string; test: typeof it }) => void): void {
  // A real client that imports pandas and scikit-learn, on a busy two-core machine.
  const peer = { value: mlflowPython() ?? undefined, missing: `the MLflow client is missing (${found?.reason})`, install: "run scripts/peers/mlflow.sh once (about 2 minutes)", timeoutMs: 300_000 };
  describeWithPeer(name, peer, ({ peer: python, test }) => factory({ python, test }));
}

/**
 * Runs one of the client scripts (e.g. "mlflow_tracking.py") against a tracking server and
 * returns the JSON line it prints last. The script asserts as it goes; a failure rejects with
 * everything it printed.
 */
export async function runMlflowScript(script: string, trackingUri: string, opts: { token?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
  const python = mlflowPython();
  if (!python) throw new Error("the MLflow client is not built: run scripts/peers/mlflow.sh");
  // The client downloads models and artifacts into temporary folders it does not remove.
  const scratch = mkdtempSync(join(tmpdir(), "plinth-mlflow-client-"));
  const env: Record<string, string> = { ...MLFLOW_QUIET_ENV, MLFLOW_TRACKING_URI: trackingUri, TMPDIR: scratch, ...opts.env };
  if (opts.token) env.MLFLOW_TRACKING_TOKEN = opts.token;
  let ran: Awaited<ReturnType<typeof runOk>>;
  try {
    ran = await runOk(python, [join(CLIENT_SCRIPTS, script)], { cwd: CLIENT_SCRIPTS, env, timeoutMs: opts.timeoutMs ?? 240_000 });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const last = ran.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${script} did not end with a JSON line of results; it printed:\n${ran.stdout.slice(-4000)}`);
  }
}

export interface MlflowServer {
  /** The tracking URI, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** What the server printed so far, its access log included (one line per request). */
  log(): string;
  stop(): Promise<void>;
}

const LOG_LIMIT = 4 * 1024 * 1024;

/**
 * Starts the reference `mlflow server` on a free loopback port, with its runs in SQLite and
 * its artifacts served through itself from a temporary folder; `stop` ends it and removes the
 * folder. One worker process unless `workers` says more (benchmarks run it as it is deployed).
 */
export async function startMlflowServer(opts: { workers?: number } = {}): Promise<MlflowServer> {
  const python = mlflowPython();
  if (!python) throw new Error("the MLflow client is not built: run scripts/peers/mlflow.sh");
  const dir = mkdtempSync(join(tmpdir(), "plinth-mlflow-"));
  const artifacts = join(dir, "artifacts");
  mkdirSync(artifacts);
  const port = await freePort();
  const args = [
    "server",
    `--backend-store-uri=sqlite:///${join(dir, "mlflow.db")}`,
    // Serving artifacts through the server is the default in 3.x; named here so a changed
    // default cannot move them out of the temporary folder.
    "--serve-artifacts",
    `--artifacts-destination=${artifacts}`,
    "--host=127.0.0.1",
    `--port=${port}`,
    `--workers=${opts.workers ?? 1}`,
  ];
  // Its own process group: the CLI starts uvicorn as a child, and stop() ends them together.
  // No job runner: it would start seven more processes that these tests never use.
  const child = spawn(mlflowCommandBeside(python), args, {
    cwd: dir,
    detached: true,
    env: { ...process.env, ...MLFLOW_QUIET_ENV, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > LOG_LIMIT) output = output.slice(-LOG_LIMIT / 2);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopServer(child, dir);
  // The first start creates the database's tables; on a busy two-core machine that and the
  // imports take half a minute or more.
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`mlflow server exited with ${child.exitCode ?? child.signalCode} before it answered on ${url}:\n${output.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`mlflow server did not answer on ${url}/health in 120 s:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, log: () => output, stop };
}

async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  const group = child.pid;
  if (group !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    signalGroup(group, "SIGTERM");
    const timer = setTimeout(() => signalGroup(group, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  // uvicorn may outlive the CLI by a moment.
  if (group !== undefined) signalGroup(group, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // The group is gone already.
  }
}
