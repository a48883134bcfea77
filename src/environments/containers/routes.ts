import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { z } from "zod";
import { ProblemError, problems } from "../../core/errors.ts";
import type { RouteRegistry } from "../../http/routes.ts";
import { mayAddWork } from "../../identity/policy.ts";
import type { CodeBundles } from "../../jobs/code-bundles.ts";
import { type ContainerEngine, PODMAN_INSTALL_HINT, requireEngine } from "./engine.ts";
import { ImageBuilds } from "./image-builds.ts";
import { IMAGE_REFERENCE, listImages, resolveImage } from "./images.ts";

// Container images for jobs: those on this machine (listed for anyone signed in, as the Python
// environments are), built from a project's Containerfile by anyone who may add work, removed
// by Keepers. A build's log is its starter's and the Keepers'.

const KEY = /^[0-9a-f]{64}$/;
const KeyParams = z.strictObject({ key: z.string().regex(KEY, "the build's key: 64 hexadecimal characters (POST /api/v1/environments/images answers it)") });

export const ImageSchema = z
  .object({
    reference: z.string().meta({ description: "The name to give in a job spec's environment.image." }),
    id: z.string().meta({ description: "The image's id (sha256 hex): what a job pinned to it runs." }),
    digest: z.string().nullable().meta({ description: "Its manifest digest, as a registry shows it." }),
    names: z.array(z.string()).meta({ description: "Every name the image has on the server." }),
    created: z.string().nullable(),
    sizeBytes: z.number().nullable(),
    builtByPlinth: z.string().nullable().optional().meta({ description: "The key of the `plinth env build` that made it, if Plinth built it." }),
  })
  .meta({ id: "Image", description: "A container image on the server that jobs can run in." });
export type ImageView = z.infer<typeof ImageSchema>;

const BuildImageSchema = z
  .strictObject({
    code: z.string().regex(KEY, "a code bundle id (POST /api/v1/code/bundles answers it)").meta({ description: "The uploaded folder: the build's context." }),
    containerfile: z
      .string()
      .min(1)
      .max(1024)
      .refine((v) => !v.startsWith("/") && !v.split("/").includes(".."), { message: "a path relative to the uploaded folder, without '..'" })
      .default("Containerfile")
      .meta({ description: "The Containerfile (or Dockerfile) in it." }),
  })
  .meta({ id: "BuildImage" });

export function registerImageRoutes(r: RouteRegistry, o: { containers: () => ContainerEngine | string; bundles: CodeBundles; builds: ImageBuilds; whoBuilds: "members" | "keepers" | "off"; logger: Logger }): void {
  const engine = () => requireEngine(o.containers(), 503);

  r.add({
    method: "GET",
    url: "/api/v1/environments/images",
    summary: "The container images on this machine that jobs can run in, newest first",
    description: "Where the server runs no containers, answers no images and `unavailable`: why, and what a Keeper does about it.",
    tags: ["environments"],
    response: z.object({
      items: z.array(ImageSchema),
      unavailable: z.object({ detail: z.string(), hint: z.string() }).optional().meta({ description: "Present when the server runs no containers: why, and the remedy." }),
    }),
    handler: async ({ user }) => {
      const found = o.containers();
      if (typeof found === "string") return { items: [], unavailable: { detail: found, hint: PODMAN_INSTALL_HINT } };
      // An image built from someone's folder holds its files: listed to those who may use it.
      const images = await listImages(found);
      const usable = await Promise.all(images.map((i) => (i.build ? o.builds.mayUse(user, i.build) : true)));
      return { items: images.filter((_, n) => usable[n]) };
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/environments/images",
    summary: "Build a container image from a Containerfile in an uploaded folder: checked now, built in the background",
    description: "Answers 202 with the build's key and the image name jobs give (`environment: {image: NAME}`); the same folder builds once. GET /api/v1/environments/images/{key} says when it is built.",
    tags: ["environments"],
    scope: "jobs",
    body: BuildImageSchema,
    response: z.object({ key: z.string(), image: z.string(), built: z.boolean() }),
    status: 202,
    audit: { notAudited: "an image build is a cache entry keyed by its folder's content, like a Python environment" },
    handler: async ({ user, body }) => {
      if (o.whoBuilds === "off") throw problems.forbidden("This server builds no images (environments.containers.builds is off).", "Ask a Keeper to build the image and load it on the server, or use Python packages instead.");
      if (o.whoBuilds === "keepers" && user.role !== "admin") throw problems.forbidden("On this server only Keepers build images (environments.containers.builds is keepers).", "Ask a Keeper to build it from your Containerfile, or use an image already on the server (`plinth env ls`).");
      if (!mayAddWork(user)) {
        throw problems.forbidden(`${user.name} is a viewer wherever they belong: viewers see the team's work but add none.`, "Ask a team admin to make you a member: `plinth teams ls` lists the teams.");
      }
      engine();
      if (!(await o.bundles.exists(body.code)) || !(await o.bundles.mayUse(user.userId, body.code))) {
        throw problems.unprocessable("Code bundle not found", `No folder ${body.code} was uploaded by you.`, "`plinth env build --containerfile` uploads the folder first.", [{ path: "code", message: "unknown bundle" }]);
      }
      return o.builds.start({ bundle: body.code, containerfile: body.containerfile }, user);
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/environments/images/{key}",
    summary: "A build's image once built; 404 `environment-building` while it runs, its error once it failed",
    tags: ["environments"],
    params: KeyParams,
    response: ImageSchema,
    handler: async ({ params, user }) => {
      engine();
      if (!(await o.builds.mayUse(user, params.key))) throw problems.notFound("Image build", params.key, "`plinth env build --containerfile` builds one; `plinth env ls` lists the images.");
      const state = await o.builds.state(params.key);
      if (state.state === "built") return state.image;
      if (state.state === "building") throw new ProblemError({ status: 404, title: "Image being built", code: "environment-building", detail: `Image ${ImageBuilds.tagOf(params.key)} is being built.`, hint: "Ask again in a few seconds; `plinth env build` waits for it." });
      if (state.state === "failed") throw state.problem;
      throw problems.notFound("Image build", params.key, "`plinth env build --containerfile` builds one; `plinth env ls` lists the images.");
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/environments/images/{key}/log",
    summary: "What an image build printed (podman build's output), for whoever started it and Keepers",
    tags: ["environments"],
    params: KeyParams,
    response: null,
    produces: "text/plain",
    handler: async ({ params, reply, user }) => {
      const text = (await o.builds.mayReadLog(user, params.key)) ? await readFile(o.builds.logPath(params.key), "utf8").catch(() => null) : null;
      if (text === null) throw problems.notFound("Image build log", params.key, "A build's log is shown to whoever started the build, and to Keepers.");
      reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").header("x-content-type-options", "nosniff");
      return reply.send(text);
    },
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/environments/images/{reference}",
    summary: "Remove a container image's name from the machine, and the image with its last name (Keepers); one a job's container uses is refused",
    description: "Jobs pinned to it that have not started yet fail to start; jobs that ran in it keep its id in their record.",
    tags: ["environments"],
    access: "admin",
    scope: "admin",
    params: z.strictObject({ reference: z.string().regex(IMAGE_REFERENCE, "an image name or id").meta({ description: "The image's name or id (URL-encoded)." }) }),
    response: z.object({ removed: z.literal(true), id: z.string() }),
    audit: {
      action: "image.remove",
      target: ({ params }) => ({ kind: "image", id: params.reference, name: params.reference }),
    },
    handler: async ({ params }) => {
      const image = await resolveImage(engine(), params.reference, null);
      // By the name given: an image with other names loses only this one.
      const r = await engine().run({ args: ["rmi", "--", params.reference], timeoutMs: 120_000 });
      if (r.code !== 0) {
        if (/in use|being used|has dependent/i.test(r.stderr)) throw problems.conflict(`Image ${params.reference} is in use by a container or another image.`, "Remove it once the jobs running in it have ended (and images built FROM it are removed).");
        throw new ProblemError({ status: 500, title: "Container engine failed", code: "container-engine-failed", detail: `podman could not remove ${params.reference}: ${r.stderr.trim()}`, hint: "A Keeper can run `podman rmi` on the server to see more." });
      }
      o.logger.info({ image: image.id, reference: params.reference }, "removed a container image");
      return { removed: true as const, id: image.id };
    },
  });
}
