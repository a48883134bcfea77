import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { fieldErrorsFromZod, problems } from "../core/errors.ts";
import { type Scope, scopeAllows } from "../identity/scopes.ts";
import type { Principal } from "../identity/service.ts";
import { type RouteAudit, type RouteAuditor, runAudited } from "./route-audit.ts";

// One way to declare a route: zod schemas for params, query, body and response. The same
// declaration validates requests and feeds the OpenAPI document, so nothing is described twice.

export type Access = "public" | "user" | "admin";

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  user: Principal;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  summary: string;
  description?: string;
  tags: string[];
  access?: Access;
  /**
   * The token scope the route needs (identity/scopes.ts): `read` for a GET and `admin` for
   * anything else unless it says otherwise, so a new route is closed to narrow tokens by default.
   */
  scope?: Scope;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * How a change reaches the audit log; every route that is not a GET declares it (see
   * route-audit.ts; test/integration/audit-routes.test.ts holds each route to it).
   */
  audit?: RouteAudit<RouteContext<z.output<P>, z.output<Q>, z.output<B>>, z.input<R>>;
  /** What to tell someone whose body did not validate, when the generic advice is not the best. */
  bodyHint?: string;
  /** Response schema for the success status; `null` for raw streams (described by `produces`). */
  response: R | null;
  status?: number;
  produces?: string;
  consumes?: string;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<z.input<R> | undefined>;
}

export interface RegisteredRoute {
  def: RouteDef<any, any, any, any>;
}

export class RouteRegistry {
  readonly routes: RegisteredRoute[] = [];
  readonly #app: FastifyInstance;
  readonly #authenticate: (request: FastifyRequest) => Promise<Principal | null>;
  readonly #auditor: RouteAuditor | undefined;

  constructor(app: FastifyInstance, authenticate: (request: FastifyRequest) => Promise<Principal | null>, auditor?: RouteAuditor) {
    this.#app = app;
    this.#authenticate = authenticate;
    this.#auditor = auditor;
  }

  add<P extends z.ZodType = z.ZodObject<Record<string, never>>, Q extends z.ZodType = z.ZodObject<Record<string, never>>, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(
    def: RouteDef<P, Q, B, R>,
  ): void {
    this.routes.push({ def: def as RouteDef<any, any, any, any> });
    const access = def.access ?? "user";
    this.#app.route({
      method: def.method,
      // `{*path}` (last) takes the rest of the path, slashes included.
      url: def.url.replace(/\{\*\w+\}$/, "*").replace(/\{(\w+)\}/g, ":$1"),
      handler: async (request, reply) => {
        let user: Principal | null = null;
        if (access !== "public") {
          user = await this.#authenticate(request);
          if (!user) throw problems.unauthorized("This API needs a valid token.");
          if (access === "admin" && user.role !== "admin") {
            throw problems.forbidden("This action is for admins.", "Ask one of your platform's admins.");
          }
          const scope = def.scope ?? (def.method === "GET" ? "read" : "admin");
          if (!scopeAllows(user.scopes, scope)) {
            throw problems.forbidden(
              `This token's scopes (${user.scopes?.join(", ")}) do not include '${scope}', which ${def.method} ${def.url} needs.`,
              `Create a token with that scope: \`plinth tokens create --scope ${scope}\`.`,
            );
          }
        }
        const params = parse(def.params, withRest(def.url, request.params), "path");
        const query = parse(def.query, request.query ?? {}, "query");
        const body = def.body ? parse(def.body, request.body, "body", def.bodyHint) : undefined;
        const ctx = { params, query, body, user: user!, request, reply } as any;
        const result = this.#auditor && def.method !== "GET" ? await runAudited(this.#auditor, def.audit, `${def.method} ${def.url}`, ctx, () => def.handler(ctx)) : await def.handler(ctx);
        if (reply.sent || def.response === null) return reply;
        reply.code(def.status ?? 200);
        if (result === undefined) return reply.send();
        return result;
      },
    });
  }
}

/** Route parameters, the wildcard `*` under the name its `{*name}` gives it. */
function withRest(url: string, raw: unknown): unknown {
  const rest = /\{\*(\w+)\}$/.exec(url);
  if (!rest || !raw || typeof raw !== "object") return raw ?? {};
  const { "*": value, ...others } = raw as Record<string, unknown>;
  return { ...others, [rest[1]!]: value };
}

function parse(schema: z.ZodType | undefined, value: unknown, where: "path" | "query" | "body", hint?: string): any {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrorsFromZod(result.error.issues, where);
  const first = errors[0]!;
  throw problems.badRequest(
    errors.length === 1 ? `${first.path}: ${first.message}` : `${errors.length} problems, first ${first.path}: ${first.message}`,
    hint ?? (where === "body" ? "Fix each field this error names; the OpenAPI document at /api/v1/openapi.json describes every field." : `Check each ${where} parameter this error names.`),
    errors,
  );
}

/**
 * Query-string whole numbers, for every numeric query parameter: digits only, so an empty
 * `?limit=` is an error naming the parameter rather than a silent 0 (as `z.coerce.number()`
 * would have it), and `0x10`, `1e3` or ` 5` are refused too. The OpenAPI document still calls
 * the parameter an integer with its bounds.
 */
export function queryInteger(bounds: { min: number; max?: number }) {
  const integer = z
    .number({
      error: (issue) => {
        if (issue.code !== "invalid_type") return undefined;
        return issue.input === "" ? "is empty; give a whole number, or leave the parameter out" : `must be a whole number, not '${String(issue.input).slice(0, 50)}'`;
      },
    })
    .int();
  return z.preprocess(
    (value) => (typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value),
    integer.min(bounds.min).max(bounds.max ?? Number.MAX_SAFE_INTEGER),
  );
}

/** Query-string booleans: "true"/"1" and "false"/"0". */
export const queryBoolean = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
  .transform((v) => v === true || v === "true" || v === "1");
