import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components } from "../../api/schema";

// The data API as the portal's pages read it: datasets, versions, files, previews, diffs and
// lineage, typed from the server's OpenAPI document.

type S = components["schemas"];
export type Dataset = S["Dataset"];
export type DatasetDetail = S["DatasetDetail"];
export type DatasetVersion = S["DatasetVersion"];
export type DatasetVersionDetail = S["DatasetVersionDetail"];
export type DatasetFile = S["DatasetFile"];
export type DatasetDiff = S["DatasetDiff"];
export type TablePreview = S["TablePreview"];
export type TableProfile = S["TableProfile"];
export type PushResult = S["PushResult"];
export type UploadSession = S["UploadSession"];
export type JobInput = S["JobInput"];
export type JobOutput = S["JobOutput"];
export type Visibility = Dataset["visibility"];

const enc = encodeURIComponent;
/** The `team` query parameter: the dataset's team, or none to let the server look in the person's teams. */
const inTeam = (team: string) => (team ? { team } : {});

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
export function listDatasets(p: ListParams) {
  return call(api.GET("/api/v1/datasets", { params: { query: { limit: 50, ...(p.q && { q: p.q }), ...inTeam(p.team), ...(p.cursor && { cursor: p.cursor }) } } }));
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
  queryOptions({
    queryKey: ["datasets", "one", team, name],
    queryFn: () => call(api.GET("/api/v1/datasets/{name}", { params: { path: { name }, query: inTeam(team) } })),
  });

export const versionQuery = (team: string, name: string, version: number) =>
  queryOptions({
    queryKey: ["datasets", "version", team, name, version],
    queryFn: () => call(api.GET("/api/v1/datasets/{name}/versions/{version}", { params: { path: { name, version: `v${version}` }, query: inTeam(team) } })),
    // A version never changes; only who read it grows.
    staleTime: 30_000,
  });

export const previewQuery = (team: string, name: string, version: number, path: string) =>
  queryOptions({
    queryKey: ["datasets", "preview", team, name, version, path],
    queryFn: () => call(api.GET("/api/v1/datasets/{name}/versions/{version}/preview", { params: { path: { name, version: `v${version}` }, query: { ...inTeam(team), path, limit: 50 } } })),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const diffQuery = (team: string, name: string, from: number, to: number) =>
  queryOptions({
    queryKey: ["datasets", "diff", team, name, from, to],
    queryFn: () => call(api.GET("/api/v1/datasets/{name}/diff", { params: { path: { name }, query: { ...inTeam(team), from: `v${from}`, to: `v${to}` } } })),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const jobLineageQuery = (jobId: string) =>
  queryOptions({ queryKey: ["job-lineage", jobId], queryFn: () => call(api.GET("/api/v1/jobs/{id}/lineage", { params: { path: { id: jobId } } })) });

/** A download link that works without signing in, for an hour. */
export function presign(team: string, name: string, version: number, path: string, expiresIn = "1h") {
  return call(api.POST("/api/v1/datasets/{name}/versions/{version}/url", { params: { path: { name, version: `v${version}` }, query: inTeam(team) }, body: { path, expiresIn } }));
}

// What a dataset's writers change.
export const patchDataset = (team: string, name: string, body: S["PatchDataset"]) =>
  call(api.PATCH("/api/v1/datasets/{name}", { params: { path: { name }, query: inTeam(team) }, body }));
export const removeDataset = (team: string, name: string) => call(api.DELETE("/api/v1/datasets/{name}", { params: { path: { name }, query: inTeam(team) } }));
export const removeVersion = (team: string, name: string, version: number) =>
  call(api.DELETE("/api/v1/datasets/{name}/versions/{version}", { params: { path: { name, version: `v${version}` }, query: inTeam(team) } }));
export const setAlias = (team: string, name: string, alias: string, version: number) =>
  call(api.PUT("/api/v1/datasets/{name}/aliases/{alias}", { params: { path: { name, alias }, query: inTeam(team) }, body: { version } }));
export const removeAlias = (team: string, name: string, alias: string) =>
  call(api.DELETE("/api/v1/datasets/{name}/aliases/{alias}", { params: { path: { name, alias }, query: inTeam(team) } }));

// What an upload asks.
export const missingBlobs = (sha256: string[]) => call(api.POST("/api/v1/data/blobs/missing", { body: { sha256 } }));
export const pushVersion = (team: string, name: string, body: S["PushVersion"]) =>
  call(api.POST("/api/v1/datasets/{name}/versions", { params: { path: { name }, query: inTeam(team) }, body }));
export const startUpload = (body: S["StartUpload"]) => call(api.POST("/api/v1/data/uploads", { body }));
export const completeUpload = (id: string) => call(api.POST("/api/v1/data/uploads/{id}/complete", { params: { path: { id } } }));
