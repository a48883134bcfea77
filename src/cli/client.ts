import type { Readable } from "node:stream";
import type { Problem } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { loadCredentials } from "./credentials.ts";
import { explainForeignAnswer, explainUnreachable, isPlinthProblem } from "./foreign-answers.ts";

const USER_AGENT = `plinth-cli/${VERSION} node/${process.versions.node}`;

/** An error the CLI prints as its title and hint, then exits with `exitCode`. */
export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly problem: Problem | undefined;
  constructor(message: string, hint?: string, exitCode = 2, problem?: Problem) {
    super(message);
    this.hint = hint;
    this.exitCode = exitCode;
    this.problem = problem;
  }
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string;
  /** Where the address came from, for messages when nothing (or something else) answers there. */
  readonly #urlSource: string | undefined;

  constructor(baseUrl: string, token: string, urlSource?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = token;
    this.#urlSource = urlSource;
  }

  static fromEnvironment(): ApiClient {
    const { url, token, urlSource } = loadCredentials();
    if (!url || !token) {
      throw new CliError("Not signed in to a Plinth server.", "Run `plinth login <url>` with the token `plinth up` printed, or set PLINTH_URL and PLINTH_TOKEN.");
    }
    return new ApiClient(url, token, urlSource);
  }

  async request<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const res = await this.#fetch(method, path, body, extraHeaders);
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      // Plinth answers its API in JSON; a web page here means another program holds the address.
      throw this.#foreign(res);
    }
  }

  /** Asks /healthz, without the token, whether Plinth answers at this address: a token is not for other programs. */
  async checkIsPlinth(timeoutMs = 10_000): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const { message, hint } = explainUnreachable(this.baseUrl, err, this.#urlSource);
      throw new CliError(message, hint);
    }
    const health = (await res.json().catch(() => null)) as { status?: unknown; version?: unknown } | null;
    if (res.ok ? health?.status !== "ok" || typeof health.version !== "string" : !isPlinthProblem(health)) throw this.#foreign(res);
  }

  async stream(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#fetch("GET", path, undefined, {}, signal);
    return res.body!;
  }

  async putBytes(path: string, body: Readable | Buffer, size: number): Promise<void> {
    const res = await this.#fetch("PUT", path, body, { "content-type": "application/octet-stream", "content-length": String(size) });
    await res.arrayBuffer();
  }

  /** A request whose answer the caller reads itself (headers, status, a streamed body); failures are thrown as CliErrors. */
  send(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    return this.#fetch(method, path, body, extraHeaders, signal);
  }

  /** The headers every request carries, for helpers that stream bytes over node:http themselves. */
  headers(): Record<string, string> {
    // The User-Agent names the CLI and its version: the audit log shows where a change came from.
    return { authorization: `Bearer ${this.#token}`, "user-agent": USER_AGENT };
  }

  /** The error for a network failure before any answer (a `fetch` error, or a node:http socket error). */
  unreachable(err: unknown): CliError {
    const { message, hint } = explainUnreachable(this.baseUrl, (err as { code?: unknown })?.code ? { cause: err } : err, this.#urlSource);
    return new CliError(message, hint);
  }

  /** The error for an answer that is not a success: Plinth's problem (title, detail, hint), or a note that another program answers here. */
  failure(answer: { status: number; statusText: string; contentType: string | null }, text: string): CliError {
    let problem: unknown;
    try {
      problem = JSON.parse(text);
    } catch {
      // not JSON at all
    }
    if (isMlflowError(problem)) return new CliError(`${problem.message} (${problem.error_code})`, "MLflow's REST API here refused the call; the message names what to change.", 2);
    if (!isPlinthProblem(problem)) return this.#foreignAnswer(answer);
    const detail = problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
    return new CliError(detail, problem.hint, 2, problem);
  }

  async #fetch(method: string, path: string, body: unknown, extraHeaders: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers(), ...extraHeaders };
    let payload: any;
    if (body !== undefined) {
      if (extraHeaders["content-type"] === "application/octet-stream") payload = body;
      else {
        headers["content-type"] = "application/json";
        payload = JSON.stringify(body);
      }
    }
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, { method, headers, body: payload, signal, ...(payload && typeof payload.pipe === "function" && { duplex: "half" }) } as RequestInit);
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw this.unreachable(err);
    }
    if (!res.ok) throw this.failure({ status: res.status, statusText: res.statusText, contentType: res.headers.get("content-type") }, await res.text().catch(() => ""));
    return res;
  }

  #foreign(res: Response): CliError {
    return this.#foreignAnswer({ status: res.status, statusText: res.statusText, contentType: res.headers.get("content-type") });
  }

  #foreignAnswer(answer: { status: number; statusText: string; contentType: string | null }): CliError {
    const { message, hint } = explainForeignAnswer(this.baseUrl, answer, this.#urlSource);
    return new CliError(message, hint);
  }
}

/** An error as MLflow's REST API (/api/2.0/mlflow/…) writes it: {error_code, message}. */
function isMlflowError(body: unknown): body is { error_code: string; message: string } {
  const e = body as { error_code?: unknown; message?: unknown } | null;
  return typeof e === "object" && e !== null && typeof e.error_code === "string" && typeof e.message === "string";
}
