import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";

// MLflow 3's logged models and the model registry over HTTP, as MLflow's clients call them:
// logged models with their files in the artifact proxy, a run's inputs and outputs, registered
// models per team with versions, tags and aliases, MLflow's error codes for bad input, and the
// one policy: another team sees nothing, a viewer and a team-mate change nothing.

for (const db of testDatabases()) {
  describe(`MLflow models and registry (${db.name})`, () => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};
    let experimentId = "";
    let runId = "";

    const mlflow = async (who: string, method: string, path: string, body?: Record<string, unknown>) => {
      const token = who === "admin" ? TOKEN : tokens[who];
      const query = method === "GET" && body ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]))}` : "";
      const res = await fetch(`${t.url}/api/2.0/mlflow${path}${query}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(method !== "GET" && body && { "content-type": "application/json" }) },
        ...(method !== "GET" && body && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as any) : {} };
    };
    const artifact = async (who: string, method: string, path: string, body?: string) => {
      const res = await fetch(`${t.url}/api/2.0/mlflow-artifacts/artifacts${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined && { "content-type": "application/octet-stream" }) },
        ...(body !== undefined && { body }),
      });
      return { status: res.status, text: await res.text() };
    };
    const errorOf = (r: { status: number; json: any }) => [r.status, r.json.error_code];
    const newModel = async (who: string, name: string) => {
      const r = await mlflow(who, "POST", "/logged-models", { experiment_id: experimentId, name, source_run_id: runId, params: [{ key: "C", value: "0.5" }], tags: [{ key: "kind", value: "sklearn" }] });
      expect(r.status).toBe(200);
      return r.json.model.info as { model_id: string; artifact_uri: string };
    };

    beforeAll(async () => {
      t = await startTestPlatform(db, "tracking-registry");
      for (const team of ["vision", "audio"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      for (const [name, team, teamRole] of [
        ["alice", "vision", "member"],
        ["bob", "vision", "member"],
        ["vic", "vision", "viewer"],
        ["tess", "vision", "admin"],
        ["otto", "audio", "member"],
      ] as const) {
        const r = await t.api("POST", "/api/v1/users", { name, team, teamRole });
        expect(r.status).toBe(201);
        tokens[name] = r.body.token;
      }
      experimentId = (await mlflow("alice", "POST", "/experiments/create", { name: "iris" })).json.experiment_id;
      runId = (await mlflow("alice", "POST", "/runs/create", { experiment_id: experimentId })).json.run.info.run_id;
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("logs a model: created pending, its files under its own folder, finalized, tagged, found by search", async () => {
      const created = await mlflow("alice", "POST", "/logged-models", { experiment_id: experimentId, name: "clf", source_run_id: runId, params: [{ key: "C", value: "0.5" }], tags: [{ key: "kind", value: "sklearn" }] });
      expect(created.status).toBe(200);
      const info = created.json.model.info;
      expect(info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
      expect(info).toMatchObject({ experiment_id: experimentId, name: "clf", status: "LOGGED_MODEL_PENDING", source_run_id: runId, artifact_uri: `mlflow-artifacts:/${experimentId}/models/${info.model_id}/artifacts`, tags: [{ key: "kind", value: "sklearn" }] });
      expect(created.json.model.data.params).toEqual([{ key: "C", value: "0.5" }]);

      const folder = `/${experimentId}/models/${info.model_id}/artifacts`;
      expect((await artifact("alice", "PUT", `${folder}/MLmodel`, "flavors: {}\n")).status).toBe(200);
      expect((await artifact("alice", "PUT", `${folder}/data/model.pkl`, "bytes")).status).toBe(200);
      expect((await artifact("alice", "GET", `${folder}/MLmodel`)).text).toBe("flavors: {}\n");
      const listed = await artifact("alice", "GET", `?path=${encodeURIComponent(folder.slice(1))}`);
      expect(JSON.parse(listed.text)).toEqual({ files: [{ path: "MLmodel", is_dir: false, file_size: 12 }, { path: "data", is_dir: true }] });
      // The model's folder is its own: the run's folder does not hold its files, and paths stay inside.
      expect((await artifact("alice", "GET", `/${experimentId}/${runId}/artifacts/MLmodel`)).status).toBe(404);
      expect((await artifact("alice", "PUT", `${folder}/a%5Cb`, "x")).status).toBe(400);
      expect((await artifact("alice", "PUT", `${folder}/a//b`, "x")).status).toBe(400);
      expect((await artifact("alice", "GET", `/${experimentId}/models/m-nothex/artifacts/MLmodel`)).status).toBe(404);

      const finalized = await mlflow("alice", "PATCH", `/logged-models/${info.model_id}`, { model_id: info.model_id, status: "LOGGED_MODEL_READY" });
      expect(finalized.json.model.info.status).toBe("LOGGED_MODEL_READY");
      expect(errorOf(await mlflow("alice", "PATCH", `/logged-models/${info.model_id}`, { status: "DONE" }))).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      expect((await mlflow("alice", "PATCH", `/logged-models/${info.model_id}/tags`, { tags: [{ key: "stage", value: "candidate" }] })).status).toBe(200);
      // The same endpoints answer under MLflow 3's prefix.
      const got: any = await (await fetch(`${t.url}/api/3.0/mlflow/logged-models/${info.model_id}`, { headers: { authorization: `Bearer ${tokens.alice}` } })).json();
      expect(Object.fromEntries(got.model.info.tags.map((x: { key: string; value: string }) => [x.key, x.value]))).toEqual({ kind: "sklearn", stage: "candidate" });

      const search = (filter: string, who = "alice") => mlflow(who, "POST", "/logged-models/search", { experiment_ids: [experimentId], filter });
      expect((await search(`source_run_id = '${runId}' AND name = 'clf'`)).json.models.map((m: any) => m.info.model_id)).toEqual([info.model_id]);
      expect((await search("tags.stage = 'candidate' AND params.C = '0.5'")).json.models).toHaveLength(1);
      expect((await search("name LIKE 'CL%'")).json).toEqual({});
      expect((await search(`creation_timestamp > 0 AND status = 'LOGGED_MODEL_READY'`)).json.models).toHaveLength(1);
      expect((await search("name ILIKE 'CL%'")).json.models).toHaveLength(1);
      expect(errorOf(await search("name = 'clf' OR name = 'x'"))).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      expect(errorOf(await search("colour = 'red'"))).toEqual([400, "INVALID_PARAMETER_VALUE"]);

      // Outputs and inputs of the run, as get_run shows them.
      expect((await mlflow("alice", "POST", "/runs/outputs", { run_id: runId, models: [{ model_id: info.model_id, step: 3 }] })).status).toBe(200);
      const dataset = { name: "iris", digest: "5a5c68bf", source_type: "code", source: "{}", schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 150}' };
      expect((await mlflow("alice", "POST", "/runs/log-inputs", { run_id: runId, datasets: [{ tags: [{ key: "mlflow.data.context", value: "train" }], dataset }] })).status).toBe(200);
      const run = (await mlflow("alice", "GET", "/runs/get", { run_id: runId })).json.run;
      expect(run.outputs).toEqual({ model_outputs: [{ model_id: info.model_id, step: 3 }] });
      expect(run.inputs).toEqual({ dataset_inputs: [{ tags: [{ key: "mlflow.data.context", value: "train" }], dataset }] });
      expect(errorOf(await mlflow("alice", "POST", "/runs/log-inputs", { run_id: runId, datasets: [{ dataset: { ...dataset, digest: "x".repeat(37) } }] }))).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    });

    it("keeps logged models to the one policy: a team-mate reads but does not change, another team sees nothing", async () => {
      const { model_id: id } = await newModel("alice", "private-ish");
      const folder = `/${experimentId}/models/${id}/artifacts`;
      expect((await artifact("alice", "PUT", `${folder}/MLmodel`, "x")).status).toBe(200);

      expect((await mlflow("bob", "GET", `/logged-models/${id}`)).status).toBe(200);
      expect((await artifact("bob", "GET", `${folder}/MLmodel`)).status).toBe(200);
      expect(errorOf(await mlflow("bob", "PATCH", `/logged-models/${id}`, { status: "LOGGED_MODEL_READY" }))).toEqual([403, "PERMISSION_DENIED"]);
      expect((await artifact("bob", "PUT", `${folder}/MLmodel`, "overwritten")).status).toBe(403);
      expect((await artifact("alice", "GET", `${folder}/MLmodel`)).text).toBe("x");

      expect(errorOf(await mlflow("otto", "GET", `/logged-models/${id}`))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect((await artifact("otto", "GET", `${folder}/MLmodel`)).status).toBe(404);
      expect(errorOf(await mlflow("otto", "POST", "/logged-models/search", { experiment_ids: [experimentId] }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      // Nobody logs a model into another person's run.
      expect(errorOf(await mlflow("bob", "POST", "/logged-models", { experiment_id: experimentId, source_run_id: runId }))).toEqual([403, "PERMISSION_DENIED"]);

      expect((await mlflow("alice", "DELETE", `/logged-models/${id}`)).status).toBe(200);
      expect(errorOf(await mlflow("alice", "GET", `/logged-models/${id}`))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect((await mlflow("alice", "GET", `/logged-models/${id}`, { allow_deleted: "true" })).json.model.info.model_id).toBe(id);
    });

    it("registers versions numbered once each, from a run's folder or a logged model, with tags, aliases and the champion", async () => {
      const logged = await newModel("alice", "to-register");
      const created = await mlflow("alice", "POST", "/registered-models/create", { name: "iris-clf", description: "iris classifier", tags: [{ key: "task", value: "classification" }] });
      expect(created.json.registered_model).toMatchObject({ name: "iris-clf", description: "iris classifier", tags: [{ key: "task", value: "classification" }] });
      expect(errorOf(await mlflow("alice", "POST", "/registered-models/create", { name: "iris-clf" }))).toEqual([400, "RESOURCE_ALREADY_EXISTS"]);

      const v1 = await mlflow("alice", "POST", "/model-versions/create", { name: "iris-clf", source: `runs:/${runId}/model`, run_id: runId, tags: [{ key: "quality", value: "good" }] });
      expect(v1.json.model_version).toMatchObject({ name: "iris-clf", version: "1", run_id: runId, status: "READY", current_stage: "None", tags: [{ key: "quality", value: "good" }] });
      const v2 = await mlflow("alice", "POST", "/model-versions/create", { name: "iris-clf", source: `models:/${logged.model_id}`, model_id: logged.model_id });
      expect(v2.json.model_version).toMatchObject({ version: "2", run_id: runId, model_id: logged.model_id });
      expect((await mlflow("alice", "GET", "/model-versions/get-download-uri", { name: "iris-clf", version: 1 })).json.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`);
      expect((await mlflow("alice", "GET", "/model-versions/get-download-uri", { name: "iris-clf", version: 2 })).json.artifact_uri).toBe(logged.artifact_uri);
      // The logged model notes the versions made from it, as MLflow does.
      const tags = (await mlflow("alice", "GET", `/logged-models/${logged.model_id}`)).json.model.info.tags;
      expect(JSON.parse(tags.find((x: { key: string }) => x.key === "mlflow.modelVersions").value)).toEqual([{ name: "iris-clf", version: "2" }]);

      // A deleted version's number is never given again.
      expect((await mlflow("alice", "DELETE", "/model-versions/delete", { name: "iris-clf", version: "2" })).status).toBe(200);
      expect(errorOf(await mlflow("alice", "GET", "/model-versions/get", { name: "iris-clf", version: 2 }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      const v3 = await mlflow("alice", "POST", "/model-versions/create", { name: "iris-clf", source: `models:/iris-clf/1` });
      expect(v3.json.model_version).toMatchObject({ version: "3", run_id: runId });
      expect((await mlflow("alice", "GET", "/model-versions/get-download-uri", { name: "iris-clf", version: 3 })).json.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`);

      expect((await mlflow("alice", "POST", "/registered-models/alias", { name: "iris-clf", alias: "champion", version: "1" })).status).toBe(200);
      const champion = await mlflow("alice", "GET", "/registered-models/alias", { name: "iris-clf", alias: "champion" });
      expect(champion.json.model_version).toMatchObject({ version: "1", aliases: ["champion"], tags: [{ key: "quality", value: "good" }] });
      // Moving the alias moves it; `latest` is the highest version.
      expect((await mlflow("alice", "POST", "/registered-models/alias", { name: "iris-clf", alias: "champion", version: "3" })).status).toBe(200);
      expect((await mlflow("alice", "GET", "/registered-models/get", { name: "iris-clf" })).json.registered_model.aliases).toEqual([{ alias: "champion", version: "3" }]);
      expect((await mlflow("alice", "GET", "/registered-models/alias", { name: "iris-clf", alias: "latest" })).json.model_version.version).toBe("3");
      expect(errorOf(await mlflow("alice", "POST", "/registered-models/alias", { name: "iris-clf", alias: "champion", version: "2" }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      for (const alias of ["latest", "v2", "bad alias", ""]) {
        expect(errorOf(await mlflow("alice", "POST", "/registered-models/alias", { name: "iris-clf", alias, version: "1" })), alias).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      }
      // Deleting a version drops the aliases that named it.
      expect((await mlflow("alice", "DELETE", "/model-versions/delete", { name: "iris-clf", version: "3" })).status).toBe(200);
      expect(errorOf(await mlflow("alice", "GET", "/registered-models/alias", { name: "iris-clf", alias: "champion" }))).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      expect((await mlflow("alice", "GET", "/registered-models/get", { name: "iris-clf" })).json.registered_model).toMatchObject({ latest_versions: [{ version: "1" }] });

      const versions = await mlflow("alice", "GET", "/model-versions/search", { filter: "name = 'iris-clf' AND tags.quality = 'good'" });
      expect(versions.json.model_versions.map((v: { version: string }) => v.version)).toEqual(["1"]);
      const numbered = await mlflow("alice", "GET", "/model-versions/search", { filter: `name = 'iris-clf' AND version_number >= 1 AND run_id IN ('${runId}')`, order_by: "version_number DESC" });
      expect(numbered.json.model_versions.map((v: { version: string }) => v.version)).toEqual(["1"]);
      const found = await mlflow("alice", "GET", "/registered-models/search", { filter: "name LIKE 'iris%' AND tag.`mlflow.prompt.is_prompt` != 'true'" });
      expect(found.json.registered_models.map((m: { name: string }) => m.name)).toEqual(["iris-clf"]);

      // Renamed, it keeps its versions; the old name is gone.
      expect((await mlflow("alice", "POST", "/registered-models/rename", { name: "iris-clf", new_name: "iris-classifier" })).json.registered_model.name).toBe("iris-classifier");
      expect((await mlflow("alice", "GET", "/model-versions/get", { name: "iris-classifier", version: 1 })).json.model_version.name).toBe("iris-classifier");
      expect(errorOf(await mlflow("alice", "GET", "/registered-models/get", { name: "iris-clf" }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);

      const audit = await t.api("GET", "/api/v1/audit?action=tracking.");
      const actions = (audit.body.items as Array<{ action: string }>).map((e) => e.action);
      for (const action of ["tracking.registered_model.create", "tracking.model_version.create", "tracking.model_version.delete", "tracking.registered_model.alias.set", "tracking.registered_model.rename"]) {
        expect(actions, action).toContain(action);
      }
    });

    it("keeps the registry to the one policy: another team sees nothing, a viewer or team-mate changes nothing", async () => {
      expect((await mlflow("alice", "POST", "/registered-models/create", { name: "shared-name" })).status).toBe(200);
      expect((await mlflow("alice", "POST", "/model-versions/create", { name: "shared-name", source: `runs:/${runId}/model`, run_id: runId })).status).toBe(200);

      // Another team: nothing exists, and the name is free there.
      expect(errorOf(await mlflow("otto", "GET", "/registered-models/get", { name: "shared-name" }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect(errorOf(await mlflow("otto", "GET", "/model-versions/get", { name: "shared-name", version: 1 }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect(errorOf(await mlflow("otto", "POST", "/registered-models/alias", { name: "shared-name", alias: "champion", version: "1" }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect((await mlflow("otto", "GET", "/registered-models/search", { filter: "name = 'shared-name'" })).json).toEqual({});
      expect((await mlflow("otto", "GET", "/model-versions/search", { filter: "name = 'shared-name'" })).json).toEqual({});
      expect((await mlflow("otto", "POST", "/registered-models/create", { name: "shared-name" })).status).toBe(200);
      // Nor may another team register a version from alice's run: to them it is a source that does not exist.
      expect(errorOf(await mlflow("otto", "POST", "/model-versions/create", { name: "shared-name", source: `runs:/${runId}/model`, run_id: runId }))).toEqual([400, "INVALID_PARAMETER_VALUE"]);

      // A viewer reads but creates and changes nothing; a team-mate who did not create it reads only.
      expect((await mlflow("vic", "GET", "/registered-models/get", { name: "shared-name" })).json.registered_model.name).toBe("shared-name");
      expect(errorOf(await mlflow("vic", "POST", "/registered-models/create", { name: "vics-model" }))).toEqual([403, "PERMISSION_DENIED"]);
      for (const who of ["vic", "bob"]) {
        expect(errorOf(await mlflow(who, "POST", "/registered-models/alias", { name: "shared-name", alias: "champion", version: "1" })), who).toEqual([403, "PERMISSION_DENIED"]);
        expect(errorOf(await mlflow(who, "POST", "/model-versions/create", { name: "shared-name", source: `runs:/${runId}/model`, run_id: runId })), who).toEqual([403, "PERMISSION_DENIED"]);
        expect(errorOf(await mlflow(who, "DELETE", "/registered-models/delete", { name: "shared-name" })), who).toEqual([403, "PERMISSION_DENIED"]);
        expect(errorOf(await mlflow(who, "PATCH", "/model-versions/update", { name: "shared-name", version: "1", description: "mine" })), who).toEqual([403, "PERMISSION_DENIED"]);
      }
      // The team's admin changes it; its creator deletes it.
      expect((await mlflow("tess", "PATCH", "/registered-models/update", { name: "shared-name", description: "checked" })).json.registered_model.description).toBe("checked");
      // A platform admin sees both teams' models of that name, and is asked to choose.
      expect(errorOf(await mlflow("admin", "GET", "/registered-models/get", { name: "shared-name" }))).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      expect((await mlflow("alice", "DELETE", "/registered-models/delete", { name: "shared-name" })).status).toBe(200);
      expect(errorOf(await mlflow("alice", "GET", "/registered-models/get", { name: "shared-name" }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect((await mlflow("otto", "GET", "/registered-models/get", { name: "shared-name" })).status).toBe(200);
    });

    it("refuses bad input with MLflow's error codes", async () => {
      expect((await mlflow("alice", "POST", "/registered-models/create", { name: "checked" })).status).toBe(200);
      const cases: Array<[string, string, Record<string, unknown>]> = [
        ["POST", "/registered-models/create", {}],
        ["POST", "/registered-models/create", { name: "a/b" }],
        ["POST", "/registered-models/create", { name: "a:b" }],
        ["POST", "/registered-models/create", { name: ".." }],
        ["POST", "/registered-models/create", { name: "tagged", tags: [{ key: "bad key!", value: "x" }] }],
        ["POST", "/registered-models/rename", { name: "checked", new_name: "" }],
        ["GET", "/model-versions/get", { name: "checked", version: "one" }],
        ["POST", "/model-versions/create", { name: "checked" }],
        ["POST", "/model-versions/create", { name: "checked", source: "s3://bucket/model" }],
        ["POST", "/model-versions/create", { name: "checked", source: "/tmp/model" }],
        ["POST", "/model-versions/create", { name: "checked", source: `runs:/${runId}/model`, run_id: "0".repeat(32) }],
        ["POST", "/model-versions/create", { name: "checked", source: `runs:/${runId}/../../other`, run_id: runId }],
        ["POST", "/model-versions/create", { name: "checked", source: `mlflow-artifacts:/${experimentId}/${"f".repeat(32)}/artifacts/model`, run_id: runId }],
        ["GET", "/model-versions/search", { filter: "version_number > 'x'" }],
        ["GET", "/model-versions/search", { filter: "name = 'checked' OR name = 'x'" }],
        ["GET", "/registered-models/search", { filter: "owner = 'me'" }],
        ["GET", "/registered-models/search", { max_results: 1001 }],
        ["GET", "/registered-models/search", { order_by: "colour ASC" }],
        ["POST", "/logged-models", { experiment_id: experimentId, name: "a/b" }],
        ["POST", "/logged-models/search", {}],
      ];
      for (const [method, path, body] of cases) {
        const r = await mlflow("alice", method, path, body);
        expect([r.status, r.json.error_code], `${method} ${path} ${JSON.stringify(body)}`).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      }
      expect(errorOf(await mlflow("alice", "GET", "/registered-models/get", { name: "nothing-here" }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect(errorOf(await mlflow("alice", "GET", "/model-versions/get", { name: "checked", version: 7 }))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect(errorOf(await mlflow("alice", "GET", "/logged-models/m-0123456789abcdef0123456789abcdef"))).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
    });
  });
}
