import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// MLflow's artifact proxy over HTTP: files of a run put, listed, read and deleted as MLflow's
// client does it, confined to the run's folder, under the run's policy.

for (const db of testDatabases()) {
  describe(`MLflow artifact proxy (${db.name})`, () => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};
    let base = "";

    const call = async (who: string, method: string, path: string, body?: string) => {
      const res = await fetch(`${t.url}/api/2.0/mlflow-artifacts/artifacts${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined && { "content-type": "text/plain" }) },
        ...(body !== undefined && { body }),
      });
      const text = await res.text();
      let json: any = null;
      try {
        json = JSON.parse(text);
      } catch {
        // a file's bytes
      }
      return { status: res.status, text, json };
    };

    beforeAll(async () => {
      t = await startTestPlatform(db, "tracking-artifacts");
      for (const team of ["vision", "audio"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      for (const [name, team] of [
        ["alice", "vision"],
        ["bob", "vision"],
        ["otto", "audio"],
      ] as const) {
        tokens[name] = (await t.api("POST", "/api/v1/users", { name, team, teamRole: "member" })).body.token;
      }
      const mlflow = async (path: string, body: unknown) =>
        (await (await fetch(`${t.url}/api/2.0/mlflow${path}`, { method: "POST", headers: { authorization: `Bearer ${tokens.alice}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as any;
      const experimentId = (await mlflow("/experiments/create", { name: "artifacts" })).experiment_id;
      const run = (await mlflow("/runs/create", { experiment_id: experimentId })).run.info;
      expect(run.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${run.run_id}/artifacts`);
      base = `/${experimentId}/${run.run_id}/artifacts`;
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("puts, lists, reads and deletes a run's files as MLflow's client does", async () => {
      expect((await call("alice", "PUT", `${base}/notes.txt`, "hello")).status).toBe(200);
      expect((await call("alice", "PUT", `${base}/model/MLmodel`, "flavors: {}\n")).status).toBe(200);
      expect((await call("alice", "PUT", `${base}/model/data/weights.bin`, "0123456789")).status).toBe(200);
      // Sent again: the newer bytes replace the older.
      expect((await call("alice", "PUT", `${base}/notes.txt`, "hello again")).status).toBe(200);

      expect((await call("alice", "GET", `?path=${encodeURIComponent(base.slice(1))}`)).json).toEqual({
        files: [
          { path: "model", is_dir: true },
          { path: "notes.txt", is_dir: false, file_size: 11 },
        ],
      });
      expect((await call("alice", "GET", `?path=${encodeURIComponent(`${base.slice(1)}/model`)}`)).json.files).toEqual([
        { path: "MLmodel", is_dir: false, file_size: 12 },
        { path: "data", is_dir: true },
      ]);
      expect((await call("alice", "GET", `?path=${encodeURIComponent(`${base.slice(1)}/nothing`)}`)).json).toEqual({});
      const read = await call("bob", "GET", `${base}/notes.txt`);
      expect(read).toMatchObject({ status: 200, text: "hello again" });

      expect((await call("alice", "DELETE", `${base}/model`)).status).toBe(200);
      expect((await call("alice", "GET", `${base}/model/MLmodel`)).json).toMatchObject({ error_code: "RESOURCE_DOES_NOT_EXIST" });
    });

    it("keeps paths inside the run's folder and files apart from folders", async () => {
      // Dot parts never arrive through a URL (test/unit/tracking-artifact-paths.test.ts has them).
      for (const bad of [`${base}/a//b.txt`, `${base}/a%5Cb.txt`, `${base}/a%00b.txt`]) {
        const r = await call("alice", "PUT", bad, "x");
        expect(r.status, bad).toBeGreaterThanOrEqual(400);
      }
      expect((await call("alice", "PUT", `${base}/dir/file.txt`, "x")).status).toBe(200);
      const clash = await call("alice", "PUT", `${base}/dir`, "x");
      expect(clash.json).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
      const notRun = await call("alice", "PUT", `/1/${"f".repeat(32)}/artifacts/x.txt`, "x");
      expect(notRun.json).toMatchObject({ error_code: "RESOURCE_DOES_NOT_EXIST" });
    });

    it("follows the run's policy: team mates read, only the owner writes, other teams see nothing", async () => {
      await call("alice", "PUT", `${base}/shared.txt`, "x");
      expect((await call("bob", "PUT", `${base}/bob.txt`, "x")).json).toMatchObject({ error_code: "PERMISSION_DENIED" });
      expect((await call("bob", "DELETE", `${base}/shared.txt`)).json).toMatchObject({ error_code: "PERMISSION_DENIED" });
      for (const [method, path] of [
        ["GET", `${base}/shared.txt`],
        ["GET", `?path=${encodeURIComponent(base.slice(1))}`],
        ["PUT", `${base}/otto.txt`],
      ] as const) {
        const r = await call("otto", method, path, method === "PUT" ? "x" : undefined);
        expect(r, `${method} ${path}`).toMatchObject({ status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
      }
    });
  });
}
