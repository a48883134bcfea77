import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.ts";
import { createHttpServer } from "../../src/http/server.ts";
import { RouteRegistry } from "../../src/http/routes.ts";
import { stagingPaths, WorkdirHandout } from "../../src/jobs/executors/kubernetes/workdir-handout.ts";
import { registerKubernetesWorkdirRoute } from "../../src/jobs/executors/kubernetes/workdir-route.ts";

// The key a Kubernetes job's pod fetches its folder with, and the tar it gets, on a real
// folder and read back by the real tar.

describe("a job's folder handed out to its pod", () => {
  const staging = mkdtempSync(join(tmpdir(), "handout-"));
  afterAll(() => rmSync(staging, { recursive: true, force: true }));
  const handout = new WorkdirHandout(staging);
  const jobId = "job_01handout";

  it("issues a key it stores only the hash of, verifies it, and revokes it", async () => {
    const key = await handout.issue(jobId);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const { stateDir } = stagingPaths(staging, jobId);
    const stored = readFileSync(join(stateDir, "workdir-key.sha256"), "utf8");
    expect(stored).not.toContain(key);
    expect(statSync(join(stateDir, "workdir-key.sha256")).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(await handout.verify(jobId, key)).toBe(true);
    expect(await handout.verify(jobId, key.replace(/^./, key[0] === "a" ? "b" : "a"))).toBe(false);
    expect(await handout.verify("job_other", key)).toBe(false);
    expect(await handout.verify(jobId, "")).toBe(false);
    // A new key replaces the old one.
    const second = await handout.issue(jobId);
    expect(await handout.verify(jobId, key)).toBe(false);
    expect(await handout.verify(jobId, second)).toBe(true);
    await handout.revoke(jobId);
    expect(await handout.verify(jobId, second)).toBe(false);
  });

  it("refuses ids that are not job ids", async () => {
    expect(() => stagingPaths(staging, "../etc")).toThrow(/not a job id/);
    expect(await handout.verify("../../x", "0".repeat(64))).toBe(false);
  });

  it("streams the folder as a tar, links stored as links and never followed", async () => {
    const { workdir, root } = stagingPaths(staging, jobId);
    mkdirSync(join(workdir, "inputs/data"), { recursive: true });
    writeFileSync(join(workdir, "train.py"), "print('hi')\n");
    writeFileSync(join(workdir, "inputs/data/a.csv"), "x,y\n1,2\n");
    writeFileSync(join(root, "secret-outside.txt"), "not for the pod");
    symlinkSync(join(root, "secret-outside.txt"), join(workdir, "outside"));
    const tar = await buffer(await handout.tarStream(jobId));
    const out = mkdtempSync(join(tmpdir(), "handout-out-"));
    try {
      const r = spawnSync("tar", ["-x", "-C", out], { input: tar });
      expect(r.status).toBe(0);
      expect(readFileSync(join(out, "train.py"), "utf8")).toBe("print('hi')\n");
      expect(readFileSync(join(out, "inputs/data/a.csv"), "utf8")).toBe("x,y\n1,2\n");
      const listing = spawnSync("tar", ["-tv"], { input: tar, encoding: "utf8" }).stdout;
      expect(listing).toMatch(/^l.* \.\/outside -> /m);
      expect(tar.toString("latin1")).not.toContain("not for the pod");
      expect(listing).toMatch(/ 0\/0 /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("fails for a job without a folder", async () => {
    await expect(handout.tarStream("job_none")).rejects.toThrow();
  });
});

describe("the route a pod fetches its job's folder from", () => {
  const staging = mkdtempSync(join(tmpdir(), "handout-route-"));
  const handout = new WorkdirHandout(staging);
  const app = createHttpServer({ logger: createLogger("silent"), bodyLimit: 1024 });
  const registry = new RouteRegistry(app, async () => null);
  registerKubernetesWorkdirRoute(registry, { handout });
  afterAll(async () => {
    await app.close();
    rmSync(staging, { recursive: true, force: true });
  });

  it("answers the job's key with the tar, and anything else with the same 404, no user needed", async () => {
    const jobId = "job_01route";
    const { workdir } = stagingPaths(staging, jobId);
    mkdirSync(workdir, { recursive: true });
    writeFileSync(join(workdir, "main.py"), "print(1)\n");
    const key = await handout.issue(jobId);
    const get = (id: string, authorization?: string) => app.inject({ method: "GET", url: `/api/v1/jobs/${id}/workdir.tar`, headers: authorization ? { authorization } : {} });
    const ok = await get(jobId, `Bearer ${key}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers["content-type"]).toBe("application/x-tar");
    expect(spawnSync("tar", ["-t"], { input: ok.rawPayload, encoding: "utf8" }).stdout).toContain("./main.py");
    const refused = [await get(jobId), await get(jobId, `Bearer ${"0".repeat(64)}`), await get("job_01other", `Bearer ${key}`), await get(jobId, `Basic ${key}`), await get("..%2F..%2Fetc", `Bearer ${key}`)];
    expect(refused.map((r) => r.statusCode)).toEqual([404, 404, 404, 404, 404]);
    // Unknown job and wrong key read alike.
    expect(refused[1]!.json().detail).toBe(refused[2]!.json().detail.replace("job_01other", jobId));
    await handout.revoke(jobId);
    expect((await get(jobId, `Bearer ${key}`)).statusCode).toBe(404);
  });
});
