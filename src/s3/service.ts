import type { Readable } from "node:stream";
import type { Clock } from "../core/clock.ts";
import { ProblemError } from "../core/errors.ts";
import type { DataForS3, ResolvedVersion } from "../data/ports.ts";
import type { RouteAuditor } from "../http/route-audit.ts";
import { can, mayCreateIn } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import type { ByteRange } from "../storage/object-store.ts";
import { S3Error, s3errors } from "./errors.ts";
import { datasetKey, isReadOnlyKey } from "./keys.ts";
import { DatasetKeys, type DatasetsOfTeam, datasetFileEntry, type ListPage, type ListRequest, listKeys, ObjectKeys } from "./listing.ts";
import type { S3Store } from "./store.ts";
import type { S3ObjectsTable } from "./tables.ts";

// The team spaces behind /s3: a bucket is a team, its objects are blobs named by rows of
// s3_objects, and the team's dataset versions appear read-only under datasets/. Who may do
// what is the one policy's answer: a bucket is a team resource every member (viewers too)
// may read; members add objects; an object is changed or removed by whoever put it there,
// the team's admins and Keepers. A bucket the person may not read does not exist for them.

export interface Team {
  id: string;
  name: string;
  createdAt: number;
}

/** What the endpoint needs of the identity module's teams. */
export interface TeamLookup {
  named(name: string): Promise<Team | null>;
  all(): Promise<Team[]>;
}

export type Bucket = Team;

/** An object as GET and HEAD describe it: one of the team's, or a dataset version's file. */
export interface ObjectView {
  key: string;
  sha256: string;
  size: number;
  /** Without quotes. */
  etag: string;
  lastModified: number;
  contentType: string;
  /** Response headers to replay: x-amz-meta-*, Cache-Control, Content-Disposition, a checksum… */
  metadata: Record<string, string>;
  ownerId: string | null;
}

/** An object's bytes arriving in a request, decoded and measured as they stream. */
export interface IncomingBytes {
  body: Readable;
  /** The number of bytes announced. */
  size: number;
  /** The SHA-256 the request's signature covers, when it covers the body. */
  expectedSha256?: string;
  /** After the body was read: its MD5 (hex) and the additional checksum sent with it. */
  digests(): { md5: string; checksum: { header: string; value: string } | null };
  /** The first error the decoding raised (a bad chunk signature, a wrong Content-MD5…), if any. */
  failure(): Error | null;
  /** Bytes that arrived. */
  received(): number;
}

export interface ObjectHeaders {
  contentType: string;
  metadata: Record<string, string>;
}

const DEFAULT_TYPE = "binary/octet-stream";

export class S3Service {
  readonly store: S3Store;
  readonly data: DataForS3;
  readonly #teams: TeamLookup;
  readonly #audit: RouteAuditor;
  readonly #clock: Clock;

  constructor(o: { store: S3Store; data: DataForS3; teams: TeamLookup; audit: RouteAuditor; clock: Clock }) {
    this.store = o.store;
    this.data = o.data;
    this.#teams = o.teams;
    this.#audit = o.audit;
    this.#clock = o.clock;
    // A team's objects and unfinished parts count in its byte quota; their blobs are kept.
    o.data.addUsageSource(async (teamId) => (await o.store.objectBytes(teamId)) + (await o.store.partBytes(teamId)));
    o.data.addReferenceSource((sha256s) => o.store.referenced(sha256s));
  }

  // ---- buckets ----

  /** The buckets a person sees: their teams (a Keeper: every team). */
  async buckets(actor: Principal): Promise<Bucket[]> {
    const teams = await this.#teams.all();
    return teams.filter((t) => mayRead(actor, t.id)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The team of this name if the person may read it; NoSuchBucket otherwise, as if it did not exist. */
  async bucket(actor: Principal, name: string): Promise<Bucket> {
    const team = /^[a-z][a-z0-9._-]{1,63}$/.test(name) ? await this.#teams.named(name) : null;
    if (!team || !mayRead(actor, team.id)) throw s3errors.noSuchBucket(name);
    return team;
  }

  /** Whether the person may add objects to the bucket; AccessDenied (it is visible) otherwise. */
  checkCreate(actor: Principal, bucket: Bucket, key: string): void {
    if (isReadOnlyKey(key)) {
      throw s3errors.accessDenied("datasets/ shows the team's dataset versions and cannot be written; push a new version with `plinth data push` instead.");
    }
    if (!mayCreateIn(actor, bucket.id)) {
      throw s3errors.accessDenied(`you are a viewer in team ${bucket.name}: viewers read its bucket but add nothing. Ask an admin of ${bucket.name} to make you a member.`);
    }
  }

  /** Whether the person may replace or remove this object: whoever put it there, the team's admins and Keepers. */
  checkChange(actor: Principal, bucket: Bucket, existing: Pick<S3ObjectsTable, "created_by">): void {
    if (!can(actor, "write", { ownerId: existing.created_by, teamId: bucket.id, visibility: "team" })) {
      throw s3errors.accessDenied(`this object was put there by someone else; only they and the admins of team ${bucket.name} may replace or delete it.`);
    }
  }

  // ---- reading ----

  async head(actor: Principal, bucket: Bucket, key: string): Promise<ObjectView> {
    const dk = datasetKey(key);
    if (dk) {
      const version = await this.#version(actor, bucket, dk.dataset, dk.version).catch(() => null);
      const file = version?.files.find((f) => f.path === dk.path);
      if (!version || !file) throw s3errors.noSuchKey(key);
      const entry = datasetFileEntry(key.slice(0, key.length - dk.path.length), file, version.version.createdAt);
      return { ...entry, sha256: file.sha256, contentType: DEFAULT_TYPE, metadata: {} };
    }
    const row = await this.store.getObject(bucket.id, key);
    if (!row) throw s3errors.noSuchKey(key);
    return toView(row);
  }

  open(view: ObjectView, range?: ByteRange): Promise<Readable> {
    return this.data.blobs.open(view.sha256, range);
  }

  async list(actor: Principal, bucket: Bucket, req: ListRequest): Promise<ListPage> {
    const datasets: DatasetsOfTeam = {
      listing: () => this.data.datasetsOf(actor, bucket.id),
      files: (dataset, version) => this.#version(actor, bucket, dataset, version),
    };
    return listKeys([new ObjectKeys(this.store, bucket.id, req.prefix), new DatasetKeys(datasets, req.prefix)], req);
  }

  async #version(actor: Principal, bucket: Bucket, dataset: string, version: string): Promise<ResolvedVersion> {
    const resolved = await this.data.resolve(actor, `${bucket.name}/${dataset}@${version}`);
    if (resolved.dataset.teamId !== bucket.id) throw s3errors.noSuchKey(`datasets/${dataset}/${version}/`);
    return resolved;
  }

  // ---- writing ----

  /** PutObject: the object appears whole once its bytes are stored and verified, or not at all. */
  async put(actor: Principal, bucket: Bucket, key: string, bytes: IncomingBytes, headers: ObjectHeaders, opts: { ifNoneMatch?: boolean } = {}): Promise<ObjectView> {
    this.checkCreate(actor, bucket, key);
    const before = await this.store.getObject(bucket.id, key);
    if (before) {
      if (opts.ifNoneMatch) throw preconditionFailed();
      this.checkChange(actor, bucket, before);
    }
    const info = await this.ingest(actor, bucket, bytes);
    const { md5, checksum } = bytes.digests();
    const metadata = checksum ? { ...headers.metadata, [checksum.header]: checksum.value } : headers.metadata;
    const row = this.#row(actor, bucket, key, { sha256: info.sha256, size: info.size, etag: md5 }, { ...headers, metadata });
    const replaced = await this.#write(actor, bucket, row, opts, before);
    await this.#record(actor, "s3.put", bucket, key, replaced, row);
    return toView(row);
  }

  /** Stores a request's bytes as a blob of the team, within its quota, and maps failures to S3 errors. */
  async ingest(actor: Principal, bucket: Bucket, bytes: IncomingBytes, maxBytes?: number): Promise<{ sha256: string; size: number }> {
    try {
      return await this.data.ingest(actor, bucket.id, bytes.body, {
        declaredSize: bytes.size,
        expectedSize: bytes.size,
        ...(bytes.expectedSha256 !== undefined && { expectedSha256: bytes.expectedSha256 }),
        ...(maxBytes !== undefined && { maxBytes }),
      });
    } catch (err) {
      bytes.body.destroy();
      throw ingestError(bytes.failure() ?? err, bytes);
    }
  }

  /**
   * Writes a new object row over `checked`, the object the person was found allowed to replace
   * (or none), in one statement that refuses if the key meanwhile holds someone else's. Only
   * then is the key read and checked again. Returns the object replaced, as far as known.
   */
  async #write(actor: Principal, bucket: Bucket, row: S3ObjectsTable, opts: { ifNoneMatch?: boolean }, checked: S3ObjectsTable | undefined): Promise<S3ObjectsTable | undefined> {
    if (opts.ifNoneMatch) {
      if (!(await this.store.putObjectOver(row, null))) throw preconditionFailed();
      return undefined;
    }
    if (await this.store.putObjectOver(row, checked?.created_by ?? null)) return checked;
    const now = await this.store.getObject(bucket.id, row.key);
    if (now) this.checkChange(actor, bucket, now);
    await this.store.putObject(row);
    return now;
  }

  async delete(actor: Principal, bucket: Bucket, key: string): Promise<void> {
    const existing = await this.#deletable(actor, bucket, key);
    if (!existing) return;
    await this.store.deleteObject(bucket.id, key, existing);
    await this.#record(actor, "s3.delete", bucket, key, existing, null);
  }

  /** DeleteObjects: each key on its own, as S3 answers it; one audit event for the request. */
  async deleteMany(actor: Principal, bucket: Bucket, keys: string[]): Promise<Array<{ key: string; error?: S3Error }>> {
    const results: Array<{ key: string; error?: S3Error }> = [];
    const deleted: string[] = [];
    const existing = new Map((await this.store.getObjects(bucket.id, keys)).map((r) => [r.key, r]));
    for (const key of keys) {
      try {
        const row = this.#checkDelete(actor, bucket, key, existing.get(key));
        if (row && (await this.store.deleteObject(bucket.id, key, row))) deleted.push(key);
        results.push({ key });
      } catch (err) {
        if (!(err instanceof S3Error)) throw err;
        results.push({ key, error: err });
      }
    }
    if (deleted.length > 0) {
      await this.#audit.record({ actor, action: "s3.delete-objects", target: { kind: "s3-bucket", id: bucket.id, name: bucket.name, teamId: bucket.id }, after: { deleted } });
    }
    return results;
  }

  async #deletable(actor: Principal, bucket: Bucket, key: string): Promise<S3ObjectsTable | null> {
    return this.#checkDelete(actor, bucket, key, await this.store.getObject(bucket.id, key));
  }

  #checkDelete(actor: Principal, bucket: Bucket, key: string, existing: S3ObjectsTable | undefined): S3ObjectsTable | null {
    if (isReadOnlyKey(key)) throw s3errors.accessDenied("datasets/ shows the team's dataset versions and cannot be deleted here; `plinth data rm NAME@vN` removes a version.");
    // Deleting what is not there succeeds, as in S3, for whoever may write to the bucket.
    if (!existing) {
      this.checkCreate(actor, bucket, key);
      return null;
    }
    this.checkChange(actor, bucket, existing);
    return existing;
  }

  /** CopyObject: a new object naming the same blob (no bytes copied); from any bucket the person may read. */
  async copy(
    actor: Principal,
    source: { bucket: Bucket; key: string },
    target: { bucket: Bucket; key: string },
    headers: ObjectHeaders | null,
    conditions: Conditions,
  ): Promise<ObjectView> {
    const from = await this.head(actor, source.bucket, source.key);
    checkConditions(from, conditions, "copy");
    if (source.bucket.id === target.bucket.id && source.key === target.key && headers === null) {
      throw new S3Error(
        "InvalidRequest",
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    this.checkCreate(actor, target.bucket, target.key);
    const before = await this.store.getObject(target.bucket.id, target.key);
    if (before) this.checkChange(actor, target.bucket, before);
    await this.#room(actor, target.bucket, from.size);
    const row = this.#row(actor, target.bucket, target.key, from, headers ?? { contentType: from.contentType, metadata: from.metadata });
    const replaced = await this.#write(actor, target.bucket, row, {}, before);
    await this.#record(actor, "s3.copy", target.bucket, target.key, replaced, { ...row, copiedFrom: `${source.bucket.name}/${source.key}` });
    return toView(row);
  }

  async #room(actor: Principal, bucket: Bucket, bytes: number): Promise<void> {
    try {
      await this.data.assertRoom(actor, bucket.id, bytes);
    } catch (err) {
      throw ingestError(err, null);
    }
  }

  #row(actor: Principal, bucket: Bucket, key: string, blob: { sha256: string; size: number; etag: string }, headers: ObjectHeaders): S3ObjectsTable {
    return {
      team_id: bucket.id,
      key,
      sha256: blob.sha256,
      size: blob.size,
      etag: blob.etag,
      content_type: headers.contentType || DEFAULT_TYPE,
      metadata: JSON.stringify(headers.metadata),
      created_by: actor.userId,
      modified_at: this.#clock.now(),
    };
  }

  /** One audit event for a change to one object. */
  async #record(actor: Principal, action: string, bucket: Bucket, key: string, before: S3ObjectsTable | null | undefined, after: (S3ObjectsTable & { copiedFrom?: string }) | null): Promise<void> {
    const describe = (r: S3ObjectsTable & { copiedFrom?: string }) => ({ size: r.size, etag: r.etag, sha256: r.sha256, ...(r.copiedFrom && { copiedFrom: r.copiedFrom }) });
    await this.#audit.record({
      actor,
      action,
      target: { kind: "s3-object", id: `${bucket.name}/${key}`, name: key, teamId: bucket.id },
      before: before ? describe(before) : null,
      after: after ? describe(after) : null,
    });
  }

  recordAudit(actor: Principal, action: string, bucket: Bucket, key: string, after: unknown): Promise<void> {
    return this.#audit.record({ actor, action, target: { kind: "s3-object", id: `${bucket.name}/${key}`, name: key, teamId: bucket.id }, after });
  }

  /** A change the endpoint made by itself, in the audit log. */
  recordSystem(action: string, bucket: Bucket, after: unknown): Promise<void> {
    return this.#audit.record({ actor: "system", action, target: { kind: "s3-bucket", id: bucket.id, name: bucket.name, teamId: bucket.id }, after });
  }

  now(): number {
    return this.#clock.now();
  }
}

export function mayRead(actor: Principal, teamId: string): boolean {
  return can(actor, "read", { ownerId: "", teamId, visibility: "team" });
}

export function toView(row: S3ObjectsTable): ObjectView {
  return {
    key: row.key,
    sha256: row.sha256,
    size: row.size,
    etag: row.etag,
    lastModified: row.modified_at,
    contentType: row.content_type,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    ownerId: row.created_by,
  };
}

/** If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since (or their x-amz-copy-source- forms). */
export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: number;
  ifUnmodifiedSince?: number;
}

/**
 * Checks conditional headers: a failed If-Match or If-Unmodified-Since is 412; a matching
 * If-None-Match or an unmodified If-Modified-Since is "not modified" (304 for a read, 412 for a copy).
 */
export function checkConditions(view: ObjectView, c: Conditions, use: "read" | "copy"): "ok" | "not-modified" {
  const etagIn = (list: string) => list.split(",").some((t) => t.trim() === "*" || t.trim().replace(/^W\//, "").replace(/"/g, "") === view.etag);
  const seconds = (ms: number) => Math.floor(ms / 1000);
  if (c.ifMatch !== undefined && !etagIn(c.ifMatch)) throw preconditionFailed("If-Match");
  if (c.ifMatch === undefined && c.ifUnmodifiedSince !== undefined && seconds(view.lastModified) > seconds(c.ifUnmodifiedSince)) throw preconditionFailed("If-Unmodified-Since");
  const notModified = c.ifNoneMatch !== undefined ? etagIn(c.ifNoneMatch) : c.ifModifiedSince !== undefined && seconds(view.lastModified) <= seconds(c.ifModifiedSince);
  if (!notModified) return "ok";
  if (use === "copy") throw preconditionFailed(c.ifNoneMatch !== undefined ? "x-amz-copy-source-if-none-match" : "x-amz-copy-source-if-modified-since");
  return "not-modified";
}

export function preconditionFailed(condition = "If-None-Match"): S3Error {
  return new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold.", { Condition: condition });
}

/** What went wrong storing a request's bytes, as S3 says it. */
export function ingestError(err: unknown, bytes: IncomingBytes | null): unknown {
  if (err instanceof S3Error) return err;
  if (err instanceof ProblemError) {
    const p = err.problem;
    if (p.status === 413 && p.type.endsWith("/storage-quota")) return new S3Error("QuotaExceeded", `${p.detail ?? p.title} ${p.hint ?? ""}`.trim());
    if (p.type.endsWith("/content-mismatch")) {
      if (bytes && bytes.received() !== bytes.size) return incompleteBody(bytes);
      return new S3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (p.status === 413) return new S3Error("EntityTooLarge", p.detail ?? p.title);
  }
  const code = (err as { code?: string } | null)?.code;
  if (bytes && (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || (err as Error)?.message === "aborted")) return incompleteBody(bytes);
  return err;
}

function incompleteBody(bytes: IncomingBytes): S3Error {
  return new S3Error("IncompleteBody", `You did not provide the number of bytes specified by the Content-Length HTTP header: ${bytes.received()} of ${bytes.size} arrived. Nothing was stored; send it again.`);
}
