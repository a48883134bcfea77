import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Principal } from "../identity/service.ts";
import { S3Error } from "./errors.ts";
import type { S3Multipart } from "./multipart.ts";
import { requestBytes } from "./payload.ts";
import type { Bucket, ObjectHeaders, S3Service } from "./service.ts";
import type { VerifiedSignature } from "./sigv4.ts";
import { type XmlObject, xmlDocument } from "./xml.ts";

// What every /s3 handler works with: the signed-in person, the bucket and key the path names,
// the query and headers, and small helpers to answer in S3's XML.

export interface S3Context {
  request: FastifyRequest;
  reply: FastifyReply;
  actor: Principal;
  verified: VerifiedSignature;
  /** Decoded; null at /s3 itself. */
  bucketName: string | null;
  /** Decoded; null when the path names only a bucket. */
  key: string | null;
  /** Query parameters, decoded (the first of repeated ones). */
  query: Map<string, string>;
  header(name: string): string | undefined;
  s3: S3Service;
  multipart: S3Multipart;
  requestId: string;
}

export function sendXml(ctx: S3Context, root: string, content: XmlObject, status = 200): void {
  void ctx.reply.code(status).type("application/xml").send(xmlDocument(root, content));
}

/** S3's time in XML: 2009-10-12T17:50:30.000Z. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function quoted(etag: string): string {
  return `"${etag}"`;
}

/** A non-negative whole number from the query; the default when absent. */
export function queryNumber(ctx: S3Context, name: string, fallback: number, max: number): number {
  const value = ctx.query.get(name);
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw new S3Error("InvalidArgument", `${name} must be a whole number from 0.`, { ArgumentName: name, ArgumentValue: value.slice(0, 100) });
  return Math.min(Number(value), max);
}

/** The bucket the path names, if the person may read it. */
export function bucketOf(ctx: S3Context): Promise<Bucket> {
  return ctx.s3.bucket(ctx.actor, ctx.bucketName!);
}

const MAX_METADATA_BYTES = 2048;
/** Headers stored with an object and sent back with it, besides x-amz-meta-*. */
const STORED_HEADERS = ["cache-control", "content-disposition", "content-language", "expires"];

/** Content-Type and the headers kept with an object (x-amz-meta-*, Cache-Control…), from a request. */
export function objectHeaders(ctx: S3Context): ObjectHeaders {
  const metadata: Record<string, string> = {};
  let userBytes = 0;
  for (const name of Object.keys(ctx.request.headers)) {
    const value = ctx.header(name);
    if (value === undefined) continue;
    if (name.startsWith("x-amz-meta-")) {
      metadata[name] = value;
      userBytes += Buffer.byteLength(name.slice("x-amz-meta-".length)) + Buffer.byteLength(value);
    } else if (STORED_HEADERS.includes(name)) metadata[name] = value;
  }
  const encoding = (ctx.header("content-encoding") ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "" && e.toLowerCase() !== "aws-chunked");
  if (encoding.length > 0) metadata["content-encoding"] = encoding.join(", ");
  if (userBytes > MAX_METADATA_BYTES) {
    throw new S3Error("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size: x-amz-meta-* may hold 2 KB in all.", { MaxSizeAllowed: String(MAX_METADATA_BYTES) });
  }
  return { contentType: ctx.header("content-type") ?? "", metadata };
}

const MAX_XML_BODY = 4 * 1024 * 1024;

/** A small request body (an XML document), read whole and checked against its declared hashes. */
export async function readSmallBody(ctx: S3Context): Promise<string> {
  const bytes = requestBytes(ctx.request.raw, (n) => ctx.header(n), ctx.verified);
  if (bytes.size > MAX_XML_BODY) throw new S3Error("MalformedXML", "The XML you provided is larger than 4 MiB.");
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of bytes.body) chunks.push(chunk as Buffer);
  } catch (err) {
    throw bytes.failure() ?? err;
  }
  const body = Buffer.concat(chunks);
  if (body.length !== bytes.size) throw new S3Error("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");
  if (bytes.expectedSha256 !== undefined && createHash("sha256").update(body).digest("hex") !== bytes.expectedSha256) {
    throw new S3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return body.toString("utf8");
}
