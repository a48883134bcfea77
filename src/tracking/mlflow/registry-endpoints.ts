import type { Principal } from "../../identity/service.ts";
import { versionKey } from "../models/registry-store.ts";
import type { TrackingModelVersionsTable, TrackingRegisteredModelsTable } from "../models/tables.ts";
import type { VersionOf } from "../models/versions.ts";
import type { TrackingService } from "../service.ts";
import { modelVersionJson, registeredModelJson } from "./model-entities.ts";
import { type MlflowEndpoint, tagList } from "./endpoint.ts";

// MLflow's model registry endpoints (model_registry.proto): registered models (create, get,
// rename, update, delete, search, tags, aliases, latest versions) and their versions (create,
// get, update, stage, delete, search, tags, download URI). Changes to models, versions and
// aliases go to the audit log.

export function registryEndpoints(t: TrackingService): MlflowEndpoint[] {
  const { registry, versions, registrySearch } = t.models;
  const store = registry.store;

  /** Registered models as MLflow answers them: tags, aliases and latest versions (with their tags). */
  const modelsJson = async (models: TrackingRegisteredModelsTable[]) => {
    const ids = models.map((m) => m.id);
    const [data, latest] = await Promise.all([store.registeredModelData(ids), store.latestVersions(ids)]);
    const latestRows = [...latest.values()].flat();
    const latestData = await store.versionData(latestRows);
    return models.map((m) =>
      registeredModelJson(m, {
        ...data.get(m.id)!,
        latest: (latest.get(m.id) ?? []).map((v) => modelVersionJson(m.name, v, { tags: latestData.get(versionKey(v))?.tags ?? [] })),
      }),
    );
  };
  const versionsJson = async (found: VersionOf[]) => {
    const data = await store.versionData(found.map((f) => f.version));
    return found.map(({ model, version }) => modelVersionJson(model.name, version, data.get(versionKey(version)) ?? { tags: [] }));
  };
  const oneVersion = async (found: VersionOf) => ({ model_version: (await versionsJson([found]))[0] });
  const modelTarget = (m: TrackingRegisteredModelsTable) => ({ kind: "registered_model" as const, id: m.id, name: m.name, teamId: m.team_id });
  const versionTarget = (m: TrackingRegisteredModelsTable, v: Pick<TrackingModelVersionsTable, "version">) => ({
    kind: "model_version" as const,
    id: `${m.id}/${v.version}`,
    name: `${m.name}/${v.version}`,
    teamId: m.team_id,
  });
  const changed = (actor: Principal, action: string, target: Parameters<typeof t.record>[2], after?: unknown) => t.record(actor, `tracking.${action}`, target, after ?? null);

  return [
    // ---- registered models ----
    {
      method: "POST",
      path: "/registered-models/create",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const model = await registry.create(actor, { name: input.name, tags: tagList(input.tags), description: input.description });
        await changed(actor, "registered_model.create", modelTarget(model), { name: model.name });
        return { registered_model: (await modelsJson([model]))[0] };
      },
    },
    { method: "GET", path: "/registered-models/get", scope: "read", handler: async ({ actor, input }) => ({ registered_model: (await modelsJson([await registry.readable(actor, input.name)]))[0] }) },
    {
      method: "POST",
      path: "/registered-models/rename",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const before = await registry.readable(actor, input.name);
        const model = await registry.rename(actor, before.name, input.new_name);
        await changed(actor, "registered_model.rename", modelTarget(before), { name: model.name });
        return { registered_model: (await modelsJson([model]))[0] };
      },
    },
    {
      method: "PATCH",
      path: "/registered-models/update",
      scope: "tracking",
      handler: async ({ actor, input }) => ({ registered_model: (await modelsJson([await registry.update(actor, input.name, input.description)]))[0] }),
    },
    {
      method: "DELETE",
      path: "/registered-models/delete",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const model = await registry.delete(actor, input.name);
        await changed(actor, "registered_model.delete", modelTarget(model));
        return {};
      },
    },
    {
      method: "GET",
      path: "/registered-models/search",
      scope: "read",
      handler: async ({ actor, input }) => {
        const found = await registrySearch.registeredModels(actor, { filter: input.filter, orderBy: input.order_by, maxResults: input.max_results, pageToken: input.page_token });
        return {
          ...(found.models.length > 0 && { registered_models: await modelsJson(found.models) }),
          ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
        };
      },
    },
    ...(["GET", "POST"] as const).map(
      (method): MlflowEndpoint => ({
        method,
        path: "/registered-models/get-latest-versions",
        scope: "read",
        handler: async ({ actor, input }) => {
          const latest = await versions.latest(actor, input.name, typeof input.stages === "string" ? [input.stages] : input.stages);
          return latest.length > 0 ? { model_versions: await versionsJson(latest) } : {};
        },
      }),
    ),
    {
      method: "POST",
      path: "/registered-models/set-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await registry.setTag(actor, input.name, { key: input.key, value: input.value });
        return {};
      },
    },
    {
      method: "DELETE",
      path: "/registered-models/delete-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await registry.deleteTag(actor, input.name, input.key);
        return {};
      },
    },
    {
      method: "POST",
      path: "/registered-models/alias",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const set = await registry.setAlias(actor, input.name, input.alias, input.version);
        await changed(actor, "registered_model.alias.set", modelTarget(set.model), { alias: set.alias, version: String(set.version) });
        return {};
      },
    },
    {
      method: "DELETE",
      path: "/registered-models/alias",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const deleted = await registry.deleteAlias(actor, input.name, input.alias);
        await changed(actor, "registered_model.alias.delete", modelTarget(deleted.model), { alias: deleted.alias });
        return {};
      },
    },
    { method: "GET", path: "/registered-models/alias", scope: "read", handler: async ({ actor, input }) => oneVersion(await versions.byAlias(actor, input.name, input.alias)) },

    // ---- model versions ----
    {
      method: "POST",
      path: "/model-versions/create",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const made = await versions.create(actor, {
          name: input.name,
          source: input.source,
          runId: input.run_id,
          modelId: input.model_id,
          tags: tagList(input.tags),
          runLink: input.run_link,
          description: input.description,
        });
        await changed(actor, "model_version.create", versionTarget(made.model, made.version), { source: made.version.source, run_id: made.version.run_id, model_id: made.version.model_id });
        return oneVersion(made);
      },
    },
    { method: "GET", path: "/model-versions/get", scope: "read", handler: async ({ actor, input }) => oneVersion(await versions.get(actor, input.name, input.version)) },
    {
      method: "PATCH",
      path: "/model-versions/update",
      scope: "tracking",
      handler: async ({ actor, input }) => oneVersion(await versions.update(actor, input.name, input.version, input.description)),
    },
    {
      method: "POST",
      path: "/model-versions/transition-stage",
      scope: "tracking",
      handler: async ({ actor, input }) => oneVersion(await versions.transitionStage(actor, input.name, input.version, input.stage, input.archive_existing_versions)),
    },
    {
      method: "DELETE",
      path: "/model-versions/delete",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        const deleted = await versions.delete(actor, input.name, input.version);
        await changed(actor, "model_version.delete", versionTarget(deleted.model, deleted.version));
        return {};
      },
    },
    {
      method: "GET",
      path: "/model-versions/search",
      scope: "read",
      handler: async ({ actor, input }) => {
        const found = await registrySearch.modelVersions(actor, { filter: input.filter, orderBy: input.order_by, maxResults: input.max_results, pageToken: input.page_token });
        return {
          ...(found.versions.length > 0 && { model_versions: await versionsJson(found.versions) }),
          ...(found.nextPageToken && { next_page_token: found.nextPageToken }),
        };
      },
    },
    {
      method: "GET",
      path: "/model-versions/get-download-uri",
      scope: "read",
      handler: async ({ actor, input }) => ({ artifact_uri: (await versions.get(actor, input.name, input.version)).version.storage_location }),
    },
    {
      method: "POST",
      path: "/model-versions/set-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await versions.setTag(actor, input.name, input.version, { key: input.key, value: input.value });
        return {};
      },
    },
    {
      method: "DELETE",
      path: "/model-versions/delete-tag",
      scope: "tracking",
      handler: async ({ actor, input }) => {
        await versions.deleteTag(actor, input.name, input.version, input.key);
        return {};
      },
    },
  ];
}
