import { readFile } from "node:fs/promises";
import { z } from "zod";
import { problems } from "../core/errors.ts";
import type { EventBus } from "../core/events.ts";
import type { RouteRegistry } from "../http/routes.ts";
import { queryBoolean, queryInteger } from "../http/routes.ts";
import type { IdentityService } from "../identity/service.ts";
import { blobAudit, bundleAudit, jobAudits } from "./audit.ts";
import { JobLineageSchema } from "./data-spec.ts";
import { BundleResultSchema, type CodeBundles, ManifestSchema } from "./code-bundles.ts";
import { type LogMasks, secretNamesOf } from "./log-mask.ts";
import { logStream } from "./log-stream.ts";
import { byteRange, logSize, rangeNotSatisfiable, startOfLastLines } from "./log-window.ts";
import { GpuInfoSchema } from "./view.ts";
import type { JobService } from "./service.ts";
import { JOB_STATES, JobSpecSchema } from "./spec.ts";
import { JOB_SORTS } from "./store.ts";
import { JobDetailSchema, JobSchema } from "./view.ts";

const IdParams = z.strictObject({ id: z.string().min(1).max(64) });

const ListQuery = z.strictObject({
  state: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      const states = s.split(",").map((x) => x.trim());
      for (const st of states) {
        if (!(JOB_STATES as readonly string[]).includes(st)) {
          ctx.addIssue({ code: "custom", message: `unknown state '${st}'; one of ${JOB_STATES.join(", ")}` });
          return z.NEVER;
        }
      }
      return states as (typeof JOB_STATES)[number][];
    })
    .meta({ description: "Comma-separated states, e.g. queued,running." }),
  user: z.string().optional().meta({ description: "User name; `me` for yourself." }),
  name: z.string().optional(),
  label: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v, ctx) => {
      const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
      const pairs: Array<[string, string]> = [];
      for (const item of list) {
        const i = item.indexOf("=");
        if (i <= 0) {
          ctx.addIssue({ code: "custom", message: `label filter '${item}' must be key=value` });
          return z.NEVER;
        }
        pairs.push([item.slice(0, i), item.slice(i + 1)]);
      }
      return pairs;
    })
    .meta({ description: "key=value; repeat for several." }),
  sort: z.enum(JOB_SORTS).default("created").meta({ description: "created (submission time), name or state; ties by submission time." }),
  order: z.enum(["asc", "desc"]).default("desc").meta({ description: "Direction of the sort; newest first by default." }),
  cursor: z.string().max(64).optional().meta({ description: "`nextCursor` from the previous page." }),
  limit: queryInteger({ min: 1, max: 500 }).default(50),
});

export function registerJobRoutes(r: RouteRegistry, deps: { jobs: JobService; identity: IdentityService; bundles: CodeBundles; bus: EventBus; masks: LogMasks }): void {
  const { jobs, identity, bundles, bus, masks } = deps;
  const audits = jobAudits(jobs);

  r.add({
    method: "POST",
    url: "/api/v1/jobs",
    summary: "Submit a job",
    tags: ["jobs"],
    scope: "jobs",
    body: JobSpecSchema,
    bodyHint: "Fix each field this error names. `plinth run --help` lists the flags; docs/reference/job-spec.md describes every field of a job spec.",
    response: JobSchema,
    status: 201,
    audit: audits.submit,
    handler: ({ user, request }) => jobs.submit(user, request.body),
  });

  r.add({
    method: "GET",
    url: "/api/v1/jobs",
    summary: "List jobs, newest first, one page at a time",
    tags: ["jobs"],
    query: ListQuery,
    response: z.object({ items: z.array(JobSchema), nextCursor: z.string().nullable() }).meta({ id: "JobPage" }),
    handler: async ({ query, user }) => {
      let userId: string | undefined;
      if (query.user === "me") userId = user.userId;
      else if (query.user) {
        const found = await identity.userIdNamed(query.user);
        if (!found) return { items: [], nextCursor: null };
        userId = found;
      }
      return jobs.list({
        visibleTo: user,
        states: query.state,
        userId,
        name: query.name,
        labels: query.label,
        after: query.cursor,
        sort: query.sort,
        order: query.order,
        limit: query.limit,
      });
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/jobs/{id}",
    summary: "A job with its timeline",
    tags: ["jobs"],
    params: IdParams,
    response: JobDetailSchema,
    handler: ({ params, user }) => jobs.get(user, params.id),
  });

  r.add({
    method: "GET",
    url: "/api/v1/jobs/{id}/environment-log",
    summary: "What preparing a job's Python environment printed: uv's build output, or that it was ready",
    tags: ["jobs"],
    params: IdParams,
    response: null,
    produces: "text/plain",
    handler: async ({ params, reply, user }) => {
      await jobs.get(user, params.id); // 404 for unknown jobs and those the caller may not see
      const text = await readFile(jobs.environmentLogPath(params.id), "utf8").catch(() => null);
      if (text === null) {
        throw problems.notFound("Environment log", params.id, "A job has one once it has started with an `environment` in its spec; `plinth jobs show` says whether it has one.");
      }
      reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").header("x-content-type-options", "nosniff");
      return reply.send(await masks.maskText(params.id, undefined, text));
    },
  });

  r.add({
    method: "GET",
    url: "/api/v1/jobs/{id}/lineage",
    summary: "The dataset versions a job read and the ones it produced",
    tags: ["jobs"],
    params: IdParams,
    response: JobLineageSchema,
    handler: ({ params, user }) => jobs.lineage(user, params.id),
  });

  r.add({
    method: "GET",
    url: "/api/v1/jobs/{id}/logs",
    summary: "A job's output (stdout and stderr); with follow=true, streams until the job ends",
    description: [
      "Without parameters, the whole log, streamed. For part of it:",
      [
        "- `Range: bytes=-4194304` (curl -r -4194304) answers 206 with the last 4 MiB and `Content-Range: bytes <first>-<last>/<size>`;",
        "  `bytes=<from>-` resumes a download (curl -C -); a range beyond the end answers 416 with `Content-Range: bytes */<size>`.",
        "- `tail=N` starts at the last N lines, as tail -n; with follow=true it then keeps streaming.",
        "- `offset=N` starts at byte N: to follow on from a range, ask for follow=true&offset=<last + 1>.",
      ].join("\n"),
      "A Range header goes with none of follow, offset or tail.",
    ].join("\n\n"),
    tags: ["jobs"],
    params: IdParams,
    query: z
      .strictObject({
        follow: queryBoolean.default(false),
        offset: queryInteger({ min: 0 }).default(0).meta({ description: "Start at this byte of the log." }),
        tail: queryInteger({ min: 0 }).optional().meta({ description: "Start at the last N lines (as tail -n); not with offset." }),
      })
      .refine((q) => q.tail === undefined || q.offset === 0, { path: ["tail"], message: "give tail or offset, not both" }),
    response: null,
    produces: "text/plain",
    handler: async ({ params, query, request, reply, user }) => {
      const job = await jobs.get(user, params.id); // 404 for unknown jobs and those the caller may not see
      // Free for a job that names no secrets; for one that does, its values are shown as *.
      const mask = await masks.forJob(params.id, secretNamesOf(job.spec));
      const path = jobs.logPath(params.id);
      reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").header("x-content-type-options", "nosniff");
      let offset = query.tail === undefined ? query.offset : await startOfLastLines(path, query.tail);
      let length: number | undefined;
      const range = request.headers.range;
      if (range !== undefined) {
        if (query.follow || query.offset > 0 || query.tail !== undefined) {
          throw problems.badRequest(
            "A Range header goes with none of follow, offset or tail.",
            "Take the end with 'Range: bytes=-N' first, then follow on with ?follow=true&offset=<the size from Content-Range>.",
          );
        }
        // If-Range asks for the range only if the log is unchanged; a growing log has no validator to match.
        const size = await logSize(path);
        const answer = request.headers["if-range"] === undefined ? byteRange(range, size) : ({ kind: "whole" } as const);
        if (answer.kind === "unsatisfiable") {
          reply.header("content-range", `bytes */${size}`);
          throw rangeNotSatisfiable(size);
        }
        if (answer.kind === "partial") {
          offset = answer.start;
          length = answer.end - answer.start + 1;
          reply.code(206).header("content-range", `bytes ${answer.start}-${answer.end}/${size}`).header("content-length", length);
        }
      }
      if (!query.follow) reply.header("accept-ranges", "bytes");
      const stream = logStream({ path, offset, length, follow: query.follow, jobId: params.id, bus, isActive: () => jobs.isActive(params.id), mask });
      reply.raw.on("close", () => stream.destroy());
      return reply.send(stream);
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/jobs/{id}/cancel",
    summary: "Cancel a job (SIGTERM to its processes, SIGKILL after the grace period)",
    tags: ["jobs"],
    scope: "jobs",
    params: IdParams,
    response: JobSchema,
    audit: audits.cancel,
    handler: ({ params, user }) => jobs.cancel(user, params.id),
  });

  r.add({
    method: "POST",
    url: "/api/v1/jobs/{id}/retry",
    summary: "Run a finished job again as a new job",
    tags: ["jobs"],
    scope: "jobs",
    params: IdParams,
    response: JobSchema,
    status: 201,
    audit: audits.retry,
    handler: ({ params, user }) => jobs.retry(user, params.id),
  });

  r.add({
    method: "GET",
    url: "/api/v1/cluster",
    summary: "Nodes, their CPUs, memory and GPUs, what holds each GPU, and the queue in run order",
    tags: ["jobs"],
    response: z
      .object({
        nodes: z.array(
          z.object({
            name: z.string(),
            cpus: z.number(),
            memoryBytes: z.number(),
            cpusAllocated: z.number(),
            memoryAllocated: z.number(),
            gpus: z.array(
              GpuInfoSchema.extend({
                jobId: z.string().nullable().meta({ description: "The job holding the GPU, when you may see it." }),
                busy: z.boolean().meta({ description: "Whether a job holds the GPU, yours to see or not." }),
              }),
            ),
          }),
        ),
        queue: z
          .array(z.object({ jobId: z.string(), position: z.number().int(), expectedStartAt: z.string().nullable() }))
          .meta({ description: "The queued jobs you may see; positions count every queued job." }),
        executors: z
          .array(
            z.object({
              name: z.string(),
              kind: z.enum(["slurm", "kubernetes"]),
              error: z.string().nullable().meta({ description: "Why its nodes could not be read just now; null when they were." }),
              readAt: z.string(),
              nodes: z.array(
                z.object({
                  name: z.string(),
                  groups: z.array(z.string()).meta({ description: "Slurm partitions, or the Kubernetes node pool." }),
                  cpus: z.number(),
                  memoryBytes: z.number(),
                  gpus: z.array(z.object({ model: z.string(), count: z.number().int() })),
                  state: z.string(),
                  usable: z.boolean(),
                }),
              ),
            }),
          )
          .meta({ description: "The clusters jobs can also run on (`executors` in the server's settings), with their nodes as the cluster reports them." }),
      })
      .meta({ id: "Cluster" }),
    handler: async ({ user }) => {
      const { forecast, allocations } = jobs.queue();
      // Everyone sees how busy the machines are; only the jobs they may see are named.
      const visible = await jobs.access.visibleAmong(user, [...allocations.map((a) => a.id), ...forecast.map((f) => f.jobId)]);
      const held = new Map<string, string | null>();
      for (const a of allocations) for (const g of a.gpuIndices) held.set(`${a.node}/${g}`, visible.has(a.id) ? a.id : null);
      return {
        nodes: jobs.nodes.map((n) => {
          const mine = allocations.filter((a) => a.node === n.name);
          return {
            name: n.name,
            cpus: n.cpus,
            memoryBytes: n.memoryBytes,
            cpusAllocated: mine.reduce((s, a) => s + a.cpus, 0),
            memoryAllocated: mine.reduce((s, a) => s + a.memoryBytes, 0),
            gpus: n.gpus.map((g) => ({ ...g, jobId: held.get(`${n.name}/${g.index}`) ?? null, busy: held.has(`${n.name}/${g.index}`) })),
          };
        }),
        queue: forecast.filter((f) => visible.has(f.jobId)).map((f) => ({ jobId: f.jobId, position: f.position, expectedStartAt: f.expectedStartAt === null ? null : new Date(f.expectedStartAt).toISOString() })),
        executors: (await jobs.clusters()).map((c) => ({ ...c, readAt: new Date(c.readAt).toISOString() })),
      };
    },
  });

  r.add({
    method: "POST",
    url: "/api/v1/code/bundles",
    summary: "Register a code bundle by its manifest; lists blobs the server still needs",
    tags: ["code"],
    scope: "jobs",
    body: ManifestSchema,
    response: BundleResultSchema,
    audit: bundleAudit,
    handler: ({ body, user }) => bundles.register(user.userId, body),
  });

  r.add({
    method: "PUT",
    url: "/api/v1/code/blobs/{sha256}",
    summary: "Upload one file's bytes; the URL names their sha256",
    tags: ["code"],
    scope: "jobs",
    params: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest") }),
    consumes: "application/octet-stream",
    response: z.object({ size: z.number() }),
    audit: blobAudit,
    handler: async ({ params, request, user }) => {
      const body = request.body as import("node:stream").Readable | undefined;
      if (!body || typeof (body as any).pipe !== "function") {
        const { problems } = await import("../core/errors.ts");
        throw problems.badRequest("Send the file's bytes with Content-Type: application/octet-stream.", "`plinth run` does this for you.");
      }
      return bundles.putBlob(user.userId, params.sha256, body);
    },
  });
}
