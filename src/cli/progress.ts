import { formatBytes, formatDuration } from "../core/units.ts";

// A progress line on stderr for long transfers: bytes done of the total, rate, time left and
// files. On a terminal it is redrawn in place at most ten times a second; when stderr is a
// file or a pipe (CI logs, `2> log`) nothing is drawn and one summary line is written at the
// end instead, so logs stay readable. `quiet` leaves out even that line.

const REDRAW_MS = 100;
/** The rate is measured over the last few seconds: a stall shows at once, a burst does not last. */
const RATE_WINDOW_MS = 5000;

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: ProgressStream;
  now?: () => number;
}

export class Progress {
  readonly #stream: ProgressStream;
  readonly #quiet: boolean;
  readonly #live: boolean;
  readonly #now: () => number;
  #phase = "";
  #totalBytes = 0;
  #totalFiles = 0;
  #bytes = 0;
  #files = 0;
  #startedAt: number;
  #samples: Array<{ at: number; bytes: number }> = [];
  #drawnAt = 0;
  #drawn = false;

  constructor(opts: ProgressOptions = {}) {
    this.#stream = opts.stream ?? process.stderr;
    this.#quiet = !!opts.quiet;
    this.#live = !this.#quiet && !!this.#stream.isTTY;
    this.#now = opts.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  /** Starts a phase ("hashing", "sending", "receiving") with its totals; counters start at zero. */
  phase(name: string, totalBytes: number, totalFiles: number): void {
    this.#phase = name;
    this.#totalBytes = totalBytes;
    this.#totalFiles = totalFiles;
    this.#bytes = 0;
    this.#files = 0;
    this.#startedAt = this.#now();
    this.#samples = [{ at: this.#startedAt, bytes: 0 }];
    this.#drawnAt = 0;
    this.#draw();
  }

  /** Bytes moved; a retried part may take some back with a negative count. */
  add(bytes: number): void {
    this.#bytes += bytes;
    this.#draw();
  }

  fileDone(): void {
    this.#files++;
    this.#draw();
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Milliseconds since the phase started. */
  get elapsedMs(): number {
    return this.#now() - this.#startedAt;
  }

  /** Clears the live line; writes `summary` (when not quiet) on its own line. */
  finish(summary?: string): void {
    this.#clear();
    if (summary && !this.#quiet) this.#stream.write(`${summary}\n`);
  }

  /** Clears the live line so that other text (an error) is not written over it. */
  clear(): void {
    this.#clear();
  }

  /** What the live line says now (also what tests read). */
  line(): string {
    const now = this.#now();
    const rate = this.#rate(now);
    const parts = [this.#phase];
    if (this.#totalBytes > 0) parts.push(`${Math.floor((100 * Math.max(0, this.#bytes)) / this.#totalBytes)}%`);
    parts.push(`${formatBytes(Math.max(0, this.#bytes))}/${formatBytes(this.#totalBytes)}`);
    if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
    const left = this.#totalBytes - this.#bytes;
    // Whole seconds: a countdown in milliseconds only flickers.
    if (rate > 0 && left > 0) parts.push(`ETA ${formatDuration(Math.ceil(left / rate) * 1000)}`);
    parts.push(`files ${this.#files}/${this.#totalFiles}`);
    return parts.join("  ");
  }

  /** Bytes per second over the last few seconds. */
  #rate(now: number): number {
    const oldest = this.#samples[0];
    if (!oldest || now - oldest.at < 200) return 0;
    return ((this.#bytes - oldest.bytes) * 1000) / (now - oldest.at);
  }

  #draw(): void {
    if (!this.#live) return;
    const now = this.#now();
    if (now - this.#drawnAt < REDRAW_MS && this.#bytes < this.#totalBytes) return;
    this.#drawnAt = now;
    this.#samples.push({ at: now, bytes: this.#bytes });
    while (this.#samples.length > 2 && now - this.#samples[0]!.at > RATE_WINDOW_MS) this.#samples.shift();
    const width = Math.max(20, (this.#stream.columns || 80) - 1);
    this.#stream.write(`\r\x1b[2K${this.line().slice(0, width)}`);
    this.#drawn = true;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#stream.write("\r\x1b[2K");
    this.#drawn = false;
  }
}

/** "4.1 MiB in 2s (2.0 MiB/s)": a finished transfer in one phrase. */
export function describeTransfer(bytes: number, ms: number): string {
  const rate = ms > 0 ? ` (${formatBytes((bytes * 1000) / ms)}/s)` : "";
  return `${formatBytes(bytes)} in ${formatDuration(ms)}${rate}`;
}
