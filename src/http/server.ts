import { maxHeaderSize, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import Fastify, {
  LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { ProblemError, type Problem } from "../core/errors.ts";

export interface HttpOptions {
  logger: Logger;
  bodyLimit: number;
  /** Answers requests no route matched (the portal's pages); returns false to leave them a 404 problem. */
  fallback?: (request: FastifyRequest, reply: FastifyReply) => boolean;
}

/** The longest path segment a route parameter takes; longer ones answer 414. */
const MAX_PARAM_LENGTH = 500;
const ROUTES_HINT = "The routes and their methods are listed in /api/v1/openapi.json.";

// Fastify with every failure turned into a problem document: a client never sees an HTML
// error page or a bare status code, and never a 500 for its own bad input. That includes what
// Fastify's router refuses (a malformed or over-long URL) and what Node's HTTP parser refuses
// before any route is looked up (a bad request line, an unknown method, headers too large).
export function createHttpServer(opts: HttpOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // Keep-alive connections must not hold the server open on shutdown.
    forceCloseConnections: true,
    // Node would answer a missing Host header itself, with an empty 400; the hook below does it as a problem.
    http: { requireHostHeader: false },
    frameworkErrors: (error, _request, reply) => sendProblem(reply, toProblem(error)),
    clientErrorHandler: (error, socket) => answerClientError(app, error, socket),
  });

  app.setErrorHandler((error: FastifyError | ProblemError | Error, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error, url: request.url }, "request failed");
    sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0]!;
    const allowed = allowedMethods(app, path);
    if (allowed.length > 0) return sendProblem(reply, methodNotAllowed(request.method, path, allowed), { allow: allowed.join(", ") });
    if (opts.fallback?.(request, reply)) return;
    sendProblem(reply, noSuchRoute(request.method, path));
  });

  app.addHook("onRequest", async (request) => {
    if (request.raw.httpVersion === "1.1" && request.headers.host === undefined) {
      throw new ProblemError({
        status: 400,
        title: "Missing Host header",
        code: "invalid-request",
        detail: "HTTP/1.1 requests must name the server in a Host header.",
        hint: "Use an HTTP client (curl, a library); they send Host for you.",
      });
    }
  });

  // Node answers an Expect header other than 100-continue itself, with an empty 417.
  app.server.on("checkExpectation", (request, response) => {
    const problem: Problem = {
      type: "https://plinth.dev/problems/expectation-failed",
      title: "Expectation not supported",
      status: 417,
      detail: `This server does not support 'Expect: ${String(request.headers.expect).slice(0, 100)}'.`,
      hint: "Leave the Expect header out, or send 'Expect: 100-continue'.",
    };
    const body = JSON.stringify(problem);
    response.writeHead(417, { "content-type": "application/problem+json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" }).end(body);
  });
  // Node hands CONNECT (proxy tunnels) to this listener or else drops the connection without a word.
  app.server.on("connect", (request, socket: Socket) => {
    writeRawProblem(socket, rawMethodProblem(app, request.method ?? "CONNECT", request.url ?? ""));
  });

  // JSON and raw bytes only: a text/plain body is a mistake worth a clear 415.
  app.removeContentTypeParser("text/plain");
  // Accept an empty body with a JSON content type (common from scripts) as no body.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const problem = new ProblemError({
        status: 400,
        title: "Body is not valid JSON",
        code: "invalid-json",
        detail: (err as Error).message,
        hint: "Send a JSON object; check quotes and commas.",
      });
      done(problem, undefined);
    }
  });
  // Raw bytes (code blobs) stream to the handler untouched.
  app.addContentTypeParser("application/octet-stream", (_req, payload, done) => done(null, payload));

  return app;
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): void {
  void reply.code(problem.status).headers(headers).type("application/problem+json").send(problem);
}

/** The methods some route answers at this path (HEAD beside GET): a 405's Allow header. */
function allowedMethods(app: FastifyInstance, path: string): string[] {
  return app.supportedMethods.filter((method) => app.findRoute({ method, url: path }) !== null).sort();
}

/** A path as it may appear in a problem's detail: not the whole of an enormous one. */
function shown(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

function noSuchRoute(method: string, path: string): Problem {
  return {
    type: "https://plinth.dev/problems/no-such-route",
    title: "No such API route",
    status: 404,
    detail: `${shown(method)} ${shown(path)} is not part of the API.`,
    hint: "The routes are listed in /api/v1/openapi.json.",
  };
}

function methodNotAllowed(method: string, path: string, allowed: string[]): Problem {
  return {
    type: "https://plinth.dev/problems/method-not-allowed",
    title: "Method not allowed",
    status: 405,
    detail: `${shown(path)} does not answer ${shown(method)}; it answers ${allowed.join(", ")}.`,
    hint: `Use one of ${allowed.join(", ")} (methods are upper-case). ${ROUTES_HINT}`,
  };
}

/**
 * A request Node's HTTP parser refused. There is no request or reply object, only the socket,
 * so the answer is written by hand, and the connection closed: the parser cannot go on.
 */
function answerClientError(app: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer; a response already under way (to an earlier
  // request on this keep-alive connection) must not be corrupted. Node's own handler asks the same.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || socket.destroyed || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  writeRawProblem(socket, clientErrorProblem(app, error));
}

/** An answer written straight to a socket, outside Fastify. */
interface RawAnswer {
  problem: Problem;
  headers?: Record<string, string>;
}

function clientErrorProblem(app: FastifyInstance, error: Error & { code?: string; reason?: string; rawPacket?: Buffer; bytesParsed?: number }): RawAnswer {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        problem: {
          type: "https://plinth.dev/problems/headers-too-large",
          title: "Request headers too large",
          status: 431,
          detail: `The request line and headers together are longer than the server's limit of ${maxHeaderSize / 1024} KiB.`,
          hint: "Send long values in a JSON request body, not in the URL or headers.",
        },
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        problem: {
          type: "https://plinth.dev/problems/request-timeout",
          title: "Request took too long to arrive",
          status: 408,
          detail: "The server stopped waiting for the rest of the request.",
          hint: "Try again; if it keeps happening, check the network between you and the server.",
        },
      };
    case "HPE_INVALID_METHOD": {
      // The parser stops at the method, so it never saw the path: read both from the bytes it had.
      const requestLine = requestLineAt(error.rawPacket, error.bytesParsed ?? 0);
      if (requestLine) return rawMethodProblem(app, requestLine.method, requestLine.target);
    }
  }
  return {
    problem: {
      type: "https://plinth.dev/problems/invalid-request",
      title: "Malformed HTTP request",
      status: 400,
      detail: `The server could not read the request as HTTP/1.1: ${error.reason ?? error.message}.`,
      hint: "Send the request with an HTTP client (curl, a library) rather than by hand.",
    },
  };
}

/** The request line around the byte the parser stopped at, if it looks like one. */
function requestLineAt(raw: Buffer | undefined, at: number): { method: string; target: string } | null {
  if (!raw) return null;
  const start = raw.lastIndexOf("\n", Math.max(0, at - 1)) + 1;
  const end = raw.indexOf("\r\n", start);
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]$/.exec(raw.subarray(start, end < 0 ? raw.length : end).toString("latin1"));
  return m ? { method: m[1]!, target: m[2]! } : null;
}

/**
 * A method no route takes, seen outside Fastify (an unknown method token, CONNECT): 405 where
 * a route has the path, 404 where none has, as Fastify's own requests get.
 */
function rawMethodProblem(app: FastifyInstance, method: string, target: string): RawAnswer {
  const path = target.split("?")[0]!;
  // The router turns a malformed or over-long path into a handler of its own for every method;
  // such a path is no route's, so it must not read as one that takes all of them.
  const plain = path.startsWith("/") && isDecodable(path) && path.split("/").every((segment) => segment.length <= MAX_PARAM_LENGTH);
  const allowed = plain ? allowedMethods(app, path) : [];
  if (allowed.length > 0) return { problem: methodNotAllowed(method, path, allowed), headers: { allow: allowed.join(", ") } };
  return { problem: noSuchRoute(method, path) };
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function writeRawProblem(socket: Socket, { problem, headers = {} }: RawAnswer): void {
  const body = JSON.stringify(problem);
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? "Error"}`,
    "content-type: application/problem+json; charset=utf-8",
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
}

function toProblem(error: FastifyError | ProblemError | Error): Problem {
  if (error instanceof ProblemError) return error.problem;
  const fe = error as FastifyError;
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return {
        type: "https://plinth.dev/problems/body-too-large",
        title: "Request body too large",
        status: 413,
        detail: fe.message,
        hint: "Upload big files through the data or code upload endpoints, not inside JSON. Admins can raise server.bodyLimit.",
      };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        type: "https://plinth.dev/problems/unsupported-media-type",
        title: "Unsupported content type",
        status: 415,
        detail: fe.message,
        hint: "Send JSON with 'Content-Type: application/json'.",
      };
    case "FST_ERR_BAD_URL":
      return {
        type: "https://plinth.dev/problems/bad-url",
        title: "Malformed URL",
        status: 400,
        detail: `The path ${shown(fe.message.replace(/^'(.*)' is not a valid url component$/s, "$1"))} has a % that does not start a valid escape.`,
        hint: "Percent-encode special characters in the URL (a literal % is %25); client libraries do this for you.",
      };
    case "FST_ERR_MAX_PARAM_LENGTH":
      return {
        type: "https://plinth.dev/problems/uri-too-long",
        title: "URI too long",
        status: 414,
        detail: `A part of the path is longer than ${MAX_PARAM_LENGTH} characters; no ID or name in the API is that long.`,
        hint: "Check the URL; send long values in a JSON request body instead.",
      };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { type: "https://plinth.dev/problems/invalid-request", title: "Invalid request", status: 400, detail: fe.message, hint: "Send a JSON body." };
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { type: "https://plinth.dev/problems/invalid-request", title: "Invalid request", status: fe.statusCode, detail: fe.message, hint: "Check the request against /api/v1/openapi.json." };
  }
  return {
    type: "https://plinth.dev/problems/internal",
    title: "Internal error",
    status: 500,
    detail: "Something went wrong inside Plinth; the server log has the details.",
    hint: "Try again; if it keeps happening, tell your platform's keepers what you did.",
  };
}
