import type { Readable } from "node:stream";
import type { Problem } from "../core/errors.ts";
import { loadCredentials } from "./credentials.ts";

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

  constructor(baseUrl: string, token: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = token;
  }

  static fromEnvironment(): ApiClient {
    const { url, token } = loadCredentials();
    if (!url || !token) {
      throw new CliError("Not signed in to a Plinth server.", "Run `plinth login <url>` with the token `plinth up` printed, or set PLINTH_URL and PLINTH_TOKEN.");
    }
    return new ApiClient(url, token);
  }

  async request<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const res = await this.#fetch(method, path, body, extraHeaders);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
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
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, ...extraHeaders };
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
      throw new CliError(`Cannot reach the Plinth server at ${this.baseUrl}.`, "Is `plinth up` running there? Check the URL with `plinth login`, or PLINTH_URL.", 2);
    }
    if (!res.ok) {
      let problem: Problem | undefined;
      try {
        problem = (await res.json()) as Problem;
      } catch {
        // not a problem document
      }
      const title = problem?.title ?? `The server answered ${res.status}.`;
      const detail = problem?.detail ? `${title}: ${problem.detail}` : title;
      throw new CliError(detail, problem?.hint, 2, problem);
    }
    return res;
  }
}
