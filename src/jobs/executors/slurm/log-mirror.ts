import { constants } from "node:fs";
import { appendFile, mkdir, open, readlink, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";

// Copies a Slurm job's log from the shared file system into Plinth's own folder, where Plinth
// reads, streams and masks it like any job's. The job runs as the cluster account that owns its
// shared folder, so it could put a symbolic link where its log was, or swap a folder above it,
// to make Plinth read some other file on this machine. So the log is opened without following
// a link, and read only if the file opened is, by its descriptor, the one at the expected place
// under the shared folder's real path (which the job cannot change: the Keeper chose it).

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** At most this much is copied per look, so one flood of output cannot stall the others. */
const CHUNK = 8 * 1024 * 1024;

export class LogMirror {
  readonly #sharedReal: Promise<string>;
  /** Bytes already copied, by job id; after a restart, the size of Plinth's copy. */
  readonly #copied = new Map<string, number>();

  constructor(sharedDir: string) {
    this.#sharedReal = realpath(sharedDir).catch(() => sharedDir);
    this.#sharedReal.catch(() => {});
  }

  /** Appends what the job's shared log gained since the last look to `to`; nothing when it cannot be trusted or read. */
  async copy(jobId: string, relative: string, to: string): Promise<void> {
    const expected = join(await this.#sharedReal, "jobs", jobId, relative);
    const handle = await open(join(await this.#sharedReal, "jobs", jobId, relative), O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(() => null);
    if (!handle) return;
    try {
      const real = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => "");
      const info = await handle.stat();
      if (real !== expected || !info.isFile()) return;
      let from = this.#copied.get(jobId);
      if (from === undefined) from = await stat(to).then((s) => s.size, () => 0);
      if (info.size <= from) {
        this.#copied.set(jobId, from);
        return;
      }
      const length = Math.min(CHUNK, info.size - from);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, from);
      await mkdir(dirname(to), { recursive: true, mode: 0o700 });
      await appendFile(to, buf.subarray(0, bytesRead), { mode: 0o600 });
      this.#copied.set(jobId, from + bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** Copies all that is left (a job that ended), in chunks. */
  async drain(jobId: string, relative: string, to: string): Promise<void> {
    for (let i = 0; i < 64; i++) {
      const before = this.#copied.get(jobId);
      await this.copy(jobId, relative, to);
      if (this.#copied.get(jobId) === before) break;
    }
    this.#copied.delete(jobId);
  }

  /** The folder where a job's files must be, by real path: what a check of its working folder compares with. */
  async realJobDir(jobId: string): Promise<string> {
    return join(await this.#sharedReal, "jobs", jobId);
  }
}
