import type { TrackingService } from "../service.ts";
import { experimentJson } from "./entities.ts";
import { type MlflowEndpoint, tagList } from "./endpoint.ts";

// MLflow's experiment endpoints (CreateExperiment, GetExperiment, GetExperimentByName,
// UpdateExperiment, DeleteExperiment, RestoreExperiment, SetExperimentTag, DeleteExperimentTag).

export function experimentEndpoints(t: TrackingService): MlflowEndpoint[] {
  const one = async (e: Awaited<ReturnType<typeof t.experiments.readable>>) => ({ experiment: experimentJson(e, (await t.store.experimentTags([e.id])).get(e.id) ?? []) });
  const target = (e: { id: string; name: string; team_id: string }) => ({ kind: "experiment" as const, id: e.id, name: e.name, teamId: e.team_id });
  return [
    {
      method: "POST",
      path: "/experiments/create",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const e = await t.experiments.create(actor, { name: input.name, artifactLocation: input.artifact_location, tags: tagList(input.tags) });
        await t.record(actor, "tracking.experiment.create", target(e), { name: e.name });
        return { experiment_id: e.id };
      },
    },
    { method: "GET", path: "/experiments/get", scope: "read", handler: async ({ actor, input }) => one(await t.experiments.readable(actor, input.experiment_id)) },
    { method: "GET", path: "/experiments/get-by-name", scope: "read", handler: async ({ actor, input }) => one(await t.experiments.named(actor, input.experiment_name)) },
    {
      method: "POST",
      path: "/experiments/update",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const before = await t.experiments.readable(actor, input.experiment_id);
        await t.experiments.rename(actor, input.experiment_id, input.new_name);
        await t.record(actor, "tracking.experiment.rename", target(before), { name: input.new_name });
        return {};
      },
    },
    ...(["delete", "restore"] as const).map(
      (verb): MlflowEndpoint => ({
        method: "POST",
        path: `/experiments/${verb}`,
        scope: "tracking",
        handler: async ({ actor, input }) => {
          const e = await t.experiments.readable(actor, input.experiment_id);
          await t.experiments.setStage(actor, e.id, verb === "delete" ? "deleted" : "active");
          await t.record(actor, `tracking.experiment.${verb}`, target(e));
          return {};
        },
      }),
    ),
    ...(["POST", "GET"] as const).map(
      (method): MlflowEndpoint => ({
        method,
        path: "/experiments/search",
        scope: "read",
        handler: async ({ actor, input }) => {
          const found = await t.search.experiments(actor, { filter: input.filter, orderBy: input.order_by, maxResults: input.max_results, pageToken: input.page_token, viewType: input.view_type });
          const tags = await t.store.experimentTags(found.experiments.map((e) => e.id));
          return {
            experiments: found.experiments.map((e) => experimentJson(e, tags.get(e.id) ?? [])),
            ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
          };
        },
      }),
    ),
    {
      method: "POST",
      path: "/experiments/set-experiment-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await t.experiments.setTag(actor, input.experiment_id, { key: input.key, value: input.value });
        return {};
      },
    },
    {
      method: "POST",
      path: "/experiments/delete-experiment-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await t.experiments.deleteTag(actor, input.experiment_id, input.key);
        return {};
      },
    },
  ];
}
