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

// Fastify with every failure turned into a problem document: a client never sees an HTML
// error page or a bare status code, and never a 500 for its own bad input.
export function createHttpServer(opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Keep-alive connections must not hold the server open on shutdown.
    forceCloseConnections: true,
  });

  app.setErrorHandler((error: FastifyError | ProblemError | Error, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error, url: request.url }, "request failed");
    void reply.code(problem.status).type("application/problem+json").send(problem);
  });

  app.setNotFoundHandler((request, reply) => {
    if (opts.fallback?.(request, reply)) return;
    void reply
      .code(404)
      .type("application/problem+json")
      .send({
        type: "https://plinth.dev/problems/no-such-route",
        title: "No such API route",
        status: 404,
        detail: `${request.method} ${request.url.split("?")[0]} is not part of the API.`,
        hint: "The routes are listed in /api/v1/openapi.json.",
      } satisfies Problem);
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
