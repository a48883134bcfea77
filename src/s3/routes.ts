import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { ProblemError } from "../core/errors.ts";
import { clientOf, type RouteAuditor } from "../http/route-audit.ts";
import type { Principal } from "../identity/service.ts";
import * as buckets from "./bucket-routes.ts";
import type { S3Context } from "./context.ts";
import { errorDocument, S3Error, s3errors } from "./errors.ts";
import * as multipart from "./multipart-routes.ts";
import type { S3Multipart } from "./multipart.ts";
import * as objects from "./object-routes.ts";
import type { S3Service } from "./service.ts";
import { claimedV2, isPresignedV2, verifyV2 } from "./sigv2.ts";
import { SigningKeys } from "./signing-keys.ts";
import { claimedSignature, decodeComponent, headerValues, parseQuery, type SignableRequest, verifySignature } from "./sigv4.ts";

// The S3-compatible endpoint under /s3, path-style: /s3/<bucket>/<key>. It lives in its own
// Fastify context, so that it alone takes any body as a raw stream and answers errors as S3
// error documents rather than the API's problem documents. Every request is signed with a
// Plinth access key (AWS Signature V4: header or presigned URL; presigned URLs of Signature V2
// too, as boto3 makes them by default); there is no anonymous access.

export const S3_PREFIX = "/s3";

/** What the endpoint needs of the identity module's access keys. */
export interface AccessKeySecrets {
  /** The same object for a key as long as nothing about it changed: signing keys are kept beside it. */
  accessKeySecret(id: string): Promise<{ readonly secret: string; readonly principal: Principal } | null>;
}

export interface S3RouteDeps {
  s3: S3Service;
  multipart: S3Multipart;
  keys: AccessKeySecrets;
  audit: RouteAuditor;
  clock: Clock;
  logger: Logger;
}

interface Handling extends S3RouteDeps {
  signingKeys: SigningKeys;
}

const METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"] as const;

/** Sub-resources of the S3 API that Plinth does not offer (ACLs, policies, tagging…). */
const UNSUPPORTED = [
  "acl",
  "policy",
  "cors",
  "lifecycle",
  "tagging",
  "encryption",
  "object-lock",
  "website",
  "logging",
  "notification",
  "replication",
  "accelerate",
  "requestPayment",
  "ownershipControls",
  "publicAccessBlock",
  "analytics",
  "metrics",
  "inventory",
  "intelligent-tiering",
  "retention",
  "legal-hold",
  "torrent",
  "restore",
  "select",
  "attributes",
  "versions",
  "policyStatus",
];

export function registerS3(http: FastifyInstance, routeDeps: S3RouteDeps): void {
  const deps: Handling = { ...routeDeps, signingKeys: new SigningKeys() };
  void http.register(
    async (app) => {
      // Bodies stay unread streams: the handlers decode and store them as they arrive.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
      app.setErrorHandler((error, request, reply) => sendError(deps.logger, request, reply, error));
      app.setNotFoundHandler((request, reply) => sendError(deps.logger, request, reply, new S3Error("MethodNotAllowed", `The ${request.method.slice(0, 20)} method is not allowed against this resource.`)));
      for (const url of ["/", "/*"]) {
        app.route({
          method: [...METHODS],
          url,
          exposeHeadRoute: false,
          // The reply is returned so that Fastify waits for it: a streamed body is sent after the handler returns.
          handler: async (request, reply) => {
            await handle(deps, request, reply);
            return reply;
          },
        });
      }
    },
    { prefix: S3_PREFIX },
  );
}

/** 16 random hex digits, as S3's request ids; from randomUUID, whose entropy Node draws in batches. */
function newRequestId(): string {
  const uuid = randomUUID();
  return (uuid.slice(0, 8) + uuid.slice(28)).toUpperCase();
}

async function handle(deps: Handling, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const requestId = newRequestId();
  (request as FastifyRequest & { s3RequestId?: string }).s3RequestId = requestId;
  reply.header("x-amz-request-id", requestId);
  const target = request.raw.url ?? "/";
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  const headers = headerValues(request.raw.rawHeaders);
  const signable: SignableRequest = { method: request.method, rawPath, rawQuery, rawHeaders: request.raw.rawHeaders, headers };
  const { bucketName, key } = parsePath(rawPath);
  const actor = await authenticate(deps, signable);
  const query = new Map<string, string>();
  for (const [k, v] of parseQuery(rawQuery)) if (!query.has(k)) query.set(k, v);
  const ctx: S3Context = {
    request,
    reply,
    actor: actor.principal,
    verified: actor.verified,
    bucketName,
    key,
    query,
    header: (name) => headers.get(name),
    s3: deps.s3,
    multipart: deps.multipart,
    requestId,
  };
  await deps.audit.within(clientOf(request), () => dispatch(ctx));
}

/** /s3, /s3/<bucket>, /s3/<bucket>/<key…> — the key may hold slashes, and may end with one. */
export function parsePath(rawPath: string): { bucketName: string | null; key: string | null } {
  const rest = rawPath.slice(S3_PREFIX.length);
  if (rest === "" || rest === "/") return { bucketName: null, key: null };
  const slash = rest.indexOf("/", 1);
  if (slash < 0 || slash === rest.length - 1) return { bucketName: decodeComponent(rest.slice(1, slash < 0 ? undefined : slash)), key: null };
  return { bucketName: decodeComponent(rest.slice(1, slash)), key: decodeComponent(rest.slice(slash + 1)) };
}

async function authenticate(deps: Handling, signable: SignableRequest) {
  if (isPresignedV2(signable.rawQuery) && !signable.headers!.has("authorization")) {
    const v2 = claimedV2(signable);
    const key = await secretOf(deps, v2.accessKeyId);
    return { principal: key.principal, verified: verifyV2(signable, v2, key.secret, deps.clock.now(), S3_PREFIX) };
  }
  const claimed = claimedSignature(signable);
  if (!claimed) {
    throw new S3Error("AccessDenied", "Access Denied: anonymous requests are not accepted. Sign requests with a Plinth access key: `plinth access-keys create` makes one.");
  }
  const key = await secretOf(deps, claimed.credential.accessKeyId);
  const verified = verifySignature(signable, claimed, deps.signingKeys.of(key, claimed.credential), deps.clock.now());
  return { principal: key.principal, verified };
}

async function secretOf(deps: Handling, accessKeyId: string): Promise<{ readonly secret: string; readonly principal: Principal }> {
  const key = await deps.keys.accessKeySecret(accessKeyId);
  if (!key) {
    throw new S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records: it is unknown or was revoked. `plinth access-keys ls` lists your keys.", {
      AWSAccessKeyId: accessKeyId.slice(0, 40),
    });
  }
  return key;
}

async function dispatch(ctx: S3Context): Promise<void> {
  const method = ctx.request.method;
  const has = (name: string) => ctx.query.has(name);
  const unsupported = UNSUPPORTED.find(has);
  if (unsupported) throw new S3Error("NotImplemented", `The ${unsupported} sub-resource is not supported by Plinth's S3 endpoint.`);
  const version = ctx.query.get("versionId");
  if (version !== undefined && version !== "null") throw s3errors.invalidArgument("versionId", version, "Objects here have no versions: leave versionId out.");
  if (ctx.bucketName === null) {
    if (method === "GET") return buckets.listBuckets(ctx);
    throw methodNotAllowed(method, "SERVICE");
  }
  if (ctx.key === null) {
    switch (method) {
      case "GET":
        if (has("location")) return buckets.bucketLocation(ctx);
        if (has("versioning")) return buckets.bucketVersioning(ctx);
        if (has("uploads")) return buckets.listUploads(ctx);
        if (ctx.query.get("list-type") === "2") return buckets.listObjectsV2(ctx);
        return buckets.listObjectsV1(ctx);
      case "HEAD":
        return buckets.headBucket(ctx);
      case "PUT":
        return buckets.createBucket(ctx);
      case "DELETE":
        return buckets.deleteBucket(ctx);
      case "POST":
        if (has("delete")) return buckets.deleteObjects(ctx);
    }
    throw methodNotAllowed(method, "BUCKET");
  }
  switch (method) {
    case "GET":
      if (has("uploadId")) return multipart.listParts(ctx);
      return objects.getObject(ctx, false);
    case "HEAD":
      return objects.getObject(ctx, true);
    case "PUT":
      if (has("uploadId") || has("partNumber")) return multipart.uploadPart(ctx);
      return objects.putObject(ctx);
    case "DELETE":
      if (has("uploadId")) return multipart.abortUpload(ctx);
      return objects.deleteObject(ctx);
    case "POST":
      if (has("uploads")) return multipart.createUpload(ctx);
      if (has("uploadId")) return multipart.completeUpload(ctx);
  }
  throw methodNotAllowed(method, "OBJECT");
}

function methodNotAllowed(method: string, resource: string): S3Error {
  return new S3Error("MethodNotAllowed", `The ${method} method is not allowed against this resource.`, { Method: method, ResourceType: resource });
}

/** A refused upload's body is read and dropped when small, so the client reads the answer on a live connection. */
const DRAIN_BYTES = 16 * 1024 ** 2;
const DRAIN_MS = 5_000;

async function settleBody(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const raw = request.raw;
  if (raw.readableEnded || raw.destroyed || (request.method !== "PUT" && request.method !== "POST")) return;
  const declared = Number(raw.headers["x-amz-decoded-content-length"] ?? raw.headers["content-length"] ?? Number.NaN);
  if (declared <= DRAIN_BYTES) {
    await new Promise<void>((done) => {
      const timer = setTimeout(done, DRAIN_MS);
      const finish = () => {
        clearTimeout(timer);
        done();
      };
      raw.once("end", finish).once("close", finish).once("error", finish);
      // Whatever it was piped into has given up on it.
      raw.unpipe();
      raw.resume();
    });
  }
  // Whatever is still unread would stall the connection: close it after answering.
  if (!raw.readableEnded) reply.header("connection", "close");
}

/** Any failure as an S3 error document (a HEAD gets the status alone). */
async function sendError(logger: Logger, request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  const s3error = toS3Error(error);
  if (s3error.code === "InternalError") logger.error({ err: error, method: request.method, url: request.url.split("?")[0] }, "S3 request failed");
  const requestId = (request as FastifyRequest & { s3RequestId?: string }).s3RequestId ?? newRequestId();
  await settleBody(request, reply);
  reply.code(s3error.status).headers({ "x-amz-request-id": requestId, ...s3error.headers });
  if (request.method === "HEAD") return reply.send();
  const resource = (request.raw.url ?? "").split("?")[0]!;
  return reply.type("application/xml").send(errorDocument(s3error, resource.slice(0, 1100), requestId));
}

export function toS3Error(error: unknown): S3Error {
  if (error instanceof S3Error) return error;
  if (error instanceof ProblemError) {
    const p = error.problem;
    const message = [p.detail ?? p.title, p.hint].filter(Boolean).join(" ");
    if (p.status === 413) return new S3Error("QuotaExceeded", message);
    if (p.status === 404) return new S3Error("NoSuchKey", message);
    if (p.status === 403 || p.status === 401) return new S3Error("AccessDenied", message);
    if (p.status >= 400 && p.status < 500) return new S3Error("InvalidRequest", message);
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === "number" && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new S3Error("InvalidRequest", fastify.message ?? "The request is not valid.");
  }
  return new S3Error("InternalError", "We encountered an internal error. Please try again.");
}
