import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, expectStyled, loaded, type PortalSession, poll, screenshot, signIn, startPortal } from "./helpers/portal.ts";

// The portal's Audit log page in a real Chromium: the changes with who, what and from where,
// filters kept in the address, before and after of one change, the Export download, and the
// navigation entry shown to admins and team admins only.

describe("audit log page (Chromium)", () => {
  let s: PortalSession;
  let jobId = "";
  let memberToken = "";
  beforeAll(async () => {
    s = await startPortal("audit_page");
    const { t } = s;
    jobId = (await t.api("POST", "/api/v1/jobs", { name: "train-resnet", command: ["sleep", "300"], labels: { project: "vision" } })).body.id;
    await t.api("POST", `/api/v1/jobs/${jobId}/cancel`);
    await t.api("POST", "/api/v1/tokens", { name: "laptop" });
    memberToken = (await t.api("POST", "/api/v1/users", { name: "mia" })).body.token;
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it("lists changes newest first, filters them, shows before and after, and stays accessible", async () => {
    const { page } = s;
    await page.getByRole("link", { name: "Audit log", exact: true }).click();
    await loaded(page, "audit");
    const table = page.getByTestId("audit-table");
    await poll(() => table.locator("tbody tr").count()).toBeGreaterThanOrEqual(4);
    const actions = await table.locator("tbody tr td:nth-child(3)").allTextContents();
    expect(actions.slice(0, 4)).toEqual(["session.start", "user.add", "token.create", "job.cancel"]);
    await expectAccessible(page, "/audit");
    await expectStyled(page, "/audit");

    await page.getByLabel("What").selectOption("job");
    await poll(() => page.url()).toContain("action=job");
    await poll(() => table.locator("tbody tr td:nth-child(3)").allTextContents()).toEqual(["job.cancel", "job.submit"]);
    await page.getByRole("button", { name: /^Changes: job.cancel/ }).click();
    const details = page.getByTestId("audit-details");
    await expect(details.textContent()).resolves.toMatch(/"state": "(queued|running|starting)"[\s\S]*"state": "cancelled"/);
    await expectAccessible(page, "/audit with a change open");
    await screenshot(page, "portal-audit");

    await page.getByLabel("Object").fill("no-such-thing");
    await page.getByTestId("audit-empty").waitFor();
    expect(await page.getByTestId("audit-empty").textContent()).toBe("No changes match these filters.");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await poll(() => table.locator("tbody tr").count()).toBeGreaterThanOrEqual(4);
  });

  it("exports what the page shows as JSON lines", async () => {
    const { page } = s;
    await page.goto("/audit?action=job");
    await loaded(page, "audit");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("audit-export").click()]);
    expect(download.suggestedFilename()).toBe("plinth-audit.jsonl");
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync((await download.path())!, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((e) => e.action)).toEqual(["job.submit", "job.cancel"]);
    expect(lines[0].target.id).toBe(jobId);
  });

  it("shows the page in the navigation to admins only, and a member just their own changes", async () => {
    const context = await s.browser.newContext({ baseURL: s.t.url });
    const page = await context.newPage();
    try {
      await signIn(page, memberToken);
      expect(await page.getByRole("link", { name: "Audit log", exact: true }).count()).toBe(0);
      await page.goto("/audit");
      await loaded(page, "audit");
      const who = await page.getByTestId("audit-table").locator("tbody tr td:nth-child(2)").allTextContents();
      expect(who.length).toBeGreaterThan(0);
      expect(new Set(who)).toEqual(new Set(["mia"]));
    } finally {
      await context.close();
    }
  });
});
