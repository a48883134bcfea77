import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";

// Running a helper program (uv, podman) to its end: an argv array, never a shell; an
// environment the caller fixes; its own process group, so a time limit stops whatever it
// started too; the tail of its output kept, and every chunk passed on as it comes (a build log).

export interface ProgramRun {
  program: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Text written to its standard input; none: an empty input. */
  stdin?: string;
  timeoutMs: number;
  onOutput?: (text: string) => void;
}

export interface ProgramResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Most output kept from one run (its tail): a failing build talks a lot. */
const KEPT_OUTPUT = 256 * 1024;

/** Resolves with how it ended; rejects only when it could not be started (ENOENT, EACCES…). */
export function runProgram(run: ProgramRun): Promise<ProgramResult> {
  return new Promise((done, fail) => {
    const child = spawn(run.program, run.args, { cwd: run.cwd ?? "/", env: run.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const keep = (kept: string, text: string) => {
      run.onOutput?.(text);
      const joined = kept + text;
      return joined.length > KEPT_OUTPUT ? joined.slice(-KEPT_OUTPUT) : joined;
    };
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout = keep(stdout, text);
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr = keep(stderr, text);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, run.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut });
    });
    // A closed stdin (the program exited early) must not crash Plinth.
    child.stdin.on("error", () => {});
    child.stdin.end(run.stdin ?? "");
  });
}

export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The program of that name in the first absolute folder of PATH that has it, or null. */
export function findOnPath(name: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(":")) {
    if (!dir.startsWith("/")) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}
