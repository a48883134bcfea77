import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";

// MLflow's tracking REST API over HTTP, as MLflow's clients call it: bodies with NaN and
// Infinity, MLflow's error codes, params that never change, batches written whole or not at
// all, and the one policy: what a person may not read does not exist for them.

for (const db of testDatabases()) {
  describe(`MLflow tracking API (${db.name})`, () => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};

    /** A raw MLflow call: the body is sent as written (NaN and all), the answer read as text. */
    const mlflow = async (who: string, method: string, path: string, body?: string | Record<string, unknown>) => {
      const token = who === "admin" ? TOKEN : tokens[who];
      const res = await fetch(`${t.url}/api/2.0/mlflow${path}`, {
        method,
        headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { "content-type": "application/json" }) },
        ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, text, json: text ? (JSON.parse(text) as any) : {} };
    };

    beforeAll(async () => {
      t = await startTestPlatform(db, "tracking-mlflow");
      for (const team of ["vision", "audio"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      for (const [name, team, teamRole] of [
        ["alice", "vision", "member"],
        ["bob", "vision", "member"],
        ["vic", "vision", "viewer"],
        ["otto", "audio", "member"],
      ] as const) {
        const r = await t.api("POST", "/api/v1/users", { name, team, teamRole });
        expect(r.status).toBe(201);
        tokens[name] = r.body.token;
      }
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("creates an experiment and a run, logs to it, and reads it back as MLflow shapes it", async () => {
      const created = await mlflow("alice", "POST", "/experiments/create", { name: "iris", tags: [{ key: "goal", value: "accuracy" }] });
      expect(created.status).toBe(200);
      const experimentId = created.json.experiment_id as string;
      expect(experimentId).toMatch(/^\d+$/);
      const byName = await mlflow("alice", "GET", `/experiments/get-by-name?experiment_name=iris`);
      expect(byName.json.experiment).toMatchObject({ experiment_id: experimentId, name: "iris", lifecycle_stage: "active", artifact_location: `mlflow-artifacts:/${experimentId}`, tags: [{ key: "goal", value: "accuracy" }] });

      const run = await mlflow("alice", "POST", "/runs/create", { experiment_id: experimentId, run_name: "first", start_time: 1000, tags: [{ key: "kind", value: "baseline" }] });
      expect(run.status).toBe(200);
      const runId = run.json.run.info.run_id as string;
      expect(run.json.run.info).toMatchObject({ run_uuid: runId, run_name: "first", experiment_id: experimentId, user_id: "alice", status: "RUNNING", start_time: 1000, lifecycle_stage: "active" });
      expect(runId).toMatch(/^[0-9a-f]{32}$/);

      expect((await mlflow("alice", "POST", "/runs/log-parameter", { run_id: runId, key: "lr", value: "0.1" })).status).toBe(200);
      // The same value again is fine; another value is refused, as MLflow refuses it.
      expect((await mlflow("alice", "POST", "/runs/log-parameter", { run_id: runId, key: "lr", value: "0.1" })).status).toBe(200);
      const changed = await mlflow("alice", "POST", "/runs/log-parameter", { run_id: runId, key: "lr", value: "0.2" });
      expect(changed.status).toBe(400);
      expect(changed.json).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
      expect(changed.json.message).toContain("Changing param values is not allowed");

      // Python's json writes NaN and Infinity as bare words; protobuf's JSON (what MLflow answers) quotes them.
      const points = `{"run_id": "${runId}", "metrics": [{"key": "loss", "value": NaN, "timestamp": 5, "step": 2}, {"key": "loss", "value": 0.5, "timestamp": 4, "step": 1}, {"key": "gain", "value": Infinity, "timestamp": 4, "step": 0}], "params": [], "tags": [{"key": "note", "value": "x"}]}`;
      expect((await mlflow("alice", "POST", "/runs/log-batch", points)).status).toBe(200);
      expect((await mlflow("alice", "POST", "/runs/log-metric", { run_id: runId, key: "acc", value: 0.9, timestamp: 7, step: 3 })).status).toBe(200);

      const got = await mlflow("alice", "GET", `/runs/get?run_id=${runId}`);
      expect(got.text).toContain('"value":"NaN"');
      expect(got.text).toContain('"value":"Infinity"');
      const metrics = Object.fromEntries((got.json.run.data.metrics as Array<{ key: string; value: unknown; step: number }>).map((m) => [m.key, m]));
      expect(metrics.loss).toMatchObject({ value: "NaN", step: 2 });
      expect(metrics.acc).toMatchObject({ value: 0.9, step: 3, timestamp: 7 });
      expect(got.json.run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
      const tags = Object.fromEntries((got.json.run.data.tags as Array<{ key: string; value: string }>).map((x) => [x.key, x.value]));
      expect(tags).toMatchObject({ kind: "baseline", note: "x", "mlflow.runName": "first", "mlflow.user": "alice" });

      const history = await mlflow("alice", "GET", `/metrics/get-history?run_id=${runId}&metric_key=loss`);
      expect(history.json.metrics.map((m: { step: number }) => m.step)).toEqual([1, 2]);

      const ended = await mlflow("alice", "POST", "/runs/update", { run_id: runId, status: "FINISHED", end_time: 9000 });
      expect(ended.json.run_info).toMatchObject({ status: "FINISHED", end_time: 9000 });
    });

    it("writes a batch whole or not at all, and names the limit it passed", async () => {
      const experimentId = (await mlflow("alice", "POST", "/experiments/create", { name: "batches" })).json.experiment_id;
      const runId = (await mlflow("alice", "POST", "/runs/create", { experiment_id: experimentId })).json.run.info.run_id;
      const tooMany = await mlflow("alice", "POST", "/runs/log-batch", { run_id: runId, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: i, timestamp: i, step: i })) });
      expect(tooMany.status).toBe(400);
      expect(tooMany.json.message).toContain("at most 1000 metrics");
      // A batch whose last param clashes with a logged one leaves nothing of itself behind.
      await mlflow("alice", "POST", "/runs/log-parameter", { run_id: runId, key: "seed", value: "1" });
      const clash = await mlflow("alice", "POST", "/runs/log-batch", {
        run_id: runId,
        metrics: [{ key: "early", value: 1, timestamp: 1, step: 0 }],
        params: [{ key: "fresh", value: "a" }, { key: "seed", value: "2" }],
        tags: [{ key: "t", value: "v" }],
      });
      expect(clash.json.error_code).toBe("INVALID_PARAMETER_VALUE");
      const data = (await mlflow("alice", "GET", `/runs/get?run_id=${runId}`)).json.run.data;
      expect(data.metrics).toEqual([]);
      expect(data.params).toEqual([{ key: "seed", value: "1" }]);
      expect((data.tags as Array<{ key: string }>).map((x) => x.key)).not.toContain("t");
      const badKey = await mlflow("alice", "POST", "/runs/log-metric", { run_id: runId, key: "bad*key", value: 1, timestamp: 1 });
      expect(badKey.json.error_code).toBe("INVALID_PARAMETER_VALUE");
      // A deleted run takes nothing until it is restored.
      expect((await mlflow("alice", "POST", "/runs/delete", { run_id: runId })).status).toBe(200);
      expect((await mlflow("alice", "POST", "/runs/log-metric", { run_id: runId, key: "m", value: 1, timestamp: 1 })).json.message).toContain("must be in the 'active' state");
      expect((await mlflow("alice", "POST", "/runs/restore", { run_id: runId })).status).toBe(200);
      expect((await mlflow("alice", "POST", "/runs/log-metric", { run_id: runId, key: "m", value: 1, timestamp: 1 })).status).toBe(200);
    });

    it("follows the one policy: team members read, owners write, outsiders see nothing", async () => {
      const experimentId = (await mlflow("alice", "POST", "/experiments/create", { name: "policy" })).json.experiment_id;
      const runId = (await mlflow("alice", "POST", "/runs/create", { experiment_id: experimentId })).json.run.info.run_id;
      // A team mate reads the run, adds runs of their own, but may not log to alice's.
      expect((await mlflow("bob", "GET", `/runs/get?run_id=${runId}`)).status).toBe(200);
      expect((await mlflow("bob", "POST", "/runs/create", { experiment_id: experimentId })).status).toBe(200);
      const bobLogs = await mlflow("bob", "POST", "/runs/log-metric", { run_id: runId, key: "m", value: 1, timestamp: 1 });
      expect(bobLogs).toMatchObject({ status: 403, json: { error_code: "PERMISSION_DENIED" } });
      expect((await mlflow("bob", "POST", "/experiments/delete", { experiment_id: experimentId })).json.error_code).toBe("PERMISSION_DENIED");
      // A viewer reads, and adds nothing.
      expect((await mlflow("vic", "GET", `/experiments/get?experiment_id=${experimentId}`)).status).toBe(200);
      expect((await mlflow("vic", "POST", "/runs/create", { experiment_id: experimentId })).json.error_code).toBe("PERMISSION_DENIED");
      // Another team's member finds neither, with the same answer as for ids that do not exist.
      for (const path of [`/runs/get?run_id=${runId}`, `/experiments/get?experiment_id=${experimentId}`, "/experiments/get-by-name?experiment_name=policy"]) {
        const hidden = await mlflow("otto", "GET", path);
        expect(hidden).toMatchObject({ status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
      }
      expect((await mlflow("otto", "POST", "/runs/log-metric", { run_id: runId, key: "m", value: 1, timestamp: 1 })).status).toBe(404);
      // Names are per team: audio may have its own "policy".
      expect((await mlflow("otto", "POST", "/experiments/create", { name: "policy" })).status).toBe(200);
      expect((await mlflow("alice", "POST", "/experiments/create", { name: "policy" })).json.error_code).toBe("RESOURCE_ALREADY_EXISTS");
      // No token, or a read-only one, changes nothing.
      expect((await mlflow("nobody", "POST", "/runs/create", { experiment_id: experimentId })).json.error_code).toBe("UNAUTHENTICATED");
      const readOnly = (await t.api("POST", "/api/v1/tokens", { name: "ro", scopes: ["read"] }, tokens.alice)).body.token as string;
      tokens.ro = readOnly;
      expect((await mlflow("ro", "GET", `/runs/get?run_id=${runId}`)).status).toBe(200);
      expect((await mlflow("ro", "POST", "/runs/log-metric", { run_id: runId, key: "m", value: 1, timestamp: 1 })).json.error_code).toBe("PERMISSION_DENIED");
    });

    it("gives each person a Default experiment as MLflow's experiment 0, and answers unknown endpoints as MLflow does", async () => {
      const run = await mlflow("bob", "POST", "/runs/create", { experiment_id: "0" });
      expect(run.status).toBe(200);
      const experiment = (await mlflow("bob", "GET", `/experiments/get?experiment_id=0`)).json.experiment;
      expect(experiment).toMatchObject({ name: "Default", experiment_id: run.json.run.info.experiment_id });
      const missing = await mlflow("bob", "GET", "/no/such/endpoint");
      expect(missing).toMatchObject({ status: 404, json: { error_code: "ENDPOINT_NOT_FOUND" } });
      const broken = await mlflow("bob", "POST", "/runs/create", "{not json");
      expect(broken.status).toBe(400);
    });
  });
}
