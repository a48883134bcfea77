import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { ProblemError } from "../../core/errors.ts";
import { scopeAllows } from "../../identity/scopes.ts";
import type { Principal } from "../../identity/service.ts";
import { MlflowError, type MlflowErrorCode } from "../mlflow-error.ts";
import type { TrackingService } from "../service.ts";
import type { MlflowEndpoint } from "./endpoint.ts";
import { experimentEndpoints } from "./experiment-endpoints.ts";
import { parseMlflowJson, stringifyMlflowJson } from "./json.ts";
import { modelEndpoints } from "./model-endpoints.ts";
import { registryEndpoints } from "./registry-endpoints.ts";
import { runEndpoints } from "./run-endpoints.ts";

// MLflow's tracking REST API, under /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/ (MLflow's web
// UI and some clients use the second), and the same under 3.0 (MLflow 3 clients ask
// /api/3.0/mlflow/server-info): the same endpoints, bodies and error codes as an MLflow
// server, so MLflow's clients work unchanged. A request carries a Plinth token as
// `Authorization: Bearer …` (MLflow's clients send MLFLOW_TRACKING_TOKEN so). Reads need a
// token with any scope; changes need the `tracking` scope.

export const MLFLOW_PREFIXES = ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow", "/api/3.0/mlflow", "/ajax-api/3.0/mlflow"] as const;

export interface MlflowRouteDeps {
  tracking: TrackingService;
  authenticate: (request: FastifyRequest) => Promise<Principal | null>;
  logger: Logger;
}

export function mlflowEndpoints(tracking: TrackingService): MlflowEndpoint[] {
  return [...experimentEndpoints(tracking), ...runEndpoints(tracking), ...modelEndpoints(tracking), ...registryEndpoints(tracking)];
}

export function registerMlflow(http: FastifyInstance, deps: MlflowRouteDeps): void {
  const endpoints = mlflowEndpoints(deps.tracking);
  for (const prefix of MLFLOW_PREFIXES) {
    void http.register(
      async (app) => {
        // MLflow's Python client writes NaN and Infinity as bare words: read them as MLflow does.
        app.removeContentTypeParser("application/json");
        app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: 16 * 1024 * 1024 }, (_request, body, done) => {
          try {
            done(null, body === "" ? {} : parseMlflowJson(body as string));
          } catch {
            done(new MlflowError("MALFORMED_REQUEST", "Malformed request: the body is not JSON."), undefined);
          }
        });
        app.setErrorHandler((error, request, reply) => sendMlflowError(deps.logger, request, reply, error));
        app.setNotFoundHandler((request, reply) => sendMlflowError(deps.logger, request, reply, new MlflowError("ENDPOINT_NOT_FOUND", `No endpoint ${request.method} ${request.url.split("?")[0]!.slice(0, 200)} in MLflow's REST API here.`)));
        for (const endpoint of endpoints) {
          app.route({
            method: endpoint.method,
            url: endpoint.path,
            handler: async (request, reply) => {
              const actor = await deps.authenticate(request);
              if (!actor) throw new MlflowError("UNAUTHENTICATED", "This API needs a valid Plinth token: set MLFLOW_TRACKING_TOKEN (`plinth tokens create --scope tracking`).");
              if (!scopeAllows(actor.scopes, endpoint.scope)) {
                throw new MlflowError("PERMISSION_DENIED", `This token's scopes (${actor.scopes?.join(", ")}) do not include '${endpoint.scope}', which ${endpoint.path} needs: create one with \`plinth tokens create --scope ${endpoint.scope}\`.`);
              }
              const input = (endpoint.method === "GET" ? request.query : request.body) ?? {};
              if (typeof input !== "object" || Array.isArray(input)) throw new MlflowError("INVALID_PARAMETER_VALUE", "The request body must be a JSON object.");
              const result = await endpoint.handler({ actor, input: input as Record<string, unknown>, request });
              return reply.code(200).type("application/json").send(stringifyMlflowJson(result ?? {}));
            },
          });
        }
      },
      { prefix },
    );
  }
}

const FROM_PROBLEM: Record<number, MlflowErrorCode> = { 400: "INVALID_PARAMETER_VALUE", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "RESOURCE_DOES_NOT_EXIST", 409: "RESOURCE_ALREADY_EXISTS", 413: "INVALID_PARAMETER_VALUE" };

/** An error as MLflow's REST API answers it: {error_code, message} with MLflow's status. */
export function sendMlflowError(logger: Logger, request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  let mlflow: MlflowError;
  if (error instanceof MlflowError) mlflow = error;
  else if (error instanceof ProblemError) {
    const p = error.problem;
    mlflow = new MlflowError(FROM_PROBLEM[p.status] ?? "INTERNAL_ERROR", [p.detail ?? p.title, p.hint].filter(Boolean).join(" "));
  } else if ((error as { statusCode?: number }).statusCode === 413) {
    mlflow = new MlflowError("INVALID_PARAMETER_VALUE", "The request body is larger than this server takes (16 MiB): log in smaller batches.");
  } else if ((error as { code?: string }).code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    mlflow = new MlflowError("BAD_REQUEST", "Send the body as application/json.");
  } else {
    logger.error({ err: error, url: request.url }, "an MLflow API request failed");
    mlflow = new MlflowError("INTERNAL_ERROR", "The server failed to answer this request; it has been logged.");
  }
  void reply.code(mlflow.status).type("application/json").send(JSON.stringify(mlflow.toJSON()));
}
