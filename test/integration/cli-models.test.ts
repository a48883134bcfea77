import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// `plinth models ls | show` against a real server, with a model registered as MLflow's client
// registers one: a version from a job's run, with an alias.

describe("plinth models", () => {
  let t: TestPlatform;
  let ada = "";
  let job = "";
  let runId = "";
  const cli = (args: string[]) => runCli(["models", ...args], { url: t.url, token: ada, timeoutMs: 60_000 });

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "cli-models");
    expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
    ada = (await t.api("POST", "/api/v1/users", { name: "ada", team: "vision", teamRole: "member" })).body.token;
    const mlflow = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${t.url}/api/2.0/mlflow${path}`, { method, headers: { authorization: `Bearer ${ada}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await res.json()) as any;
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    job = (await t.api("POST", "/api/v1/jobs", { command: ["true"], name: "train-iris" }, ada)).body.id;
    expect((await t.waitFor(job)).state).toBe("succeeded");
    runId = (await t.api("GET", "/api/v1/runs", undefined, ada)).body.items.find((r: { jobId: string }) => r.jobId === job).id;
    await mlflow("POST", "/registered-models/create", { name: "iris-classifier", description: "predicts the species" });
    for (let i = 0; i < 2; i++) await mlflow("POST", "/model-versions/create", { name: "iris-classifier", source: `runs:/${runId}/model`, run_id: runId });
    await mlflow("POST", "/registered-models/alias", { name: "iris-classifier", alias: "champion", version: "2" });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("lists registered models with their latest version and aliases", async () => {
    const r = await cli(["ls"]);
    expect(r.code, r.stderr).toBe(0);
    const [header, row] = r.stdout.trim().split("\n");
    expect(header).toMatch(/^NAME\s+LATEST\s+ALIASES\s+UPDATED$/);
    expect(row).toMatch(/^iris-classifier\s+v2\s+champion→v2\s+/);
    expect(JSON.parse((await cli(["ls", "--json"])).stdout).items.map((m: { name: string }) => m.name)).toEqual(["iris-classifier"]);
  });

  it("shows a model's versions with the run and the job each came from", async () => {
    const r = await cli(["show", "iris-classifier"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Model iris-classifier — predicts the species");
    const rows = r.stdout.trim().split("\n").slice(-2);
    expect(rows[0]).toMatch(new RegExp(`^v2\\s+champion\\s+.*${runId.slice(0, 12)}\\s+${job}\\s+runs:/${runId}/model$`));
    expect(rows[1]).toMatch(/^v1\s+-\s+/);
    const missing = await cli(["show", "no-such-model"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found|does not exist|no registered model/i);
  });
});
