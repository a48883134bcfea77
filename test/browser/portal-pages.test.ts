import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, poll, expectStyled, loaded, type PortalSession, screenshot, signIn, startPortal } from "./helpers/portal.ts";

// Every page of the portal in a real Chromium: accessible (axe, light and dark), the guides
// with search, copy buttons and lazily loaded diagrams, tokens, keyboard use, a phone-sized
// screen, and signing out.

describe("portal pages (Chromium)", () => {
  let s: PortalSession;
  const running: string[] = [];
  let jobId = "";
  beforeAll(async () => {
    s = await startPortal("portal_pages");
    const { t } = s;
    // Something on every page: a finished job, a GPU job holding both GPUs, and a queue behind it.
    jobId = (await t.api("POST", "/api/v1/jobs", { name: "prepare-data", command: ["sh", "-c", "echo reading 1200 files; echo done"], labels: { project: "vision" } })).body.id;
    await t.waitFor(jobId);
    for (const spec of [
      { name: "train-big", command: ["sleep", "300"], resources: { gpus: 2, memory: "2G" }, estimate: "2h" },
      { name: "eval-small", command: ["sleep", "300"], resources: { gpus: 1 }, estimate: "10m" },
      { name: "train-next", command: ["sleep", "300"], resources: { gpus: 2 }, estimate: "1h" },
    ]) {
      running.push((await t.api("POST", "/api/v1/jobs", spec)).body.id);
    }
    await t.waitFor(running[0]!, ["running"]);
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    for (const id of running) await s?.t.api("POST", `/api/v1/jobs/${id}/cancel`).catch(() => {});
    await s?.close();
  });

  const pages = () => [
    { path: "/", name: "start" },
    { path: "/jobs", name: "jobs" },
    { path: `/jobs/${jobId}`, name: "job" },
    { path: "/jobs/new", name: "new-job" },
    { path: "/cluster", name: "cluster" },
    { path: "/guides", name: "guides" },
    { path: "/guides/how-to/use-the-portal", name: "guide" },
    { path: "/guides?q=token", name: "guide-search" },
    { path: "/tokens", name: "tokens" },
  ];

  async function visitAll(page: Page, scheme: string) {
    for (const p of pages()) {
      await page.goto(p.path);
      await loaded(page, p.name);
      await expectAccessible(page, `${p.path} (${scheme})`);
      await expectStyled(page, p.path);
    }
    await page.goto("/no/such/page");
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    await expectAccessible(page, `not found (${scheme})`);
  }

  it("has no serious accessibility problems on any page, in the light theme", async () => {
    const { page } = s;
    await page.goto("/");
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.getAttribute("data-mantine-color-scheme"))).toBe("light");
    await visitAll(page, "light");
  });

  it("switches to the dark theme, remembers it, and stays accessible", async () => {
    const { page } = s;
    await page.goto("/");
    await page.getByTestId("theme-toggle").click();
    const scheme = () => page.evaluate(() => (globalThis as any).document.documentElement.getAttribute("data-mantine-color-scheme"));
    await poll(scheme).toBe("dark");
    await page.reload();
    await loaded(page, "start");
    expect(await scheme()).toBe("dark");
    await visitAll(page, "dark");
    await page.getByTestId("theme-toggle").click();
    await poll(scheme).toBe("light");
  });

  it("shows the machines, who holds each GPU and the queue in run order", async () => {
    const { page } = s;
    await page.goto("/cluster");
    await loaded(page, "cluster");
    const queue = page.getByTestId("queue-table");
    await poll(() => queue.locator("tbody tr").count()).toBe(2);
    const rows = await queue.locator("tbody tr").allTextContents();
    expect(rows[0]).toMatch(/^1/);
    expect(rows.join(" ")).toContain("eval-small");
    expect(rows.join(" ")).toContain("train-next");
    expect(await page.getByRole("link", { name: "train-big" }).count()).toBe(2);
    await screenshot(page, "portal-cluster");
  });

  it("renders guides with section navigation, copy buttons and a lazily loaded diagram", async () => {
    const { page } = s;
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto("/guides");
    await loaded(page, "guides");
    // The diagram library is not part of a page without diagrams.
    expect(requested.filter((u) => /mermaid/i.test(u))).toEqual([]);
    await page.getByRole("navigation", { name: "Guides" }).getByRole("link", { name: "Use the portal" }).click();
    await page.getByRole("heading", { name: "Use the portal", level: 1 }).waitFor();
    expect(await page.getByRole("button", { name: "Copy code" }).count()).toBeGreaterThan(0);
    const diagram = page.locator("pre.mermaid[data-rendered] svg");
    await diagram.first().waitFor({ timeout: 20_000 });
    expect(requested.some((u) => /mermaid/i.test(u))).toBe(true);
    expect(await page.locator(".guide-body img").count()).toBeGreaterThan(0);
    await screenshot(page, "portal-guide");
    await expectAccessible(page, "guide with a diagram");
  });

  it("searches across the guides", async () => {
    const { page } = s;
    await page.goto("/guides");
    await loaded(page, "guides");
    await page.getByLabel("Search the guides").fill("revoke token");
    await poll(() => new URL(page.url()).searchParams.get("q")).toBe("revoke token");
    await loaded(page, "guide-search");
    const results = page.getByTestId("search-result");
    const mine = results.filter({ hasText: "Use the portal" });
    await mine.waitFor();
    expect((await mine.locator("mark").allTextContents()).map((m) => m.toLowerCase())).toContain("revoke");
    await screenshot(page, "portal-guides");
    await page.getByLabel("Search the guides").fill("zzqx-nothing-matches");
    await poll(() => page.getByTestId("search-count").textContent()).toContain("0 guides");
  });

  it("creates a token that is shown once and works, then revokes it", async () => {
    const { page, t } = s;
    await page.goto("/tokens");
    await loaded(page, "tokens");
    await page.getByRole("form", { name: "Create a token" }).getByLabel("What is it for?").fill("laptop CLI");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = ((await page.getByTestId("new-token-value").textContent()) ?? "").trim();
    expect(token).toMatch(/^plt_/);
    expect((await t.api("GET", "/api/v1/me", undefined, token)).status).toBe(200);
    await screenshot(page, "portal-tokens");
    const row = page.locator("tr", { hasText: "laptop CLI" });
    await row.getByRole("button", { name: "Revoke token laptop CLI" }).click();
    await page.getByTestId("confirm-revoke").click();
    await poll(() => row.textContent()).toContain("revoked");
    expect((await t.api("GET", "/api/v1/me", undefined, token)).status).toBe(401);
    // The secret is never shown again.
    await page.reload();
    await loaded(page, "tokens");
    expect(await page.locator("body").textContent()).not.toContain(token);
  });

  it("lets an admin revoke someone else's token and sign them out of every browser", async () => {
    const { page, t } = s;
    const token = (await t.api("POST", "/api/v1/users", { name: "lin" })).body.token as string;
    const notebook = (await t.api("POST", "/api/v1/tokens", { name: "notebook" }, token)).body.token as string;
    /** Lin signs in to the portal in a browser of her own: the cookie it gets. */
    const sessionFor = async (tokenValue: string) => {
      const res = await fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${tokenValue}` } });
      return /plinth_session=[^;]*/.exec(res.headers.get("set-cookie") ?? "")![0];
    };
    const stillIn = async (cookie: string) => (await fetch(`${t.url}/api/v1/me`, { headers: { cookie } })).status === 200;
    const linsBrowser = await sessionFor(token);

    await page.goto("/tokens");
    await loaded(page, "tokens");
    await page.getByLabel("Whose tokens").selectOption("lin");
    await loaded(page, "user-tokens");
    expect(new URL(page.url()).search).toBe("?user=lin");
    await expectAccessible(page, "/tokens?user=lin");
    await expectStyled(page, "/tokens?user=lin");
    expect(await page.getByRole("table", { name: "lin's tokens" }).textContent()).toContain("notebook");

    const row = page.locator("tr", { hasText: "first token" });
    await row.getByRole("button", { name: "Revoke token first token" }).click();
    expect(await page.getByRole("dialog").textContent()).toContain("every browser lin signed in with it is signed out");
    await page.getByTestId("confirm-revoke").click();
    await poll(() => row.textContent()).toContain("revoked");
    expect(await stillIn(linsBrowser)).toBe(false);

    // Signed in twice with her other token, which still works, then signed out of both at once.
    const again = [await sessionFor(notebook), await sessionFor(notebook)];
    await page.getByRole("button", { name: "Sign lin out everywhere" }).click();
    await page.getByTestId("confirm-sign-out").click();
    await poll(() => page.getByTestId("signed-out").textContent()).toBe("Signed lin out of 2 browser sessions.");
    for (const cookie of again) expect(await stillIn(cookie)).toBe(false);
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    await screenshot(page, "portal-user-tokens");
    // The admin's own session is untouched.
    await page.getByLabel("Whose tokens").selectOption({ label: "Yours (admin)" });
    await loaded(page, "tokens");
  });

  it("is usable by keyboard: skip link, then navigation", async () => {
    const { page } = s;
    await page.goto("/");
    await loaded(page, "start");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe("main");
    await page.goto("/");
    await loaded(page, "start");
    // Tab through to the Jobs link and follow it with Enter.
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)) === "Jobs") break;
    }
    await page.keyboard.press("Enter");
    await loaded(page, "jobs");
    expect(new URL(page.url()).pathname).toBe("/jobs");
  });

  it("fits a phone screen, with the menu behind a button", async () => {
    const context = await s.browser.newContext({ baseURL: s.t.url, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
    const phone = await context.newPage();
    try {
      await signIn(phone);
      const jobsLink = phone.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Jobs" });
      // Folded away: the menu sits off-screen until the button opens it.
      const offscreen = async () => {
        const box = await jobsLink.boundingBox();
        return !box || box.x + box.width <= 0;
      };
      expect(await offscreen()).toBe(true);
      await phone.getByRole("button", { name: "Open navigation" }).click();
      await jobsLink.click();
      await loaded(phone, "jobs");
      const overflow = await phone.evaluate(() => {
        const d = (globalThis as any).document.documentElement;
        return d.scrollWidth - d.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await phone.goto(`/jobs/${jobId}`);
      await loaded(phone, "job");
      await expectAccessible(phone, "job page on a phone");
    } finally {
      await context.close();
    }
  });

  it("asks to sign in again when the session has ended elsewhere", async () => {
    const { page } = s;
    await page.goto("/");
    await loaded(page, "start");
    const cookies = await page.context().cookies();
    await page.context().clearCookies();
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Tokens" }).click();
    await page.getByLabel("API token").waitFor();
    await page.context().addCookies(cookies);
  });

  it("signs out: back to the sign-in page, and the old session no longer works", async () => {
    const { page, t } = s;
    await page.goto("/");
    await loaded(page, "start");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "plinth_session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    await page.getByRole("button", { name: /Account menu/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    const res = await fetch(`${t.url}/api/v1/me`, { headers: { cookie: `plinth_session=${session!.value}` } });
    expect(res.status).toBe(401);
    expect(s.pageErrors).toEqual([]);
  });
});
