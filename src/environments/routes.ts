import type { Logger } from "pino";
import { z } from "zod";
import { ProblemError, problems } from "../core/errors.ts";
import type { RouteRegistry } from "../http/routes.ts";
import { mayAddWork } from "../identity/policy.ts";
import type { Environments } from "./service.ts";
import { BuildEnvironmentSchema, BuildStartedSchema, ENVIRONMENT_KEY, EnvironmentSchema, toEnvironmentView } from "./view.ts";

// The Python environments built on this machine: listed for anyone signed in (what packages
// a job gets is no secret; where they live on the server is for Keepers), built ahead of the
// jobs that need them by anyone who may add work, removed by Keepers.

const KeyParams = z.strictObject({
  key: z.string().regex(ENVIRONMENT_KEY, "the environment's full key: 64 hexadecimal characters (`plinth env ls` lists them)").meta({ description: "The environment's key." }),
});

export function registerEnvironmentRoutes(r: RouteRegistry, o: { environments: Environments; logger: Logger }): void {
  const { environments, logger } = o;
  const cache = environments.cache;

  r.add({
    method: "GET",
    url: "/api/v1/environments",
    summary: "The Python environments built on this machine, most recently used first",
    tags: ["environments"],
    response: z.object({ items: z.array(EnvironmentSchema) }),
    handler: async ({ user }) => ({ items: (await cache.list()).map((info) => toEnvironmentView(info, user.role === "admin")) }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/environments/{key}",
    summary: "One built Python environment: its Python, its packages, its size and use",
    description: "While it is being built, answers 404 with the code `environment-building`; after a failed build asked for with POST /api/v1/environments, that build's error.",
    tags: ["environments"],
    params: KeyParams,
    response: EnvironmentSchema,
    handler: async ({ user, params }) => {
      const info = await cache.info(params.key);
      if (info) return toEnvironmentView(info, user.role === "admin");
      if (environments.building(params.key)) {
        throw new ProblemError({ status: 404, title: "Environment being built", code: "environment-building", detail: `Environment ${params.key.slice(0, 12)} is being built.`, hint: "Ask again in a few seconds; `plinth env build` waits for it." });
      }
      const failure = environments.buildFailure(params.key);
      if (failure) throw failure;
      throw problems.notFound("Environment", params.key, "`plinth env ls` lists the built environments; `plinth env build` builds one before a job needs it.");
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/environments",
    summary: "Build a Python environment before the jobs that need it: resolved now, built in the background",
    description: "Answers 202 with the environment's key once its packages are pinned (422 naming a package that cannot be installed); GET /api/v1/environments/{key} says when it is built.",
    tags: ["environments"],
    scope: "jobs",
    body: BuildEnvironmentSchema,
    response: BuildStartedSchema,
    status: 202,
    audit: { notAudited: "an environment is a cache entry that the first job needing it would build anyway" },
    handler: async ({ user, body }) => {
      if (!mayAddWork(user)) {
        throw problems.forbidden(`${user.name} is a viewer wherever they belong: viewers see the team's work but add none.`, "Ask a team admin to make you a member: `plinth teams ls` lists the teams.");
      }
      const resolved = await environments.resolve({ ...(body.python !== undefined && { python: body.python }), packages: body.packages });
      const { built } = await environments.prebuild(resolved, (err) => logger.warn({ err, key: resolved.key }, "could not build an environment asked for ahead of its jobs"));
      return { key: resolved.key, built, python: resolved.python.version, packages: resolved.packages.map((p) => `${p.name}==${p.version}`) };
    },
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/environments/{key}",
    summary: "Remove a built Python environment (Keepers); one a running job uses is refused",
    description: "A job that asks for it later builds it again.",
    tags: ["environments"],
    access: "admin",
    scope: "admin",
    params: KeyParams,
    response: z.object({ removed: z.literal(true), key: z.string() }),
    audit: {
      action: "environment.remove",
      target: ({ params }) => ({ kind: "environment", id: params.key, name: params.key.slice(0, 12) }),
      before: async ({ params }) => {
        const info = await cache.info(params.key);
        return info && { python: info.pythonVersion, packages: info.packages, sizeBytes: info.sizeBytes };
      },
    },
    handler: async ({ params }) => {
      if (environments.building(params.key) && !(await cache.info(params.key))) {
        throw problems.conflict(`Environment ${params.key.slice(0, 12)} is being built.`, "Remove it once it is built and no running job uses it.");
      }
      await cache.remove(params.key);
      return { removed: true as const, key: params.key };
    },
  });
}
