import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, expectStyled, loaded, type PortalSession, poll, screenshot, signIn, startPortal } from "./helpers/portal.ts";

// Quotas in a real Chromium: a Keeper sets a team's GPU quota on the Quotas page, a member's
// second job waits for it and its page and the jobs list say which quota holds it and when it
// frees; the quota's card shows it full with the waiting job; removing the quota lets it start.

describe("quotas page (Chromium)", () => {
  let s: PortalSession;
  let anaToken = "";
  const jobs = { first: "", second: "" };
  const stop = (jobId: string) => {
    const dir = join(s.t.dataDir, "runs", jobId, "work");
    if (existsSync(dir)) writeFileSync(join(dir, "stop"), "");
  };
  const holding = (name: string) => ({ name, script: "while [ ! -e stop ]; do sleep 0.05; done", resources: { gpus: 1, cpus: 0.25 } });

  beforeAll(async () => {
    s = await startPortal("quotas_page");
    expect((await s.t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
    anaToken = (await s.t.api("POST", "/api/v1/users", { name: "ana", team: "vision" })).body.token;
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    for (const id of Object.values(jobs)) if (id) stop(id);
    await s?.close();
  });

  it("lets a Keeper set a team's GPU quota, and shows it with what is in use", async () => {
    const { page } = s;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Quotas", exact: true }).click();
    await loaded(page, "quotas");
    const form = page.getByRole("form", { name: "Set a quota" });
    await form.getByLabel("For").selectOption("team");
    await form.getByLabel("Team", { exact: true }).selectOption("vision");
    await form.getByLabel("GPUs at once").fill("1");
    await form.getByRole("button", { name: "Set quota" }).click();
    await poll(() => page.getByTestId("quota-saved").textContent()).toBe("Quota of team vision set.");
    const card = page.locator('[data-quota="team:vision"]');
    await poll(() => card.textContent()).toContain("GPUs at once0 of 1");
    expect((await s.t.api("GET", "/api/v1/quotas/team/vision")).body.limits).toEqual({ gpus: 1, runningJobs: null, gpuHoursPerWeek: null, storageBytes: null });
    await expectAccessible(page, "/quotas");
    await expectStyled(page, "/quotas");
  });

  it("says on a held job's page and in the jobs list which quota holds it and when it frees", async () => {
    const { page } = s;
    for (const name of ["first", "second"] as const) {
      const r = await s.t.api("POST", "/api/v1/jobs", { ...holding(name), estimate: "30m" }, anaToken);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      jobs[name] = r.body.id;
      if (name === "first") await s.t.waitFor(jobs.first, ["running"]);
    }
    await page.goto(`/jobs/${jobs.second}`);
    await loaded(page, "job");
    const note = page.getByTestId("held-by");
    await poll(() => note.textContent()).toMatch(/Held by team vision's GPU quota \(1 of 1 GPU in use\); frees when one of its jobs ends — the earliest expected at \d\d:\d\d \(in (29|30)m\)\./);
    expect(await note.textContent()).toContain("Waiting for a quota: position 1 in the queue");
    await expectAccessible(page, "a held job's page");
    await screenshot(page, "portal-held-job");

    await page.goto("/jobs");
    await loaded(page, "jobs");
    await poll(() => page.locator(`[data-job-id="${jobs.second}"]`).textContent()).toContain("held: team vision GPUs 1/1");

    await page.goto("/quotas");
    await loaded(page, "quotas");
    const card = page.locator('[data-quota="team:vision"]');
    await poll(() => card.textContent()).toContain("GPUs at once1 of 1");
    expect(await card.getByTestId("held-jobs").textContent()).toBe("1 job waits for this quota.");
    await expectAccessible(page, "/quotas with a full quota");
    await screenshot(page, "portal-quotas");
  });

  it("lets the held job start once the Keeper removes the quota", async () => {
    const { page } = s;
    await page.locator('[data-quota="team:vision"]').getByRole("button", { name: "Remove quota" }).click();
    await s.t.waitFor(jobs.second, ["running"]);
    await poll(() => page.locator('[data-quota="team:vision"]').textContent()).toContain("no quota");
    expect(s.pageErrors).toEqual([]);
  });
});
