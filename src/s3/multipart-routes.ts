import { malformedXml } from "./bucket-routes.ts";
import { CHECKSUM_ALGORITHMS } from "./checksums.ts";
import { bucketOf, isoTime, objectHeaders, queryNumber, quoted, readSmallBody, type S3Context, sendXml } from "./context.ts";
import { errorDocument, S3Error, s3errors } from "./errors.ts";
import { MAX_PARTS } from "./multipart.ts";
import { copySourceView, keyOf } from "./object-routes.ts";
import { requestBytes } from "./payload.ts";
import { uriEncode } from "./sigv4.ts";
import { childrenNamed, childText, parseXml, XmlSyntaxError, xmlDocument } from "./xml.ts";

// CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
// AbortMultipartUpload and ListParts.

/** Completing joins the parts; above this size the answer starts at once and keeps the connection alive. */
const KEEPALIVE_FROM_BYTES = 64 * 1024 ** 2;
const KEEPALIVE_EVERY_MS = 10_000;

function uploadIdOf(ctx: S3Context): string {
  return ctx.query.get("uploadId") ?? "";
}

export async function createUpload(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const key = keyOf(ctx);
  const algorithm = ctx.header("x-amz-checksum-algorithm")?.toLowerCase() ?? null;
  if (algorithm !== null && !(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw s3errors.invalidArgument("x-amz-checksum-algorithm", algorithm, "Checksum algorithm must be one of CRC32, CRC32C, CRC64NVME, SHA1, SHA256.");
  }
  const upload = await ctx.multipart.create(ctx.actor, bucket, key, objectHeaders(ctx), algorithm);
  if (algorithm !== null) ctx.reply.header("x-amz-checksum-algorithm", algorithm.toUpperCase());
  sendXml(ctx, "InitiateMultipartUploadResult", { Bucket: bucket.name, Key: key, UploadId: upload.id });
}

function partNumberOf(ctx: S3Context): number {
  const value = ctx.query.get("partNumber") ?? "";
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PARTS) {
    throw s3errors.invalidArgument("partNumber", value, "Part number must be an integer between 1 and 10000, inclusive.");
  }
  return Number(value);
}

export async function uploadPart(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const key = keyOf(ctx);
  const partNumber = partNumberOf(ctx);
  if (ctx.header("x-amz-copy-source") !== undefined) {
    const source = await copySourceView(ctx);
    const range = copyRange(ctx.header("x-amz-copy-source-range"), source.view.size);
    const part = await ctx.multipart.copyPart(ctx.actor, bucket, key, uploadIdOf(ctx), partNumber, source.view, range);
    sendXml(ctx, "CopyPartResult", { LastModified: isoTime(part.modified_at), ETag: quoted(part.etag) });
    return;
  }
  const upload = await ctx.multipart.upload(bucket, key, uploadIdOf(ctx));
  const bytes = requestBytes(ctx.request.raw, (n) => ctx.header(n), ctx.verified);
  const part = await ctx.multipart.putPart(ctx.actor, bucket, key, upload.id, partNumber, bytes);
  const checksum = bytes.digests().checksum;
  if (checksum) ctx.reply.header(checksum.header, checksum.value);
  void ctx.reply.code(200).header("etag", quoted(part.etag)).send();
}

/** x-amz-copy-source-range: bytes=first-last, inside the source. */
function copyRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= size) {
    throw s3errors.invalidArgument("x-amz-copy-source-range", header, `The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy, within the source object of ${size} bytes.`);
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

function listedParts(text: string): Array<{ number: number; etag: string; checksum?: string }> {
  try {
    const doc = parseXml(text);
    if (doc.name !== "CompleteMultipartUpload") throw new XmlSyntaxError("the root element is not CompleteMultipartUpload");
    return childrenNamed(doc, "Part").map((p) => {
      const number = childText(p, "PartNumber")?.trim() ?? "";
      const etag = childText(p, "ETag");
      if (!/^\d{1,5}$/.test(number) || etag === undefined) throw new XmlSyntaxError("each Part needs a PartNumber and an ETag");
      const checksum = p.children.find((c) => c.name.startsWith("Checksum"))?.text.trim();
      return { number: Number(number), etag, ...(checksum !== undefined && { checksum }) };
    });
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw malformedXml(err.message);
    throw err;
  }
}

export async function completeUpload(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const key = keyOf(ctx);
  const listed = listedParts(await readSmallBody(ctx));
  const plan = await ctx.multipart.prepareComplete(ctx.actor, bucket, key, uploadIdOf(ctx), listed);
  const result = (etag: string) => ({
    Location: `${ctx.request.protocol}://${ctx.request.host}/s3/${bucket.name}/${uriEncode(key, true)}`,
    Bucket: bucket.name,
    Key: key,
    ETag: quoted(etag),
  });
  if (plan.size < KEEPALIVE_FROM_BYTES) {
    const view = await ctx.multipart.finishComplete(ctx.actor, plan);
    sendXml(ctx, "CompleteMultipartUploadResult", result(view.etag));
    return;
  }
  // Joining gigabytes takes a while: answer 200 now and send a space every few seconds so
  // that clients do not time out, then the result — or an error document, which S3 clients
  // look for in a 200 answer to this call.
  ctx.reply.hijack();
  const raw = ctx.reply.raw;
  raw.writeHead(200, { "content-type": "application/xml", "x-amz-request-id": ctx.requestId });
  raw.write('<?xml version="1.0" encoding="UTF-8"?>\n');
  const timer = setInterval(() => raw.write(" "), KEEPALIVE_EVERY_MS);
  const body = (doc: string) => doc.replace(/^<\?xml[^>]*>\n/, "");
  try {
    const view = await ctx.multipart.finishComplete(ctx.actor, plan);
    raw.end(body(xmlDocument("CompleteMultipartUploadResult", result(view.etag))));
  } catch (err) {
    if (!(err instanceof S3Error)) ctx.request.log.error({ err, url: ctx.request.url }, "completing a multipart upload failed");
    const error = err instanceof S3Error ? err : new S3Error("InternalError", "We encountered an internal error completing the upload. Please try again.");
    raw.end(body(errorDocument(error, `/s3/${bucket.name}/${key}`, ctx.requestId)));
  } finally {
    clearInterval(timer);
  }
}

export async function abortUpload(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  await ctx.multipart.abort(ctx.actor, bucket, keyOf(ctx), uploadIdOf(ctx));
  void ctx.reply.code(204).send();
}

export async function listParts(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const key = keyOf(ctx);
  const marker = queryNumber(ctx, "part-number-marker", 0, MAX_PARTS);
  const max = queryNumber(ctx, "max-parts", 1000, 1000);
  const { upload, parts, truncated } = await ctx.multipart.parts(bucket, key, uploadIdOf(ctx), marker, max);
  const algorithm = upload.checksum_algorithm?.toUpperCase();
  sendXml(ctx, "ListPartsResult", {
    Bucket: bucket.name,
    Key: key,
    UploadId: upload.id,
    Initiator: { ID: upload.created_by },
    Owner: { ID: upload.created_by },
    StorageClass: "STANDARD",
    PartNumberMarker: marker,
    ...(truncated && parts.length > 0 && { NextPartNumberMarker: parts[parts.length - 1]!.part_number }),
    MaxParts: max,
    IsTruncated: truncated,
    ...(algorithm && { ChecksumAlgorithm: algorithm }),
    Part: parts.map((p) => ({
      PartNumber: p.part_number,
      LastModified: isoTime(p.modified_at),
      ETag: quoted(p.etag),
      Size: p.size,
      ...(algorithm && p.checksum !== null && { [`Checksum${algorithm}`]: p.checksum }),
    })),
  });
}
