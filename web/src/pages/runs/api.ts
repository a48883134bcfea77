import { queryOptions } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components, operations } from "../../api/schema";

// The tracking API as the portal's runs pages read it, typed from the server's OpenAPI document.

type S = components["schemas"];
export type Experiment = S["Experiment"];
export type RunSummary = S["RunSummary"];
export type RunDetail = S["RunDetail"];
export type MetricHistory = S["MetricHistory"];
export type MetricValue = RunSummary["metrics"][string];
export type RunStatus = RunSummary["status"];
export type RunsParams = NonNullable<operations["getRuns"]["parameters"]["query"]>;

/** One page of runs is all the table ever asks for: the server sorts and filters 10,000 runs, the page shows 100. */
export const RUNS_PAGE = 100;

/** The query a runs page asks for, from its address: experiment, filter, sort and cursor. */
export function runsParams(params: URLSearchParams): RunsParams {
  const q: RunsParams = { limit: RUNS_PAGE };
  for (const key of ["experiment", "filter", "sort", "cursor"] as const) {
    const v = params.get(key);
    if (v) q[key] = v;
  }
  return q;
}

export const experimentsQuery = queryOptions({
  queryKey: ["experiments"],
  queryFn: () => call(api.GET("/api/v1/experiments", { params: { query: { limit: 1000 } } })),
  staleTime: 30_000,
});

export const runsQuery = (query: RunsParams) =>
  queryOptions({
    queryKey: ["runs", query],
    queryFn: () => call(api.GET("/api/v1/runs", { params: { query } })),
    // A bad filter is the person's to fix, not the network's: no retries.
    retry: false,
  });

export const runQuery = (id: string) => queryOptions({ queryKey: ["run", id], queryFn: () => call(api.GET("/api/v1/runs/{id}", { params: { path: { id } } })) });

export const metricHistoryQuery = (id: string, keys: string[]) =>
  queryOptions({
    queryKey: ["run-metrics", id, keys],
    queryFn: () => call(api.GET("/api/v1/runs/{id}/metrics", { params: { path: { id }, query: { keys: keys.join(",") } } })),
    enabled: keys.length > 0,
  });

/** The run a job made (its tag plinth.job), if any: one request. */
export const jobRunQuery = (jobId: string) =>
  queryOptions({
    queryKey: ["runs", "of-job", jobId],
    queryFn: () => call(api.GET("/api/v1/runs", { params: { query: { filter: `tags."plinth.job" = '${jobId.replace(/'/g, "")}'`, limit: 1 } } })),
  });

export const runPage = (id: string) => `/runs/${encodeURIComponent(id)}`;
export const comparePage = (ids: string[]) => `/runs/compare?ids=${ids.map(encodeURIComponent).join(",")}`;

/** A metric's value as a number for charts and sorting (NaN for "NaN"). */
export function metricNumber(v: MetricValue["value"]): number {
  if (typeof v === "number") return v;
  return v === "Infinity" ? Number.POSITIVE_INFINITY : v === "-Infinity" ? Number.NEGATIVE_INFINITY : Number.NaN;
}

/** A metric's value as people read it: up to 4 significant digits past the point, large numbers whole. */
export function formatMetric(v: MetricValue["value"] | undefined): string {
  if (v === undefined) return "—";
  if (typeof v !== "number") return v === "Infinity" ? "∞" : v === "-Infinity" ? "−∞" : "NaN";
  if (Number.isInteger(v)) return v.toLocaleString("en");
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}
