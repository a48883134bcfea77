import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { describeWithSlurm } from "../helpers/slurm.ts";
import { expectAccessible, expectStyled, loaded, poll, type PortalSession, signIn, startPortal } from "./helpers/portal.ts";

// A Slurm cluster in the portal, in a real Chromium, with the real one-node test cluster as the
// executor `hpc`: the Cluster page shows its node, partitions and GPUs beside this machine, and
// a job waiting there says why in the cluster's words, on its page and on the Cluster page,
// then shows where it ran and the cluster's id for it.

describeWithSlurm("a Slurm cluster in the portal (Chromium)", ({ slurm, test }) => {
  let s: PortalSession;
  const shared = mkdtempSync(join(tmpdir(), "plinth-portal-slurm-"));

  beforeAll(async () => {
    s = await startPortal("cluster_executors", { extra: { executors: { hpc: { kind: "slurm", sharedDir: shared, bin: slurm.bin, pollInterval: "300ms", allowRoot: true } } } });
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    rmSync(shared, { recursive: true, force: true });
  });

  test("the Cluster page shows the cluster's node with its partitions and GPUs", async () => {
    const { page } = s;
    await page.goto("/cluster");
    await loaded(page, "cluster");
    const card = page.getByTestId("executor-hpc");
    await poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain("Slurm cluster");
    const nodes = card.getByRole("table", { name: "Nodes of hpc" });
    expect(await nodes.textContent()).toMatch(/main, gpu/);
    expect(await nodes.textContent()).toContain("2");
    await expectAccessible(page, "/cluster (with a Slurm cluster)");
    await expectStyled(page, "/cluster (with a Slurm cluster)");
    expect(s.pageErrors).toEqual([]);
  });

  test("a job waiting on the cluster says why on its page and on the Cluster page, then where it ran", async () => {
    const { page } = s;
    // Held until the waiting is seen (cancelled then): on a loaded machine submitting the second
    // job can take longer than any fixed sleep.
    const holder = (await s.t.api("POST", "/api/v1/jobs", { command: ["sleep", "300"], executor: "hpc", resources: { gpus: 2 } })).body;
    await s.t.waitFor(holder.id, ["running"], 30_000);
    const waiter = (await s.t.api("POST", "/api/v1/jobs", { name: "waits-for-a-gpu", command: ["true"], executor: "hpc", resources: { gpus: 1 } })).body;
    await page.goto(`/jobs/${waiter.id}`);
    await loaded(page, "job");
    const note = page.getByTestId("cluster-waiting");
    await poll(async () => ((await note.count()) ? await note.textContent() : ""), { timeout: 60_000 }).toContain("Waiting for 1 GPU");
    expect(await note.textContent()).toContain("Waiting on hpc");

    await page.goto("/cluster");
    await loaded(page, "cluster");
    const jobs = page.getByTestId("executor-hpc").getByRole("table", { name: "Jobs on hpc" });
    await poll(async () => ((await jobs.count()) ? await jobs.textContent() : "")).toContain("waits-for-a-gpu");
    expect((await s.t.api("POST", `/api/v1/jobs/${holder.id}/cancel`)).status).toBe(200);

    const done = await s.t.waitFor(waiter.id, undefined, 60_000);
    expect(done.state).toBe("succeeded");
    await page.goto(`/jobs/${waiter.id}`);
    await loaded(page, "job");
    await poll(async () => await page.locator("main").textContent()).toContain(`hpc (its id there: ${done.engineId})`);
    expect(s.pageErrors).toEqual([]);
  }, 180_000);
});
