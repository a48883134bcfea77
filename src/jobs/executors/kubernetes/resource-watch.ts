import { type KubeClient, KubeError, type WatchEvent } from "./kube-client.ts";

// One collection followed the way Kubernetes' own informers do: a watch from a resourceVersion,
// taken up again from the last version seen whenever the server ends it; when that version is
// too old (410 Gone), the collection is listed again and the list handed over whole, so the
// caller can tell what changed or went while nobody watched. Network errors are retried with a
// growing pause; nothing is concluded from them.

export interface ResourceWatchOptions<T> {
  client: KubeClient;
  /** The collection, with its label selector, e.g. /api/v1/namespaces/ns/pods?labelSelector=… */
  path: string;
  /** Where to start; unset: from a list. */
  resourceVersion?: string;
  onEvent(type: "ADDED" | "MODIFIED" | "DELETED", object: T): void;
  /** Everything there is, after a list (at the start without a version, or after 410 Gone). */
  onList(items: T[]): void;
  /** The version seen last, to be kept for a restart. */
  onVersion(resourceVersion: string): void;
  logger?: { warn(msg: string): void };
}

export class ResourceWatch<T extends { metadata: { resourceVersion?: string } }> {
  readonly #o: ResourceWatchOptions<T>;
  readonly #abort = new AbortController();
  #version: string | undefined;
  #running: Promise<void> | null = null;

  constructor(o: ResourceWatchOptions<T>) {
    this.#o = o;
    this.#version = o.resourceVersion;
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    let pause = 500;
    let warned = false;
    while (!signal.aborted) {
      try {
        if (this.#version === undefined) {
          const list = await this.#o.client.get<{ metadata: { resourceVersion: string }; items: T[] }>(this.#o.path);
          this.#o.onList(list.items);
          this.#seen(list.metadata.resourceVersion);
        }
        await this.#o.client.watch(this.#o.path, this.#version!, (e) => this.#event(e), signal);
        pause = 500;
        warned = false;
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof KubeError && (e.status === 410 || e.reason === "Expired" || e.reason === "Gone")) {
          this.#version = undefined;
          continue;
        }
        if (!warned) this.#o.logger?.warn(`watching ${this.#o.path.split("?")[0]} failed, trying again: ${(e as Error).message}`);
        warned = true;
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 15_000);
      }
    }
  }

  #event(e: WatchEvent<T>): void {
    if (e.type !== "BOOKMARK") this.#o.onEvent(e.type as "ADDED" | "MODIFIED" | "DELETED", e.object);
    const version = e.object?.metadata?.resourceVersion;
    if (version) this.#seen(version);
  }

  #seen(version: string): void {
    this.#version = version;
    this.#o.onVersion(version);
  }
}
