import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

// What a user does without Plinth's environments: `python -m venv` and `pip install` of the
// packages, then the job with that venv's python. pip reads no user or site configuration
// and gets the download cache it is given, so a benchmark decides whether it starts cold.
// Where the index answers without caching headers (a mirror or proxy may), pip's HTTP cache
// keeps nothing: `pipDownload` + `wheels` then stand in for a warm cache.

export interface PipInstall {
  venvSeconds: number;
  installSeconds: number;
  /** Running the job's command with the venv's python afterwards (0 when there was none). */
  runSeconds: number;
}

export interface PipInstallRequest {
  python: string;
  venv: string;
  /** Requirements, e.g. the `name==version` lines of the lock Plinth built from. */
  packages: string[];
  /** pip's download cache (PIP_CACHE_DIR). */
  cacheDir: string;
  /** Arguments to the venv's python after the install, e.g. ["-c", "import numpy"]. */
  run?: string[];
  /** Install from this folder of wheels alone (pipDownload's), not from the index. */
  wheels?: string;
}

function pipEnvironment(cacheDir: string): Record<string, string> {
  return { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: cacheDir, LANG: "C.UTF-8", PIP_CACHE_DIR: cacheDir, PIP_CONFIG_FILE: "/dev/null", PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" };
}

/** `python -m venv`; its seconds. */
export function makeVenv(python: string, venv: string, cacheDir: string): Promise<number> {
  return timed(python, ["-m", "venv", venv], pipEnvironment(cacheDir));
}

/** Downloads the packages' wheels once into `wheels` with a venv's pip; its seconds. */
export function pipDownload(venv: string, packages: string[], wheels: string, cacheDir: string): Promise<number> {
  return timed(join(venv, "bin", "python"), ["-m", "pip", "download", "--quiet", "--only-binary", ":all:", "--dest", wheels, ...packages], pipEnvironment(cacheDir));
}

export async function venvAndPipInstall(r: PipInstallRequest): Promise<PipInstall> {
  const env = pipEnvironment(r.cacheDir);
  const venvSeconds = existsSync(join(r.venv, "bin", "python")) ? 0 : await makeVenv(r.python, r.venv, r.cacheDir);
  const python = join(r.venv, "bin", "python");
  // Wheels only, as Plinth builds by default (environments.sourceBuilds off); bytecode is
  // compiled by both.
  const from = r.wheels ? ["--no-index", "--find-links", r.wheels] : [];
  const installSeconds = await timed(python, ["-m", "pip", "install", "--quiet", "--only-binary", ":all:", ...from, ...r.packages], env);
  const runSeconds = r.run ? await timed(python, r.run, env) : 0;
  return { venvSeconds, installSeconds, runSeconds };
}

/** Seconds a program took to exit 0; its output in the error when it did not. */
function timed(program: string, args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(program, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (d: Buffer) => {
      output = (output + d.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", fail);
    child.on("close", (code) => {
      if (code === 0) done((performance.now() - started) / 1000);
      else fail(new Error(`${program} ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}
