import { invalidParameter } from "../mlflow-error.ts";
import { createPageToken, parsePageToken } from "../search/page-token.ts";
import type { TrackingService } from "../service.ts";
import type { TrackingRunsTable } from "../tables.ts";
import { metricJson, runInfoJson, runJson } from "./entities.ts";
import { runIoJson } from "./model-entities.ts";
import { type MlflowEndpoint, tagList } from "./endpoint.ts";

// MLflow's run endpoints (CreateRun, UpdateRun, DeleteRun, RestoreRun, GetRun, LogMetric,
// LogParam, SetTag, DeleteTag, LogBatch, GetMetricHistory).

const HISTORY_PAGE = 25_000;

export function runEndpoints(t: TrackingService): MlflowEndpoint[] {
  const full = async (run: TrackingRunsTable) => ({
    run: runJson(run, await t.userName(run.user_id), (await t.store.runData([run.id])).get(run.id)!, runIoJson((await t.models.runIo([run.id])).get(run.id))),
  });
  // MLflow's older clients name the run `run_uuid`.
  const runId = (input: Record<string, unknown>) => input.run_id ?? input.run_uuid;
  const target = (r: TrackingRunsTable) => ({ kind: "run" as const, id: r.id, name: r.name, teamId: r.team_id });
  return [
    {
      method: "POST",
      path: "/runs/create",
      scope: "tracking",
      handler: async ({ actor, input }) => full(await t.runs.create(actor, { experimentId: input.experiment_id, runName: input.run_name, startTime: input.start_time, tags: tagList(input.tags) })),
    },
    {
      method: "POST",
      path: "/runs/update",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const run = await t.runs.update(actor, runId(input), { status: input.status, endTime: input.end_time, runName: input.run_name });
        return { run_info: runInfoJson(run, await t.userName(run.user_id)) };
      },
    },
    ...(["delete", "restore"] as const).map(
      (verb): MlflowEndpoint => ({
        method: "POST",
        path: `/runs/${verb}`,
        scope: "tracking",
        handler: async ({ actor, input }) => {
          const run = await t.runs.readable(actor, runId(input));
          await t.runs.setStage(actor, run.id, verb === "delete" ? "deleted" : "active");
          await t.record(actor, `tracking.run.${verb}`, target(run));
          return {};
        },
      }),
    ),
    { method: "GET", path: "/runs/get", scope: "read", handler: async ({ actor, input }) => full(await t.runs.readable(actor, runId(input))) },
    {
      method: "POST",
      path: "/runs/log-metric",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await t.runs.logMetric(actor, runId(input), input);
        return {};
      },
    },
    {
      method: "POST",
      path: "/runs/log-parameter",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await t.runs.logParam(actor, runId(input), { key: input.key, value: input.value });
        return {};
      },
    },
    {
      method: "POST",
      path: "/runs/set-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await t.runs.setTag(actor, runId(input), { key: input.key, value: input.value });
        return {};
      },
    },
    {
      method: "POST",
      path: "/runs/delete-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await t.runs.deleteTag(actor, runId(input), input.key);
        return {};
      },
    },
    {
      method: "POST",
      path: "/runs/log-batch",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const list = (v: unknown, name: string): unknown[] => {
          if (v === undefined || v === null) return [];
          if (!Array.isArray(v)) throw invalidParameter(`Invalid value for parameter '${name}': expected a list.`);
          return v;
        };
        await t.runs.logBatch(actor, runId(input), { metrics: list(input.metrics, "metrics"), params: list(input.params, "params"), tags: list(input.tags, "tags") });
        return {};
      },
    },
    {
      method: "POST",
      path: "/runs/search",
      scope: "read",
      handler: async ({ actor, input }) => {
        const found = await t.search.runs(actor, input.experiment_ids, { filter: input.filter, orderBy: input.order_by, maxResults: input.max_results, pageToken: input.page_token, viewType: input.run_view_type });
        const ids = found.runs.map((r) => r.id);
        const [data, io] = await Promise.all([t.store.runData(ids), t.models.runIo(ids)]);
        const runs = await Promise.all(found.runs.map(async (r) => runJson(r, await t.userName(r.user_id), data.get(r.id)!, runIoJson(io.get(r.id)))));
        return { ...(runs.length > 0 && { runs }), ...(found.nextPageToken && { next_page_token: found.nextPageToken }) };
      },
    },
    {
      method: "GET",
      path: "/metrics/get-history",
      scope: "read",
      handler: async ({ actor, input }) => {
        const run = await t.runs.readable(actor, runId(input));
        if (typeof input.metric_key !== "string" || input.metric_key === "") throw invalidParameter("Missing value for required parameter 'metric_key'. See the API docs for more information about request parameters.");
        const max = input.max_results === undefined ? HISTORY_PAGE : Number(input.max_results);
        if (!Number.isInteger(max) || max < 1 || max > HISTORY_PAGE) throw invalidParameter(`Invalid value ${String(input.max_results)} for parameter 'max_results': a whole number from 1 to ${HISTORY_PAGE}.`);
        const offset = parsePageToken(input.page_token === undefined || input.page_token === null ? undefined : String(input.page_token));
        const rows = await t.store.metricHistory(run.id, input.metric_key, offset, max + 1);
        return {
          metrics: rows.slice(0, max).map(metricJson),
          ...(rows.length > max && { next_page_token: createPageToken(offset + max) }),
        };
      },
    },
  ];
}
