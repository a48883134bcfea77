import { open } from "node:fs/promises";
import { join } from "node:path";

// Each job gets runs/<id>/ in the data directory (the executor makes it): work/ (its code, writable by the job),
// output.log (stdout and stderr as written), environment.log (its Python environment being
// prepared) and state/ (the executor's bookkeeping).
export class RunDirs {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = join(dataDir, "runs");
  }
  runDir(jobId: string): string {
    return join(this.root, jobId);
  }
  workdir(jobId: string): string {
    return join(this.root, jobId, "work");
  }
  logPath(jobId: string): string {
    return join(this.root, jobId, "output.log");
  }
  stateDir(jobId: string): string {
    return join(this.root, jobId, "state");
  }
  /** What preparing the job's Python environment printed (uv's build output, or that it was ready). */
  environmentLogPath(jobId: string): string {
    return join(this.root, jobId, "environment.log");
  }
  /** The last `bytes` of a job's log, cut at a line start. */
  async tail(jobId: string, bytes = 16 * 1024): Promise<string> {
    let handle: import("node:fs/promises").FileHandle | undefined;
    try {
      handle = await open(this.logPath(jobId), "r");
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buf = Buffer.alloc(size - start);
      await handle.read(buf, 0, buf.length, start);
      let text = buf.toString("utf8");
      if (start > 0) text = text.slice(text.indexOf("\n") + 1);
      return text;
    } catch {
      return "";
    } finally {
      await handle?.close();
    }
  }
}
