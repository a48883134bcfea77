// Portal speed with 100,000 jobs: how long each page takes to show its first data in
// Chromium against a local Plinth, how fast the job-list queries behind it are, and how much
// JavaScript (gzip) a first visit downloads.
//
//   node bench/portal.ts [--jobs 100000] [--runs 5]
//   node bench/portal.ts --serve     seed, start, print the URL and a token, and keep running
//
// Jobs are written straight into a fresh database (batched inserts, as the job store's tables
// hold them), then a real platform is started on it. Time to first data is measured in the page:
// from navigation start to the moment the page marks that its first data is on screen
// (the `data-loaded` marker every page sets), median of several loads with a warm cache, plus the
// first, cold load. Ends with one JSON line of figures.

import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type Browser, chromium } from "playwright-core";
import { startPlatform } from "../src/app.ts";
import { loadConfig } from "../src/config/load.ts";
import { ensurePortalBuilt } from "../test/browser/helpers/build.ts";
import { JOB_NAMES, seedJobs } from "./lib/seed-jobs.ts";
import { median } from "./lib/server.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const JOBS = arg("jobs", 100_000);
const RUNS = arg("runs", 5);
const CHROMIUM = process.env.PLINTH_CHROMIUM ?? "/usr/bin/chromium";
const TOKEN = `plt_${randomBytes(24).toString("base64url")}`;
const USERS = ["alice", "bob", "chen", "dana", "emeka", "farah", "goran", "hana", "ivan", "julia", "kofi", "lena"];
const NAMES = JOB_NAMES;

function seed(dataDir: string) {
  return seedJobs(dataDir, {
    jobs: JOBS,
    people: USERS.map((name, i) => ({ name, role: i === 0 ? "admin" : "member", teamId: "team_default", ...(i === 0 && { token: TOKEN }) })),
    owner: (rand) => Math.floor(rand() ** 2 * USERS.length),
  });
}

const BIG_LOG_MIB = 150;
const LAST_LINE = "the last line of a long log";

/** Writes a 150 MiB log for a job: random base64 lines (as incompressible as real output gets), then a known last line. */
function writeBigLog(dataDir: string, jobId: string): number {
  const dir = join(dataDir, "runs", jobId);
  mkdirSync(dir, { recursive: true });
  const block = Buffer.from(`${(randomBytes(786_432).toString("base64").match(/.{1,76}/g) ?? []).join("\n")}\n`).subarray(0, 1024 * 1024);
  block[block.length - 1] = 0x0a;
  const fd = openSync(join(dir, "output.log"), "w");
  for (let i = 0; i < BIG_LOG_MIB; i++) writeSync(fd, block);
  writeSync(fd, `${LAST_LINE}\n`);
  closeSync(fd);
  return BIG_LOG_MIB * 1024 * 1024 + LAST_LINE.length + 1;
}

/**
 * A job page whose log is 150 MiB: time from navigation until its last line is on screen and
 * the bytes of log the page fetched, beside what downloading the whole log alone costs (what
 * the page had to do when it showed the end of a log by fetching all of it).
 */
async function bigLogPage(browser: Browser, url: string, session: string, jobId: string, logBytes: number) {
  const t0 = performance.now();
  const whole = await fetch(`${url}/api/v1/jobs/${jobId}/logs`, { headers: { authorization: `Bearer ${TOKEN}` } });
  let wholeBytes = 0;
  for await (const chunk of whole.body!) wholeBytes += chunk.byteLength;
  const wholeMs = performance.now() - t0;
  if (wholeBytes !== logBytes) throw new Error(`the whole log was ${wholeBytes} bytes, not ${logBytes}`);

  const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: "plinth_session", value: session, url, httpOnly: true, sameSite: "Strict" }]);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const logRequests = new Set<string>();
  let fetched = 0;
  cdp.on("Network.requestWillBeSent", (e) => {
    if (e.request.url.includes(`/jobs/${jobId}/logs`)) logRequests.add(e.requestId);
  });
  cdp.on("Network.dataReceived", (e) => {
    if (logRequests.has(e.requestId)) fetched += e.dataLength;
  });
  await page.goto(`/jobs/${jobId}`);
  const shownAt = await page.waitForFunction(
    (last) => {
      const g = globalThis as any;
      return g.document.querySelector('[data-testid="log"]')?.textContent?.endsWith(`${last}\n`) ? g.performance.now() : false;
    },
    LAST_LINE,
    { polling: 50, timeout: 120_000 },
  );
  const lastLineMs = (await shownAt.jsonValue()) as number;
  // When the end of the log had arrived (the Range request's last byte): the rest is drawing it.
  const arrivedMs = await page.evaluate((id) => {
    const entries = (globalThis as any).performance.getEntriesByType("resource") as Array<{ name: string; responseEnd: number }>;
    return entries.find((e) => e.name.endsWith(`/jobs/${id}/logs`))?.responseEnd ?? Number.NaN;
  }, jobId);
  await context.close();
  return {
    logMiB: BIG_LOG_MIB,
    lastLineMs: Math.round(lastLineMs),
    tailArrivedMs: Math.round(arrivedMs),
    fetchedMiB: Math.round((fetched / 1024 / 1024) * 10) / 10,
    wholeDownloadMs: Math.round(wholeMs),
  };
}

async function main(): Promise<void> {
  ensurePortalBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-bench-portal-"));
  const seeded = await seed(dataDir);
  const bigLogBytes = writeBigLog(dataDir, seeded.sampleJob);
  console.log(`seeded ${JOBS.toLocaleString("en")} jobs (with events and labels) in ${seeded.seconds.toFixed(1)} s`);

  const { config } = loadConfig({ env: {}, cwd: dataDir, overrides: { dataDir, server: { port: 0 }, executor: { sandbox: "none", fakeGpus: 2 }, log: { level: "warn" } } });
  const platform = await startPlatform(config);
  if (process.argv.includes("--serve")) {
    console.log(`serving ${platform.url} with token ${TOKEN} (Ctrl-C stops and deletes ${dataDir})`);
    process.on("SIGINT", () => void platform.close().then(() => rmSync(dataDir, { recursive: true, force: true })).then(() => process.exit(0)));
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const auth = { authorization: `Bearer ${TOKEN}` };
    // API: the job-list queries the portal makes, on the server side of the wire.
    const apiCases: Array<[string, string]> = [
      ["newest 50", "/api/v1/jobs?limit=50"],
      ["state=failed", "/api/v1/jobs?limit=50&state=failed"],
      ["user=lena", "/api/v1/jobs?limit=50&user=lena"],
      ["name", `/api/v1/jobs?limit=50&name=${NAMES[3]}-7`],
      ["label", "/api/v1/jobs?limit=50&label=sweep=s7"],
      ["sort=name", "/api/v1/jobs?limit=50&sort=name&order=asc"],
      ["sort=state", "/api/v1/jobs?limit=50&sort=state"],
      ["state+user+sort=name", "/api/v1/jobs?limit=50&state=succeeded&user=bob&sort=name"],
      ["page 1000 deep", `/api/v1/jobs?limit=50&cursor=${seeded.sampleJob}`],
      ["one job", `/api/v1/jobs/${seeded.sampleJob}`],
      ["cluster", "/api/v1/cluster"],
    ];
    const api: Record<string, number> = {};
    for (const [label, path] of apiCases) {
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now();
        const res = await fetch(platform.url + path, { headers: auth });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${path}: ${res.status}`);
        times.push(performance.now() - t0);
      }
      api[label] = Math.round(median(times) * 10) / 10;
    }

    const signIn = await fetch(`${platform.url}/api/v1/sessions`, { method: "POST", headers: auth });
    const secret = /plinth_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")?.[1];
    if (!secret) throw new Error("could not sign in");
    const pages: Array<{ name: string; path: string; marker: string }> = [
      { name: "Start here", path: "/", marker: "start" },
      { name: "Jobs", path: "/jobs", marker: "jobs" },
      { name: "Jobs, filtered", path: "/jobs?state=failed&user=bob", marker: "jobs" },
      { name: "Jobs, by name", path: "/jobs?sort=name&order=asc", marker: "jobs" },
      { name: "Job page", path: `/jobs/${seeded.failedJob}`, marker: "job" },
      { name: "New job", path: "/jobs/new", marker: "new-job" },
      { name: "Cluster", path: "/cluster", marker: "cluster" },
      { name: "Guides", path: "/guides", marker: "guides" },
      { name: "A guide", path: "/guides/how-to/use-the-portal", marker: "guide" },
      { name: "Guide search", path: "/guides?q=gpu+memory", marker: "guide-search" },
      { name: "Tokens", path: "/tokens", marker: "tokens" },
    ];
    // Start the browser's own processes before measuring (a page without the portal's code),
    // so the first page measured does not also pay for that.
    const warmup = await browser.newContext();
    await (await warmup.newPage()).goto(`${platform.url}/healthz`);
    await warmup.close();
    const results: Array<{ name: string; coldMs: number; warmMs: number; jsGzipKB: number; mermaid: boolean }> = [];
    for (const p of pages) {
      // A fresh context per page: its first load is a first visit, with nothing cached.
      const context = await browser.newContext({ baseURL: platform.url, viewport: { width: 1280, height: 800 } });
      await context.addCookies([{ name: "plinth_session", value: secret, url: platform.url, httpOnly: true, sameSite: "Strict" }]);
      // Records when the page first marks real data on screen, measured inside the page.
      await context.addInitScript(() => {
        const g = globalThis as any;
        const seen = () => {
          if (g.__firstData === undefined && g.document.querySelector("[data-loaded]")) g.__firstData = g.performance.now();
        };
        new g.MutationObserver(seen).observe(g.document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-loaded"] });
      });
      const page = await context.newPage();
      let js = 0;
      let mermaid = false;
      const pending: Promise<void>[] = [];
      page.on("response", (res) => {
        if (res.request().resourceType() !== "script") return;
        if (/mermaid/i.test(res.url())) mermaid = true;
        pending.push(
          res.body().then(
            (body) => {
              js += gzipSync(body, { level: 9 }).length;
            },
            () => {},
          ),
        );
      });
      const times: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        await page.goto(p.path);
        await page.locator(`[data-loaded="${p.marker}"]`).first().waitFor({ state: "attached", timeout: 30_000 });
        times.push(await page.evaluate(() => (globalThis as any).__firstData as number));
        if (run === 0) {
          await page.waitForLoadState("networkidle");
          await Promise.all(pending);
          page.removeAllListeners("response");
        }
      }
      results.push({ name: p.name, coldMs: Math.round(times[0]!), warmMs: Math.round(median(times.slice(1))), jsGzipKB: Math.round(js / 102.4) / 10, mermaid });
      await context.close();
    }

    const bigLog = await bigLogPage(browser, platform.url, secret, seeded.sampleJob, bigLogBytes);

    console.log(`\nTime to first data in Chromium, ${JOBS.toLocaleString("en")} jobs (first visit / return visit, median of ${RUNS}), and JavaScript of a first visit:`);
    for (const r of results) {
      console.log(`  ${r.name.padEnd(16)} ${String(r.coldMs).padStart(5)} ms / ${String(r.warmMs).padStart(4)} ms   JS ${r.jsGzipKB.toFixed(1).padStart(6)} KB gzip${r.mermaid ? "  (includes mermaid)" : ""}`);
    }
    console.log(
      `\nA job page with a ${bigLog.logMiB} MiB log: last line on screen after ${bigLog.lastLineMs} ms (its end had arrived after ${bigLog.tailArrivedMs} ms), ${bigLog.fetchedMiB} MiB of log fetched; downloading the whole log alone: ${bigLog.wholeDownloadMs} ms`,
    );
    console.log("\nJob-list API, median of 15 requests:");
    for (const [k, v] of Object.entries(api)) console.log(`  ${k.padEnd(22)} ${v.toFixed(1).padStart(6)} ms`);
    const start = results[0]!;
    const worst = results.reduce((a, b) => (b.coldMs > a.coldMs ? b : a));
    const budgetOk = results.every((r) => r.mermaid || r.jsGzipKB <= 300) && start.jsGzipKB <= 300;
    console.log(`\nFirst page (Start here) JS: ${start.jsGzipKB} KB gzip (budget 300 KB) — ${budgetOk ? "within budget" : "OVER BUDGET"}`);
    const worstWarm = results.reduce((a, b) => (b.warmMs > a.warmMs ? b : a));
    console.log(`Slowest first data on a first visit (nothing cached): ${worst.name}, ${worst.coldMs} ms (budget 500 ms) — ${worst.coldMs <= 500 ? "within budget" : "OVER BUDGET"}`);
    console.log(`Slowest first data on a return visit (code cached): ${worstWarm.name}, ${worstWarm.warmMs} ms (budget 500 ms) — ${worstWarm.warmMs <= 500 ? "within budget" : "OVER BUDGET"}`);
    console.log(
      JSON.stringify({
        bench: "portal",
        jobs: JOBS,
        seedSeconds: Math.round(seeded.seconds * 10) / 10,
        firstLoadJsGzipKB: start.jsGzipKB,
        maxFirstDataMs: worst.coldMs,
        maxReturnFirstDataMs: worstWarm.warmMs,
        pages: Object.fromEntries(results.map((r) => [r.name, { coldMs: r.coldMs, warmMs: r.warmMs, jsGzipKB: r.jsGzipKB }])),
        apiMs: api,
        bigLog,
      }),
    );
  } finally {
    await browser.close();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
