import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/schema.ts";
import { ProblemError } from "../core/errors.ts";
import { parseDuration, parseMemory } from "../core/units.ts";
import { BlobCache } from "./blob-cache.ts";
import { ContentStore } from "./content-store.ts";
import { FsObjectStore } from "./fs-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { UrlSigner } from "./signed-urls.ts";

// Builds the object store the configuration names (the data directory's `objects/` folder, or
// an S3 bucket, checked to answer before anything else starts), the content-addressed blobs on
// top of it, and the signer of Plinth's own download links.

export interface Storage {
  objects: ObjectStore;
  blobs: ContentStore;
  /** Signs Plinth's own links (used when `objects` cannot presign, i.e. the local folder). */
  signer: UrlSigner;
  /** Default lifetime of a download link, in seconds. */
  presignExpirySeconds: number;
  /** Unreferenced blobs younger than this are kept (ms). */
  gcGracePeriodMs: number;
  gcIntervalMs: number;
  close(): void;
}

export async function openStorage(config: Config, opts: { logger?: Logger } = {}): Promise<Storage> {
  const storage = await open(config);
  // What a crash left half-written is removed once it is older than the grace period; in the
  // background, as nothing waits for it.
  const before = Date.now() - storage.gcGracePeriodMs;
  void (async () => {
    if (storage.objects instanceof FsObjectStore) await storage.objects.sweepTemp(before);
    await storage.blobs.sweep(before, { uploads: false });
  })().catch((err: unknown) => opts.logger?.warn({ err }, "could not remove unfinished writes from the object store"));
  return storage;
}

async function open(config: Config): Promise<Storage> {
  const settings = config.storage;
  const signer = UrlSigner.forDataDir(config.dataDir);
  const common = {
    signer,
    presignExpirySeconds: parseDuration(settings.presignExpiry)! / 1000,
    gcGracePeriodMs: parseDuration(settings.gcGracePeriod)!,
    gcIntervalMs: parseDuration(settings.gcInterval)!,
  };
  if (!settings.s3) {
    const objects = new FsObjectStore(join(config.dataDir, "objects"));
    return { ...common, objects, blobs: new ContentStore(objects), close: () => undefined };
  }
  const s3 = settings.s3;
  // Loaded only when used: the AWS SDK takes about a second to import, which every start on
  // the local folder would otherwise pay.
  const { S3ObjectStore } = await import("./s3-store.ts");
  const objects = new S3ObjectStore({
    bucket: s3.bucket,
    region: s3.region,
    prefix: s3.prefix,
    forcePathStyle: s3.forcePathStyle,
    ...(s3.endpoint && { endpoint: s3.endpoint }),
    ...(s3.credentials && { credentials: s3.credentials }),
  });
  try {
    await objects.checkBucket();
  } catch (err) {
    objects.close();
    throw bucketProblem(err, s3.endpoint ?? `AWS S3 (${s3.region})`, s3.bucket);
  }
  const cache = new BlobCache(join(config.dataDir, "cache", "blobs"), parseMemory(settings.cacheSize)!);
  return { ...common, objects, blobs: new ContentStore(objects, { cache }), close: () => objects.close() };
}

/** Why the bucket did not answer, worded for whoever set `storage.s3` (no credentials in it). */
function bucketProblem(err: unknown, where: string, bucket: string): ProblemError {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? e.name ?? "error";
  let hint: string;
  if (e.name === "CredentialsProviderError") {
    hint = "Give Plinth keys for the bucket: storage.s3.credentials in plinth.yaml, or PLINTH_STORAGE_S3_ACCESS_KEY_ID and PLINTH_STORAGE_S3_SECRET_ACCESS_KEY.";
  } else if (status === 404 || e.name === "NoSuchBucket" || e.name === "NotFound") {
    hint = `Create the bucket '${bucket}' on the service first (its console, or \`aws s3 mb s3://${bucket} --endpoint-url …\`), or correct storage.s3.bucket.`;
  } else if (status === 403 || status === 401) {
    hint = "Check storage.s3.credentials (or PLINTH_STORAGE_S3_ACCESS_KEY_ID / PLINTH_STORAGE_S3_SECRET_ACCESS_KEY): the key must exist and may read and write this bucket.";
  } else if (status === 301 || status === 400) {
    hint = "Check storage.s3.region (the bucket's own region) and storage.s3.forcePathStyle (true for MinIO, Ceph and SeaweedFS).";
  } else {
    hint = "Check storage.s3.endpoint (scheme, host and port) and that the S3 service is running and reachable from this machine.";
  }
  const reason = status ? `HTTP ${status} (${code})` : (e.message ?? code);
  return new ProblemError({
    status: 503,
    title: "Cannot use the object store",
    code: "object-store-unavailable",
    detail: `Bucket '${bucket}' at ${where} did not answer: ${reason}.`,
    hint,
  });
}
