import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { CSRF_HEADERS } from "../../api/client";
import { ApiProblem, toProblem } from "../../api/problem";

// The data API as the portal's pages read it: datasets, versions, files, previews, diffs and
// lineage. Until the data routes are in the server's OpenAPI document these shapes follow
// src/data/spec.ts; they become the generated types once `npm run gen:api` knows them.

export type Visibility = "private" | "team" | "public";
export type ColumnType = "integer" | "float" | "boolean" | "string" | "date" | "timestamp" | "binary" | "other";
export interface TableProfile {
  format: "csv" | "tsv" | "parquet";
  rows: number;
  columns: Array<{ name: string; type: ColumnType; nulls: number }>;
}
export interface DatasetFile {
  path: string;
  sha256: string;
  size: number;
  profile: TableProfile | null;
}
export interface Dataset {
  id: string;
  name: string;
  team: string;
  teamId: string;
  owner: string;
  visibility: Visibility;
  description: string;
  latest: { number: number; fileCount: number; totalBytes: number; createdAt: string } | null;
  createdAt: string;
  updatedAt: string;
}
export interface DatasetVersion {
  id: string;
  number: number;
  digest: string;
  fileCount: number;
  totalBytes: number;
  message: string;
  createdBy: string;
  createdAt: string;
  aliases: string[];
  producedByJobId: string | null;
}
export interface DatasetDetail extends Dataset {
  versions: DatasetVersion[];
  aliases: Record<string, number>;
  expectations: Record<string, unknown> | null;
}
export interface JobLink {
  jobId: string;
  jobName: string | null;
}
export interface DatasetVersionDetail extends DatasetVersion {
  dataset: string;
  team: string;
  files: DatasetFile[];
  producedBy: JobLink | null;
  readBy: Array<JobLink & { input: string }>;
}
export interface DatasetDiff {
  from: number;
  to: number;
  added: DatasetFile[];
  removed: DatasetFile[];
  changed: Array<{ path: string; from: DatasetFile; to: DatasetFile }>;
}
export interface TablePreview {
  path: string;
  columns: Array<{ name: string; type: ColumnType }>;
  rows: unknown[][];
  profile: TableProfile | null;
}
export interface LineageEntry {
  name: string;
  datasetId: string;
  dataset: string;
  team: string;
  version: number;
  versionId: string;
}
export interface JobInput {
  name: string;
  ref: string;
  dataset: string;
  team: string;
  version: number;
  versionId: string;
}
export interface JobOutput {
  name: string;
  path: string;
  dataset: string;
  tag: string | null;
  team: string | null;
  version: number | null;
  versionId: string | null;
}
export interface PushResult {
  version: DatasetVersion | null;
  missing: string[];
  created: boolean;
}
export interface UploadSession {
  id: string;
  sha256: string;
  size: number;
  partSize: number;
  partCount: number;
  parts: Array<{ number: number; size: number }>;
  expiresAt: string;
}

/** Sends a JSON request to the API; answers its JSON, or throws an ApiProblem. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { ...CSRF_HEADERS, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiProblem(toProblem(undefined, undefined));
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) throw new ApiProblem(toProblem(parsed, res));
  return parsed as T;
}

const enc = encodeURIComponent;
/** `/api/v1/datasets/NAME…?team=TEAM`, with `rest` after the name and more query parameters. */
export function datasetPath(team: string, name: string, rest = "", query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams(team ? { team } : {});
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  return `/api/v1/datasets/${enc(name)}${rest}?${q}`;
}
/** The portal's own address of a dataset (and version). */
export function datasetPage(team: string, name: string, version?: number): string {
  return `/data/${enc(team)}/${enc(name)}${version ? `?v=${version}` : ""}`;
}
/** The reference people type: `team/name@v3`. */
export function datasetRef(team: string, name: string, version?: number | string): string {
  return `${team}/${name}${version === undefined ? "" : typeof version === "number" ? `@v${version}` : `@${version}`}`;
}

export interface ListParams {
  q: string;
  team: string;
  cursor: string;
}

/** A page of datasets (keyset: `next` is the cursor of the page after). */
export function listDatasets(p: ListParams): Promise<{ items: Dataset[]; next: string | null }> {
  const q = new URLSearchParams({ limit: "50" });
  if (p.q) q.set("q", p.q);
  if (p.team) q.set("team", p.team);
  if (p.cursor) q.set("cursor", p.cursor);
  return request("GET", `/api/v1/datasets?${q}`);
}

/** The list from its first page on; "Show more datasets" adds the next. */
export const datasetsQuery = (p: Omit<ListParams, "cursor">) =>
  infiniteQueryOptions({
    queryKey: ["datasets", "list", p],
    queryFn: ({ pageParam }) => listDatasets({ ...p, cursor: pageParam }),
    initialPageParam: "",
    getNextPageParam: (last) => last.next ?? undefined,
  });

export const datasetQuery = (team: string, name: string) =>
  queryOptions({ queryKey: ["datasets", "one", team, name], queryFn: () => request<DatasetDetail>("GET", datasetPath(team, name)) });

export const versionQuery = (team: string, name: string, version: number) =>
  queryOptions({
    queryKey: ["datasets", "version", team, name, version],
    queryFn: () => request<DatasetVersionDetail>("GET", datasetPath(team, name, `/versions/${version}`)),
    // A version never changes; only who read it grows.
    staleTime: 30_000,
  });

export const previewQuery = (team: string, name: string, version: number, path: string) =>
  queryOptions({
    queryKey: ["datasets", "preview", team, name, version, path],
    queryFn: () => request<TablePreview>("GET", datasetPath(team, name, `/versions/${version}/preview`, { path, limit: 50 })),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const diffQuery = (team: string, name: string, from: number, to: number) =>
  queryOptions({
    queryKey: ["datasets", "diff", team, name, from, to],
    queryFn: () => request<DatasetDiff>("GET", datasetPath(team, name, "/diff", { from: `v${from}`, to: `v${to}` })),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const jobLineageQuery = (jobId: string) =>
  queryOptions({
    queryKey: ["job-lineage", jobId],
    queryFn: () => request<{ inputs: LineageEntry[]; outputs: LineageEntry[] }>("GET", `/api/v1/jobs/${enc(jobId)}/lineage`),
  });

/** A download link that works without signing in, for an hour. */
export function presign(team: string, name: string, version: number, path: string, expiresIn = "1h") {
  return request<{ url: string; expiresAt: string }>("POST", datasetPath(team, name, `/versions/${version}/url`), { path, expiresIn });
}
