import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { it } from "vitest";
import { describeWithPeer } from "./describe-with-peer.ts";
import { REPO } from "./platform.ts";

// The real Python clients (boto3, the AWS CLI, DVC, pyarrow, pandas, s3fs) at the versions
// pinned in scripts/peers/python-clients.txt, in the virtual environment that
// scripts/peers/python-clients.sh builds once into the peers cache. `.ci/run` builds it and
// sets PLINTH_PYTHON_CLIENTS; elsewhere the cache is looked up (nothing is built here: the
// first build takes minutes). Missing clients fail loudly in CI and skip the tests elsewhere,
// saying how many and why.

export const PYTHON_CLIENTS_VARIABLE = "PLINTH_PYTHON_CLIENTS";
const SCRIPT = join(REPO, "scripts/peers/python-clients.sh");

export interface PythonClients {
  /** The virtual environment's folder. */
  venv: string;
  python: string;
  aws: string;
  dvc: string;
}

let found: { clients: PythonClients | undefined; reason: string } | undefined;

function locate(): { clients: PythonClients | undefined; reason: string } {
  let venv = process.env[PYTHON_CLIENTS_VARIABLE];
  let reason = "";
  if (!venv) {
    const r = spawnSync("bash", [SCRIPT, "--if-present"], { encoding: "utf8" });
    if (r.status === 0) venv = r.stdout.trim();
    else reason = r.status === 3 ? "they are not installed" : `${SCRIPT} --if-present failed: ${r.stderr.trim() || r.error?.message}`;
  }
  if (venv) {
    const clients = { venv, python: join(venv, "bin/python"), aws: join(venv, "bin/aws"), dvc: join(venv, "bin/dvc") };
    const absent = Object.entries(clients).filter(([, file]) => !existsSync(file));
    if (absent.length === 0) return { clients, reason: "" };
    reason = `${PYTHON_CLIENTS_VARIABLE} or the cache points at ${venv}, which lacks ${absent.map(([, file]) => file).join(", ")}`;
  }
  return { clients: undefined, reason };
}

/** The installed clients, or undefined (outside CI) when they are not installed. */
export function pythonClients(): PythonClients | undefined {
  found ??= locate();
  if (!found.clients && process.env.CI === "true") {
    throw new Error(
      `The Python client tests need the real clients, and ${found.reason}. .ci/run builds them with ` +
        "scripts/peers/python-clients.sh and sets PLINTH_PYTHON_CLIENTS; run that script (a few minutes, once).",
    );
  }
  return found.clients;
}

/**
 * A describe block for tests that need the clients. Without them (outside CI) its tests are
 * registered as skipped and the file prints how many and why.
 */
export function describeWithClients(name: string, factory: (ctx: { clients: PythonClients; test: typeof it }) => void): void {
  // Real clients on a busy two-core machine: a DVC round trip or 1,200 uploads take a while.
  const peer = { value: pythonClients(), missing: `the Python clients are missing (${found?.reason})`, install: "run scripts/peers/python-clients.sh once (a few minutes)", timeoutMs: 300_000 };
  describeWithPeer(name, peer, ({ peer: clients, test }) => factory({ clients, test }));
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with arguments (never through a shell) and collects what it prints. */
export function runProgram(command: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} timed out after ${opts.timeoutMs ?? 120_000} ms\nstdout: ${stdout.slice(-4000)}\nstderr: ${stderr.slice(-4000)}`));
    }, opts.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    if (opts.input !== undefined) {
      // A program that exits before reading its input closes the pipe: not an error here.
      child.stdin?.on("error", () => {});
      child.stdin?.end(opts.input);
    }
  });
}

/** Runs a program and fails, with everything it printed, unless it exits 0. */
export async function runOk(command: string, args: string[], opts: Parameters<typeof runProgram>[2] = {}): Promise<Ran> {
  const ran = await runProgram(command, args, opts);
  if (ran.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${ran.code}\nstdout: ${ran.stdout.slice(-4000)}\nstderr: ${ran.stderr.slice(-4000)}`);
  return ran;
}
