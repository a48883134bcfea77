import { afterAll, beforeAll, expect } from "vitest";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { describeWithMlflow, runMlflowScript } from "../helpers/mlflow-server.ts";

// The real `mlflow` package from PyPI (scripts/peers/mlflow.txt pins it) against a real Plinth,
// with a token of a team member: the scripts in test/clients/py pass against a real `mlflow
// server` too, so a failure here is a difference between Plinth and MLflow.

describeWithMlflow("the mlflow client against Plinth", ({ test }) => {
  let t: TestPlatform;
  let token = "";
  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "mlflow-client");
    expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
    token = (await t.api("POST", "/api/v1/users", { name: "ada", team: "vision", teamRole: "member" })).body.token;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  test("tracks experiments and runs: params, metrics with steps, tags, batches, life cycles, searches", async () => {
    const result = await runMlflowScript("mlflow_tracking.py", t.url, { token });
    expect(result).toBeTypeOf("object");
  });

  test("gets MLflow's errors for bad input, and nothing of a refused batch is kept", async () => {
    const result = await runMlflowScript("mlflow_errors.py", t.url, { token });
    expect(result).toBeTypeOf("object");
  });

  test("logs artifacts and models, registers them, aliases the champion and loads models back by run and by alias", async () => {
    const result = await runMlflowScript("mlflow_models.py", t.url, { token });
    expect(result.autolog).toMatchObject({ model: "model" });
    expect(result.registry).toMatchObject({ versions: ["2", "1"] });
    expect((result.registry as { predictions: unknown[] }).predictions).toHaveLength(3);
  });
});
