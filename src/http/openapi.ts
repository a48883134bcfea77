import { z } from "zod";
import { ProblemSchema } from "./problem-schema.ts";
import type { RouteRegistry } from "./routes.ts";

// Builds the OpenAPI 3.1 document from the registered routes' zod schemas.
export function buildOpenApi(registry: RouteRegistry, info: { version: string }): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const toSchema = (schema: z.ZodType, io: "input" | "output") => {
    const json = z.toJSONSchema(schema, {
      io,
      unrepresentable: "any",
      target: "draft-2020-12",
      override: (ctx) => {
        // Refinements can't be expressed; the description says what is accepted.
        // zod leaves out the default of a field whose input is preprocessed (queryInteger); a
        // number reads the same on both sides, so it is put back.
        const def = ctx.zodSchema._zod.def;
        if (io === "input" && def.type === "default" && ctx.jsonSchema.default === undefined && typeof def.defaultValue === "number") {
          ctx.jsonSchema.default = def.defaultValue;
        }
      },
    }) as Record<string, any>;
    if (json.$defs) {
      for (const [name, def] of Object.entries(json.$defs)) components[name] = rewriteRefs(def);
      delete json.$defs;
    }
    delete json.$schema;
    return rewriteRefs(json);
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { def } of registry.routes) {
    const op: Record<string, unknown> = {
      summary: def.summary,
      ...(def.description && { description: def.description }),
      tags: def.tags,
      operationId: operationId(def.method, def.url),
      ...((def.access ?? "user") !== "public" ? { security: [{ bearer: [] }] } : { security: [] }),
    };
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ["path", def.params],
      ["query", def.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema, "input");
      for (const [name, prop] of Object.entries<any>(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema: prop, ...(prop.description && { description: prop.description }) });
      }
    }
    if (parameters.length) op.parameters = parameters;
    if (def.body) {
      op.requestBody = { required: true, content: { [def.consumes ?? "application/json"]: { schema: toSchema(def.body, "input") } } };
    }
    const status = String(def.status ?? 200);
    op.responses = {
      [status]:
        def.response === null
          ? { description: "Stream", content: { [def.produces ?? "application/octet-stream"]: { schema: { type: "string" } } } }
          : { description: "OK", content: { "application/json": { schema: toSchema(def.response, "output") } } },
      default: { description: "Problem", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
    };
    // `{*path}` (the rest of the path, slashes included) is a plain parameter to OpenAPI.
    const path = def.url.replace("{*", "{");
    paths[path] ??= {};
    paths[path]![def.method.toLowerCase()] = op;
  }
  // ProblemSchema has an id, so toSchema files its definition under components itself;
  // assigning the result would replace it with a $ref to itself.
  toSchema(ProblemSchema, "output");
  return {
    openapi: "3.1.0",
    info: { title: "Plinth API", version: info.version, description: "The Plinth platform API. Every error is an RFC 9457 problem document with a hint." },
    servers: [{ url: "/" }],
    paths,
    components: { schemas: components, securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  };
}

function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "$ref" && typeof v === "string" ? v.replace("#/$defs/", "#/components/schemas/") : rewriteRefs(v);
    }
    return out as T;
  }
  return value;
}

function operationId(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v1\//, "")
    .split("/")
    .map((p) => (p.startsWith("{") ? `by-${p.slice(1, -1).replace("*", "")}` : p))
    .join("-");
  return `${method.toLowerCase()}-${words}`.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
