import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { testDatabases } from "../../helpers/databases.ts";
import { REPO, startTestPlatform, TOKEN, type TestPlatform } from "../../helpers/platform.ts";
import { ensurePortalBuilt } from "./build.ts";

export { ensurePortalBuilt };

// Browser tests drive Debian's Chromium (apt install chromium) through playwright-core
// against a real Plinth serving the built portal.

export const CHROMIUM = process.env.PLINTH_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = process.env.PLINTH_SCREENSHOTS === "1";
const IMAGES = join(REPO, "docs/images");

export interface PortalSession {
  t: TestPlatform;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Problems the page reported: uncaught errors and failed requests other than expected 4xx. */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function startPortal(
  label: string,
  opts: { viewport?: { width: number; height: number }; sandbox?: "none" | "bubblewrap"; extra?: Record<string, unknown> } = {},
): Promise<PortalSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set PLINTH_CHROMIUM)`);
  ensurePortalBuilt();
  const t = await startTestPlatform(testDatabases()[0]!, label, {
    fakeGpus: [
      { model: "NVIDIA RTX 6000 Ada", memory: "48G" },
      { model: "NVIDIA GeForce RTX 3090", memory: "24G" },
    ],
    cpus: 4,
    memory: "8G",
    ...(opts.sandbox && { sandbox: opts.sandbox }),
    ...(opts.extra && { extra: opts.extra }),
  });
  // playwright launches Chromium on a fresh, temporary profile of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  // bypassCSP lets the test inject axe-core into pages whose policy forbids inline scripts.
  const context = await browser.newContext({ baseURL: t.url, viewport: opts.viewport ?? { width: 1280, height: 800 }, bypassCSP: true, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 500) pageErrors.push(`${r.status()} from ${r.url()}`);
  });
  return {
    t,
    browser,
    context,
    page,
    pageErrors,
    close: async () => {
      await browser.close().catch(() => {});
      await t.close();
    },
  };
}

export async function signIn(page: Page, token = TOKEN): Promise<void> {
  await page.goto("/");
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in with token" }).click();
  await page.getByRole("heading", { name: "Start here", level: 1 }).waitFor();
}

/** Waits until the page has rendered its first data (the `data-loaded` marker). */
export async function loaded(page: Page, name?: string): Promise<void> {
  await page.locator(name ? `[data-loaded="${name}"]` : "[data-loaded]").first().waitFor({ state: "attached", timeout: 15_000 });
}

const AXE = readFileSync(join(REPO, "node_modules/axe-core/axe.min.js"), "utf8");

/** Runs axe-core in the page; fails on any serious or critical violation, listing them. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    // Runs in the page; the test's tsconfig has no DOM types, hence globalThis.
    const g = globalThis as any;
    // Colours are judged as they end, not halfway through a fade or a hover's transition.
    const still = g.document.createElement("style");
    still.textContent = "*, *::before, *::after { transition: none !important; animation: none !important; }";
    g.document.head.appendChild(still);
    await new Promise((r) => g.requestAnimationFrame(() => g.requestAnimationFrame(r)));
    const result = await g.axe.run(g.document, { resultTypes: ["violations"] }).finally(() => still.remove());
    return result.violations
      .filter((v: any) => v.impact === "serious" || v.impact === "critical")
      .map((v: any) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 3).map((n: any) => `${n.target.join(" ")} ${n.html.slice(0, 120)}\n      ${(n.failureSummary ?? "").replace(/\s+/g, " ").slice(0, 240)}`).join("\n    ")}`);
  });
  expect(violations, `accessibility problems on ${where}:\n${violations.join("\n")}`).toEqual([]);
}

/** Saves a screenshot for the portal guide (docs/images) when PLINTH_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(IMAGES, { recursive: true });
  await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
  await page.screenshot({ path: join(IMAGES, `${name}.png`), fullPage: opts.fullPage ?? false });
}

/**
 * Fails when a Mantine component on the page has no styles: the portal imports only the
 * component stylesheets it uses (web/src/app/mantine.css), so a new component needs its file.
 */
export async function expectStyled(page: Page, where: string): Promise<void> {
  const missing = await page.evaluate(() => {
    const g = globalThis as any;
    const css = [...g.document.styleSheets].map((sheet: any) => [...sheet.cssRules].map((r: any) => r.cssText).join("\n")).join("\n");
    const used = new Set<string>();
    for (const el of g.document.querySelectorAll("[class]")) for (const c of el.classList) if (/^m_[0-9a-f]{8}$/.test(c)) used.add(c);
    return [...used].filter((c) => !css.includes(`.${c}`));
  });
  expect(missing, `Mantine classes without styles on ${where} (add the component's CSS to web/src/app/mantine.css)`).toEqual([]);
}

/** expect.poll with room for a busy machine: pages update live, but not always within a second. */
export function poll<T>(fn: () => T | Promise<T>, opts: { timeout?: number; message?: string } = {}) {
  return expect.poll(fn, { timeout: 10_000, interval: 100, ...opts });
}
