import type { Readable } from "node:stream";
import type { Principal } from "../identity/service.ts";
import type { BlobInfo, BlobStore, IngestOptions } from "../storage/blob-store.ts";
import type { Expectations, Violation } from "./expectation-spec.ts";
import type { TableProfile } from "./tabular/types.ts";

// What the data module offers the modules beside it: jobs (inputs, outputs, lineage) and
// the S3-compatible endpoint. They call these, never the data module's tables.

export interface ResolvedFile {
  path: string;
  sha256: string;
  size: number;
  /** Columns, types, rows and nulls of a CSV, TSV or Parquet file; null for other files. */
  profile: TableProfile | null;
}

export interface ResolvedVersion {
  dataset: {
    id: string;
    name: string;
    teamId: string;
    teamName: string;
    ownerId: string;
    visibility: "private" | "team" | "public";
    expectations: Expectations | null;
  };
  version: { id: string; number: number; digest: string; createdAt: number; producedByJobId: string | null };
  /** Sorted by path. */
  files: ResolvedFile[];
}

export interface LineageEntry {
  /** The input or output name in the job spec. */
  name: string;
  datasetId: string;
  dataset: string;
  team: string;
  version: number;
  versionId: string;
}

/** A file of a job's output folder: its path in the folder, and its bytes, read when the version is made. */
export interface OutputFile {
  path: string;
  size: number;
  /** Exactly `size` bytes; a problem when the file is no longer the one listed. */
  open(): Promise<Readable>;
}

export interface DataForJobs {
  /** A reference (`[team/]name[@v3|@alias|@sha256:…]`) the person may read; a 404 problem otherwise. */
  resolve(actor: Principal, ref: string): Promise<ResolvedVersion>;
  /** The dataset's own expectations and `extra` (the job input's), checked against the version's tables. */
  check(actor: Principal, input: string, resolved: ResolvedVersion, extra?: Expectations): Promise<Violation[]>;
  recordInputs(jobId: string, inputs: Array<{ name: string; versionId: string }>): Promise<void>;
  /**
   * Stores a finished job's output folder as a new version of `dataset` in `teamId`, made by
   * `owner`, recording the job as its producer; creates the dataset on first use.
   */
  commitOutput(
    owner: Principal,
    output: { jobId: string; name: string; dataset: string; teamId: string; visibility: "private" | "team" | "public"; files: OutputFile[]; tag?: string },
  ): Promise<LineageEntry>;
  lineageOfJob(actor: Principal, jobId: string): Promise<{ inputs: LineageEntry[]; outputs: LineageEntry[] }>;
  blobs: BlobStore;
}

export interface DatasetListing {
  name: string;
  versions: Array<{ number: number; id: string; createdAt: number }>;
  /** Alias (latest, prod…) → version number. */
  aliases: Record<string, number>;
}

export interface DataForS3 {
  /** Datasets of a team that the person may read, for the read-only `datasets/` prefix. */
  datasetsOf(actor: Principal, teamId: string): Promise<DatasetListing[]>;
  resolve(actor: Principal, ref: string): Promise<ResolvedVersion>;
  /**
   * Stores bytes for `teamId` after checking its byte quota (a 413 problem naming usage, need
   * and who can raise it), records the blob for garbage collection and grants it to the person.
   */
  ingest(actor: Principal, teamId: string, body: Readable, opts: IngestOptions & { declaredSize?: number }): Promise<BlobInfo & { created: boolean }>;
  /**
   * Completes a multipart session of `blobs` (the parts numbered `numbers`, already counted in
   * the quota) into a blob, recorded for garbage collection and granted to the person.
   */
  completeParts(actor: Principal, sessionId: string, numbers: number[]): Promise<BlobInfo & { created: boolean }>;
  /** Refuses (413 problem) when `extraBytes` more would pass the team's byte quota. */
  assertRoom(actor: Principal, teamId: string, extraBytes: number): Promise<void>;
  /** Bytes a module holds for a team, counted in its byte quota (the S3 endpoint's objects). */
  addUsageSource(source: (teamId: string) => Promise<number>): void;
  /** Tells garbage collection which of these blobs a module still references. */
  addReferenceSource(source: (sha256s: string[]) => Promise<Set<string>>): void;
  blobs: BlobStore;
}
