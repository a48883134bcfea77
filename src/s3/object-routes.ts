import type { Readable } from "node:stream";
import { bucketOf, isoTime, objectHeaders, quoted, type S3Context, sendXml } from "./context.ts";
import { S3Error, s3errors } from "./errors.ts";
import { checkKey } from "./keys.ts";
import { requestBytes } from "./payload.ts";
import { type Bucket, type Conditions, checkConditions, type ObjectView } from "./service.ts";
import { decodeComponent } from "./sigv4.ts";

// Operations on one object: GetObject, HeadObject, PutObject, CopyObject, DeleteObject.

/** The key the path names, checked (control characters, `..`, length) before anything is looked up. */
export function keyOf(ctx: S3Context): string {
  checkKey(ctx.key!);
  return ctx.key!;
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
};

export async function getObject(ctx: S3Context, headOnly: boolean): Promise<void> {
  const bucket = await bucketOf(ctx);
  const key = keyOf(ctx);
  if (ctx.query.has("partNumber")) throw new S3Error("NotImplemented", "GetObject by partNumber is not supported here: ask for a byte range (Range: bytes=…) instead.");
  const view = await ctx.s3.head(ctx.actor, bucket, key);
  const reply = ctx.reply;
  reply.header("etag", quoted(view.etag)).header("last-modified", new Date(view.lastModified).toUTCString()).header("accept-ranges", "bytes");
  if (checkConditions(view, readConditions(ctx, ""), "read") === "not-modified") {
    void reply.code(304).send();
    return;
  }
  const range = parseRange(ctx.header("range"), view.size);
  const checksums = ctx.header("x-amz-checksum-mode")?.toUpperCase() === "ENABLED" && range === null;
  for (const [name, value] of Object.entries(view.metadata)) {
    if (!name.startsWith("x-amz-checksum-") || checksums) reply.header(name, value);
  }
  reply.header("content-type", view.contentType);
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = ctx.query.get(param);
    if (value !== undefined) reply.header(header, value);
  }
  if (range) {
    reply.code(206).header("content-range", `bytes ${range.start}-${range.end}/${view.size}`).header("content-length", range.end - range.start + 1);
  } else {
    reply.code(200).header("content-length", view.size);
  }
  if (headOnly) {
    void reply.send();
    return;
  }
  // The blob is opened for exactly the bytes sent, so the file is read in one go at its size.
  const bytes = range ?? (view.size > 0 ? { start: 0, end: view.size - 1 } : null);
  const body = await ctx.s3.open(view, bytes ?? undefined);
  const length = bytes ? bytes.end - bytes.start + 1 : 0;
  // A small body goes out whole, in the same write as the headers; a larger one streams.
  void reply.send(length <= SMALL_BODY ? await readWhole(body, length) : body);
}

/** Bodies up to this size are read before they are sent: one read and one write each. */
const SMALL_BODY = 64 * 1024;

async function readWhole(body: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (whole.length !== length) throw new Error(`stored object has ${whole.length} bytes where ${length} were expected`);
  return whole;
}

/**
 * A Range header of one range (bytes=a-b, a-, -n) as inclusive offsets; null for none, or for
 * forms S3 ignores (several ranges, another unit). A range that starts past the end is InvalidRange.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return null;
  }
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): S3Error {
  return new S3Error("InvalidRange", "The requested range is not satisfiable.", { ActualObjectSize: String(size) }, { "content-range": `bytes */${size}` });
}

function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The conditional headers of a read (prefix "") or of a copy's source (prefix "x-amz-copy-source-"). */
export function readConditions(ctx: S3Context, prefix: string): Conditions {
  const c: Conditions = {};
  const ifMatch = ctx.header(`${prefix}if-match`);
  const ifNoneMatch = ctx.header(`${prefix}if-none-match`);
  const modified = httpDate(ctx.header(`${prefix}if-modified-since`));
  const unmodified = httpDate(ctx.header(`${prefix}if-unmodified-since`));
  if (ifMatch !== undefined) c.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) c.ifNoneMatch = ifNoneMatch;
  if (modified !== undefined) c.ifModifiedSince = modified;
  if (unmodified !== undefined) c.ifUnmodifiedSince = unmodified;
  return c;
}

export async function putObject(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const key = keyOf(ctx);
  if (ctx.header("x-amz-copy-source") !== undefined) return copyObject(ctx, bucket, key);
  if (ctx.header("if-match") !== undefined) throw new S3Error("NotImplemented", "Conditional writes with If-Match are not supported; If-None-Match: * is.");
  const ifNoneMatch = ctx.header("if-none-match");
  if (ifNoneMatch !== undefined && ifNoneMatch !== "*") throw new S3Error("NotImplemented", "PutObject takes If-None-Match only as '*' (write only if the key is free).");
  const headers = objectHeaders(ctx);
  const bytes = requestBytes(ctx.request.raw, (n) => ctx.header(n), ctx.verified);
  const view = await ctx.s3.put(ctx.actor, bucket, key, bytes, headers, { ifNoneMatch: ifNoneMatch === "*" });
  const checksum = bytes.digests().checksum;
  if (checksum) ctx.reply.header(checksum.header, checksum.value);
  void ctx.reply.code(200).header("etag", quoted(view.etag)).send();
}

/** x-amz-copy-source: "bucket/key" or "/bucket/key", URL-encoded, maybe with ?versionId=null. */
export function copySource(value: string): { bucket: string; key: string } {
  const q = value.indexOf("?");
  const path = q < 0 ? value : value.slice(0, q);
  const query = q < 0 ? "" : value.slice(q + 1);
  if (query !== "" && query !== "versionId=null") throw s3errors.invalidArgument("x-amz-copy-source", value, "Objects here have no versions: leave versionId out of x-amz-copy-source.");
  const decoded = decodeComponent(path.startsWith("/") ? path.slice(1) : path);
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) throw s3errors.invalidArgument("x-amz-copy-source", value, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.");
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** The object x-amz-copy-source names, if the person may read it. */
export async function copySourceView(ctx: S3Context): Promise<{ bucket: Bucket; key: string; view: ObjectView }> {
  const source = copySource(ctx.header("x-amz-copy-source")!);
  checkKey(source.key);
  const bucket = await ctx.s3.bucket(ctx.actor, source.bucket);
  const view = await ctx.s3.head(ctx.actor, bucket, source.key);
  checkConditions(view, readConditions(ctx, "x-amz-copy-source-"), "copy");
  return { bucket, key: source.key, view };
}

async function copyObject(ctx: S3Context, bucket: Bucket, key: string): Promise<void> {
  const directive = (ctx.header("x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") throw s3errors.invalidArgument("x-amz-metadata-directive", directive, "Unknown metadata directive: COPY or REPLACE.");
  const source = copySource(ctx.header("x-amz-copy-source")!);
  checkKey(source.key);
  const sourceBucket = await ctx.s3.bucket(ctx.actor, source.bucket);
  const view = await ctx.s3.copy(
    ctx.actor,
    { bucket: sourceBucket, key: source.key },
    { bucket, key },
    directive === "REPLACE" ? objectHeaders(ctx) : null,
    readConditions(ctx, "x-amz-copy-source-"),
  );
  sendXml(ctx, "CopyObjectResult", { LastModified: isoTime(view.lastModified), ETag: quoted(view.etag) });
}

export async function deleteObject(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  await ctx.s3.delete(ctx.actor, bucket, keyOf(ctx));
  void ctx.reply.code(204).send();
}
