import { afterAll, beforeAll, expect } from "vitest";
import { describeWithUv } from "../helpers/uv.ts";
import { expectAccessible, expectStyled, loaded, poll, type PortalSession, signIn, startPortal } from "./helpers/portal.ts";

// The Environments page and a job's environment on its page, in a real Chromium, with an
// environment built by the real uv from PyPI by a real job.

describeWithUv("environments in the portal (Chromium)", ({ uv, test }) => {
  let s: PortalSession;
  let jobId = "";

  beforeAll(async () => {
    s = await startPortal("environments_page", { extra: { environments: { uv } } });
    const job = (await s.t.api("POST", "/api/v1/jobs", { command: ["python3", "-c", "import six; print(six.__version__)"], environment: { packages: ["six==1.16.0"] } })).body;
    jobId = job.id;
    expect((await s.t.waitFor(jobId, undefined, 180_000)).state).toBe("succeeded");
    const named = await s.t.api("POST", "/api/v1/environments/named/tools", { description: "six, for the portal", packages: ["six==1.16.0"] });
    expect(named.status, JSON.stringify(named.body)).toBe(201);
    await signIn(s.page);
  }, 240_000);
  afterAll(async () => {
    await s?.close();
  });

  test("lists the built environments with their Python, packages and use", async () => {
    const { page } = s;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Environments" }).click();
    await page.getByRole("heading", { name: "Environments", level: 1 }).waitFor();
    await loaded(page, "environments");
    await expectAccessible(page, "/environments");
    await expectStyled(page, "/environments");
    const table = page.getByRole("table", { name: "Built environments" });
    await poll(() => table.textContent()).toContain("six==1.16.0");
    expect(await table.textContent()).toMatch(/3\.\d+\.\d+/);
    expect(s.pageErrors).toEqual([]);
  });

  test("lists the team's named environments, and the New job form offers them", async () => {
    const { page } = s;
    await page.goto("/environments");
    await loaded(page, "environments");
    const named = page.getByRole("table", { name: "Named environments" });
    await poll(() => named.textContent()).toContain("tools");
    expect(await named.textContent()).toMatch(/six, for the portal.*v1.*six==1\.16\.0.*admin/);

    await page.goto("/jobs/new");
    await loaded(page, "new-job");
    await page.locator('input[data-path="command"]').fill("python3 -c 'import six; print(six.__version__)'");
    const select = page.locator('select[data-path="environment"]');
    expect(await select.locator("option").allTextContents()).toContain("tools (latest, v1: six==1.16.0)");
    await select.selectOption("tools");
    await poll(() => page.getByTestId("cli-preview").textContent()).toContain("--environment tools");
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.waitForURL(/\/jobs\/job_/);
    const panel = page.getByTestId("job-environment");
    await poll(() => panel.textContent(), { timeout: 60_000 }).toContain("tools@1");
    const jobUrl = page.url();

    // The environment's versions, opened on the Environments page, link to the job that used it.
    await page.goto("/environments");
    await loaded(page, "environments");
    await page.getByTestId("show-tools").click();
    const versions = page.getByTestId("named-environment-tools");
    await poll(() => versions.textContent()).toMatch(/v1 by admin/);
    expect(await versions.getByRole("link").first().getAttribute("href")).toBe(new URL(jobUrl).pathname);
    await expectAccessible(page, "/environments (a named environment opened)");
    expect(s.pageErrors).toEqual([]);
  });

  test("shows a job's environment on its page: the packages, and that it was built for the job", async () => {
    const { page } = s;
    await page.goto(`/jobs/${jobId}`);
    const panel = page.getByTestId("job-environment");
    await panel.waitFor();
    await poll(() => panel.textContent()).toContain("six==1.16.0");
    expect(await panel.textContent()).toMatch(/built for this job in \d+(\.\d+)? s/);
    const link = panel.getByRole("link", { name: "What preparing it printed" });
    expect(await link.getAttribute("href")).toBe(`/api/v1/jobs/${jobId}/environment-log`);
    expect(s.pageErrors).toEqual([]);
  });
});
