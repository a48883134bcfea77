import { MAX_SECRET_BYTES } from "../identity/secrets/spec.ts";
import { TOKEN_PREFIX } from "../identity/tokens.ts";

// Masking a job's secrets in its output, where Plinth shows it: the logs API (whole, ranges,
// tails, following), the stored tail and the failure message made from it.
//
// The job writes its log file directly, at full speed; masking happens when the log is read,
// so a job without secrets pays nothing, and one with secrets pays only when its log is shown.
// Each byte of a value becomes `*`: the masked log has the same length as the file, so byte
// ranges, offsets to follow on from and resumed downloads stay exact. (The length of a printed
// value is therefore visible; its content is not.)
//
// Every job's log is also masked of anything shaped like a Plinth API token: a job holds one
// (MLFLOW_TRACKING_TOKEN, for its run) and may print its environment, and a person's token that
// a job prints is no better shown. Finding the prefix is one scan of the bytes.

/** Values shorter than this are not masked: masking "1" or "ok" would blank out the whole log. */
export const MIN_MASKED_BYTES = 4;
const STAR = 0x2a;

/** A Plinth API token: the prefix and 43 base64url characters (32 random bytes). */
const TOKEN_START = Buffer.from(TOKEN_PREFIX, "latin1");
const TOKEN_BODY_BYTES = 43;
const TOKEN_BYTES = TOKEN_START.length + TOKEN_BODY_BYTES;
const isTokenByte = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f;

/** Sets the flags of every whole token in `data`. */
function markTokens(data: Buffer, flags: Uint8Array): void {
  for (let at = data.indexOf(TOKEN_START); at !== -1; at = data.indexOf(TOKEN_START, at + 1)) {
    if (tokenBodyLength(data, at + TOKEN_START.length, TOKEN_BODY_BYTES) === TOKEN_BODY_BYTES) flags.fill(1, at, at + TOKEN_BYTES);
  }
}

function tokenBodyLength(data: Buffer, from: number, most: number): number {
  let n = 0;
  while (n < most && from + n < data.length && isTokenByte(data[from + n]!)) n++;
  return n;
}

/** Whether the last `k` bytes of `data` could be the start of a token that goes on in the next chunk. */
function mayStartToken(data: Buffer, k: number): boolean {
  const start = data.length - k;
  const prefix = Math.min(k, TOKEN_START.length);
  if (!data.subarray(start, start + prefix).equals(TOKEN_START.subarray(0, prefix))) return false;
  return tokenBodyLength(data, start + prefix, k - prefix) === k - prefix;
}

/** What a log reader needs to mask a stream. */
export interface LogMask {
  /** How many bytes before and after the part asked for to read as context: a value may cross its edges. */
  readonly reach: number;
  /** Masks a stream read from `skip` bytes before the part asked for, passing on at most `limit` bytes. */
  maskStream(source: AsyncIterable<Buffer>, skip?: number, limit?: number): AsyncGenerator<Buffer>;
}

export class LogMasker implements LogMask {
  readonly #needles: Buffer[];
  /** Longest needle, less one: how far a value can reach across a boundary. */
  readonly reach: number;

  constructor(values: readonly string[]) {
    const needles = new Map<string, Buffer>();
    const add = (s: string) => {
      const b = Buffer.from(s, "utf8");
      if (b.length >= MIN_MASKED_BYTES) needles.set(s, b);
    };
    for (const value of values) {
      add(value);
      // A multi-line value (a key file) is masked line by line too, as programs print it so.
      if (value.includes("\n")) for (const line of value.split("\n")) add(line.replace(/\r$/, ""));
    }
    this.#needles = [...needles.values()];
    this.reach = Math.max(TOKEN_BYTES - 1, ...this.#needles.map((n) => n.length - 1));
  }

  /** Sets `flags[i]` for every byte of `data` inside an occurrence of a value or a token. */
  mark(data: Buffer, flags: Uint8Array): void {
    markTokens(data, flags);
    for (const needle of this.#needles) {
      for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + 1)) flags.fill(1, at, at + needle.length);
    }
  }

  /** How many bytes at the end of `data` might be the start of a value or token that continues later. */
  held(data: Buffer): number {
    for (let k = Math.min(this.reach, data.length); k > 0; k--) {
      const tail = data.subarray(data.length - k);
      if (this.#needles.some((n) => n.length > k && n.subarray(0, k).equals(tail))) return k;
      if (k < TOKEN_BYTES && mayStartToken(data, k)) return k;
    }
    return 0;
  }

  /** A whole text, masked. */
  maskText(text: string): string {
    if (text === "") return text;
    const data = Buffer.from(text, "utf8");
    const flags = new Uint8Array(data.length);
    this.mark(data, flags);
    return applyFlags(data, flags).toString("utf8");
  }

  /**
   * Masks a stream of log bytes. `skip` bytes at the start were read only as context (a value
   * may begin before the part asked for) and are not passed on; at most `limit` bytes are.
   * Only what could still be the start of a value is held back, so a followed log shows each
   * line as soon as it is written.
   */
  async *maskStream(source: AsyncIterable<Buffer>, skip = 0, limit = Number.POSITIVE_INFINITY): AsyncGenerator<Buffer> {
    let pending: Buffer = Buffer.alloc(0);
    let pendingFlags = new Uint8Array(0);
    let toSkip = skip;
    let left = limit;
    const emit = (bytes: Buffer): Buffer | null => {
      let out = bytes;
      if (toSkip > 0) {
        const n = Math.min(toSkip, out.length);
        toSkip -= n;
        out = out.subarray(n);
      }
      if (out.length > left) out = out.subarray(0, left);
      left -= out.length;
      return out.length > 0 ? out : null;
    };
    for await (const chunk of source) {
      const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      const flags = new Uint8Array(data.length);
      flags.set(pendingFlags);
      this.mark(data, flags);
      const keep = this.held(data);
      const ready = emit(applyFlags(data.subarray(0, data.length - keep), flags.subarray(0, data.length - keep)));
      pending = Buffer.from(data.subarray(data.length - keep));
      pendingFlags = flags.slice(data.length - keep);
      if (ready) yield ready;
      if (left <= 0) return;
    }
    const rest = emit(applyFlags(pending, pendingFlags));
    if (rest) yield rest;
  }
}

function applyFlags(data: Buffer, flags: Uint8Array): Buffer {
  if (!flags.includes(1)) return data;
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) if (flags[i]) out[i] = STAR;
  return out;
}

/**
 * For a job that names secrets but has not started yet (its log is being followed from the
 * start): the values are looked up when its first output arrives, which is after they were
 * recorded. Until then their length is unknown, so the context read is the largest a value can be.
 */
class DeferredMask implements LogMask {
  readonly reach = MAX_SECRET_BYTES;
  readonly #load: () => Promise<LogMasker>;

  constructor(load: () => Promise<LogMasker>) {
    this.#load = load;
  }

  async *maskStream(source: AsyncIterable<Buffer>, skip = 0, limit = Number.POSITIVE_INFINITY): AsyncGenerator<Buffer> {
    const it = source[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const masker = await this.#load();
    async function* all(): AsyncGenerator<Buffer> {
      yield first.value;
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    }
    yield* masker.maskStream(all(), skip, limit);
  }
}

/** The values a job was given, by job id; null for a job that was given none. */
export type JobSecretValues = (jobId: string) => Promise<string[] | null>;

/** The mask of a job that was given no secrets: tokens only, nothing to look up. */
const TOKENS_ONLY = new LogMasker([]);

/**
 * Maskers per job. Only a job whose spec names secrets is looked up at all; the rest are masked
 * of tokens only.
 */
export class LogMasks {
  readonly #values: JobSecretValues;

  constructor(values: JobSecretValues) {
    this.#values = values;
  }

  /** The mask for reading a job's log. */
  async forJob(jobId: string, secretNames: readonly string[] | undefined): Promise<LogMask> {
    if (!secretNames || secretNames.length === 0) return TOKENS_ONLY;
    const values = await this.#values(jobId);
    if (values) return new LogMasker(values);
    return new DeferredMask(async () => new LogMasker((await this.#values(jobId)) ?? []));
  }

  async maskText(jobId: string, secretNames: readonly string[] | undefined, text: string): Promise<string> {
    if (text === "") return text;
    if (!secretNames || secretNames.length === 0) return TOKENS_ONLY.maskText(text);
    return new LogMasker((await this.#values(jobId)) ?? []).maskText(text);
  }
}

/** The secret names of a stored spec or normalised job (either has `secrets`), if any. */
export function secretNamesOf(spec: unknown): string[] | undefined {
  const names = (spec as { secrets?: unknown } | null)?.secrets;
  return Array.isArray(names) && names.length > 0 ? (names as string[]) : undefined;
}
