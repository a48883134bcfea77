import { createHash } from "node:crypto";
import type { Clock } from "../core/clock.ts";
import { ProblemError, problems } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Principal } from "../identity/service.ts";
import type { Visibility } from "../identity/policy.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import type { Expectations, Violation } from "./expectation-spec.ts";
import { type DataBlobs, blobSource } from "./blobs.ts";
import type { StorageQuota } from "./quota.ts";
import { checkTagName, LATEST } from "./refs.ts";
import type { ManifestFile } from "./spec.ts";
import type { DataStore } from "./store.ts";
import type { DatasetFilesTable, DatasetsTable, DatasetVersionsTable } from "./tables.ts";
import { TableFormatError } from "./tabular/errors.ts";
import type { ByteSource, TablePreview, TableProfile } from "./tabular/types.ts";
import type { ResolvedFile } from "./ports.ts";

// Making a version: the manifest is checked (paths, sizes, blobs the person may use), tables
// are profiled once per blob, the dataset's expectations are checked, the team's quota is
// asked for the bytes the version adds, and only then is the version written, in one
// transaction with its files and aliases. Anything refused leaves nothing behind.

const TABULAR = /\.(csv|tsv|parquet|pq)$/i;
const MAX_ATTEMPTS = 5;

export interface CommitTarget {
  /** The dataset, when it exists. */
  dataset?: DatasetsTable;
  /** For a new dataset: where and how to create it. */
  create?: { teamId: string; name: string; visibility: Visibility; description: string };
}

/** Reading tables (tabular/profile.ts and preview.ts): a malformed one throws TableFormatError. */
export interface TableReaders {
  /** Null for a file that is not a table. */
  profile(path: string, source: ByteSource): Promise<TableProfile | null>;
  preview(path: string, source: ByteSource, limit: number): Promise<TablePreview>;
}

/** Checks a version's tables against expectations, reading other datasets as `actor` may. */
export type CheckExpectations = (actor: Principal, files: ResolvedFile[], expectations: Expectations) => Promise<Violation[]>;

export interface CommitRequest {
  files: ManifestFile[];
  message: string;
  tags: string[];
  producedByJobId: string | null;
}

export type CommitResult =
  | { missing: string[] }
  | { missing: []; dataset: DatasetsTable; version: DatasetVersionsTable; created: boolean };

/** The version digest: sha256 of `path\tsha256\tsize` lines sorted by path. */
export function manifestDigest(files: ReadonlyArray<Pick<ManifestFile, "path" | "sha256" | "size">>): string {
  const hash = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) hash.update(`${f.path}\t${f.sha256}\t${f.size}\n`);
  return hash.digest("hex");
}

export function isTabular(path: string): boolean {
  return TABULAR.test(path);
}

/** A path's table format by extension. */
function formatOf(path: string): TableProfile["format"] {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return ext === "tsv" ? "tsv" : ext === "csv" ? "csv" : "parquet";
}

export class VersionCommitter {
  readonly #store: DataStore;
  readonly #blobs: BlobStore;
  readonly #data: DataBlobs;
  readonly #quota: StorageQuota;
  readonly #clock: Clock;
  readonly #check: CheckExpectations;
  readonly #tables: TableReaders;

  constructor(opts: { store: DataStore; blobs: BlobStore; data: DataBlobs; quota: StorageQuota; clock: Clock; check: CheckExpectations; tables: TableReaders }) {
    this.#store = opts.store;
    this.#blobs = opts.blobs;
    this.#data = opts.data;
    this.#quota = opts.quota;
    this.#clock = opts.clock;
    this.#check = opts.check;
    this.#tables = opts.tables;
  }

  async commit(actor: Principal, target: CommitTarget, req: CommitRequest): Promise<CommitResult> {
    checkManifest(req.files);
    const tags = [...new Set(req.tags.map(checkTagName))];
    const digest = manifestDigest(req.files);
    if (target.dataset) {
      // The same files as the newest version: its blobs are stored, named by it (so never
      // collected) and readable by whoever may push here, with the sizes the digest covers.
      // Nothing more to check or touch, whatever the number of files.
      const latest = await this.#store.latestVersion(target.dataset.id);
      if (latest && latest.digest === digest) {
        await this.#tag(target.dataset.id, latest.id, tags, actor.userId);
        return { missing: [], dataset: target.dataset, version: latest, created: false };
      }
    }
    const hashes = [...new Set(req.files.map((f) => f.sha256))];
    // Garbage collection leaves alone what was touched within its grace period.
    await this.#store.touchBlobs(hashes, this.#clock.now());
    const usable = await this.#data.usable(actor, hashes);
    const missing = hashes.filter((h) => !usable.has(h));
    if (missing.length > 0) return { missing };
    checkSizes(req.files, usable);

    const teamId = target.dataset?.team_id ?? target.create!.teamId;
    const known = await this.#store.teamBlobs(teamId, [...usable.keys()]);
    let added = 0;
    for (const [hash, size] of usable) if (!known.has(hash)) added += size;
    await this.#quota.assertRoom(teamId, added);

    const rows = await this.#profile(req.files);
    const expectations = target.dataset?.expectations ? (JSON.parse(target.dataset.expectations) as Expectations) : null;
    if (expectations) {
      const violations = await this.#check(
        actor,
        rows.map((r) => ({ path: r.path, sha256: r.sha256, size: r.size, profile: r.profile === null ? null : (JSON.parse(r.profile) as TableProfile) })),
        expectations,
      );
      if (violations.length > 0) throw expectationsBroken(violations);
    }

    const dataset = target.dataset ?? (await this.#create(actor, target.create!));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.#clock.now();
      const last = (await this.#store.dataset(dataset.id))?.last_version ?? 0;
      const version: DatasetVersionsTable = {
        id: newId("dsv", now),
        dataset_id: dataset.id,
        number: last + 1,
        digest,
        file_count: rows.length,
        total_bytes: rows.reduce((n, r) => n + r.size, 0),
        message: req.message,
        created_by: actor.userId,
        created_at: now,
        produced_by_job_id: req.producedByJobId,
      };
      const files = rows.map((r) => ({ ...r, version_id: version.id }));
      if (await this.#store.insertVersion(version, files, [LATEST, ...tags])) return { missing: [], dataset, version, created: true };
    }
    throw problems.conflict(`Others pushed to ${dataset.name} at the same moment ${MAX_ATTEMPTS} times.`, "Push again.");
  }

  async #create(actor: Principal, c: NonNullable<CommitTarget["create"]>): Promise<DatasetsTable> {
    const now = this.#clock.now();
    const row: DatasetsTable = {
      id: newId("ds", now),
      team_id: c.teamId,
      name: c.name,
      owner_id: actor.userId,
      visibility: c.visibility,
      description: c.description,
      expectations: null,
      last_version: 0,
      created_at: now,
      updated_at: now,
    };
    if (await this.#store.insertDataset(row)) return row;
    // Made by another push a moment ago: add to it if this person may.
    const existing = await this.#store.datasetIn(c.teamId, c.name);
    if (!existing) throw problems.conflict(`Could not create dataset ${c.name}.`, "Push again.");
    return existing;
  }

  async #tag(datasetId: string, versionId: string, tags: string[], userId: string): Promise<void> {
    const now = this.#clock.now();
    for (const alias of tags) await this.#store.setAlias({ dataset_id: datasetId, alias, version_id: versionId, updated_at: now, updated_by: userId });
  }

  /** File rows without their version id, tables profiled (each blob once, reusing earlier profiles). */
  async #profile(files: ManifestFile[]): Promise<Array<Omit<DatasetFilesTable, "version_id">>> {
    const tables = files.filter((f) => isTabular(f.path));
    const cached = await this.#store.profilesOf([...new Set(tables.map((f) => f.sha256))]);
    const fresh = new Map<string, string | null>();
    const rows: Array<Omit<DatasetFilesTable, "version_id">> = [];
    for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      let profile: string | null = null;
      if (isTabular(f.path)) {
        const format = formatOf(f.path);
        const key = `${f.sha256}:${format}`;
        const hit = cached.get(f.sha256);
        if (hit && (JSON.parse(hit) as TableProfile).format === format) profile = hit;
        else if (fresh.has(key)) profile = fresh.get(key)!;
        else {
          const made = await this.profileOne(f.path, f.sha256, f.size);
          profile = made === null ? null : JSON.stringify(made);
          fresh.set(key, profile);
        }
      }
      rows.push({ path: f.path, sha256: f.sha256, size: f.size, profile });
    }
    return rows;
  }

  /** Profiles one stored table; a malformed one is a 422 naming the file and what is wrong. */
  async profileOne(path: string, sha256: string, size: number): Promise<TableProfile | null> {
    try {
      return await this.#tables.profile(path, blobSource(this.#blobs, sha256, size));
    } catch (err) {
      throw tableProblem(err);
    }
  }
}

/** A table that cannot be read as a 422 naming the file and what is wrong; other errors pass. */
export function tableProblem(err: unknown): unknown {
  if (!(err instanceof TableFormatError)) return err;
  return new ProblemError({
    status: 422,
    title: "Cannot read a table",
    code: "malformed-table",
    detail: err.message,
    hint: err.hint,
    errors: [{ path: err.file, message: err.message }],
  });
}

/** Paths each once, and no path that is also a folder of another (`a` beside `a/b`). */
function checkManifest(files: ManifestFile[]): void {
  const paths = new Set<string>();
  for (const f of files) {
    if (paths.has(f.path)) throw problems.badRequest(`'${f.path}' is listed twice.`, "List each file once.");
    paths.add(f.path);
  }
  for (const p of paths) {
    for (let i = p.indexOf("/"); i > 0; i = p.indexOf("/", i + 1)) {
      if (paths.has(p.slice(0, i))) throw problems.badRequest(`'${p.slice(0, i)}' is both a file and the folder of '${p}'.`, "Rename one of them.");
    }
  }
}

function checkSizes(files: ManifestFile[], stored: Map<string, number>): void {
  const wrong = files.filter((f) => stored.get(f.sha256) !== f.size);
  if (wrong.length === 0) return;
  const first = wrong[0]!;
  throw problems.unprocessable(
    "Sizes do not match the files",
    `${wrong.length} file(s) declare a size other than their content's: '${first.path}' says ${first.size} bytes, its content has ${stored.get(first.sha256)}.`,
    "Build the manifest from the files as they are (`plinth data push` does); a file that changed while it was read can be pushed again.",
    wrong.slice(0, 20).map((f) => ({ path: f.path, message: `is ${stored.get(f.sha256)} bytes, not ${f.size}` })),
  );
}

export function expectationsBroken(violations: Violation[]): ProblemError {
  const first = violations[0]!;
  const where = [first.input && `input ${first.input}`, first.file, first.column && `column ${first.column}`].filter(Boolean).join(", ");
  return new ProblemError({
    status: 422,
    title: "Expectations not met",
    code: "expectations-not-met",
    detail: `${where}: ${first.message}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ""}`,
    hint: first.hint,
    errors: violations.slice(0, 50).map((v) => ({ path: [v.input, v.file, v.column].filter(Boolean).join(":"), message: `${v.rule}: ${v.message}` })),
    extra: { violations: violations.slice(0, 50) },
  });
}
