import type { Readable } from "node:stream";
import type { Logger } from "pino";
import type { z } from "zod";
import type { Clock } from "../core/clock.ts";
import { problems } from "../core/errors.ts";
import type { RouteAuditor } from "../http/route-audit.ts";
import { requireAdmin, type IdentityService, type Principal } from "../identity/service.ts";
import type { TeamService } from "../identity/teams.ts";
import type { BlobInfo, BlobStore, IngestOptions } from "../storage/blob-store.ts";
import { DatasetAccess } from "./access.ts";
import { blobSource, DataBlobs } from "./blobs.ts";
import { isTabular, type TableReaders, tableProblem, VersionCommitter } from "./commit.ts";
import { diffFiles } from "./diff.ts";
import type { Expectations, Violation } from "./expectation-spec.ts";
import { DataGc } from "./gc.ts";
import { JobIo } from "./job-io.ts";
import { DataLinks, type LinkSigner } from "./presign.ts";
import type { DataForJobs, DataForS3, DatasetListing, LineageEntry, ResolvedVersion } from "./ports.ts";
import { type StorageLimits, StorageQuota } from "./quota.ts";
import { checkDatasetName, checkTagName, formatRef, LATEST, parseVersion } from "./refs.ts";
import type { Dataset, DatasetDetail, DatasetVersion, DatasetVersionDetail, Diff, GcResult, PatchDataset, PreviewSchema, PushResult, PushVersion } from "./spec.ts";
import type { DataStore } from "./store.ts";
import type { DatasetFilesTable, DatasetsTable, DatasetVersionsTable } from "./tables.ts";
import { DataUploads } from "./uploads.ts";
import { aliasesByVersion, datasetView, fileView, Namer, parseProfile, versionView } from "./views.ts";

// Datasets and their versions, tags, files and transfers: every operation of the data API,
// and what jobs and the S3 endpoint need (ports.ts). Access goes through the one policy
// (access.ts); bytes through the content-addressed blob store.

export interface DataServiceOptions {
  store: DataStore;
  blobs: BlobStore;
  identity: IdentityService;
  teams: TeamService;
  clock: Clock;
  logger: Logger;
  audit: Pick<RouteAuditor, "record">;
  limits: StorageLimits;
  /** Names of the jobs among these that the person may see. */
  jobNames(actor: Principal, jobIds: string[]): Promise<Map<string, string>>;
  /** Expectations of `files`, checked; `resolve` reads another dataset for `sameColumnsAs`. */
  checkExpectations(
    files: ResolvedVersion["files"],
    expectations: Expectations,
    context: { input?: string; dataset?: string; resolve: (ref: string) => Promise<ResolvedVersion> },
  ): Promise<Violation[]>;
  /** Profiles and previews of CSV, TSV and Parquet files. */
  tables: TableReaders;
  gcGraceMs: number;
  /** Plinth's own download links, for the local store. */
  signer: LinkSigner;
  presignDefaultSeconds: number;
}

const MAX_VERSIONS_SHOWN = 100;
const MAX_READERS_SHOWN = 100;

export class DataService implements DataForJobs, DataForS3 {
  readonly #o: DataServiceOptions;
  readonly access: DatasetAccess;
  readonly quota: StorageQuota;
  readonly data: DataBlobs;
  readonly uploads: DataUploads;
  readonly gc: DataGc;
  readonly #committer: VersionCommitter;
  readonly #jobs: JobIo;
  readonly #links: DataLinks;

  constructor(opts: DataServiceOptions) {
    this.#o = opts;
    const { store, blobs, clock } = opts;
    this.access = new DatasetAccess(store, opts.teams);
    this.quota = new StorageQuota(store, opts.limits);
    this.data = new DataBlobs(store, blobs, this.quota, clock);
    this.uploads = new DataUploads({ store, blobs, data: this.data, quota: this.quota, clock, teamFor: (actor, team) => opts.teams.teamForNew(actor, team) });
    this.gc = new DataGc({ store, blobs, uploads: this.uploads, clock, logger: opts.logger, graceMs: opts.gcGraceMs });
    // At upload, a rule naming another dataset reads it as the person pushing may.
    this.#committer = new VersionCommitter({
      store,
      blobs,
      data: this.data,
      quota: this.quota,
      clock,
      tables: opts.tables,
      check: (actor, files, expectations) => opts.checkExpectations(files, expectations, { resolve: (ref) => this.resolve(actor, ref) }),
    });
    this.#links = new DataLinks({
      store,
      blobs,
      signer: opts.signer,
      clock,
      defaultSeconds: opts.presignDefaultSeconds,
      principalFor: (userId) => opts.identity.principalFor(userId, "signed-link", null),
    });
    this.#jobs = new JobIo({ store, access: this.access, data: this.data, committer: this.#committer, names: () => this.#names() });
  }

  get blobs(): BlobStore {
    return this.#o.blobs;
  }

  // ---- datasets ------------------------------------------------------------------------

  async list(actor: Principal, query: { q?: string | undefined; team?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ items: Dataset[]; next: string | null }> {
    const teamId = query.team ? (await this.#o.teams.named(query.team)).id : undefined;
    const rows = await this.#o.store.list({ visibleTo: actor, q: query.q, teamId, limit: query.limit + 1, after: decodeCursor(query.cursor) });
    const page = rows.slice(0, query.limit);
    const latest = await this.#o.store.latestOf(page.map((d) => d.id));
    const names = this.#names();
    const items = await Promise.all(page.map((d) => datasetView(d, latest.get(d.id), names)));
    const last = page[page.length - 1];
    return { items, next: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  async get(actor: Principal, name: string, team?: string): Promise<DatasetDetail> {
    return this.#detail(await this.access.readable(actor, name, team));
  }

  async patch(actor: Principal, name: string, team: string | undefined, body: PatchDataset): Promise<DatasetDetail> {
    const d = await this.access.writable(actor, name, team);
    await this.#o.store.updateDataset(d.id, {
      ...(body.description !== undefined && { description: body.description }),
      ...(body.visibility !== undefined && { visibility: body.visibility }),
      ...(body.expectations !== undefined && { expectations: body.expectations === null ? null : JSON.stringify(body.expectations) }),
      updated_at: this.#o.clock.now(),
    });
    return this.#detail((await this.#o.store.dataset(d.id))!);
  }

  async remove(actor: Principal, name: string, team?: string): Promise<DatasetsTable> {
    const d = await this.access.writable(actor, name, team);
    await this.#o.store.deleteDataset(d.id);
    return d;
  }

  // ---- versions ------------------------------------------------------------------------

  /** Adds a version from a manifest; lists the blobs to upload first when some are missing. */
  async push(actor: Principal, name: string, team: string | undefined, body: PushVersion): Promise<PushResult> {
    checkDatasetName(name);
    const target = await this.access.forPush(actor, name, team);
    const result = await this.#committer.commit(
      actor,
      "dataset" in target ? { dataset: target.dataset } : { create: { teamId: target.teamId, name, visibility: body.visibility ?? "team", description: body.description ?? "" } },
      { files: body.files, message: body.message ?? "", tags: body.tags ?? [], producedByJobId: null },
    );
    if (!("version" in result)) return { version: null, missing: result.missing, created: false };
    const aliases = (await this.#o.store.aliases(result.dataset.id)).filter((a) => a.version_id === result.version.id).map((a) => a.alias);
    return { version: await versionView(result.version, aliases, this.#names()), missing: [], created: result.created };
  }

  async versions(actor: Principal, name: string, team?: string): Promise<DatasetVersion[]> {
    const d = await this.access.readable(actor, name, team);
    return this.#versionViews(d, 10_000);
  }

  async version(actor: Principal, name: string, team: string | undefined, version: string): Promise<DatasetVersionDetail> {
    const d = await this.access.readable(actor, name, team);
    const v = await this.access.version(d, parseVersion(version));
    const names = this.#names();
    const aliases = (await this.#o.store.aliases(d.id)).filter((a) => a.version_id === v.id).map((a) => a.alias);
    const readers = await this.#o.store.readersOf(v.id, MAX_READERS_SHOWN);
    const jobIds = [...new Set([...readers.map((r) => r.job_id), ...(v.produced_by_job_id ? [v.produced_by_job_id] : [])])];
    const jobNames = jobIds.length > 0 ? await this.#o.jobNames(actor, jobIds) : new Map<string, string>();
    return {
      ...(await versionView(v, aliases, names)),
      dataset: d.name,
      team: await names.team(d.team_id),
      files: (await this.#o.store.files(v.id)).map(fileView),
      producedBy: v.produced_by_job_id && jobNames.has(v.produced_by_job_id) ? { jobId: v.produced_by_job_id, jobName: jobNames.get(v.produced_by_job_id) ?? null } : null,
      readBy: readers.filter((r) => jobNames.has(r.job_id)).map((r) => ({ jobId: r.job_id, jobName: jobNames.get(r.job_id) ?? null, input: r.name })),
    };
  }

  async removeVersion(actor: Principal, name: string, team: string | undefined, version: string): Promise<{ dataset: DatasetsTable; version: DatasetVersionsTable }> {
    const d = await this.access.writable(actor, name, team);
    const v = await this.access.version(d, parseVersion(version));
    await this.#o.store.deleteVersion(v, actor.userId, this.#o.clock.now());
    return { dataset: d, version: v };
  }

  // ---- aliases -------------------------------------------------------------------------

  async setAlias(actor: Principal, name: string, team: string | undefined, alias: string, version: string | number): Promise<{ alias: string; version: number }> {
    checkTagName(alias);
    const d = await this.access.writable(actor, name, team);
    const v = await this.access.version(d, parseVersion(String(version)));
    await this.#o.store.setAlias({ dataset_id: d.id, alias, version_id: v.id, updated_at: this.#o.clock.now(), updated_by: actor.userId });
    return { alias, version: v.number };
  }

  async removeAlias(actor: Principal, name: string, team: string | undefined, alias: string): Promise<void> {
    if (alias === LATEST) throw problems.badRequest("'latest' always names the newest version; it cannot be removed.", "Remove the version itself if it should go: `plinth data rm NAME@vN`.");
    const d = await this.access.writable(actor, name, team);
    if (!(await this.#o.store.removeAlias(d.id, alias))) throw problems.notFound("Tag", `${d.name}@${alias}`, `\`plinth data show ${d.name}\` lists its tags.`);
  }

  // ---- files ---------------------------------------------------------------------------

  /** One file of a version the person may read. */
  async file(actor: Principal, name: string, team: string | undefined, version: string, path: string): Promise<DatasetFilesTable & { dataset: DatasetsTable }> {
    const d = await this.access.readable(actor, name, team);
    const v = await this.access.version(d, parseVersion(version));
    const f = await this.#o.store.file(v.id, path);
    if (!f) throw problems.notFound("File", `${formatRef({ name: d.name, version: v.number })}/${path}`, `\`plinth data show ${formatRef({ name: d.name, version: v.number })}\` lists its files.`);
    return { ...f, dataset: d };
  }

  /** The first rows of a table, with its profile. */
  async preview(actor: Principal, name: string, team: string | undefined, version: string, path: string, limit: number): Promise<z.input<typeof PreviewSchema>> {
    const f = await this.file(actor, name, team, version, path);
    if (!isTabular(f.path)) {
      throw problems.unprocessable("Not a table", `${f.path} is not a CSV, TSV or Parquet file.`, "Preview works on .csv, .tsv, .parquet and .pq files; download others with `plinth data pull`.");
    }
    try {
      const table = await this.#o.tables.preview(f.path, blobSource(this.#o.blobs, f.sha256, f.size), limit);
      return { path: f.path, ...table, profile: parseProfile(f.profile) };
    } catch (err) {
      throw tableProblem(err);
    }
  }

  /** A download link for one file that needs no token until it expires. */
  async presign(actor: Principal, name: string, team: string | undefined, version: string, path: string, expiresIn: string | undefined, origin: string): Promise<{ url: string; expiresAt: string }> {
    const f = await this.file(actor, name, team, version, path);
    return this.#links.make(actor, f, expiresIn, origin);
  }

  /** The file a signed link opens (its signature, expiry and maker's access checked). */
  openSigned(query: Record<string, unknown>): Promise<DatasetFilesTable> {
    return this.#links.open(query);
  }

  async diff(actor: Principal, name: string, team: string | undefined, from: string, to: string): Promise<Diff> {
    const d = await this.access.readable(actor, name, team);
    const [a, b] = await Promise.all([this.access.version(d, parseVersion(from)), this.access.version(d, parseVersion(to))]);
    const [fa, fb] = await Promise.all([this.#o.store.files(a.id), this.#o.store.files(b.id)]);
    return { from: a.number, to: b.number, ...diffFiles(fa.map(fileView), fb.map(fileView)) };
  }

  // ---- blobs ---------------------------------------------------------------------------

  missingBlobs(actor: Principal, sha256s: string[]): Promise<string[]> {
    return this.data.missing(actor, sha256s);
  }

  /** One blob, whole, in a request body: checked against its hash and declared length. */
  async putBlob(actor: Principal, sha256: string, body: Readable, length: number, team?: string): Promise<BlobInfo & { created: boolean }> {
    const teamId = await this.#o.teams.teamForNew(actor, team);
    return this.data.ingest(actor, teamId, body, { expectedSha256: sha256, expectedSize: length });
  }

  async collectGarbage(actor: Principal): Promise<GcResult> {
    requireAdmin(actor, "collect garbage");
    const result = await this.gc.run();
    await this.#o.audit.record({ actor, action: "data.gc", target: { kind: "data", id: null, name: "blobs" }, after: result });
    return result;
  }

  // ---- what jobs and the S3 endpoint use (ports.ts) ------------------------------------

  async resolve(actor: Principal, ref: string): Promise<ResolvedVersion> {
    const { dataset, version } = await this.access.resolve(actor, ref);
    return this.#jobs.resolved(dataset, version);
  }

  async check(actor: Principal, input: string, resolved: ResolvedVersion, extra?: Expectations): Promise<Violation[]> {
    const resolve = (ref: string) => this.resolve(actor, ref);
    const dataset = formatRef({ team: resolved.dataset.teamName, name: resolved.dataset.name, version: resolved.version.number });
    const out: Violation[] = [];
    for (const expectations of [resolved.dataset.expectations, extra]) {
      if (expectations) out.push(...(await this.#o.checkExpectations(resolved.files, expectations, { input, dataset, resolve })));
    }
    return out;
  }

  recordInputs(jobId: string, inputs: Array<{ name: string; versionId: string }>): Promise<void> {
    return this.#o.store.recordLinks("job_dataset_inputs", jobId, inputs);
  }

  commitOutput(owner: Principal, output: Parameters<DataForJobs["commitOutput"]>[1]): Promise<LineageEntry> {
    return this.#jobs.commitOutput(owner, output);
  }

  lineageOfJob(actor: Principal, jobId: string): Promise<{ inputs: LineageEntry[]; outputs: LineageEntry[] }> {
    return this.#jobs.lineageOfJob(actor, jobId);
  }

  async datasetsOf(actor: Principal, teamId: string): Promise<DatasetListing[]> {
    const out: DatasetListing[] = [];
    let after: { updatedAt: number; id: string } | undefined;
    for (;;) {
      const rows = await this.#o.store.list({ visibleTo: actor, teamId, limit: 500, after });
      for (const d of rows) {
        const versions = await this.#o.store.versions(d.id, 100_000);
        const aliases = Object.fromEntries((await this.#o.store.aliases(d.id)).map((a) => [a.alias, a.number]));
        out.push({ name: d.name, versions: versions.map((v) => ({ number: v.number, id: v.id, createdAt: v.created_at })).reverse(), aliases });
      }
      if (rows.length < 500) return out;
      const last = rows[rows.length - 1]!;
      after = { updatedAt: last.updated_at, id: last.id };
    }
  }

  ingest(actor: Principal, teamId: string, body: Readable, opts: IngestOptions & { declaredSize?: number }): Promise<BlobInfo & { created: boolean }> {
    return this.data.ingest(actor, teamId, body, opts);
  }

  completeParts(actor: Principal, sessionId: string, numbers: number[]): Promise<BlobInfo & { created: boolean }> {
    return this.data.completeParts(actor, sessionId, numbers);
  }

  assertRoom(_actor: Principal, teamId: string, extraBytes: number): Promise<void> {
    return this.quota.assertRoom(teamId, extraBytes);
  }

  addUsageSource(source: (teamId: string) => Promise<number>): void {
    this.quota.addUsageSource(source);
  }

  addReferenceSource(source: (sha256s: string[]) => Promise<Set<string>>): void {
    this.gc.addReferenceSource(source);
  }

  // ---- people --------------------------------------------------------------------------

  /** When a Keeper removes a person, their private datasets become their team's. */
  async handOver(userId: string): Promise<string | undefined> {
    const n = await this.#o.store.handOverPrivate(userId);
    return n > 0 ? `${n} private dataset${n === 1 ? "" : "s"} made visible to ${n === 1 ? "its team" : "their teams"}` : undefined;
  }

  // ---- helpers -------------------------------------------------------------------------

  #names(): Namer {
    return new Namer(this.#o.identity, this.#o.teams);
  }

  async #detail(d: DatasetsTable): Promise<DatasetDetail> {
    const names = this.#names();
    const versions = await this.#versionViews(d, MAX_VERSIONS_SHOWN);
    const latest = await this.#o.store.latestVersion(d.id);
    return {
      ...(await datasetView(d, latest, names)),
      versions,
      aliases: Object.fromEntries((await this.#o.store.aliases(d.id)).map((a) => [a.alias, a.number])),
      expectations: d.expectations ? (JSON.parse(d.expectations) as Expectations) : null,
    };
  }

  async #versionViews(d: DatasetsTable, limit: number): Promise<DatasetVersion[]> {
    const names = this.#names();
    const byVersion = aliasesByVersion(await this.#o.store.aliases(d.id));
    return Promise.all((await this.#o.store.versions(d.id, limit)).map((v) => versionView(v, byVersion.get(v.id) ?? [], names)));
  }
}

function encodeCursor(d: DatasetsTable): string {
  return Buffer.from(JSON.stringify([d.updated_at, d.id])).toString("base64url");
}

function decodeCursor(cursor: string | undefined): { updatedAt: number; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [unknown, unknown];
    if (typeof updatedAt === "number" && Number.isSafeInteger(updatedAt) && typeof id === "string") return { updatedAt, id };
  } catch {
    // falls through to the problem below
  }
  throw problems.badRequest("cursor: not a cursor this API gave out.", "Pass `next` from the previous page as it is, or leave `cursor` out for the first page.");
}
