import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Plinth's own tracking API (what the CLI and the portal read): experiments, runs filtered and
// sorted with MLflow's language, a run's detail and its metrics' histories.

for (const db of testDatabases()) {
  describe(`tracking API (${db.name})`, () => {
    let t: TestPlatform;
    let ada = "";
    let experimentId = "";
    const runs: Record<string, string> = {};

    const mlflow = async (path: string, body: unknown) =>
      (await (await fetch(`${t.url}/api/2.0/mlflow${path}`, { method: "POST", headers: { authorization: `Bearer ${ada}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as any;

    beforeAll(async () => {
      t = await startTestPlatform(db, "tracking-api");
      expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
      ada = (await t.api("POST", "/api/v1/users", { name: "ada", team: "vision", teamRole: "member" })).body.token;
      experimentId = (await mlflow("/experiments/create", { name: "mnist" })).experiment_id;
      for (const [name, lr, acc] of [
        ["small", "0.1", 0.81],
        ["medium", "0.01", 0.93],
        ["large", "0.001", 0.9],
      ] as const) {
        const id = (await mlflow("/runs/create", { experiment_id: experimentId, run_name: name })).run.info.run_id as string;
        runs[name] = id;
        await mlflow("/runs/log-batch", {
          run_id: id,
          params: [{ key: "lr", value: lr }],
          metrics: [
            { key: "acc", value: acc - 0.1, timestamp: 1, step: 0 },
            { key: "acc", value: acc, timestamp: 2, step: 1 },
          ],
        });
      }
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("lists experiments, and runs filtered and sorted with MLflow's language", async () => {
      const experiments = (await t.api("GET", "/api/v1/experiments?q=mni", undefined, ada)).body.items;
      expect(experiments).toMatchObject([{ id: experimentId, name: "mnist", team: "vision", lifecycle: "active", createdBy: "ada" }]);

      const sorted = (await t.api("GET", `/api/v1/runs?experiment=mnist&sort=-metrics.acc`, undefined, ada)).body;
      expect(sorted.items.map((r: { name: string }) => r.name)).toEqual(["medium", "large", "small"]);
      expect(sorted.items[0]).toMatchObject({ params: { lr: "0.01" }, metrics: { acc: { value: 0.93, step: 1 } }, user: "ada", status: "RUNNING", jobId: null });
      const filtered = (await t.api("GET", `/api/v1/runs?experiment=${experimentId}&filter=${encodeURIComponent("metrics.acc > 0.85 and params.lr != '0.01'")}`, undefined, ada)).body;
      expect(filtered.items.map((r: { name: string }) => r.name)).toEqual(["large"]);
      // Pages follow `next`.
      const first = (await t.api("GET", "/api/v1/runs?sort=params.lr&limit=2", undefined, ada)).body;
      expect(first.items.map((r: { name: string }) => r.name)).toEqual(["large", "medium"]);
      const second = (await t.api("GET", `/api/v1/runs?sort=params.lr&limit=2&cursor=${encodeURIComponent(first.next)}`, undefined, ada)).body;
      expect(second).toMatchObject({ items: [{ name: "small" }], next: null });
    });

    it("shows a run with its experiment, and its metrics' histories for charts", async () => {
      const run = (await t.api("GET", `/api/v1/runs/${runs.medium}`, undefined, ada)).body;
      expect(run).toMatchObject({ id: runs.medium, name: "medium", experiment: { id: experimentId, name: "mnist", team: "vision" }, artifactUri: `mlflow-artifacts:/${experimentId}/${runs.medium}/artifacts`, artifacts: [] });
      const history = (await t.api("GET", `/api/v1/runs/${runs.medium}/metrics?keys=acc,missing`, undefined, ada)).body;
      expect(history).toEqual({
        runId: runs.medium,
        metrics: {
          acc: [
            { value: 0.93 - 0.1, step: 0, timestamp: 1 },
            { value: 0.93, step: 1, timestamp: 2 },
          ],
          missing: [],
        },
        thinned: [],
      });
    });

    it("answers a history longer than its share of a request as points spread over it, first and last included", async () => {
      const points = Array.from({ length: 2_500 }, (_, i) => ({ key: "long", value: i / 10, timestamp: 1_000 + i, step: i }));
      for (let i = 0; i < points.length; i += 1000) await mlflow("/runs/log-batch", { run_id: runs.small, metrics: points.slice(i, i + 1000) });
      // 100 keys asked for: 1,000 points each at most.
      const keys = ["long", ...Array.from({ length: 99 }, (_, i) => `absent${i}`)];
      const history = (await t.api("GET", `/api/v1/runs/${runs.small}/metrics?keys=${keys.join(",")}`, undefined, ada)).body;
      expect(history.thinned).toEqual(["long"]);
      const steps = (history.metrics.long as Array<{ step: number }>).map((p) => p.step);
      expect(steps.length).toBeLessThanOrEqual(1_000);
      expect(steps.length).toBeGreaterThan(800);
      expect(steps[0]).toBe(0);
      expect(steps.at(-1)).toBe(2_499);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      // Asked alone, the whole history.
      const whole = (await t.api("GET", `/api/v1/runs/${runs.small}/metrics?keys=long`, undefined, ada)).body;
      expect(whole.metrics.long).toHaveLength(2_500);
      expect(whole.thinned).toEqual([]);
    });

    it("answers bad filters and unknown runs as problems with a hint", async () => {
      const bad = await t.api("GET", `/api/v1/runs?filter=${encodeURIComponent("metrics.acc >> 1")}`, undefined, ada);
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain("Invalid comparator '>>'");
      expect(bad.body.hint).toBeTruthy();
      const unknown = await t.api("GET", `/api/v1/runs/${"0".repeat(32)}`, undefined, ada);
      expect(unknown.status).toBe(404);
      expect((await t.api("GET", "/api/v1/runs?experiment=nope", undefined, ada)).status).toBe(404);
    });
  });
}
