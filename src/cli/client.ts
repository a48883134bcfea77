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

  async #fetch(method: string, path: string, body: unknown, extraHeaders: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    // The User-Agent names the CLI and its version: the audit log shows where a change came from.
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, "user-agent": USER_AGENT, ...extraHeaders };
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
      const { message, hint } = explainUnreachable(this.baseUrl, err, this.#urlSource);
      throw new CliError(message, hint);
    }
    if (!res.ok) {
      let problem: unknown;
      try {
        problem = await res.json();
      } catch {
        // not JSON at all
      }
      if (!isPlinthProblem(problem)) throw this.#foreign(res);
      const detail = problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
      throw new CliError(detail, problem.hint, 2, problem);
    }
    return res;
  }

  #foreign(res: Response): CliError {
    const { message, hint } = explainForeignAnswer(this.baseUrl, { status: res.status, statusText: res.statusText, contentType: res.headers.get("content-type") }, this.#urlSource);
    return new CliError(message, hint);
  }
}
