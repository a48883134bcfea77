import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { RouteAudit } from "../http/route-audit.ts";
import { queryInteger, type RouteContext, type RouteRegistry } from "../http/routes.ts";
import { contentLength, rawBody } from "./blobs.ts";
import { sendFile } from "./download.ts";
import type { DataService } from "./service.ts";
import {
  BlobPutSchema,
  BlobsMissingSchema,
  DatasetDetailSchema,
  DatasetListSchema,
  DatasetNameSchema,
  DatasetVersionDetailSchema,
  DatasetVersionSchema,
  DiffSchema,
  FilePathSchema,
  GcResultSchema,
  PatchDatasetSchema,
  PresignedSchema,
  PresignSchema,
  PreviewSchema,
  PushResultSchema,
  PushVersionSchema,
  SetAliasSchema,
  Sha256Schema,
  StartUploadSchema,
  UploadSessionSchema,
} from "./spec.ts";

// The data API: datasets, versions, tags, files, and the transfers that fill them. Every
// route asks the data service, which asks the one policy; what a person may not read answers
// 404. Bodies of bytes stream in and out; nothing holds a whole file.

const TAGS = ["data"];
const Name = z.strictObject({ name: DatasetNameSchema });
const NameVersion = z.strictObject({ name: DatasetNameSchema, version: z.string().min(1).max(80).meta({ description: "`v3`, `3`, an alias (`latest`, `prod`) or `sha256:<hex>`." }) });
const NameAlias = z.strictObject({ name: DatasetNameSchema, alias: z.string().min(1).max(128) });
const TeamQuery = z.strictObject({
  team: z.string().min(1).max(64).optional().meta({ description: "The dataset's team; left out: the one of that name in your teams (your primary team first)." }),
});
const UploadId = z.strictObject({ id: z.string().min(1).max(64) });

type Ctx<P> = RouteContext<P, z.output<typeof TeamQuery>, unknown>;
type DetailLike = { id: string; name: string; team: string; teamId: string };

export function registerDataRoutes(r: RouteRegistry, data: DataService, opts: { publicUrl?: string | undefined } = {}): void {
  const datasetTarget = (d: DetailLike | null, version?: number) =>
    d ? { kind: "dataset", id: d.id, name: `${d.team}/${d.name}${version === undefined ? "" : `@v${version}`}`, teamId: d.teamId } : null;
  const before = ({ user, params, query }: Ctx<{ name: string }>) => data.get(user, params.name, query.team).catch(() => null);
  const summary = (d: { visibility: string; description: string; expectations: unknown } | null) =>
    d ? { visibility: d.visibility, description: d.description, expectations: d.expectations } : null;

  r.add({
    method: "GET",
    url: "/api/v1/datasets",
    summary: "Datasets you may read, the most recently changed first; search with q",
    tags: TAGS,
    query: z.strictObject({
      q: z.string().max(200).optional().meta({ description: "Words in the name or description." }),
      team: z.string().min(1).max(64).optional().meta({ description: "Only this team's datasets." }),
      limit: queryInteger({ min: 1, max: 500 }).default(50),
      cursor: z.string().max(400).optional().meta({ description: "`next` from the previous page." }),
    }),
    response: DatasetListSchema,
    handler: ({ user, query }) => data.list(user, query),
  });

  r.add({
    method: "GET",
    url: "/api/v1/datasets/{name}",
    summary: "A dataset: its versions (newest first), tags and expectations",
    tags: TAGS,
    params: Name,
    query: TeamQuery,
    response: DatasetDetailSchema,
    handler: ({ user, params, query }) => data.get(user, params.name, query.team),
  });

  r.add({
    method: "PATCH",
    url: "/api/v1/datasets/{name}",
    summary: "Change a dataset's description, visibility or expectations (its owner and the team's admins)",
    tags: TAGS,
    scope: "data",
    params: Name,
    query: TeamQuery,
    body: PatchDatasetSchema,
    response: DatasetDetailSchema,
    audit: {
      action: "dataset.update",
      before,
      target: (_ctx, d) => datasetTarget(d),
      after: (_ctx, d) => summary(d),
    } satisfies RouteAudit,
    handler: ({ user, params, query, body }) => data.patch(user, params.name, query.team, body),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/datasets/{name}",
    summary: "Remove a dataset with all its versions (its owner and the team's admins); the bytes go at the next garbage collection",
    tags: TAGS,
    scope: "data",
    params: Name,
    query: TeamQuery,
    response: z.object({ removed: z.literal(true), versions: z.number().int() }),
    audit: { action: "dataset.remove", before, target: (_ctx, _r, d) => datasetTarget(d), after: () => null } satisfies RouteAudit,
    handler: async ({ user, params, query }) => {
      const d = await data.get(user, params.name, query.team);
      await data.remove(user, params.name, query.team);
      return { removed: true as const, versions: d.versions.length };
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/datasets/{name}/versions",
    summary: "Push a version: the manifest of its files; creates the dataset on first push and lists blobs to upload first",
    description:
      "A blob counts as present only if you uploaded it or it is in a version you may read. An unchanged manifest answers the latest version with `created: false`. Tables (CSV, TSV, Parquet) are profiled and the dataset's expectations checked; a malformed table or a broken rule is a 422 that names the file, the column and the rule.",
    tags: TAGS,
    scope: "data",
    params: Name,
    query: TeamQuery,
    body: PushVersionSchema,
    response: PushResultSchema,
    audit: {
      action: "dataset.push",
      // A push that made nothing (blobs missing, nothing changed, no tags) changed nothing.
      target: async ({ user, params, query, body }, result) =>
        result.version && (result.created || (body.tags?.length ?? 0) > 0) ? datasetTarget(await data.get(user, params.name, query.team), result.version.number) : null,
      after: (_ctx, result) => result.version && { version: result.version.number, digest: result.version.digest, files: result.version.fileCount, bytes: result.version.totalBytes, aliases: result.version.aliases, created: result.created },
    } satisfies RouteAudit<RouteContext<{ name: string }, { team?: string | undefined }, { tags?: string[] | undefined }>, z.input<typeof PushResultSchema>>,
    handler: ({ user, params, query, body }) => data.push(user, params.name, query.team, body),
  });

  r.add({
    method: "GET",
    url: "/api/v1/datasets/{name}/versions",
    summary: "Every version of a dataset, newest first",
    tags: TAGS,
    params: Name,
    query: TeamQuery,
    response: z.array(DatasetVersionSchema),
    handler: ({ user, params, query }) => data.versions(user, params.name, query.team),
  });

  r.add({
    method: "GET",
    url: "/api/v1/datasets/{name}/versions/{version}",
    summary: "A version: its files with their table profiles, the job that made it and the jobs that read it",
    tags: TAGS,
    params: NameVersion,
    query: TeamQuery,
    response: DatasetVersionDetailSchema,
    handler: ({ user, params, query }) => data.version(user, params.name, query.team, params.version),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/datasets/{name}/versions/{version}",
    summary: "Remove a version and the tags on it (its owner and the team's admins); `latest` moves to the newest left",
    tags: TAGS,
    scope: "data",
    params: NameVersion,
    query: TeamQuery,
    response: z.object({ removed: z.literal(true), version: z.number().int() }),
    audit: {
      action: "dataset.version.remove",
      before,
      target: (_ctx, result, d) => datasetTarget(d, result.version),
      after: () => null,
    } satisfies RouteAudit<Ctx<{ name: string; version: string }>, { version: number }>,
    handler: async ({ user, params, query }) => {
      const { version } = await data.removeVersion(user, params.name, query.team, params.version);
      return { removed: true as const, version: version.number };
    },
  });

  r.add({
    method: "PUT",
    url: "/api/v1/datasets/{name}/aliases/{alias}",
    summary: "Point a tag (prod, candidate…) at a version (its owner and the team's admins)",
    tags: TAGS,
    scope: "data",
    params: NameAlias,
    query: TeamQuery,
    body: SetAliasSchema,
    response: z.object({ alias: z.string(), version: z.number().int() }),
    audit: {
      action: "dataset.tag",
      before: async (ctx: Ctx<{ name: string; alias: string }>) => {
        const d = await before(ctx);
        return d && { ...d, was: d.aliases[ctx.params.alias] ?? null };
      },
      target: (_ctx, _result, d) => datasetTarget(d),
      after: (_ctx, result, d) => ({ alias: result.alias, version: result.version, was: d?.was ?? null }),
    } satisfies RouteAudit<Ctx<{ name: string; alias: string }>, { alias: string; version: number }>,
    handler: ({ user, params, query, body }) => data.setAlias(user, params.name, query.team, params.alias, body.version),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/datasets/{name}/aliases/{alias}",
    summary: "Remove a tag (its owner and the team's admins); `latest` stays",
    tags: TAGS,
    scope: "data",
    params: NameAlias,
    query: TeamQuery,
    response: z.object({ removed: z.literal(true) }),
    audit: {
      action: "dataset.untag",
      before,
      target: (_ctx, _result, d) => datasetTarget(d),
      after: ({ params }: Ctx<{ name: string; alias: string }>) => ({ alias: params.alias, removed: true }),
    } satisfies RouteAudit<Ctx<{ name: string; alias: string }>>,
    handler: async ({ user, params, query }) => {
      await data.removeAlias(user, params.name, query.team, params.alias);
      return { removed: true as const };
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/datasets/{name}/versions/{version}/files/{*path}",
    summary: "Download one file of a version (Range, If-None-Match and If-Range supported)",
    tags: TAGS,
    params: NameVersion.extend({ path: FilePathSchema }),
    query: TeamQuery,
    response: null,
    produces: "application/octet-stream",
    handler: async ({ user, params, query, request, reply }) => {
      const f = await data.file(user, params.name, query.team, params.version, params.path);
      return sendFile(request, reply, data.blobs, f);
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/datasets/{name}/versions/{version}/preview",
    summary: "The first rows of a table (CSV, TSV, Parquet) of a version, with its profile",
    tags: TAGS,
    params: NameVersion,
    query: TeamQuery.extend({ path: FilePathSchema, limit: queryInteger({ min: 1, max: 1000 }).default(50) }),
    response: PreviewSchema,
    handler: ({ user, params, query }) => data.preview(user, params.name, query.team, params.version, query.path, query.limit),
  });

  r.add({
    method: "GET",
    url: "/api/v1/datasets/{name}/diff",
    summary: "Files added, removed and changed between two versions",
    tags: TAGS,
    params: Name,
    query: TeamQuery.extend({
      from: z.string().min(1).max(80).meta({ description: "The older version: `v1`, an alias or `sha256:<hex>`." }),
      to: z.string().min(1).max(80).default("latest").meta({ description: "The newer version (default: latest)." }),
    }),
    response: DiffSchema,
    handler: ({ user, params, query }) => data.diff(user, params.name, query.team, query.from, query.to),
  });

  r.add({
    method: "POST",
    url: "/api/v1/datasets/{name}/versions/{version}/url",
    summary: "A presigned download link for one file: works without a token until it expires",
    tags: TAGS,
    scope: "data",
    params: NameVersion,
    query: TeamQuery,
    body: PresignSchema,
    response: PresignedSchema,
    audit: {
      action: "dataset.link",
      before,
      target: (_ctx: Ctx<{ name: string; version: string }>, _result: unknown, d) => datasetTarget(d),
      after: (ctx: Ctx<{ name: string; version: string }> & { body: { path: string } }, result: { expiresAt: string }) => ({ version: ctx.params.version, path: ctx.body.path, expiresAt: result.expiresAt }),
    },
    handler: ({ user, params, query, body, request }) => data.presign(user, params.name, query.team, params.version, body.path, body.expiresIn, originOf(request, opts.publicUrl)),
  });

  r.add({
    method: "GET",
    url: "/api/v1/data/signed",
    summary: "Download through a presigned link (no token: the link's signature and expiry are checked)",
    tags: TAGS,
    access: "public",
    query: z.record(z.string(), z.union([z.string(), z.array(z.string())])).meta({ description: "The link's fields, expiry and signature, exactly as given." }),
    response: null,
    produces: "application/octet-stream",
    handler: async ({ query, request, reply }) => {
      const f = await data.openSigned(query);
      return sendFile(request, reply, data.blobs, f);
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/data/blobs/missing",
    summary: "Which of these blobs you must upload before pushing a version that names them",
    tags: TAGS,
    scope: "data",
    body: BlobsMissingSchema,
    response: z.object({ missing: z.array(z.string()) }),
    audit: { notAudited: "asks which blobs are missing; changes nothing" },
    handler: async ({ user, body }) => ({ missing: await data.missingBlobs(user, body.sha256) }),
  });

  r.add({
    method: "PUT",
    url: "/api/v1/data/blobs/{sha256}",
    summary: "Upload one file's bytes (application/octet-stream, Content-Length required); checked against the sha256 the URL names",
    tags: TAGS,
    scope: "data",
    params: z.strictObject({ sha256: Sha256Schema }),
    query: z.strictObject({ team: z.string().min(1).max(64).optional().meta({ description: "The team whose byte quota it counts against; default: your primary team." }) }),
    consumes: "application/octet-stream",
    response: BlobPutSchema,
    status: 201,
    audit: { notAudited: "a file's bytes are recorded with the dataset version that names them (dataset.push)" },
    handler: ({ user, params, query, request }) => data.putBlob(user, params.sha256, rawBody(request.body), contentLength(request.headers["content-length"]), query.team),
  });

  r.add({
    method: "POST",
    url: "/api/v1/data/uploads",
    summary: "Start (or resume) a resumable upload of one large file; answers the parts already received",
    tags: TAGS,
    scope: "data",
    body: StartUploadSchema,
    response: UploadSessionSchema,
    audit: { notAudited: "a file's bytes are recorded with the dataset version that names them (dataset.push)" },
    handler: ({ user, body }) => data.uploads.start(user, body),
  });

  r.add({
    method: "GET",
    url: "/api/v1/data/uploads/{id}",
    summary: "A resumable upload: its part size and the parts received so far",
    tags: TAGS,
    params: UploadId,
    response: UploadSessionSchema,
    handler: ({ user, params }) => data.uploads.show(user, params.id),
  });

  r.add({
    method: "PUT",
    url: "/api/v1/data/uploads/{id}/parts/{n}",
    summary: "Send one part of a resumable upload (application/octet-stream); parts go in any order, and again if one failed",
    tags: TAGS,
    scope: "data",
    params: UploadId.extend({ n: z.preprocess((v) => (typeof v === "string" && /^[0-9]{1,6}$/.test(v) ? Number(v) : v), z.number().int().min(1).max(10_000)) }),
    consumes: "application/octet-stream",
    response: z.object({ number: z.number().int(), size: z.number().int() }),
    audit: { notAudited: "a part of an upload; the file is recorded with the dataset version that names it" },
    handler: ({ user, params, request }) => data.uploads.putPart(user, params.id, params.n, rawBody(request.body), contentLength(request.headers["content-length"])),
  });

  r.add({
    method: "POST",
    url: "/api/v1/data/uploads/{id}/complete",
    summary: "Finish a resumable upload: the parts are joined and checked against the file's sha256 and size",
    tags: TAGS,
    scope: "data",
    params: UploadId,
    response: BlobPutSchema,
    audit: { notAudited: "a file's bytes are recorded with the dataset version that names them (dataset.push)" },
    handler: ({ user, params }) => data.uploads.complete(user, params.id),
  });

  r.add({
    method: "DELETE",
    url: "/api/v1/data/uploads/{id}",
    summary: "Abandon a resumable upload; the parts received are deleted",
    tags: TAGS,
    scope: "data",
    params: UploadId,
    response: z.object({ removed: z.literal(true) }),
    audit: { notAudited: "abandons an upload of one's own; nothing it held was ever visible" },
    handler: async ({ user, params }) => {
      await data.uploads.abort(user, params.id);
      return { removed: true as const };
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/data/gc",
    summary: "Collect garbage now: delete blobs no version names any more, after the grace period (Keepers)",
    tags: TAGS,
    access: "admin",
    scope: "admin",
    response: GcResultSchema,
    audit: { action: "data.gc", recordedBy: "service" },
    handler: ({ user }) => data.collectGarbage(user),
  });
}

/** Where the client reached this server, for links it hands out: server.publicUrl when set. */
function originOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
