import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, stat, truncate, unlink } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { countStreamed } from "../core/stream-memory.ts";
import { type ApiClient, CliError } from "./client.ts";

// Bytes to and from the server, streamed: a file (or a range of one) is sent as a request body
// with its Content-Length, and a download goes straight to disk while it is hashed, so memory
// stays the same whatever the size. node:http rather than fetch: it hands file streams to the
// socket without converting them to web streams, which keeps a loopback transfer near disk
// speed. Keep-alive agents let many small files share a few connections.
//
// A dropped connection or a server error (5xx) is retried a few times (a download resumes
// where it stopped; sending a file or a part again is harmless); a refusal (4xx) is not.

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16 };
const agents = { "http:": new http.Agent(AGENT_OPTIONS), "https:": new https.Agent(AGENT_OPTIONS) };
const ATTEMPTS = 4;
const CHUNK = 1024 * 1024;

/** What a download wrote into a `.plinth-partial` file before it is renamed into place. */
export const PARTIAL_SUFFIX = ".plinth-partial";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

class Dropped extends Error {
  readonly original: unknown;
  constructor(original: unknown) {
    super((original as Error)?.message ?? String(original));
    this.original = original;
  }
}

/**
 * Sends one request; `target` is an API path (sent with the token) or a full presigned URL (sent
 * without it: the signature is the permission). Resolves with the answer's head and its stream.
 */
function exchange(client: ApiClient, method: string, target: string, headers: Record<string, string | number>, body?: Readable): Promise<http.IncomingMessage> {
  const presigned = /^https?:\/\//.test(target);
  const url = new URL(presigned ? target : client.baseUrl + target);
  const lib = url.protocol === "https:" ? https : http;
  const agent = agents[url.protocol as keyof typeof agents];
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, agent, headers: { ...(presigned ? {} : client.headers()), ...headers } }, resolve);
    req.on("error", (err) => reject(new Dropped(err)));
    if (!body) {
      req.end();
      return;
    }
    body.on("error", (err) => {
      req.destroy();
      reject(err);
    });
    body.pipe(req);
  });
}

/** A server error (5xx): these requests can be sent again, so they are, a few times. */
class ServerTrouble extends Error {
  readonly error: CliError;
  constructor(error: CliError) {
    super(error.message);
    this.error = error;
  }
}

async function readAnswer(client: ApiClient, res: http.IncomingMessage): Promise<Answer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const answer = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") };
  if (answer.status >= 200 && answer.status < 300) return answer;
  const error = client.failure({ status: answer.status, statusText: res.statusMessage ?? "", contentType: res.headers["content-type"] ?? null }, answer.text);
  throw answer.status >= 500 ? new ServerTrouble(error) : error;
}

/** Whether a failed attempt is worth another: a dropped connection or a server error, not a refusal. */
function retryable(err: unknown): err is Dropped | ServerTrouble {
  return err instanceof Dropped || err instanceof ServerTrouble;
}

/** What to tell the person once the attempts are spent. */
function lastError(client: ApiClient, err: Dropped | ServerTrouble): CliError {
  return err instanceof Dropped ? client.unreachable(err.original) : err.error;
}

const pause = (attempt: number) => new Promise((r) => setTimeout(r, 250 * 2 ** attempt));

async function withRetries<T>(client: ApiClient, attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!retryable(err)) throw err;
      if (n >= ATTEMPTS) throw lastError(client, err);
      await pause(n);
    }
  }
}

/**
 * PUTs bytes [start, end) of `file` as `application/octet-stream`. `onBytes` hears of every
 * chunk read for sending (and of a negative count when an attempt is thrown away).
 */
export async function putFile(client: ApiClient, target: string, file: string, range: { start: number; end: number }, onBytes: (n: number) => void = () => {}): Promise<Answer> {
  return withRetries(client, async () => {
    let sent = 0;
    // createReadStream cannot read an empty range (end -1 means "to the end").
    const body = range.end > range.start ? createReadStream(file, { start: range.start, end: range.end - 1, highWaterMark: CHUNK }) : Readable.from([]);
    body.on("data", (c: Buffer) => {
      sent += c.length;
      onBytes(c.length);
      countStreamed(c.length);
    });
    try {
      const res = await exchange(client, "PUT", target, { "content-type": "application/octet-stream", "content-length": range.end - range.start }, body);
      return await readAnswer(client, res);
    } catch (err) {
      onBytes(-sent);
      throw err;
    }
  });
}

export interface Received {
  /** Bytes fetched over the network. */
  downloaded: number;
  /** Bytes taken from a partial file an earlier pull left. */
  resumed: number;
}

/**
 * Downloads `target` into `dest`: into `dest.plinth-partial` first, hashed as it is written,
 * renamed into place only when size and SHA-256 match. A partial file left by an earlier
 * attempt (or a dropped connection) is continued with a Range request; if the whole then does
 * not match (the partial file held other bytes), it is fetched again from the start, once.
 */
export async function receiveFile(client: ApiClient, target: string, dest: string, expected: { sha256: string; size: number }, onBytes: (n: number) => void = () => {}): Promise<Received> {
  const partial = dest + PARTIAL_SUFFIX;
  await mkdir(dirname(dest), { recursive: true });
  const result: Received = { downloaded: 0, resumed: -1 };
  let fromScratch = false;
  for (let attempt = 1; ; attempt++) {
    const held = fromScratch ? 0 : await stat(partial).then((s) => (s.isFile() && s.size <= expected.size ? s.size : 0), () => 0);
    fromScratch = false;
    if (result.resumed < 0) result.resumed = held;
    let got: { sha256: string; size: number };
    try {
      got = await receiveInto(client, target, partial, expected.size, held, onBytes, result);
    } catch (err) {
      if (!retryable(err)) throw err;
      if (attempt >= ATTEMPTS) throw lastError(client, err);
      await pause(attempt);
      continue;
    }
    if (got.sha256 === expected.sha256 && got.size === expected.size) {
      await rename(partial, dest);
      return result;
    }
    if (held > 0 && result.resumed > 0) {
      // The partial file held other bytes (another version's, say): fetch it all again.
      onBytes(-got.size);
      result.resumed = 0;
      fromScratch = true;
      continue;
    }
    await unlink(partial).catch(() => undefined);
    throw new CliError(
      `The bytes received for ${dest} do not match: expected ${expected.size} bytes with SHA-256 ${expected.sha256}, got ${got.size} bytes with ${got.sha256}.`,
      "Pull again; if it happens again, something between you and the server changes data (a proxy), or the server's copy is damaged: tell whoever runs Plinth.",
    );
  }
}

/**
 * Fills `partial` up to `size` bytes, keeping its first `held`; answers the hash of the whole.
 * On a dropped connection the bytes it reported are taken back: the next attempt counts what
 * reached the disk again.
 */
async function receiveInto(
  client: ApiClient,
  target: string,
  partial: string,
  size: number,
  held: number,
  onBytes: (n: number) => void,
  result: Received,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let have = held;
  let reported = 0;
  const report = (n: number) => {
    reported += n;
    onBytes(n);
  };
  try {
    if (held > 0) {
      // The bytes already here go through the hash first, so the whole file is checked at the end.
      for await (const c of createReadStream(partial, { start: 0, end: held - 1, highWaterMark: CHUNK })) hash.update(c as Buffer);
      report(held);
    }
    await truncate(partial, held).catch(async () => {
      await pipeline(Readable.from([]), createWriteStream(partial));
    });
    if (have < size) {
      const res = await exchange(client, "GET", target, have > 0 ? { range: `bytes=${have}-` } : {});
      if (res.statusCode !== 200 && res.statusCode !== 206) await readAnswer(client, res);
      // A server that ignores Range sends the whole file: the bytes already held are skipped.
      let skip = res.statusCode === 200 ? have : 0;
      try {
        await pipeline(
          res,
          async function* (source: AsyncIterable<Buffer>) {
            for await (let chunk of source) {
              if (skip > 0) {
                const n = Math.min(skip, chunk.length);
                skip -= n;
                chunk = chunk.subarray(n);
                if (chunk.length === 0) continue;
              }
              hash.update(chunk);
              have += chunk.length;
              countStreamed(chunk.length);
              result.downloaded += chunk.length;
              report(chunk.length);
              yield chunk;
            }
          },
          createWriteStream(partial, { flags: "a" }),
        );
      } catch (err) {
        throw res.errored || !res.complete ? new Dropped(err) : err;
      }
      if (!res.complete) throw new Dropped(new Error("the connection closed before the end of the file"));
    }
  } catch (err) {
    onBytes(-reported);
    throw err;
  }
  return { sha256: hash.digest("hex"), size: have };
}
