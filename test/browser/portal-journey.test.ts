import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/platform.ts";
import { expectAccessible, poll, loaded, type PortalSession, screenshot, signIn, startPortal } from "./helpers/portal.ts";

// A newcomer's way through the portal in a real Chromium: sign in, follow Start here with
// the real CLI, submit jobs from the form (with a mistake first), watch output arrive,
// cancel, edit and resubmit, and see the job list change by itself.

describe("portal journey (Chromium)", () => {
  let s: PortalSession;
  /** Files the tests create to let a waiting job go on. */
  let scratch: string;
  beforeAll(async () => {
    s = await startPortal("portal_journey");
    scratch = mkdtempSync(join(tmpdir(), "plinth-journey-"));
    // Jobs may run as another user: let them see the files the tests create here.
    chmodSync(scratch, 0o755);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** A form field by its job-spec path: the form tags every input with it. */
  const field = (path: string) => s.page.locator(`input[data-path="${path}"], textarea[data-path="${path}"]`);
  const state = (jobState: string) => s.page.locator(`h1 + [data-state="${jobState}"], [data-state="${jobState}"]`).first();

  it("refuses a wrong token with the server's title and hint, then signs in", async () => {
    const { page } = s;
    await page.goto("/");
    await expectAccessible(page, "sign-in");
    await screenshot(page, "portal-sign-in");
    await page.getByLabel("API token").fill("plt_this_is_not_a_valid_token_000");
    await page.getByRole("button", { name: "Sign in with token" }).click();
    const problem = page.getByTestId("problem");
    await poll(() => problem.textContent()).toContain("Not signed in");
    expect(await problem.textContent()).toContain("Tokens page");
    expect(await page.locator("body").textContent()).not.toMatch(/\b401\b/);
    await signIn(page);
    expect(await page.getByTestId("step-signedIn").getAttribute("data-done")).toBe("true");
    expect(await page.getByTestId("step-cli").getAttribute("data-done")).toBe("false");
  });

  it("follows Start here: a token for the CLI, the real CLI signs in, the step is checked off", async () => {
    const { page, t } = s;
    await page.getByRole("button", { name: "Create a token for the command line" }).click();
    const command = (await page.getByTestId("cli-login-command").textContent()) ?? "";
    expect(command).toMatch(new RegExp(`^plinth login ${t.url.replace(/[.]/g, "\\.")} --token plt_\\S+$`));
    await screenshot(page, "portal-start-here");
    const home = mkdtempSync(join(tmpdir(), "plinth-cli-home-"));
    try {
      const [, , url, , token] = command.split(" ");
      const login = await runCli(["login", url!, "--token", token!], { url: "", token: "", env: { XDG_CONFIG_HOME: home } });
      expect(login.stdout).toContain("Signed in");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    await page.reload();
    await loaded(page, "start");
    expect(await page.getByTestId("step-cli").getAttribute("data-done")).toBe("true");
    expect(await page.getByTestId("step-firstJob").getAttribute("data-done")).toBe("false");
  });

  it("an empty job list says there are no jobs yet and offers the form", async () => {
    const { page } = s;
    await page.goto("/jobs");
    await loaded(page, "jobs");
    const empty = page.getByTestId("jobs-empty");
    await poll(() => empty.textContent()).toContain("No jobs yet.");
    expect(await empty.getByRole("link", { name: "Run a first job" }).getAttribute("href")).toBe("/jobs/new");
    await page.goto("/");
    await loaded(page, "start");
  });

  it("runs a first job from the form, watches it and reads the result; Start here checks all off", async () => {
    const { page } = s;
    await page.getByRole("link", { name: "Run a first job from the form" }).click();
    await loaded(page, "new-job");
    expect(await field("command").inputValue()).toBe(`python3 -c "print('hello from Plinth')"`);
    expect(await page.getByTestId("cli-preview").textContent()).toBe(`plinth run --name hello -- python3 -c "print('hello from Plinth')"`);
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.waitForURL(/\/jobs\/job_/);
    await poll(() => page.getByTestId("log").textContent(), { timeout: 20_000 }).toContain("hello from Plinth");
    await state("succeeded").waitFor({ timeout: 20_000 });
    await poll(() => page.getByTestId("log-status").textContent(), { timeout: 10_000 }).toBe("complete");
    await page.getByRole("link", { name: "Start here" }).click();
    await loaded(page, "start");
    for (const step of ["signedIn", "cli", "firstJob", "watched", "read"]) {
      await poll(() => page.getByTestId(`step-${step}`).getAttribute("data-done"), { message: step }).toBe("true");
    }
    expect(await page.getByText("5 of 5 steps done").count()).toBe(1);
  });

  it("shows the server's validation message at the field, then submits a GPU job with the CLI equivalent", async () => {
    const { page } = s;
    await page.goto("/jobs/new");
    await loaded(page, "new-job");
    await field("name").fill("gpu-check");
    await field("command").fill(`sh -c "echo gpu=$CUDA_VISIBLE_DEVICES; echo done"`);
    await field("resources.memory").fill("lots");
    await page.getByRole("button", { name: "Submit job" }).click();
    const memory = field("resources.memory");
    await poll(() => memory.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await memory.getAttribute("aria-describedby")) ?? "";
    const messages = await Promise.all(describedBy.split(/\s+/).filter(Boolean).map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(messages.join(" ")).toContain("not an amount of memory");
    // Focus moved to the field the server named, so keyboard users land on it.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute("data-path"))).toBe("resources.memory");
    expect(await page.getByTestId("problem").textContent()).toContain("Invalid request");
    await expectAccessible(page, "new job with errors");

    await field("resources.memory").fill("512M");
    await field("resources.gpus").fill("1");
    await field("resources.gpu.model").fill("*3090*");
    await field("timeout").fill("10m");
    await field("labels").fill("project=vision");
    await poll(() => page.getByTestId("cli-preview").textContent())
      .toBe(`plinth run --name gpu-check --gpus 1 --memory 512M --gpu-model '*3090*' --timeout 10m -l project=vision -- sh -c 'echo gpu=$CUDA_VISIBLE_DEVICES; echo done'`);
    // Edited fields drop their messages; with all fixed, the problem box goes too.
    expect(await memory.getAttribute("aria-invalid")).toBeNull();
    expect(await page.getByTestId("problem").count()).toBe(0);
    await screenshot(page, "portal-new-job", { fullPage: true });
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.waitForURL(/\/jobs\/job_/);
    await state("succeeded").waitFor({ timeout: 20_000 });
    await poll(() => page.getByTestId("assigned-gpus").textContent()).toContain("NVIDIA GeForce RTX 3090");
    await poll(() => page.getByTestId("log").textContent()).toContain("gpu=1");
    expect(await page.getByTestId("job-cli").textContent()).toContain("--gpu-model '*3090*'");
  });

  it("edits and resubmits a job as a new one", async () => {
    const { page } = s;
    const original = page.url();
    await page.getByRole("link", { name: "Edit and resubmit" }).click();
    await loaded(page, "new-job");
    await poll(() => field("name").inputValue()).toBe("gpu-check");
    expect(await field("resources.gpu.model").inputValue()).toBe("*3090*");
    await field("name").fill("gpu-check-2");
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.waitForURL((u) => /\/jobs\/job_/.test(u.pathname) && u.href !== original);
    await poll(() => page.locator("h1").textContent()).toBe("gpu-check-2");
  });

  it("shows output as it is written, searches it and downloads it", async () => {
    const { page, t } = s;
    // The job prints half its steps, then waits for a file this test creates: it is still
    // running, however busy the machine, until the test has seen what it needs to.
    const go = join(scratch, "counting-may-finish");
    const { body: job } = await t.api("POST", "/api/v1/jobs", {
      name: "counting",
      script: `for i in 1 2 3; do echo "step $i of 6"; done; while [ ! -e '${go}' ]; do sleep 0.05; done; for i in 4 5 6; do echo "step $i of 6"; done; echo finished`,
    });
    try {
      await page.goto(`/jobs/${job.id}`);
      await loaded(page, "job");
      await poll(() => page.getByTestId("log").textContent(), { timeout: 20_000 }).toContain("step 3 of 6");
      // The first lines are on screen while the job is still running.
      expect(await page.getByTestId("log").textContent()).not.toContain("finished");
      // Its output can show before its state reaches the page on a loaded machine.
      await poll(() => page.locator("[data-state]").first().getAttribute("data-state"), { timeout: 20_000 }).toBe("running");
      await poll(() => page.getByTestId("log-status").textContent(), { timeout: 20_000 }).toBe("live");
      await screenshot(page, "portal-job-running");
      writeFileSync(go, "");
      await poll(() => page.getByTestId("log").textContent(), { timeout: 20_000 }).toContain("finished");
      await state("succeeded").waitFor();
      await page.getByLabel("Search the output").fill("step 4");
      await poll(() => page.getByTestId("log-match-count").textContent()).toBe("1 matching line");
      expect(await page.getByTestId("log").locator("mark").allTextContents()).toEqual(["step 4"]);
      await expectAccessible(page, "job page");
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download" }).click()]);
      expect(download.suggestedFilename()).toBe(`counting-${job.id}.log`);
      const text = readFileSync((await download.path())!, "utf8");
      expect(text).toBe(`${[1, 2, 3, 4, 5, 6].map((i) => `step ${i} of 6`).join("\n")}\nfinished\n`);
    } finally {
      // Never leave the job waiting, whatever failed above.
      writeFileSync(go, "");
    }
  });

  it("shows only the end of a huge log, fetching that end and not the rest", async () => {
    const { page, t } = s;
    const size = 150 * 1024 * 1024;
    // Random base64 lines: the log cannot be made smaller on its way.
    const { body: job } = await t.api("POST", "/api/v1/jobs", { name: "chatty", script: `base64 /dev/urandom | head -c ${size}; echo; echo "the very last line"` });
    expect((await t.waitFor(job.id, undefined, 120_000)).state).toBe("succeeded");
    // Chromium's own count of the body bytes each request received, as they arrive.
    const cdp = await s.context.newCDPSession(page);
    await cdp.send("Network.enable");
    const logRequests = new Map<string, { asked: string; bytes: number }>();
    cdp.on("Network.requestWillBeSent", (e) => {
      const url = new URL(e.request.url);
      if (url.pathname.endsWith(`/jobs/${job.id}/logs`)) logRequests.set(e.requestId, { asked: e.request.headers.Range ?? e.request.headers.range ?? url.search, bytes: 0 });
    });
    cdp.on("Network.dataReceived", (e) => {
      const r = logRequests.get(e.requestId);
      if (r) r.bytes += e.dataLength;
    });
    try {
      await page.goto(`/jobs/${job.id}`);
      await loaded(page, "job");
      const log = page.getByTestId("log");
      await poll(() => log.evaluate((el) => el.textContent?.trimEnd().endsWith("the very last line")), { timeout: 20_000 }).toBe(true);
      await poll(() => page.getByTestId("log-status").textContent()).toBe("complete");
      expect(await page.getByTestId("log-truncated").textContent()).toContain("Showing the last 4.0 MiB of 150 MiB");
      expect(await page.getByRole("link", { name: "Download the whole log" }).getAttribute("href")).toBe(`/api/v1/jobs/${job.id}/logs`);
      // Its end (a Range request), then following on from there: 4 MiB of the 150.
      const total = size + "\nthe very last line\n".length;
      expect([...logRequests.values()]).toEqual([
        { asked: "bytes=-4194304", bytes: 4 * 1024 * 1024 },
        { asked: `?follow=true&offset=${total}`, bytes: 0 },
      ]);
      // Search looks through what is shown.
      await page.getByLabel("Search the output").fill("the very last");
      await poll(() => page.getByTestId("log-match-count").textContent()).toBe("1 matching line");
    } finally {
      await cdp.detach();
    }
  });

  it("cancels a running job from its page", async () => {
    const { page, t } = s;
    const { body: job } = await t.api("POST", "/api/v1/jobs", { name: "long-sleep", command: ["sleep", "300"] });
    await page.goto(`/jobs/${job.id}`);
    await state("running").waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.getByTestId("confirm-cancel").click();
    await state("cancelled").waitFor({ timeout: 20_000 });
    await poll(() => page.getByTestId("failure").textContent()).toContain("It was cancelled");
    expect((await t.api("GET", `/api/v1/jobs/${job.id}`)).body.state).toBe("cancelled");
    // A finished job offers Retry instead of Cancel.
    expect(await page.getByRole("button", { name: "Retry" }).count()).toBe(1);
  });

  it("updates the job list live, filters and sorts on the server", async () => {
    const { page, t } = s;
    await page.goto("/jobs");
    await loaded(page, "jobs");
    const name = `live-${Date.now()}`;
    const { body: job } = await t.api("POST", "/api/v1/jobs", { name, command: ["sleep", "1"], labels: { sweep: "a" } });
    const row = page.locator(`tr[data-job-id="${job.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await poll(() => row.locator("[data-state]").getAttribute("data-state"), { timeout: 20_000 }).toBe("succeeded");
    await screenshot(page, "portal-jobs");

    await page.getByLabel("Name").fill(name);
    await poll(() => new URL(page.url()).searchParams.get("name")).toBe(name);
    await poll(() => page.locator("tbody tr").count()).toBe(1);
    await page.getByRole("button", { name: "Clear filters" }).click();
    await poll(() => page.locator("tbody tr").count()).toBeGreaterThan(1);

    // Filters that match nothing say so, and offer the way back.
    await page.getByLabel("Name").fill("no-job-has-this-name");
    const empty = page.getByTestId("jobs-empty");
    await poll(() => empty.textContent()).toContain("No jobs match these filters.");
    expect(await empty.textContent()).not.toContain("No jobs yet");
    await empty.getByRole("button", { name: "Show all jobs" }).click();
    await poll(() => new URL(page.url()).searchParams.get("name")).toBeNull();
    await poll(() => page.locator("tbody tr").count()).toBeGreaterThan(1);
    // The box follows the address a render later (an effect), so it is polled too.
    await poll(() => page.getByLabel("Name").inputValue()).toBe("");

    await page.getByRole("group", { name: "State" }).getByText("Cancelled", { exact: true }).click();
    await poll(() => new URL(page.url()).searchParams.get("state")).toBe("cancelled");
    await poll(async () => [...new Set(await page.locator("tbody [data-state]").evaluateAll((els) => els.map((e) => e.getAttribute("data-state"))))]).toEqual(["cancelled"]);
    await page.getByRole("button", { name: "Clear filters" }).click();
    await poll(() => new URL(page.url()).searchParams.get("state")).toBeNull();

    await page.getByRole("button", { name: "Sort by job" }).click();
    await poll(() => new URL(page.url()).searchParams.get("sort")).toBe("name");
    const names = () => page.locator("tbody tr td:first-child a").allTextContents();
    await poll(async () => {
      const shown = await names();
      return shown.join("\n") === [...shown].sort().reverse().join("\n");
    }).toBe(true);
    expect(await page.locator("th[aria-sort='descending']").textContent()).toContain("Job");
    await expectAccessible(page, "jobs list");
  });

  it("shows a missing job as the server's problem, not a status code", async () => {
    const { page } = s;
    await page.goto("/jobs/job_does_not_exist");
    const problem = page.getByTestId("problem");
    await poll(() => problem.textContent()).toContain("Job not found");
    expect(await page.locator("main").textContent()).not.toMatch(/\b404\b/);
    expect(s.pageErrors).toEqual([]);
  });
});
