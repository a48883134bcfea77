import { z } from "zod";
import { ProblemError } from "../core/errors.ts";
import { queryInteger, type RouteRegistry } from "../http/routes.ts";
import type { Principal } from "../identity/service.ts";
import { MlflowError } from "./mlflow-error.ts";
import type { TrackingService } from "./service.ts";
import { quoteFilterValue } from "./search/quote-value.ts";
import { ExperimentSchema, MetricHistorySchema, RunDetailSchema, RunListSchema } from "./spec.ts";
import type { TrackingExperimentsTable, TrackingLatestMetricsTable, TrackingRunsTable } from "./tables.ts";

// Plinth's own tracking API, for the CLI and the portal: experiments, runs with their params
// and latest metrics (filtered and sorted with MLflow's search language), a run's detail and
// its metrics' histories. Everything goes through the same services as MLflow's API, so the
// one policy answers the same: what a person may not read is not found.

const TAGS = ["tracking"];
/** Points answered for one request's metrics together, shared evenly among the keys asked for. */
const HISTORY_POINTS = 100_000;
/** Points answered for one metric at most. */
const KEY_POINTS = 25_000;
const View = z.enum(["active", "deleted", "all"]).default("active").meta({ description: "Live ones (default), deleted ones, or both." });
const VIEW_TYPE = { active: "ACTIVE_ONLY", deleted: "DELETED_ONLY", all: "ALL" } as const;

export function registerTrackingRoutes(r: RouteRegistry, t: TrackingService): void {
  r.add({
    method: "GET",
    url: "/api/v1/experiments",
    summary: "Experiments you may read, the newest first",
    tags: TAGS,
    query: z.strictObject({
      q: z.string().max(200).optional().meta({ description: "Part of the name." }),
      view: View,
      limit: queryInteger({ min: 1, max: 1000 }).default(200),
    }),
    response: z.object({ items: z.array(ExperimentSchema) }),
    handler: ({ user, query }) =>
      answer(async () => {
        const filter = query.q ? `name ILIKE ${quoted(`%${query.q}%`)}` : "";
        const found = await t.search.experiments(user, { filter, maxResults: query.limit, viewType: VIEW_TYPE[query.view] });
        return { items: await experimentViews(t, found.experiments) };
      }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/runs",
    summary: "Runs you may read, with their params and latest metrics; filter and sort as MLflow's search_runs does",
    description:
      "`filter` is MLflow's filter language (`metrics.acc > 0.9 and params.lr = '0.01'`); `sort` is a comma-separated list of keys, each with `-` in front for descending (`-metrics.acc,params.lr`). Without `experiment`, the runs of every experiment you may read.",
    tags: TAGS,
    query: z.strictObject({
      experiment: z.string().min(1).max(500).optional().meta({ description: "An experiment's id or name." }),
      filter: z.string().max(4000).optional(),
      sort: z.string().max(1000).optional().meta({ description: "`-metrics.acc`, `start_time`, `params.lr,-metrics.loss`…" }),
      view: View,
      limit: queryInteger({ min: 1, max: 10_000 }).default(100),
      cursor: z.string().max(200).optional().meta({ description: "`next` from the previous page." }),
    }),
    response: RunListSchema,
    handler: ({ user, query }) =>
      answer(async () => {
        const experimentIds = query.experiment ? [(await experimentNamed(t, user, query.experiment)).id] : await allExperimentIds(t, user);
        const found = await t.search.runs(user, experimentIds, {
          filter: query.filter,
          orderBy: sortToOrderBy(query.sort),
          maxResults: query.limit,
          pageToken: query.cursor,
          viewType: VIEW_TYPE[query.view],
        });
        return { items: await runViews(t, found.runs), next: found.nextPageToken ?? null };
      }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/runs/{id}",
    summary: "A run: its params, latest metrics, tags, experiment, job and top-level artifacts",
    tags: TAGS,
    params: z.strictObject({ id: z.string().min(1).max(64) }),
    response: RunDetailSchema,
    handler: ({ user, params }) =>
      answer(async () => {
        const run = await t.runs.readable(user, params.id);
        const [view] = await runViews(t, [run]);
        const experiment = await t.experiments.readable(user, run.experiment_id);
        const artifacts = await t.artifacts.list(user, `${run.experiment_id}/${run.id}/artifacts`).catch(() => []);
        return {
          ...view!,
          experiment: { id: experiment.id, name: experiment.name, team: await t.experiments.teamName(experiment.team_id) },
          artifactUri: run.artifact_uri,
          artifacts,
        };
      }),
  });

  r.add({
    method: "GET",
    url: "/api/v1/runs/{id}/metrics",
    summary: "The histories of a run's metrics, in step order (for charts)",
    description:
      "Up to 100 keys. Each history is answered whole up to 25,000 points, and 100,000 points in all are shared evenly among the keys asked for; a longer history is answered as points evenly spread over it, its first and last among them, and its key is listed in `thinned`. MLflow's `get_metric_history` answers every point.",
    tags: TAGS,
    params: z.strictObject({ id: z.string().min(1).max(64) }),
    query: z.strictObject({ keys: z.string().min(1).max(4000).meta({ description: "Metric keys, comma-separated." }) }),
    response: MetricHistorySchema,
    handler: ({ user, params, query }) =>
      answer(async () => {
        const run = await t.runs.readable(user, params.id);
        const keys = [...new Set(query.keys.split(",").map((k) => k.trim()).filter((k) => k !== ""))].slice(0, 100);
        const most = Math.min(KEY_POINTS, Math.floor(HISTORY_POINTS / keys.length));
        const metrics: Record<string, ReturnType<typeof point>[]> = {};
        const thinned: string[] = [];
        for (const key of keys) {
          const history = await t.store.metricHistorySpread(run.id, key, most);
          metrics[key] = history.points.map(point);
          if (history.thinned) thinned.push(key);
        }
        return { runId: run.id, metrics, thinned };
      }),
  });
}

/** `-metrics.acc,params.lr` as MLflow's order_by: `metrics.acc DESC`, `params.lr ASC`. */
export function sortToOrderBy(sort: string | undefined): string[] {
  if (!sort) return [];
  return sort
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => (s.startsWith("-") ? `${s.slice(1)} DESC` : `${s.replace(/^\+/, "")} ASC`));
}

/** A value in MLflow's filter language: single quotes, or double when the text holds a single one. */
function quoted(text: string): string {
  const value = quoteFilterValue(text);
  if (value !== undefined) return value;
  throw new ProblemError({ status: 400, title: "Invalid request", code: "invalid-request", detail: "Search for a name with either ' or \", not both.", hint: "Leave one kind of quote out of q." });
}

async function experimentNamed(t: TrackingService, user: Principal, ref: string): Promise<TrackingExperimentsTable> {
  return /^\d+$/.test(ref) ? t.experiments.readable(user, ref) : t.experiments.named(user, ref);
}

async function allExperimentIds(t: TrackingService, user: Principal): Promise<string[]> {
  return (await t.search.experiments(user, { maxResults: 50_000, viewType: "ALL" })).experiments.map((e) => e.id);
}

function point(m: { value: number; is_nan: number; step: number; timestamp: number }) {
  const value = Number(m.is_nan) ? "NaN" : Number(m.value);
  return { value: typeof value === "number" && !Number.isFinite(value) ? (value > 0 ? "Infinity" : "-Infinity") : value, step: Number(m.step), timestamp: Number(m.timestamp) } as {
    value: number | "NaN" | "Infinity" | "-Infinity";
    step: number;
    timestamp: number;
  };
}

async function experimentViews(t: TrackingService, rows: TrackingExperimentsTable[]) {
  const tags = await t.store.experimentTags(rows.map((e) => e.id));
  // One look at the teams for the whole list, not one per experiment.
  const teams = new Map(await Promise.all([...new Set(rows.map((e) => e.team_id))].map(async (id) => [id, await t.experiments.teamName(id)] as const)));
  return Promise.all(
    rows.map(async (e) => ({
      id: e.id,
      name: e.name,
      team: teams.get(e.team_id) ?? e.team_id,
      lifecycle: e.lifecycle_stage as "active" | "deleted",
      createdBy: await t.userName(e.created_by),
      createdAt: new Date(Number(e.creation_time)).toISOString(),
      updatedAt: new Date(Number(e.last_update_time)).toISOString(),
      tags: Object.fromEntries((tags.get(e.id) ?? []).map((x) => [x.key, x.value])),
    })),
  );
}

async function runViews(t: TrackingService, runs: TrackingRunsTable[]) {
  const data = await t.store.runData(runs.map((r) => r.id));
  return Promise.all(
    runs.map(async (r) => {
      const d = data.get(r.id)!;
      return {
        id: r.id,
        name: r.name,
        experimentId: r.experiment_id,
        user: await t.userName(r.user_id),
        status: r.status as "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED",
        lifecycle: r.lifecycle_stage as "active" | "deleted",
        startTime: new Date(Number(r.start_time)).toISOString(),
        endTime: r.end_time === null ? null : new Date(Number(r.end_time)).toISOString(),
        jobId: r.job_id,
        params: Object.fromEntries(d.params.map((p) => [p.key, p.value])),
        metrics: Object.fromEntries(d.metrics.map((m: TrackingLatestMetricsTable) => [m.key, point(m)])),
        tags: Object.fromEntries(d.tags.map((x) => [x.key, x.value])),
      };
    }),
  );
}

const STATUS_TITLES: Record<number, string> = { 400: "Invalid request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 500: "Server error" };

/** Runs a handler, turning MLflow's errors (the services speak them) into Plinth's problems. */
async function answer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof MlflowError)) throw err;
    throw new ProblemError({
      status: err.status,
      title: STATUS_TITLES[err.status] ?? "Invalid request",
      code: err.code.toLowerCase().replace(/_/g, "-"),
      detail: err.message,
      hint: err.status === 404 ? "`plinth runs ls` lists the runs you may read." : "Filters are MLflow's: `metrics.acc > 0.9 and params.lr = '0.01'` (the Track experiments guide has more).",
    });
  }
}
