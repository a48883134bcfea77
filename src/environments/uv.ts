import { ProblemError } from "../core/errors.ts";
import { findOnPath, isExecutableFile, type ProgramResult, runProgram } from "../core/run-program.ts";

// Finding and running uv. uv is spawned with an argv array (never a shell), from a fixed
// environment that carries nothing of a user's: only uv's own settings, which pin it to
// this machine's Pythons (no downloads of interpreters), ignore any uv.toml or [tool.uv]
// it might find, and put its cache where Plinth keeps environments. Plinth's own proxy and
// certificate variables pass through, so a Keeper's network setup reaches the index.

/** Where uv comes from and how it reaches the index; one per Plinth process. */
export interface UvSettings {
  /** The uv program: an absolute path. */
  program: string;
  /** uv's cache; on the same disk as the environments, so installs are hard links. */
  cacheDir: string;
  /** The package index (a PEP 503 simple index URL); unset: PyPI. */
  indexUrl?: string;
  /** Whether packages without a wheel may be built from source (runs their build code). */
  sourceBuilds: boolean;
}

export interface UvRun {
  args: string[];
  cwd?: string;
  /** Text written to uv's standard input (for `-` as a requirements file). */
  stdin?: string;
  timeoutMs: number;
  /** Every chunk of output as it comes, stdout and stderr alike (a build log). */
  onOutput?: (text: string) => void;
}

export type UvResult = ProgramResult;

/** Plinth's own variables that uv may need to reach the index through a proxy. */
const NETWORK_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"];

export const UV_INSTALL_HINT = "Install uv with `pip install uv` (or `scripts/peers/uv.sh`, which prints the installed program's path), then point environments.uv (PLINTH_UV) at the uv program, or put it on Plinth's PATH.";

export function uvMissing(detail: string): ProblemError {
  return new ProblemError({ status: 503, title: "uv is not installed", code: "uv-missing", detail, hint: UV_INSTALL_HINT });
}

/**
 * The uv program: the configured one (environments.uv, PLINTH_UV), else `uv` on PATH.
 * Throws a problem that says how to install it when there is none.
 */
export function locateUv(configured: string | undefined, pathEnv = process.env.PATH ?? ""): string {
  if (configured) {
    if (!isExecutableFile(configured)) throw uvMissing(`environments.uv (PLINTH_UV) is ${configured}, which is not an executable file.`);
    return configured;
  }
  const found = findOnPath("uv", pathEnv);
  if (found) return found;
  throw uvMissing("No uv program was found: environments.uv (PLINTH_UV) is not set and there is no uv on PATH.");
}

/** The whole environment uv runs with. */
export function uvEnvironment(settings: UvSettings, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: settings.cacheDir,
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    UV_CACHE_DIR: settings.cacheDir,
    UV_NO_CONFIG: "1",
    UV_NO_PROGRESS: "1",
    UV_PYTHON_DOWNLOADS: "never",
    UV_PYTHON_PREFERENCE: "only-system",
    // The machine's certificate store, where a Keeper adds a company's proxy CA.
    UV_SYSTEM_CERTS: "1",
  };
  for (const name of NETWORK_VARIABLES) {
    const value = from[name];
    if (value) env[name] = value;
  }
  return env;
}

/** The index and build options every resolving or installing command takes. */
export function indexArgs(settings: UvSettings): string[] {
  const args = settings.indexUrl ? ["--default-index", settings.indexUrl] : [];
  if (!settings.sourceBuilds) args.push("--no-build");
  return args;
}

/** Runs uv to the end (or its time limit, when the whole process group is killed). */
export async function runUv(settings: UvSettings, run: UvRun): Promise<UvResult> {
  try {
    return await runProgram({ program: settings.program, args: run.args, env: uvEnvironment(settings), cwd: run.cwd, stdin: run.stdin, timeoutMs: run.timeoutMs, onOutput: run.onOutput });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code === "ENOENT" || code === "EACCES" ? uvMissing(`${settings.program} could not be started: ${(err as Error).message}`) : err;
  }
}
