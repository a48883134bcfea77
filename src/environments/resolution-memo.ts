import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

// What a set of requirements resolved to, kept for a while. Two reasons: a job submitted again
// (a sweep of a hundred jobs, a retry) need not ask the index again within minutes, and when
// the index cannot be reached at all, requirements resolved before still resolve to what they
// did then — so jobs whose environment is already built keep being accepted. One small file
// per set of requirements, in the environments folder, so a restart keeps them.

/** How long a resolution is reused without asking the index again. */
export const RESOLUTION_REUSE_MS = 10 * 60_000;

interface Entry<T> {
  at: number;
  resolved: T;
}

/** Kept answers of type T (a resolved environment), by a key of what was asked. */
export class ResolutionMemo<T> {
  readonly #dir: string;
  readonly #now: () => number;

  constructor(dir: string, now: () => number = Date.now) {
    this.#dir = dir;
    this.#now = now;
  }

  /** A stable name for what was asked: the requirements as resolved, and everything else that changes the answer. */
  static inputKey(input: Record<string, unknown>): string {
    return createHash("sha256").update(JSON.stringify(input)).digest("hex");
  }

  /** The resolution of these requirements, if one was kept; `fresh` when it is recent enough to reuse. */
  async recall(input: string): Promise<{ resolved: T; fresh: boolean } | undefined> {
    let entry: Entry<T>;
    try {
      entry = JSON.parse(await readFile(this.#path(input), "utf8")) as Entry<T>;
    } catch {
      return undefined; // none kept, or a damaged file: resolve again
    }
    return { resolved: entry.resolved, fresh: this.#now() - entry.at < RESOLUTION_REUSE_MS };
  }

  async remember(input: string, resolved: T): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.#path(input)}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, JSON.stringify({ at: this.#now(), resolved } satisfies Entry<T>), { mode: 0o600 });
    await rename(tmp, this.#path(input));
  }

  #path(input: string): string {
    return join(this.#dir, `${input}.json`);
  }
}
