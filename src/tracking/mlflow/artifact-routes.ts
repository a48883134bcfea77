import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { type Scope, scopeAllows } from "../../identity/scopes.ts";
import type { Principal } from "../../identity/service.ts";
import type { Artifacts } from "../artifacts.ts";
import { MlflowError } from "../mlflow-error.ts";
import { stringifyMlflowJson } from "./json.ts";
import { sendMlflowError } from "./routes.ts";

// MLflow's artifact proxy (the `mlflow-artifacts:` scheme, as `mlflow server` serves it):
// PUT, GET and DELETE of `…/artifacts/<experiment>/<run>/artifacts/<path>`, and GET of
// `…/artifacts?path=<folder>` to list a folder. MLflow's clients send log_artifact,
// log_model and download_artifacts here when a run's artifact_uri is mlflow-artifacts:/….

export const ARTIFACT_PREFIXES = ["/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts"] as const;

export function registerMlflowArtifacts(http: FastifyInstance, deps: { artifacts: Artifacts; authenticate: (request: FastifyRequest) => Promise<Principal | null>; logger: Logger }): void {
  const actorFor = async (request: FastifyRequest, scope: Scope): Promise<Principal> => {
    const actor = await deps.authenticate(request);
    if (!actor) throw new MlflowError("UNAUTHENTICATED", "This API needs a valid Plinth token: set MLFLOW_TRACKING_TOKEN (`plinth tokens create --scope tracking`).");
    if (!scopeAllows(actor.scopes, scope)) throw new MlflowError("PERMISSION_DENIED", `This token's scopes (${actor.scopes?.join(", ")}) do not include '${scope}': create one with \`plinth tokens create --scope ${scope}\`.`);
    return actor;
  };
  const pathOf = (request: FastifyRequest) => decodeURIComponent((request.params as { "*": string })["*"] ?? "");
  for (const prefix of ARTIFACT_PREFIXES) {
    void http.register(
      async (app) => {
        // Files arrive as they are, whatever type the client names: the store reads the stream.
        app.removeAllContentTypeParsers();
        app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
        app.setErrorHandler((error, request, reply) => sendMlflowError(deps.logger, request, reply, error));
        app.get("/artifacts", async (request, reply) => {
          const actor = await actorFor(request, "read");
          const path = String((request.query as { path?: unknown }).path ?? "");
          const entries = await deps.artifacts.list(actor, path);
          const files = entries.map((e) => ({ path: e.path.slice(e.path.lastIndexOf("/") + 1), is_dir: e.isDir, ...(e.size !== undefined && { file_size: e.size }) }));
          return reply.type("application/json").send(stringifyMlflowJson(files.length > 0 ? { files } : {}));
        });
        app.get("/artifacts/*", async (request, reply) => {
          const actor = await actorFor(request, "read");
          const file = await deps.artifacts.open(actor, pathOf(request));
          const name = file.path.slice(file.path.lastIndexOf("/") + 1).replace(/[^\w.-]/g, "_");
          return reply
            .type("application/octet-stream")
            .header("content-length", file.size)
            .header("content-disposition", `attachment; filename="${name}"`)
            .send(file.body);
        });
        app.put("/artifacts/*", async (request, reply) => {
          const actor = await actorFor(request, "tracking");
          const length = request.headers["content-length"];
          const declared = typeof length === "string" && /^\d{1,15}$/.test(length) ? Number(length) : undefined;
          await deps.artifacts.put(actor, pathOf(request), request.body as NodeJS.ReadableStream as import("node:stream").Readable, declared);
          return reply.type("application/json").send("{}");
        });
        app.delete("/artifacts/*", async (request, reply) => {
          const actor = await actorFor(request, "tracking");
          await deps.artifacts.delete(actor, pathOf(request));
          return reply.type("application/json").send("{}");
        });
      },
      { prefix },
    );
  }
}
