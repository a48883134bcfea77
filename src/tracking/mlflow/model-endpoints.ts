import type { TrackingLoggedModelsTable } from "../models/tables.ts";
import type { TrackingService } from "../service.ts";
import { loggedModelJson } from "./model-entities.ts";
import type { MlflowEndpoint, MlflowRequest } from "./endpoint.ts";

// MLflow 3's logged-model endpoints (CreateLoggedModel, GetLoggedModel, FinalizeLoggedModel,
// DeleteLoggedModel, SetLoggedModelTags, DeleteLoggedModelTag, LogLoggedModelParams,
// SearchLoggedModels), a run's inputs and outputs (LogInputs, LogOutputs), and the server's
// description that MLflow 3 clients ask for (GetServerInfo).

/** A path parameter (`:model_id`), or the same field of the body. */
const param = (req: MlflowRequest, name: string): unknown => (req.request.params as Record<string, unknown> | undefined)?.[name] ?? req.input[name];

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function modelEndpoints(t: TrackingService): MlflowEndpoint[] {
  const models = t.models;
  const full = async (m: TrackingLoggedModelsTable) => {
    const data = (await models.store.loggedModelData([m.id])).get(m.id)!;
    return { model: loggedModelJson(m, data) };
  };
  const target = (m: TrackingLoggedModelsTable) => ({ kind: "logged_model" as const, id: m.id, name: m.name, teamId: m.team_id });
  return [
    {
      method: "POST",
      path: "/runs/log-inputs",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await models.logInputs(actor, input.run_id, input.datasets, input.models);
        return {};
      },
    },
    {
      method: "POST",
      path: "/runs/outputs",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await models.logOutputs(actor, input.run_id, input.models);
        return {};
      },
    },
    {
      method: "POST",
      path: "/logged-models",
      scope: "tracking",
      handler: async ({ actor, input }) =>
        full(
          await models.logged.create(actor, {
            experimentId: input.experiment_id,
            name: input.name,
            modelType: input.model_type,
            sourceRunId: input.source_run_id,
            params: list(input.params),
            tags: list(input.tags),
          }),
        ),
    },
    {
      method: "POST",
      path: "/logged-models/search",
      scope: "read",
      handler: async ({ actor, input }) => {
        const found = await models.searchLogged(actor, {
          experimentIds: input.experiment_ids,
          filter: input.filter,
          datasets: input.datasets,
          orderBy: input.order_by,
          maxResults: input.max_results,
          pageToken: input.page_token,
        });
        const data = await models.store.loggedModelData(found.models.map((m) => m.id));
        return {
          ...(found.models.length > 0 && { models: found.models.map((m) => loggedModelJson(m, data.get(m.id)!)) }),
          ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
        };
      },
    },
    {
      method: "GET",
      path: "/logged-models/:model_id",
      scope: "read",
      handler: async (req) => full(await models.logged.readable(req.actor, param(req, "model_id"), { allowDeleted: String(req.input.allow_deleted).toLowerCase() === "true" })),
    },
    {
      method: "PATCH",
      path: "/logged-models/:model_id",
      scope: "tracking",
      handler: async (req) => full(await models.logged.finalize(req.actor, param(req, "model_id"), req.input.status)),
    },
    {
      method: "DELETE",
      path: "/logged-models/:model_id",
      scope: "tracking",
      handler: async (req) => {
        const model = await models.logged.delete(req.actor, param(req, "model_id"));
        await t.record(req.actor, "tracking.logged_model.delete", target(model));
        return {};
      },
    },
    {
      method: "PATCH",
      path: "/logged-models/:model_id/tags",
      scope: "tracking",
      handler: async (req) => {
        await models.logged.setTags(req.actor, param(req, "model_id"), list(req.input.tags));
        return {};
      },
    },
    {
      method: "DELETE",
      path: "/logged-models/:model_id/tags/:tag_key",
      scope: "tracking",
      handler: async (req) => {
        await models.logged.deleteTag(req.actor, param(req, "model_id"), param(req, "tag_key"));
        return {};
      },
    },
    {
      method: "POST",
      path: "/logged-models/:model_id/params",
      scope: "tracking",
      handler: async (req) => {
        await models.logged.logParams(req.actor, param(req, "model_id"), list(req.input.params));
        return {};
      },
    },
    {
      method: "GET",
      path: "/server-info",
      scope: "read",
      // Artifacts go up and down in one request each through the proxy: no multipart uploads.
      handler: async () => ({ store_type: "SqlStore", workspaces_enabled: false, multipart_uploads_enabled: false, multipart_downloads_enabled: false }),
    },
  ];
}
