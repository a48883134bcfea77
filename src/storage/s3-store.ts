import { Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { pipeline, type Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { exactLength } from "./fs-store.ts";
import {
  type ByteRange,
  checkKey,
  type MultipartOptions,
  type MultipartPart,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from "./object-store.ts";

// Objects in a bucket of any S3-compatible service, through the plain S3 API only: no vendor
// extensions, no checksum headers a service may not know, path-style addressing by default.
// Tested against s3s-fs; the same calls work on MinIO, AWS S3, GCS (interoperability), Ceph
// and SeaweedFS.

export interface S3StoreConfig {
  /** Absent: AWS S3's own endpoint for the region. */
  endpoint?: string;
  bucket: string;
  region: string;
  /** Prepended to every key, e.g. "plinth/". */
  prefix?: string;
  forcePathStyle?: boolean;
  /** Absent: the AWS SDK's usual sources (AWS_* variables, ~/.aws, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Keys per ListObjectsV2 page (1000, the S3 maximum, unless a test wants paging). */
  listPageSize?: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The largest object one PutObject or CopyObject may write. */
const SINGLE_REQUEST_MAX = 5 * GiB;
const MAX_PARTS = 10_000;
/** Parts uploaded at once when a body of unknown length is split into parts. */
const PART_CONCURRENCY = 4;

export class S3ObjectStore implements ObjectStore {
  readonly kind = "s3";
  readonly bucket: string;
  readonly client: S3Client;
  readonly #prefix: string;
  readonly #pageSize: number;

  constructor(config: S3StoreConfig) {
    this.bucket = config.bucket;
    this.#prefix = config.prefix ? `${config.prefix.replace(/\/+$/, "")}/` : "";
    this.#pageSize = config.listPageSize ?? 1000;
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint && { endpoint: config.endpoint }),
      forcePathStyle: config.forcePathStyle ?? true,
      ...(config.credentials && { credentials: config.credentials }),
      // Plain requests every S3-compatible service understands: no CRC trailers or
      // aws-chunked bodies unless an operation requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // The SDK would print a line to the console for each upload refused mid-stream (a body of
      // the wrong length, a client gone): the caller already gets the error.
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      requestHandler: {
        httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
      },
    });
  }

  /** Resolves when the bucket answers; rejects with the service's reason otherwise. */
  async checkBucket(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async put(key: string, body: Readable | Buffer | string, opts: PutOptions = {}): Promise<ObjectInfo> {
    const Key = this.#key(key);
    if (typeof body === "string" || Buffer.isBuffer(body)) {
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      if (opts.size !== undefined && opts.size !== bytes.length) throw new Error(`${bytes.length} bytes given, ${opts.size} expected`);
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.length }));
      return { key, size: bytes.length, modifiedAt: Date.now() };
    }
    if (opts.size !== undefined && opts.size <= SINGLE_REQUEST_MAX) {
      // One streamed request; a body of another length fails the stream, and S3 keeps nothing
      // of a request that did not finish.
      const abort = new AbortController();
      const Body = checkedBody(body, opts.size, abort);
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body, ContentLength: opts.size }), { abortSignal: abort.signal });
      return { key, size: opts.size, modifiedAt: Date.now() };
    }
    return this.#putInParts(key, body, opts.size);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(key), ...(range && { Range: `bytes=${range.start}-${range.end ?? ""}` }) }),
      );
      return out.Body as Readable;
    } catch (err) {
      throw notFoundAsEnoent(err, key);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
      return { key, size: out.ContentLength ?? 0, modifiedAt: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#key(key) }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix) checkKey(`${prefix}x`);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.#prefix + prefix, MaxKeys: this.#pageSize, ...(token && { ContinuationToken: token }) }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key?.startsWith(this.#prefix)) continue;
        yield { key: o.Key.slice(this.#prefix.length), size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async copy(from: string, to: string): Promise<ObjectInfo> {
    const source = await this.head(from);
    if (!source) throw notFoundAsEnoent({ name: "NotFound" }, from);
    const CopySource = this.#copySource(from);
    if (source.size <= SINGLE_REQUEST_MAX) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.#key(to), CopySource }));
      return { key: to, size: source.size, modifiedAt: Date.now() };
    }
    // Above 5 GiB S3 copies only part by part.
    const partSize = Math.max(GiB, Math.ceil(source.size / MAX_PARTS));
    const uploadId = await this.startMultipart(to);
    try {
      const parts: MultipartPart[] = [];
      for (let start = 0, n = 1; start < source.size; start += partSize, n++) {
        const end = Math.min(start + partSize, source.size) - 1;
        const out = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: this.#key(to), UploadId: uploadId, PartNumber: n, CopySource, CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ number: n, etag: out.CopyPartResult?.ETag ?? "", size: end - start + 1 });
      }
      return await this.completeMultipart(to, uploadId, parts);
    } catch (err) {
      await this.abortMultipart(to, uploadId).catch(() => undefined);
      throw err;
    }
  }

  async move(from: string, to: string): Promise<ObjectInfo> {
    const info = await this.copy(from, to);
    await this.delete(from);
    return info;
  }

  async startMultipart(key: string, _opts: MultipartOptions = {}): Promise<string> {
    const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.#key(key) }));
    if (!out.UploadId) throw new Error("the S3 service answered no upload id");
    return out.UploadId;
  }

  async putPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<MultipartPart> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) throw new Error(`invalid part number ${partNumber}`);
    const abort = new AbortController();
    const out = await this.client
      .send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: this.#key(key),
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: checkedBody(body, size, abort),
          ContentLength: size,
        }),
        { abortSignal: abort.signal },
      )
      .catch((err) => {
        throw notFoundAsEnoent(err, key);
      });
    const etag = out.ETag ?? "";
    this.#remember(uploadId, partNumber, etag);
    return { number: partNumber, etag, size };
  }

  /**
   * The ETag of the part this process sent last under each number, to tell which of two
   * listed copies counts when a service lists both with the same one-second timestamp.
   */
  readonly #lastSent = new Map<string, string>();

  #remember(uploadId: string, partNumber: number, etag: string): void {
    if (this.#lastSent.size >= 100_000) this.#lastSent.delete(this.#lastSent.keys().next().value!);
    const at = `${uploadId}\n${partNumber}`;
    this.#lastSent.delete(at);
    this.#lastSent.set(at, etag);
  }

  #forget(uploadId: string, parts: number[]): void {
    for (const n of parts) this.#lastSent.delete(`${uploadId}\n${n}`);
  }

  async listParts(key: string, uploadId: string): Promise<MultipartPart[]> {
    // Some services (SeaweedFS) list a part sent twice twice: the one sent last counts.
    const parts = new Map<number, MultipartPart & { at: number }>();
    let marker: string | undefined;
    for (;;) {
      const page = await this.client
        .send(new ListPartsCommand({ Bucket: this.bucket, Key: this.#key(key), UploadId: uploadId, ...(marker && { PartNumberMarker: marker }) }))
        .catch((err) => {
          throw notFoundAsEnoent(err, key);
        });
      for (const p of page.Parts ?? []) {
        const part = { number: p.PartNumber ?? 0, etag: p.ETag ?? "", size: p.Size ?? 0, at: p.LastModified?.getTime() ?? 0 };
        const seen = parts.get(part.number);
        const last = this.#lastSent.get(`${uploadId}\n${part.number}`);
        // The copy this process sent last, when it knows which; otherwise the later timestamp.
        const knownLast = seen && last !== undefined && (part.etag === last) !== (seen.etag === last);
        if (!seen || (knownLast ? part.etag === last : part.at >= seen.at)) parts.set(part.number, part);
      }
      if (!page.IsTruncated || !page.NextPartNumberMarker) break;
      marker = String(page.NextPartNumberMarker);
    }
    return [...parts.values()].sort((a, b) => a.number - b.number).map(({ at: _at, ...part }) => part);
  }

  async completeMultipart(key: string, uploadId: string, parts: MultipartPart[]): Promise<ObjectInfo> {
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.#key(key),
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
      }),
    );
    this.#forget(uploadId, parts.map((p) => p.number));
    return { key, size: parts.reduce((sum, p) => sum + p.size, 0), modifiedAt: Date.now() };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    for (const at of this.#lastSent.keys()) if (at.startsWith(`${uploadId}\n`)) this.#lastSent.delete(at);
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.#key(key), UploadId: uploadId }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async presignGet(key: string, expiresInSeconds: number, downloadName?: string): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.#key(key),
      ...(downloadName && { ResponseContentDisposition: contentDisposition(downloadName) }),
    });
    return getSignedUrl(this.client, command, { expiresIn: Math.max(1, Math.min(Math.round(expiresInSeconds), 7 * 24 * 3600)) });
  }

  localPath(): null {
    return null;
  }

  close(): void {
    this.client.destroy();
  }

  #key(key: string): string {
    return this.#prefix + checkKey(key);
  }

  #copySource(key: string): string {
    return `${this.bucket}/${this.#key(key).split("/").map(encodeURIComponent).join("/")}`;
  }

  /** A body of unknown length (or over 5 GiB): parts of growing size, a few in flight at once. */
  async #putInParts(key: string, body: Readable, size: number | undefined): Promise<ObjectInfo> {
    let partSize = size === undefined ? 8 * MiB : Math.max(8 * MiB, Math.ceil(size / MAX_PARTS));
    let uploadId: string | null = null;
    const parts: MultipartPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let total = 0;
    let failure: unknown = null;
    const send = (n: number, chunk: Buffer) => {
      const p = this.client
        .send(new UploadPartCommand({ Bucket: this.bucket, Key: this.#key(key), UploadId: uploadId!, PartNumber: n, Body: chunk, ContentLength: chunk.length }))
        .then((out) => {
          parts.push({ number: n, etag: out.ETag ?? "", size: chunk.length });
        })
        .catch((err) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    try {
      let buffered: Buffer[] = [];
      let bufferedBytes = 0;
      let n = 0;
      for await (const c of body) {
        const chunk = c as Buffer;
        total += chunk.length;
        if (size !== undefined && total > size) throw new Error(`more than the expected ${size} bytes arrived`);
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        while (bufferedBytes >= partSize) {
          const joined = Buffer.concat(buffered);
          const part = joined.subarray(0, partSize);
          buffered = [joined.subarray(partSize)];
          bufferedBytes = buffered[0]!.length;
          uploadId ??= await this.startMultipart(key);
          n++;
          send(n, part);
          // Unknown length: parts grow, so 10,000 of them reach far beyond a terabyte.
          if (size === undefined && n % 1000 === 0) partSize *= 2;
          while (inFlight.size >= PART_CONCURRENCY) await Promise.race(inFlight);
          if (failure) throw failure;
        }
      }
      if (size !== undefined && total !== size) throw new Error(`${total} bytes arrived, ${size} expected`);
      const rest = Buffer.concat(buffered);
      if (uploadId === null) return await this.put(key, rest);
      if (rest.length > 0 || n === 0) send(++n, rest);
      await Promise.all(inFlight);
      if (failure) throw failure;
      parts.sort((a, b) => a.number - b.number);
      return await this.completeMultipart(key, uploadId, parts);
    } catch (err) {
      await Promise.allSettled(inFlight);
      if (uploadId !== null) await this.abortMultipart(key, uploadId).catch(() => undefined);
      throw err;
    }
  }
}

/**
 * The body, failing unless exactly `size` bytes arrive; any error on the way aborts the
 * request, so the service keeps nothing of it.
 */
function checkedBody(body: Readable, size: number, abort: AbortController): Readable {
  return pipeline(body, exactLength(size), (err) => {
    if (err) abort.abort(err);
  });
}

export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.name === "NoSuchUpload" || e?.$metadata?.httpStatusCode === 404;
}

/** A missing object or upload reads as ENOENT, as on the local folder. */
function notFoundAsEnoent(err: unknown, key: string): unknown {
  if (!isNotFound(err)) return err;
  return Object.assign(new Error(`no object '${key}'`), { code: "ENOENT" });
}
