import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, expectStyled, loaded, type PortalSession, poll, screenshot, signIn, startPortal } from "./helpers/portal.ts";

// The Runs pages in a real Chromium against a real Plinth, with runs logged through MLflow's
// REST API as a member: with none, the page says how to make one; the table lists, sorts by a
// clicked header and pages with `next`; the filter narrows it and shows the server's message
// for a bad filter; a run's page shows its params, metrics and a chart; a job's page links to
// its run; compare marks the rows that differ and overlays the runs' charts.

describe("runs pages (Chromium)", () => {
  let s: PortalSession;
  let ada = "";
  let jobId = "";
  const runs: Record<string, string> = {};
  const mlflow = async (path: string, body: unknown) => {
    const res = await fetch(`${s.t.url}/api/2.0/mlflow${path}`, { method: "POST", headers: { authorization: `Bearer ${ada}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
    return (await res.json()) as any;
  };

  beforeAll(async () => {
    s = await startPortal("runs_pages");
    expect((await s.t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
    ada = (await s.t.api("POST", "/api/v1/users", { name: "ada", team: "vision", teamRole: "member" })).body.token;
    await signIn(s.page, ada);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  /** Three runs of mnist, a sweep of more runs than a page holds, and a job's run. */
  const makeRuns = async () => {
    const mnist = (await mlflow("/experiments/create", { name: "mnist" })).experiment_id;
    for (const [name, lr, acc] of [
      ["small", "0.1", 0.81],
      ["medium", "0.01", 0.93],
      ["large", "0.001", 0.9],
    ] as const) {
      const id = (await mlflow("/runs/create", { experiment_id: mnist, run_name: name })).run.info.run_id as string;
      runs[name] = id;
      await mlflow("/runs/log-batch", {
        run_id: id,
        params: [
          { key: "lr", value: lr },
          { key: "epochs", value: "3" },
        ],
        metrics: [0, 1, 2].map((step) => ({ key: "acc", value: acc - 0.1 * (2 - step), timestamp: 1000 + step, step })),
      });
    }
    // A sweep of more runs than one page holds.
    const sweep = (await mlflow("/experiments/create", { name: "sweep" })).experiment_id;
    for (let i = 0; i < 105; i++) {
      const id = (await mlflow("/runs/create", { experiment_id: sweep, run_name: `trial-${i}` })).run.info.run_id as string;
      await mlflow("/runs/log-batch", { run_id: id, metrics: [{ key: "score", value: i, timestamp: 1, step: 0 }] });
    }
    jobId = (await s.t.api("POST", "/api/v1/jobs", { command: ["true"], name: "tracked-job" }, ada)).body.id;
    expect((await s.t.waitFor(jobId)).state).toBe("succeeded");
  };

  const names = () => s.page.getByTestId("runs-table").locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));

  it("says how to make a run when there is none", async () => {
    const { page } = s;
    await page.goto("/runs");
    await loaded(page, "runs");
    expect(await page.getByTestId("runs-empty").textContent()).toContain("No runs yet: every job is a run");
    expect(await page.getByTestId("run-command").textContent()).toBe("plinth run -- python train.py");
    await expectAccessible(page, "/runs with no runs");
  });

  it("lists runs with their params and metrics, and sorts by a clicked header", async () => {
    const { page } = s;
    await makeRuns();
    await page.goto("/");
    await page.getByRole("heading", { name: "Start here", level: 1 }).waitFor();
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Runs" }).click();
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();
    await page.getByLabel("Experiment").selectOption({ label: "mnist (vision)" });
    await loaded(page, "runs");
    await poll(names).toEqual(["large", "medium", "small"]);
    const medium = page.locator('[data-run="medium"]');
    expect(await medium.locator('[data-column="metrics.acc"]').textContent()).toBe("0.93");
    expect(await medium.locator('[data-column="params.lr"]').textContent()).toBe("0.01");
    expect(await medium.textContent()).toContain("ada");
    await expectAccessible(page, "/runs");
    await expectStyled(page, "/runs");
    await screenshot(page, "portal-runs");

    // Metrics sort best first on the first click, then flip.
    await page.getByRole("columnheader", { name: "acc" }).getByRole("button").click();
    await poll(names).toEqual(["medium", "large", "small"]);
    expect(new URL(page.url()).searchParams.get("sort")).toBe("-metrics.acc");
    expect(await page.getByRole("columnheader", { name: "acc" }).getAttribute("aria-sort")).toBe("descending");
    await page.getByRole("columnheader", { name: "acc" }).getByRole("button").click();
    await poll(names).toEqual(["small", "large", "medium"]);

    // By default the sorted metric, then the first few metrics and params; the chooser takes one
    // away, and the address keeps the choice.
    expect(await page.locator('[data-run="small"] [data-column="params.epochs"]').textContent()).toBe("3");
    await page.getByRole("combobox", { name: "Columns" }).click();
    await page.getByRole("option", { name: "params.epochs" }).click();
    await page.keyboard.press("Escape");
    await poll(() => page.getByRole("columnheader", { name: "epochs" }).count()).toBe(0);
    expect(new URL(page.url()).searchParams.get("cols")).toBe("metrics.acc,params.lr");
  }, 120_000);

  it("narrows with a filter, and shows the server's message under the box for a bad one", async () => {
    const { page } = s;
    const filter = page.getByLabel("Filter");
    await filter.fill("metrics.acc > 0.85 and params.lr != '0.01'");
    await filter.press("Enter");
    await poll(names).toEqual(["large"]);
    await filter.fill("metrics.acc >> 1");
    await page.getByRole("button", { name: "Apply" }).click();
    await poll(() => page.getByTestId("filter-error").textContent()).toContain("Invalid comparator '>>'");
    expect(await filter.getAttribute("aria-invalid")).toBe("true");
    await expectAccessible(page, "/runs with a bad filter");
    await filter.fill("");
    await filter.press("Enter");
    await poll(names).toEqual(["small", "large", "medium"]);
    expect(await page.getByTestId("filter-error").count()).toBe(0);
  });

  it("pages through more runs than one page holds, a hundred at a time", async () => {
    const { page } = s;
    await page.goto("/runs?experiment=sweep&sort=-metrics.score");
    await loaded(page, "runs");
    await poll(() => names().then((n) => n.length)).toBe(100);
    expect((await names())[0]).toBe("trial-104");
    await page.getByRole("button", { name: "Next page" }).click();
    await poll(names).toEqual(["trial-4", "trial-3", "trial-2", "trial-1", "trial-0"]);
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await poll(() => names().then((n) => n[0])).toBe("trial-104");
  });

  it("shows a run: its experiment, params, latest metrics and a chart of each metric", async () => {
    const { page } = s;
    await page.goto("/runs?experiment=mnist");
    await page.locator('[data-run="medium"]').getByRole("link", { name: "medium" }).click();
    await page.getByRole("heading", { name: "medium", level: 1 }).waitFor();
    await loaded(page, "run");
    expect(await page.getByTestId("run-summary").textContent()).toContain("mnist (vision) by ada");
    expect(await page.getByTestId("run-params").locator('[data-key="lr"]').textContent()).toBe("lr0.01");
    expect(await page.getByTestId("run-metrics").locator('[data-key="acc"]').textContent()).toBe("acc0.93 (step 2)");
    await page.locator('[data-chart="acc"] canvas').waitFor();
    await expectAccessible(page, "a run's page");
    await expectStyled(page, "a run's page");
    await screenshot(page, "portal-run");
  });

  it("links a job's page to its run, and the run back to the job", async () => {
    const { page } = s;
    await page.goto(`/jobs/${jobId}`);
    await page.getByTestId("job-run").getByRole("link", { name: "tracked-job" }).click();
    await page.getByRole("heading", { name: "tracked-job", level: 1 }).waitFor();
    await page.getByTestId("run-summary").getByRole("link", { name: jobId }).click();
    await page.getByRole("heading", { name: "tracked-job", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/jobs/${jobId}`);
  });

  it("compares runs: rows that differ marked, each metric's chart with every run, smoothing and a log scale", async () => {
    const { page } = s;
    await page.goto("/runs?experiment=mnist");
    await loaded(page, "runs");
    await page.getByLabel("Compare small").check();
    await page.getByLabel("Compare medium").check();
    await page.getByRole("button", { name: "Compare 2 runs" }).click();
    await page.getByRole("heading", { name: "Compare 2 runs", level: 1 }).waitFor();
    await loaded(page, "compare");
    const table = page.getByTestId("compare-table");
    expect(await table.locator('[data-key="params.lr"]').getAttribute("data-differs")).toBe("true");
    expect(await table.locator('[data-key="params.epochs"]').getAttribute("data-differs")).toBeNull();
    expect(await table.locator('[data-key="metrics.acc"]').textContent()).toContain("0.810.93");
    await page.getByRole("switch", { name: "Only rows that differ" }).check();
    await poll(() => table.locator('[data-key="params.epochs"]').count()).toBe(0);
    const chart = page.locator('[data-chart="acc"]');
    await chart.locator("canvas").waitFor();
    expect(await chart.getAttribute("aria-label")).toBe("acc over steps, 2 runs");
    expect(await chart.locator(".u-legend").textContent()).toMatch(/small.*medium/);
    // Params against a metric: one line per run, coloured by the metric.
    const parallel = page.getByTestId("parallel-coordinates");
    expect(await parallel.locator("polyline").evaluateAll((lines) => lines.map((l) => l.getAttribute("data-run")))).toEqual(["small", "medium"]);
    expect(await parallel.textContent()).toContain("lr");
    await page.getByLabel("Smoothing").fill("0.6");
    await page.getByRole("switch", { name: "Log scale" }).check();
    await chart.locator("canvas").waitFor();
    await expectAccessible(page, "the compare page");
    await expectStyled(page, "the compare page");
    await screenshot(page, "portal-compare");
    expect(s.pageErrors).toEqual([]);
  });
});
