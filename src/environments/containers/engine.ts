import { ProblemError } from "../../core/errors.ts";
import { findOnPath, isExecutableFile, type ProgramResult, runProgram } from "../../core/run-program.ts";

// The container engine: podman, found once, always run with an argv array (never a shell) and
// a fixed environment that carries nothing of a user's: PATH to find its own helpers (conmon,
// runc), its configuration file when the Keeper names one, and Plinth's proxy variables for a
// build that fetches packages. What a job sets reaches its container through a file, never
// podman's own environment, where names like CONTAINERS_STORAGE_CONF would steer podman itself.

export interface ContainerSettings {
  /** The podman program; unset: podman on PATH. "none" turns containers off. */
  engine?: string;
  /** A containers.conf for Plinth's podman (CONTAINERS_CONF); unset: the machine's own. */
  config?: string;
}

export interface EngineRun {
  args: string[];
  cwd?: string;
  timeoutMs: number;
  /** Every chunk of output as it comes (a build log). */
  onOutput?: (text: string) => void;
}

export type EngineResult = ProgramResult;

const NETWORK_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];

export const PODMAN_INSTALL_HINT = "A Keeper installs podman (Debian and Ubuntu: apt install podman) and, where it is not on Plinth's PATH, sets environments.containers.engine to its path.";

export class ContainerEngine {
  /** The podman program. */
  readonly program: string;
  readonly #config: string | undefined;
  #probe: Promise<string | null> | null = null;

  constructor(program: string, config?: string) {
    this.program = program;
    this.#config = config;
  }

  /**
   * The engine these settings name, or why there is none (containers off, podman missing):
   * a job that asks for an image is refused at submit with that reason.
   */
  static locate(settings: ContainerSettings, pathEnv = process.env.PATH ?? ""): ContainerEngine | string {
    if (settings.engine === "none") return "Containers are turned off on this server (environments.containers.engine is none).";
    if (settings.engine) return isExecutableFile(settings.engine) ? new ContainerEngine(settings.engine, settings.config) : `environments.containers.engine is ${settings.engine}, which is not an executable file.`;
    const found = findOnPath("podman", pathEnv);
    if (found) return new ContainerEngine(found, settings.config);
    return "No container engine is installed on this server: there is no podman on its PATH.";
  }

  /** The whole environment podman runs with. */
  environment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const env: Record<string, string> = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };
    // Rootless podman keeps its images under the user's home and runtime folder.
    for (const name of ["HOME", "XDG_RUNTIME_DIR", ...NETWORK_VARIABLES]) if (from[name]) env[name] = from[name]!;
    if (this.#config) env.CONTAINERS_CONF = this.#config;
    return env;
  }

  /** Null when podman answers; else why it cannot run (asked once, on first use). */
  unavailable(): Promise<string | null> {
    this.#probe ??= this.run({ args: ["version", "--format", "{{.Client.Version}}"], timeoutMs: 30_000 }).then(
      (r) => (r.code === 0 ? null : `podman does not run here: ${lastLine(r.stderr) || `it exited with ${r.code}`}`),
      (err: unknown) => `podman does not run here: ${(err as Error).message}`,
    );
    return this.#probe;
  }

  /** Runs podman to the end, or its time limit (when its whole process group is killed). */
  run(run: EngineRun): Promise<EngineResult> {
    return runProgram({ program: this.program, args: run.args, env: this.environment(), cwd: run.cwd, timeoutMs: run.timeoutMs, onOutput: run.onOutput });
  }

  /** Runs podman and answers its output, or throws a problem that quotes what podman said. */
  async output(args: string[], doing: string, timeoutMs = 60_000): Promise<string> {
    const r = await this.run({ args, timeoutMs });
    if (r.code !== 0) throw engineFailure(doing, r);
    return r.stdout;
  }
}

/**
 * The engine, or the refusal that says why there is none: 422 for what asks for an image (a job
 * spec, a named environment), 503 for what asks the server about its images.
 */
export function requireEngine(found: ContainerEngine | string, status: 422 | 503 = 422): ContainerEngine {
  if (typeof found !== "string") return found;
  throw new ProblemError({
    status,
    title: "Containers are not available",
    code: "containers-unavailable",
    detail: found,
    hint: `Name Python packages instead of an image. ${PODMAN_INSTALL_HINT}`,
    ...(status === 422 && { errors: [{ path: "environment.image", message: "no container engine on this server" }] }),
  });
}

export function engineFailure(doing: string, r: EngineResult): ProblemError {
  const said = lastLine(r.stderr);
  return new ProblemError({
    status: 500,
    title: "Container engine failed",
    code: "container-engine-failed",
    detail: r.timedOut ? `podman did not ${doing} in time.` : `podman could not ${doing}${said ? `: ${said}` : ` (exit ${r.code})`}.`,
    hint: "A Keeper can run the same podman command on the server to see more; Plinth's log names the job.",
  });
}

export function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return (lines[lines.length - 1] ?? "").replace(/^Error:\s*/, "").trim();
}
