import { rssByProcessGroup } from "./proc.ts";

// The fallback memory limit where cgroups are not writable: sum the RSS of each job's process
// group on one shared timer and kill groups over their limit.

interface Watched {
  limitBytes: number;
  peakBytes: number;
  exceeded: boolean;
  onExceed: (rssBytes: number) => void;
}

/** The fallback: one timer for all jobs, one pass over /proc per tick. */
export class RssWatcher {
  readonly #intervalMs: number;
  readonly #groups = new Map<number, Watched>();
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  watch(pgid: number, limitBytes: number, onExceed: (rssBytes: number) => void): void {
    this.#groups.set(pgid, { limitBytes, peakBytes: 0, exceeded: false, onExceed });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.tick(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Stops watching; returns the peak RSS seen, if any. */
  unwatch(pgid: number): number | null {
    const w = this.#groups.get(pgid);
    this.#groups.delete(pgid);
    if (this.#groups.size === 0) this.stop();
    return w && w.peakBytes > 0 ? w.peakBytes : null;
  }

  tick(): void {
    if (this.#groups.size === 0) return;
    const sums = rssByProcessGroup(new Set(this.#groups.keys()));
    for (const [pgid, w] of this.#groups) {
      const rss = sums.get(pgid) ?? 0;
      if (rss > w.peakBytes) w.peakBytes = rss;
      if (rss > w.limitBytes && !w.exceeded) {
        w.exceeded = true;
        w.onExceed(rss);
      }
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
