import { createWriteStream, type WriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import type { KubeClient } from "./kube-client.ts";
import { MAIN_CONTAINER } from "./job-manifest.ts";

// A running pod's log, followed through the API server and appended to the job's log on
// Plinth's machine, where Plinth streams it from. Lines are asked for with their timestamps,
// and the last one written is kept beside the log (written at most once a second, and on
// stop): after a restart the log is followed again from that second, lines at or before the
// kept timestamp skipped. If Plinth stops without stop() being called, up to a second of lines
// may be written twice.

export interface PodLogOptions {
  client: KubeClient;
  namespace: string;
  pod: string;
  logPath: string;
  /** Where the last timestamp written is kept. */
  positionPath: string;
  logger?: { warn(msg: string): void };
}

/** A timestamp as the kubelet writes it (RFC 3339, nanoseconds with trailing zeros cut), made comparable as text. */
export function timestampKey(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}` : "";
}

const RETRIES = 5;

export class PodLogFollower {
  readonly #o: PodLogOptions;
  readonly #abort = new AbortController();
  #last = "";
  #out: WriteStream | null = null;
  #saveTimer: NodeJS.Timeout | null = null;
  #finishing = false;
  #done: Promise<void> = Promise.resolve();

  constructor(o: PodLogOptions) {
    this.#o = o;
  }

  start(): void {
    this.#done = this.#run().catch((e) => this.#o.logger?.warn(`the log of pod ${this.#o.pod} could not be followed: ${(e as Error).message}`));
  }

  /** The pod ended: the stream ends by itself once the log is read out (at most 10 seconds), and is not opened again. */
  async finish(): Promise<void> {
    this.#finishing = true;
    const timer = setTimeout(() => this.#abort.abort(), 10_000);
    await this.#done;
    clearTimeout(timer);
  }

  /** Stops following at once (Plinth shuts down), keeping the position. */
  async stop(): Promise<void> {
    this.#finishing = true;
    this.#abort.abort();
    await this.#done;
  }

  async #run(): Promise<void> {
    this.#last = (await readFile(this.#o.positionPath, "utf8").catch(() => "")).trim();
    this.#out = createWriteStream(this.#o.logPath, { flags: "a" });
    try {
      for (let failures = 0; !this.#abort.signal.aborted && failures < RETRIES; ) {
        try {
          await this.#follow();
          failures = 0;
          if (this.#finishing) break;
        } catch (e) {
          if (this.#abort.signal.aborted) break;
          const status = (e as { status?: number }).status;
          // 4xx: the API will not give this log (none kept, as in a simulated cluster; no access): say so once.
          if (status !== undefined && status >= 400 && status < 500) {
            this.#o.logger?.warn(`the log of pod ${this.#o.pod} is not available from Kubernetes: ${(e as Error).message}`);
            break;
          }
          failures++;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await this.#save();
      await new Promise<void>((r) => this.#out!.end(r));
    }
  }

  async #follow(): Promise<void> {
    const since = this.#last ? `&sinceTime=${encodeURIComponent(`${this.#last.slice(0, 19)}Z`)}` : "";
    const path = `/api/v1/namespaces/${this.#o.namespace}/pods/${this.#o.pod}/log?container=${MAIN_CONTAINER}&follow=true&timestamps=true${since}`;
    const res = await this.#o.client.stream(path, this.#abort.signal);
    let pending = "";
    try {
      for await (const chunk of res.setEncoding("utf8")) {
        pending += chunk;
        const nl = pending.lastIndexOf("\n");
        if (nl < 0) continue;
        this.#write(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      }
    } catch (e) {
      if (!this.#abort.signal.aborted) throw e;
    }
    if (pending) this.#write(`${pending}\n`);
  }

  #write(text: string): void {
    let out = "";
    for (const line of text.split("\n").slice(0, -1)) {
      const space = line.indexOf(" ");
      const key = timestampKey(space > 0 ? line.slice(0, space) : "");
      if (!key) {
        out += `${line}\n`;
        continue;
      }
      if (this.#last && key <= this.#last) continue;
      this.#last = key;
      out += `${line.slice(space + 1)}\n`;
    }
    if (out) this.#out!.write(out);
    this.#saveTimer ??= setTimeout(() => {
      this.#saveTimer = null;
      void this.#save();
    }, 1000);
  }

  async #save(): Promise<void> {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    if (this.#last) await writeFile(this.#o.positionPath, `${this.#last}\n`).catch(() => {});
  }
}
