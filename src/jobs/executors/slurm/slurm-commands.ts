import { execFile } from "node:child_process";
import { userInfo } from "node:os";
import { join } from "node:path";

// The Slurm commands on the Plinth host (sbatch, squeue, scontrol, scancel, sinfo), run with an
// argv array and a fixed environment: PATH, LANG, HOME, USER, and SLURM_CONF when the Keeper
// names a configuration. Nothing of a job's reaches their environment or their command line beyond
// what squeue shows anyway.

export interface SlurmCommandOptions {
  /** The folder holding the commands; unset: found on PATH. */
  bin?: string;
  /** slurm.conf to use (SLURM_CONF); unset: the machine's. */
  conf?: string;
  timeoutMs?: number;
}

export class SlurmCommandError extends Error {
  readonly command: string;
  readonly stderr: string;

  constructor(command: string, stderr: string, code: number | string | null) {
    super(`${command} failed${code !== null ? ` (${code})` : ""}: ${stderr.trim().split("\n").pop() ?? ""}`);
    this.command = command;
    this.stderr = stderr;
  }
}

export class SlurmCommands {
  readonly #bin: string | undefined;
  readonly #env: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(o: SlurmCommandOptions = {}) {
    this.#bin = o.bin;
    // Also what jobs start with (sbatch --export ALL), before their own variables.
    const me = userInfo();
    this.#env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", HOME: me.homedir, USER: me.username, LOGNAME: me.username, ...(o.conf && { SLURM_CONF: o.conf }) };
    this.#timeoutMs = o.timeoutMs ?? 60_000;
  }

  /** Runs a command to its end; its stdout, or a SlurmCommandError with what it said. */
  run(command: "sbatch" | "squeue" | "scontrol" | "scancel" | "sinfo", args: string[]): Promise<string> {
    const program = this.#bin ? join(this.#bin, command) : command;
    return new Promise((resolve, reject) => {
      execFile(program, args, { env: this.#env, timeout: this.#timeoutMs, maxBuffer: 64 * 1024 ** 2, encoding: "utf8" }, (err, stdout, stderr) => {
        if (err) reject(new SlurmCommandError(command, stderr || err.message, (err as NodeJS.ErrnoException).code ?? null));
        else resolve(stdout);
      });
    });
  }
}
