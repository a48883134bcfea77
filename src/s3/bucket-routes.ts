import { bucketOf, isoTime, queryNumber, quoted, readSmallBody, type S3Context, sendXml } from "./context.ts";
import { S3Error, s3errors } from "./errors.ts";
import type { ListEntry, ListPage } from "./listing.ts";
import { uriEncode } from "./sigv4.ts";
import { childrenNamed, childText, parseXml, XmlSyntaxError, type XmlObject } from "./xml.ts";

// Operations on the service and on buckets: ListBuckets, HeadBucket, GetBucketLocation,
// ListObjects (V1 and V2), DeleteObjects, ListMultipartUploads, and the bucket calls that
// Plinth answers with an explanation because its buckets are teams.

const MAX_KEYS = 1000;

export async function listBuckets(ctx: S3Context): Promise<void> {
  const buckets = await ctx.s3.buckets(ctx.actor);
  sendXml(ctx, "ListAllMyBucketsResult", {
    Owner: { ID: ctx.actor.userId, DisplayName: ctx.actor.name },
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: isoTime(b.createdAt) })) },
  });
}

export async function headBucket(ctx: S3Context): Promise<void> {
  await bucketOf(ctx);
  void ctx.reply.code(200).header("x-amz-bucket-region", "us-east-1").send();
}

export async function bucketLocation(ctx: S3Context): Promise<void> {
  await bucketOf(ctx);
  // Empty: us-east-1, which every client accepts; the endpoint takes any region in signatures.
  void ctx.reply.type("application/xml").send('<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>');
}

export async function bucketVersioning(ctx: S3Context): Promise<void> {
  await bucketOf(ctx);
  sendXml(ctx, "VersioningConfiguration", {});
}

/** CreateBucket: buckets are teams, made by Keepers; an existing one of yours answers as S3 does. */
export async function createBucket(ctx: S3Context): Promise<void> {
  const bucket = await ctx.s3.bucket(ctx.actor, ctx.bucketName!).catch(() => null);
  if (bucket) throw new S3Error("BucketAlreadyOwnedByYou", `Your previous request to create the named bucket succeeded and you already own it: team ${bucket.name} is yours to use.`, { BucketName: bucket.name });
  throw s3errors.accessDenied("buckets are Plinth teams and cannot be created here. A Keeper creates a team with `plinth teams add NAME`; its members then find its bucket here.");
}

export async function deleteBucket(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  throw new S3Error("MethodNotAllowed", `Buckets are Plinth teams: team ${bucket.name} cannot be deleted through S3. Delete its objects instead.`, { Method: "DELETE", ResourceType: "BUCKET" });
}

function listParams(ctx: S3Context): { prefix: string; delimiter: string; maxKeys: number; encode: (s: string) => string; encoding: string | undefined } {
  const encoding = ctx.query.get("encoding-type");
  if (encoding !== undefined && encoding !== "url") throw s3errors.invalidArgument("encoding-type", encoding, "Invalid Encoding Method specified in Request: encoding-type may only be 'url'.");
  return {
    prefix: ctx.query.get("prefix") ?? "",
    delimiter: ctx.query.get("delimiter") ?? "",
    maxKeys: queryNumber(ctx, "max-keys", MAX_KEYS, MAX_KEYS),
    encode: encoding === "url" ? (s) => uriEncode(s, true) : (s) => s,
    encoding,
  };
}

function contents(page: ListPage, encode: (s: string) => string, owner: boolean): XmlObject[] {
  return page.entries.map((e: ListEntry) => ({
    Key: encode(e.key),
    LastModified: isoTime(e.lastModified),
    ETag: quoted(e.etag),
    Size: e.size,
    StorageClass: "STANDARD",
    ...(owner && e.ownerId !== null && { Owner: { ID: e.ownerId } }),
  }));
}

/** ListObjectsV2: continuation tokens are the last key or prefix of the page, base64url. */
export async function listObjectsV2(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const p = listParams(ctx);
  const token = ctx.query.get("continuation-token");
  const startAfter = ctx.query.get("start-after");
  let after: string | null = startAfter ?? null;
  if (token !== undefined) {
    const decoded = Buffer.from(token, "base64url").toString("utf8");
    if (token === "" || Buffer.from(decoded, "utf8").toString("base64url") !== token) throw s3errors.invalidArgument("continuation-token", token, "The continuation token provided is incorrect.");
    after = decoded;
  }
  const page = await ctx.s3.list(ctx.actor, bucket, { prefix: p.prefix, delimiter: p.delimiter, after, maxKeys: p.maxKeys });
  sendXml(ctx, "ListBucketResult", {
    Name: bucket.name,
    Prefix: p.encode(p.prefix),
    ...(startAfter !== undefined && { StartAfter: p.encode(startAfter) }),
    ...(token !== undefined && { ContinuationToken: token }),
    KeyCount: page.entries.length + page.commonPrefixes.length,
    MaxKeys: p.maxKeys,
    ...(p.delimiter !== "" && { Delimiter: p.encode(p.delimiter) }),
    IsTruncated: page.truncated,
    ...(page.truncated && page.last !== null && { NextContinuationToken: Buffer.from(page.last, "utf8").toString("base64url") }),
    ...(p.encoding && { EncodingType: p.encoding }),
    Contents: contents(page, p.encode, ctx.query.get("fetch-owner") === "true"),
    CommonPrefixes: page.commonPrefixes.map((c) => ({ Prefix: p.encode(c) })),
  });
}

/** ListObjects (V1): NextMarker only with a delimiter, as S3 does; otherwise clients use the last key. */
export async function listObjectsV1(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const p = listParams(ctx);
  const marker = ctx.query.get("marker") ?? "";
  const page = await ctx.s3.list(ctx.actor, bucket, { prefix: p.prefix, delimiter: p.delimiter, after: marker === "" ? null : marker, maxKeys: p.maxKeys });
  sendXml(ctx, "ListBucketResult", {
    Name: bucket.name,
    Prefix: p.encode(p.prefix),
    Marker: p.encode(marker),
    MaxKeys: p.maxKeys,
    ...(p.delimiter !== "" && { Delimiter: p.encode(p.delimiter) }),
    IsTruncated: page.truncated,
    ...(page.truncated && p.delimiter !== "" && page.last !== null && { NextMarker: p.encode(page.last) }),
    ...(p.encoding && { EncodingType: p.encoding }),
    Contents: contents(page, p.encode, true),
    CommonPrefixes: page.commonPrefixes.map((c) => ({ Prefix: p.encode(c) })),
  });
}

/** DeleteObjects (POST ?delete): up to 1,000 keys; Quiet answers only the failures. */
export async function deleteObjects(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const text = await readSmallBody(ctx);
  let keys: string[];
  let quiet: boolean;
  try {
    const doc = parseXml(text);
    if (doc.name !== "Delete") throw new XmlSyntaxError("the root element is not Delete");
    keys = childrenNamed(doc, "Object").map((o) => {
      const key = childText(o, "Key");
      if (key === undefined) throw new XmlSyntaxError("an Object without a Key");
      return key;
    });
    quiet = childText(doc, "Quiet")?.trim().toLowerCase() === "true";
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw malformedXml(err.message);
    throw err;
  }
  if (keys.length === 0 || keys.length > 1000) throw malformedXml("list from 1 to 1,000 objects");
  const results = await ctx.s3.deleteMany(ctx.actor, bucket, keys);
  sendXml(ctx, "DeleteResult", {
    Deleted: results.filter((r) => !r.error && !quiet).map((r) => ({ Key: r.key })),
    Error: results.filter((r) => r.error).map((r) => ({ Key: r.key, Code: r.error!.code, Message: r.error!.message })),
  });
}

export function malformedXml(why: string): S3Error {
  return new S3Error("MalformedXML", `The XML you provided was not well-formed or did not validate against our published schema: ${why}.`);
}

/** ListMultipartUploads: the bucket's unfinished uploads, by key then upload id. */
export async function listUploads(ctx: S3Context): Promise<void> {
  const bucket = await bucketOf(ctx);
  const prefix = ctx.query.get("prefix") ?? "";
  const keyMarker = ctx.query.get("key-marker") ?? "";
  const idMarker = ctx.query.get("upload-id-marker") ?? "";
  const max = queryNumber(ctx, "max-uploads", 1000, 1000);
  const marker = keyMarker === "" ? null : { key: keyMarker, id: idMarker === "" ? "\u{10FFFF}" : idMarker };
  const { uploads, truncated } = await ctx.multipart.uploads(bucket, prefix, marker, max);
  const last = uploads[uploads.length - 1];
  sendXml(ctx, "ListMultipartUploadsResult", {
    Bucket: bucket.name,
    KeyMarker: keyMarker,
    UploadIdMarker: idMarker,
    ...(truncated && last && { NextKeyMarker: last.key, NextUploadIdMarker: last.id }),
    Prefix: prefix,
    MaxUploads: max,
    IsTruncated: truncated,
    Upload: uploads.map((u) => ({
      Key: u.key,
      UploadId: u.id,
      Initiator: { ID: u.created_by },
      Owner: { ID: u.created_by },
      StorageClass: "STANDARD",
      Initiated: isoTime(u.initiated_at),
    })),
  });
}
