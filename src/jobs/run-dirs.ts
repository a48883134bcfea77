import { tailOfFile } from "../core/file-tail.ts";
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
  tail(jobId: string, bytes = 16 * 1024): Promise<string> {
    return tailOfFile(this.logPath(jobId), bytes);
  }
}
