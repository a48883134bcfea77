import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Bad input on every route: a problem document with a hint and the offending field's path,
// never a 500.
for (const db of testDatabases()) {
  describe(`API errors (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "api_errors", { fakeGpus: 1 });
    });
    afterAll(async () => {
      await t?.close();
    });

    it("serves health without a token and the OpenAPI document", async () => {
      const h = await t.api("GET", "/healthz", undefined, "");
      expect(h.status).toBe(200);
      expect(h.body.database).toBe(db.name);
      const doc = await t.api("GET", "/api/v1/openapi.json", undefined, "");
      expect(doc.body.openapi).toBe("3.1.0");
      expect(doc.body.paths["/api/v1/jobs"].post.requestBody).toBeTruthy();
      expect(doc.body.components.schemas.JobSpec).toBeTruthy();
    });

    it("asks for a token on every API route but health", async () => {
      const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, "")).body;
      for (const [path, ops] of Object.entries<any>(doc.paths)) {
        for (const method of Object.keys(ops)) {
          const url = path.replace(/\{[^}]+\}/g, "x");
          const anonymous = await t.api(method.toUpperCase(), url, method === "get" || method === "delete" ? undefined : {}, "");
          const bad = await t.api(method.toUpperCase(), url, method === "get" || method === "delete" ? undefined : {}, "plt_wrong_token_wrong_token_wrong");
          if (path === "/healthz") continue;
          expect(anonymous.status, `${method} ${path}`).toBe(401);
          expect(bad.status, `${method} ${path}`).toBe(401);
          expect(anonymous.body.hint).toMatch(/plinth login/);
        }
      }
    });

    it("rejects bad bodies on every route with field paths, never a 500", async () => {
      const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, "")).body;
      const garbage = [{ unexpected: true }, { name: 12 }, [], "just text", { command: "not-a-list" }];
      for (const [path, ops] of Object.entries<any>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(ops)) {
          if (!op.requestBody?.content?.["application/json"]) continue;
          const url = path.replace(/\{[^}]+\}/g, "x");
          for (const body of garbage) {
            const r = await t.api(method.toUpperCase(), url, body);
            expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
            expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
            expect(r.body.title, `${method} ${path}`).toBeTruthy();
            expect(r.body.hint, `${method} ${path}`).toBeTruthy();
          }
        }
      }
    });

    it("names the offending field", async () => {
      const unknown = await t.api("POST", "/api/v1/jobs", { command: ["true"], gpu: 1 });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors.map((e: any) => e.path)).toContain("body");
      expect(JSON.stringify(unknown.body.errors)).toContain("gpu");
      const wrongType = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: "two" } });
      expect(wrongType.body.errors[0].path).toBe("body.resources.gpus");
      const badMemory = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { memory: "lots" } });
      expect(badMemory.body.errors[0].path).toBe("body.resources.memory");
      expect(badMemory.body.errors[0].message).toMatch(/8G/);
      const nothing = await t.api("POST", "/api/v1/jobs", {});
      expect(nothing.body.errors[0].path).toBe("body.command");
    });

    it("handles broken JSON, wrong content types, huge bodies and unknown routes", async () => {
      const broken = await t.api("POST", "/api/v1/jobs", "{not json");
      expect(broken.status).toBe(400);
      expect(broken.body.title).toBe("Body is not valid JSON");
      const text = await fetch(`${t.url}/api/v1/jobs`, { method: "POST", headers: { authorization: "Bearer plt_test_admin_token_0123456789abcdef", "content-type": "text/plain" }, body: "hi" });
      expect(text.status).toBe(415);
      const huge = await t.api("POST", "/api/v1/jobs", { command: ["echo", "x".repeat(11 * 1024 * 1024)] });
      expect(huge.status).toBe(413);
      expect(huge.body.hint).toBeTruthy();
      const nowhere = await t.api("GET", "/api/v1/nowhere");
      expect(nowhere.status).toBe(404);
      expect(nowhere.body.hint).toMatch(/openapi/);
      const noJob = await t.api("GET", "/api/v1/jobs/job_doesnotexist");
      expect(noJob.status).toBe(404);
      expect(noJob.body.hint).toBeTruthy();
    });

    it("checks uploaded code blobs against their hash", async () => {
      const hash = "0".repeat(64);
      const r = await fetch(`${t.url}/api/v1/code/blobs/${hash}`, { method: "PUT", headers: { authorization: "Bearer plt_test_admin_token_0123456789abcdef", "content-type": "application/octet-stream" }, body: "hello" });
      expect(r.status).toBe(400);
      const missing = await t.api("POST", "/api/v1/jobs", { command: ["true"], code: { bundle: "a".repeat(64) } });
      expect(missing.status).toBe(422);
      const outside = await t.api("POST", "/api/v1/code/bundles", { files: [{ path: "../etc/passwd", sha256: hash, size: 1 }] });
      expect(outside.status).toBe(400);
    });
  });
}
