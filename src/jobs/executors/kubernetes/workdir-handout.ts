import { spawn } from "node:child_process";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";

// A Kubernetes job's folder is not on a shared file system: its pod's init container fetches it
// from Plinth as a tar, with a key issued for that job alone. Only the key's SHA-256 is kept (in
// the job's private state folder), so a copy of the staging folder does not give the key away;
// the key is revoked once the job has started (or ended). Jobs live in
// stagingDir/jobs/<id>/{work, output.log, state/}.

/** The folders and files of one job under the engine's staging folder. */
export function stagingPaths(stagingDir: string, jobId: string): { root: string; workdir: string; logPath: string; stateDir: string } {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(jobId)) throw new Error(`'${jobId.slice(0, 40)}' is not a job id`);
  const root = join(stagingDir, "jobs", jobId);
  return { root, workdir: join(root, "work"), logPath: join(root, "output.log"), stateDir: join(root, "state") };
}

const KEY_FILE = "workdir-key.sha256";
const sha256 = (text: string) => createHash("sha256").update(text).digest();

export class WorkdirHandout {
  readonly #stagingDir: string;

  constructor(stagingDir: string) {
    this.#stagingDir = stagingDir;
  }

  #keyFile(jobId: string): string {
    return join(stagingPaths(this.#stagingDir, jobId).stateDir, KEY_FILE);
  }

  /** A new key for the job's folder (64 hex digits); only its hash is stored. */
  async issue(jobId: string): Promise<string> {
    const { stateDir } = stagingPaths(this.#stagingDir, jobId);
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await chmod(stateDir, 0o700);
    const key = randomBytes(32).toString("hex");
    await writeFile(this.#keyFile(jobId), sha256(key).toString("hex"), { mode: 0o600 });
    return key;
  }

  /** Whether the key is the one issued for the job and not revoked; compared in constant time. */
  async verify(jobId: string, key: string): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(key)) return false;
    let stored: Buffer;
    try {
      stored = Buffer.from((await readFile(this.#keyFile(jobId), "utf8")).trim(), "hex");
    } catch {
      return false;
    }
    const given = sha256(key);
    return stored.length === given.length && timingSafeEqual(stored, given);
  }

  async revoke(jobId: string): Promise<void> {
    await rm(this.#keyFile(jobId), { force: true });
  }

  /**
   * The job's folder as a tar stream (its contents at the top, owners left out). Symbolic links
   * are stored as links, never followed, so one pointing outside the folder gives nothing away
   * but its target's name. An error of tar ends the stream with an error.
   */
  async tarStream(jobId: string): Promise<Readable> {
    const { workdir } = stagingPaths(this.#stagingDir, jobId);
    if (!(await stat(workdir)).isDirectory()) throw new Error(`${workdir} is not a folder`);
    const child = spawn("tar", ["--create", "--file=-", "--owner=0", "--group=0", "--numeric-owner", `--directory=${workdir}`, "--", "."], { stdio: ["ignore", "pipe", "pipe"] });
    const out = new PassThrough();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-2000);
    });
    child.stdout.pipe(out, { end: false });
    child.on("error", (e) => out.destroy(e));
    child.on("close", (code) => {
      if (code === 0) out.end();
      else out.destroy(new Error(`tar of ${workdir} failed (exit code ${code}): ${stderr.trim()}`));
    });
    // The reader went away: stop tar.
    out.on("close", () => {
      if (child.exitCode === null) child.kill();
    });
    return out;
  }
}
