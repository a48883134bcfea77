import type { FastifyRequest } from "fastify";
import type { Scope } from "../../identity/scopes.ts";
import type { Principal } from "../../identity/service.ts";

// One endpoint of MLflow's REST API as the endpoint lists declare it (routes.ts serves them),
// and what the lists share for reading requests.

export interface MlflowRequest {
  actor: Principal;
  /** The JSON body (POST, PATCH, DELETE) or the query parameters (GET). */
  input: Record<string, unknown>;
  request: FastifyRequest;
}

export interface MlflowEndpoint {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Below the prefix, e.g. `/runs/create`; a path parameter as fastify writes it (`/logged-models/:model_id`), read from `request.params`. */
  path: string;
  /** What the token must allow: `read` for lookups and searches, `tracking` for changes. */
  scope: Scope;
  handler(req: MlflowRequest): Promise<unknown>;
}

/** A list of {key, value} as a client sends it; anything else is an empty list. */
export function tagList(value: unknown): Array<{ key?: unknown; value?: unknown }> {
  return Array.isArray(value) ? value.filter((v): v is { key?: unknown; value?: unknown } => typeof v === "object" && v !== null) : [];
}
