import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { freePort, makeApi, spawnServer, waitForJob } from "../helpers/platform.ts";
import { describeWithPodman, podmanOutput } from "../helpers/podman.ts";

// `kill -9` of the server while a job runs in a container: the container keeps running, the
// next start finds the job again, records how it ends, and removes its container.

describeWithPodman("container jobs across a server restart", ({ podman, test }) => {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-container-restart-"));
  const children: Array<import("node:child_process").ChildProcess> = [];
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("finds the running container job again, records its end and removes its container", async () => {
    const env = { PLINTH_PODMAN: podman.program, PLINTH_ENVIRONMENTS_CONTAINERS_CONFIG: podman.config };
    const port = await freePort();
    const api = makeApi(`http://127.0.0.1:${port}`);
    children.push(await spawnServer({ dataDir, port, env }));
    // It waits for a file in its folder (at most 60 s), so it certainly runs through the restart.
    const script = "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo finished-in-container; exit 5";
    const job = (await api("POST", "/api/v1/jobs", { command: ["sh", "-c", script], environment: { image: podman.image } })).body;
    await waitForJob(api, job.id, ["running"], 60_000);
    children[0]!.kill("SIGKILL");
    await new Promise((r) => children[0]!.once("exit", r));
    expect(podmanOutput(podman, ["ps", "--quiet", "--filter", `name=plinth-job-${job.id}`]).trim()).not.toBe("");

    children.push(await spawnServer({ dataDir, port, env }));
    expect((await api("GET", `/api/v1/jobs/${job.id}`)).body.state).toBe("running");
    writeFileSync(join(dataDir, "runs", job.id, "work", "go"), "");
    const done = await waitForJob(api, job.id, undefined, 60_000);
    expect(done.state).toBe("failed");
    expect(done.exitCode).toBe(5);
    expect((await api("GET", `/api/v1/jobs/${job.id}/logs`)).body).toContain("finished-in-container");
    for (let i = 0; i < 50 && podmanOutput(podman, ["ps", "--all", "--quiet", "--filter", `name=plinth-job-${job.id}`]).trim() !== ""; i++) await new Promise((r) => setTimeout(r, 100));
    expect(podmanOutput(podman, ["ps", "--all", "--quiet", "--filter", `name=plinth-job-${job.id}`]).trim()).toBe("");
  });
});
