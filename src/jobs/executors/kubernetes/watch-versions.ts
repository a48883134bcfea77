import { createHash, randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

// The last resourceVersion each of an engine's watches has seen, kept in its staging folder so
// that after a restart the watches take up where they stopped. Written at most once a second
// (and when the engine closes), aside and then renamed, so a reader or a restart after a crash
// never sees half of it; a file that cannot be read means starting from a list.

/** One file per cluster and namespace, so engines may share a staging folder. */
export function watchVersionsFile(server: string, namespace: string): string {
  return `kubernetes-watch-${createHash("sha256").update(`${server} ${namespace}`).digest("hex").slice(0, 16)}.json`;
}

export class WatchVersions {
  readonly #path: string;
  readonly #warn: (msg: string) => void;
  #versions: Record<string, string> = {};
  #timer: NodeJS.Timeout | null = null;

  constructor(stagingDir: string, server: string, namespace: string, warn: (msg: string) => void = () => {}) {
    this.#path = join(stagingDir, watchVersionsFile(server, namespace));
    this.#warn = warn;
  }

  /** The versions kept; none when there is no readable file. */
  async load(): Promise<Record<string, string>> {
    this.#versions = await readFile(this.#path, "utf8")
      .then((t) => JSON.parse(t))
      .catch(() => ({}));
    return { ...this.#versions };
  }

  seen(kind: string, version: string): void {
    this.#versions[kind] = version;
    this.#timer ??= setTimeout(() => void this.save(), 1000);
  }

  async save(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const aside = `${this.#path}.${randomBytes(4).toString("hex")}`;
    await writeFile(aside, JSON.stringify(this.#versions))
      .then(() => rename(aside, this.#path))
      .catch((e) => this.#warn(`could not keep the watches' versions: ${e.message}`));
  }
}
