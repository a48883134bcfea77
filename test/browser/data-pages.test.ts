import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { push } from "../helpers/data.ts";
import { expectAccessible, expectStyled, loaded, type PortalSession, poll, screenshot, signIn, startPortal } from "./helpers/portal.ts";

// The Data pages in a real Chromium against a real Plinth: a dataset pushed through the API
// shows in the list and on its page (files, schema, preview rows, versions); expectations are
// edited as YAML; files given to the page's file input, or dropped on it, are hashed in the
// browser, uploaded with a progress bar that reaches 100% and become a new version (or a new
// dataset); a big file goes in parts, and after a cancelled upload only the parts the server
// lacks are sent; a job's output shows its lineage both ways; a 10,000-file version pages its list.

const IRIS = "sepal_length,sepal_width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n6.3,3.3,virginica\n";
const EXTRA = "sepal_length,sepal_width,species\n7.0,3.2,versicolor\n";
const scheme = (s: PortalSession) => s.page.evaluate(() => (globalThis as any).document.documentElement.getAttribute("data-mantine-color-scheme"));

describe("data pages (Chromium)", () => {
  let s: PortalSession;
  beforeAll(async () => {
    s = await startPortal("data_pages");
    expect((await s.t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
    const made = await push(s.t, "iris", { "iris.csv": IRIS, "README.md": "# Iris\n" }, { team: "vision", body: { message: "first cut", description: "Fisher's iris measurements" } });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body.version.number).toBe(1);
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it("lists the datasets one may read, with search", async () => {
    const { page } = s;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Data" }).click();
    await page.getByRole("heading", { name: "Data", level: 1 }).waitFor();
    await loaded(page, "datasets");
    const row = page.locator('[data-dataset="vision/iris"]');
    await poll(() => row.textContent()).toContain("irisFisher's iris measurementsvisionv12");
    expect(await row.textContent()).toContain("Its team");
    await expectAccessible(page, "/data");
    await expectStyled(page, "/data");
    await screenshot(page, "portal-data");

    await page.getByLabel("Search").fill("no-such-thing");
    await page.getByText("No datasets match.").waitFor();
    expect(new URL(page.url()).searchParams.get("q")).toBe("no-such-thing");
    await page.getByLabel("Search").fill("fisher");
    await row.waitFor();
  });

  it("opens a dataset: its files with download links, schema, preview rows and versions", async () => {
    const { page } = s;
    await page.locator('[data-dataset="vision/iris"]').getByRole("link", { name: "iris" }).click();
    await page.getByRole("heading", { name: "iris", level: 1 }).waitFor();
    await loaded(page, "dataset");
    expect(await page.getByTestId("version-summary").textContent()).toContain("2 files");
    const csvRow = page.getByTestId("files-table").locator('[data-file="iris.csv"]');
    expect(await csvRow.textContent()).toContain("csv · 3 rows");
    const [download] = await Promise.all([page.waitForEvent("download"), csvRow.getByRole("button", { name: "Download iris.csv" }).click()]);
    expect(download.suggestedFilename()).toBe("iris.csv");
    expect(readFileSync((await download.path())!, "utf8")).toBe(IRIS);
    await expectAccessible(page, "a dataset's files");

    await page.getByRole("tab", { name: "Schema" }).click();
    const columns = page.getByRole("table", { name: "Columns of iris.csv" });
    await poll(() => columns.textContent()).toContain("species");
    expect(await columns.textContent()).toMatch(/sepal_length\s*float/);
    await expectAccessible(page, "a dataset's schema");

    await columns.locator("xpath=ancestor::*[@data-schema]").getByRole("button", { name: "Preview iris.csv" }).click();
    const preview = page.getByTestId("preview-table");
    await poll(() => preview.locator("tbody tr").count()).toBe(3);
    expect(await preview.locator("tbody tr").first().textContent()).toBe("5.13.5setosa");
    expect(await page.getByTestId("preview-summary").textContent()).toContain("The first 3 of 3 rows");
    await expectAccessible(page, "a dataset's preview");
    await expectStyled(page, "a dataset's preview");
    await screenshot(page, "portal-dataset");

    await page.getByRole("tab", { name: "Versions" }).click();
    expect(await page.getByTestId("versions-table").locator('[data-version="1"]').textContent()).toContain("first cut");
  });

  it("gives the pull command and a pandas snippet whose link reads the table without a token", async () => {
    const { page } = s;
    await page.getByRole("tab", { name: "Use it" }).click();
    expect(await page.getByTestId("pull-command").textContent()).toBe("plinth data pull vision/iris@v1 ./iris");
    await page.getByRole("button", { name: "Make a pandas snippet" }).click();
    const snippet = (await page.getByTestId("pandas-snippet").textContent()) ?? "";
    expect(snippet).toContain("df = pd.read_csv(url)");
    const url = /url = "([^"]+)"/.exec(snippet)?.[1] ?? "";
    expect(url.startsWith(s.t.url)).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(IRIS);
    await expectAccessible(page, "a dataset's Use it tab");
  });

  it("lets a writer set expectations as YAML, shown in plain words", async () => {
    const { page } = s;
    await page.getByRole("tab", { name: "Expectations" }).click();
    await page.getByTestId("expectations-none").waitFor();
    await page.getByRole("button", { name: "Add expectations" }).click();
    await page.getByTestId("expectations-editor").fill('files: "*.csv"\ncolumns:\n  species: string\nnonNull: [species]\n');
    await page.getByRole("button", { name: "Save expectations" }).click();
    await poll(() => page.getByTestId("expectations-words").textContent()).toContain("every table matching *.csv has a column species of type string");
    expect((await s.t.api("GET", "/api/v1/datasets/iris?team=vision")).body.expectations).toMatchObject({ files: "*.csv", columns: { species: "string" }, nonNull: ["species"] });
    await expectAccessible(page, "a dataset's expectations");
  });

  it("uploads dropped files as a new version: refused with the broken rule, then made with the progress bar at 100%", async () => {
    const { page } = s;
    const give = (name: string, text: string) =>
      page
        .getByTestId("version-drop")
        .getByTestId("upload-files-input")
        .setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
    const bad = "sepal_length,sepal_width\n1,2\n";
    await give("bad.csv", bad);
    const dialog = page.getByRole("dialog", { name: "New version of vision/iris" });
    await dialog.waitFor();
    expect(await dialog.getByTestId("upload-picked").textContent()).toBe(`1 file, ${bad.length} B`);
    await dialog.getByTestId("upload-start").click();
    const problem = dialog.getByTestId("problem");
    await poll(() => problem.textContent()).toContain("species");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });

    await give("extra.csv", EXTRA);
    await dialog.waitFor();
    await dialog.getByLabel("What changed (optional)").fill("one more flower");
    await dialog.getByTestId("upload-start").click();
    await dialog.getByTestId("upload-done").waitFor();
    expect(await dialog.getByTestId("upload-done").textContent()).toContain("Created v2 of vision/iris");
    const bar = dialog.getByRole("progressbar", { name: "Upload progress" });
    expect(await bar.getAttribute("aria-valuenow")).toBe("100");
    expect(await dialog.getByTestId("upload-status").textContent()).toContain(`${EXTRA.length} B of ${EXTRA.length} B sent (1 of 1 file)`);
    await expectAccessible(page, "the upload dialog");
    await screenshot(page, "portal-data-upload");

    const v2 = (await s.t.api("GET", "/api/v1/datasets/iris/versions/v2?team=vision")).body;
    expect(v2.files.map((f: { path: string }) => f.path)).toEqual(["README.md", "extra.csv", "iris.csv"]);
    expect(v2).toMatchObject({ message: "one more flower", createdBy: "admin" });
    await dialog.getByRole("link", { name: "Open v2" }).click();
    await poll(() => page.getByTestId("version-summary").textContent()).toContain("3 files");
  });

  it("tags a version and moves the tag, with the version picker saying so", async () => {
    const { page } = s;
    await page.getByRole("button", { name: "Tags" }).click();
    const dialog = page.getByRole("dialog", { name: "Tags of v2" });
    await dialog.getByRole("textbox", { name: "Tag" }).fill("prod");
    await dialog.getByRole("button", { name: "Add tag" }).click();
    await poll(() => dialog.getByRole("button", { name: "Remove tag prod" }).count()).toBe(1);
    await dialog.getByRole("button", { name: "Close" }).click();
    await poll(() => page.getByTestId("version-select").locator("option:checked").textContent()).toBe("v2 · latest, prod");
    expect((await s.t.api("GET", "/api/v1/datasets/iris?team=vision")).body.aliases).toEqual({ latest: 2, prod: 2 });
  });

  it("makes a new dataset from files dropped on the list page", async () => {
    const { page } = s;
    await page.goto("/data");
    await loaded(page, "datasets");
    await page.evaluate(() => {
      const g = globalThis as any;
      const transfer = new g.DataTransfer();
      transfer.items.add(new g.File(["site,reading\nnorth,12\nsouth,9\n"], "Field Readings.csv", { type: "text/csv" }));
      const zone = g.document.querySelector('[data-testid="data-drop"]');
      zone.dispatchEvent(new g.DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new g.DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    const dialog = page.getByRole("dialog", { name: "New dataset" });
    await dialog.waitFor();
    expect(await dialog.getByLabel("Dataset name").inputValue()).toBe("field-readings");
    await dialog.getByLabel("Team").selectOption("vision");
    await dialog.getByTestId("upload-start").click();
    await dialog.getByTestId("upload-done").waitFor();
    expect(await dialog.getByRole("progressbar", { name: "Upload progress" }).getAttribute("aria-valuenow")).toBe("100");
    await dialog.getByRole("link", { name: "Open v1" }).click();
    await page.getByRole("heading", { name: "field-readings", level: 1 }).waitFor();
    expect((await s.t.api("GET", "/api/v1/datasets/field-readings?team=vision")).body).toMatchObject({ owner: "admin", latest: { number: 1, fileCount: 1 } });

    // Deleting it asks first, then goes back to the list.
    await page.getByRole("button", { name: "Delete dataset" }).click();
    await page.getByTestId("confirm-delete-dataset").click();
    await page.getByRole("heading", { name: "Data", level: 1 }).waitFor();
    expect((await s.t.api("GET", "/api/v1/datasets/field-readings?team=vision")).status).toBe(404);
  });

  it("sends a big file in parts, and after a cancelled upload sends only the parts the server lacks", async () => {
    const { page } = s;
    const size = 130 * 1024 * 1024; // parts of 64, 64 and 2 MiB
    const parts: Array<{ attempt: number; part: number }> = [];
    let attempt = 1;
    page.on("request", (r) => {
      const m = /\/api\/v1\/data\/uploads\/[^/]+\/parts\/(\d+)$/.exec(new URL(r.url()).pathname);
      if (m && r.method() === "PUT") parts.push({ attempt, part: Number(m[1]) });
    });
    // The first attempt goes slowly (about 2 s a part), so that it can be cancelled while its second part is on its way.
    const cdp = await s.context.newCDPSession(page);
    const throttle = (bytesPerSecond: number) =>
      cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
    await cdp.send("Network.enable");
    await page.goto("/data");
    await loaded(page, "datasets");
    await page.evaluate((bytes) => {
      const g = globalThis as any;
      const transfer = new g.DataTransfer();
      transfer.items.add(new g.File([new Uint8Array(bytes)], "big.bin"));
      const zone = g.document.querySelector('[data-testid="data-drop"]');
      zone.dispatchEvent(new g.DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, size);
    const dialog = page.getByRole("dialog", { name: "New dataset" });
    await dialog.getByLabel("Team").selectOption("vision");
    await throttle(32 * 1024 * 1024);
    const firstPart = page.waitForResponse((r) => r.url().endsWith("/parts/1") && r.status() === 200, { timeout: 60_000 });
    await dialog.getByTestId("upload-start").click();
    await firstPart;
    await dialog.getByRole("button", { name: "Cancel upload" }).click();
    await dialog.getByTestId("upload-start").waitFor();
    await throttle(-1);

    attempt = 2;
    await dialog.getByTestId("upload-start").click();
    await dialog.getByTestId("upload-done").waitFor({ timeout: 60_000 });
    expect(await dialog.getByRole("progressbar", { name: "Upload progress" }).getAttribute("aria-valuenow")).toBe("100");
    expect(parts).toEqual([
      { attempt: 1, part: 1 },
      { attempt: 1, part: 2 },
      { attempt: 2, part: 2 },
      { attempt: 2, part: 3 },
    ]);
    const v1 = (await s.t.api("GET", "/api/v1/datasets/big.bin/versions/v1?team=vision")).body;
    expect(v1.files).toEqual([{ path: "big.bin", sha256: createHash("sha256").update(Buffer.alloc(size)).digest("hex"), size, profile: null }]);
    await dialog.getByRole("form", { name: "Upload files" }).getByRole("button", { name: "Close" }).click();
    await cdp.detach();
  }, 180_000);

  it("draws lineage: the job that made a version, what it read, and the way back from the job's page", async () => {
    const { page, t } = s;
    const job = await t.api("POST", "/api/v1/jobs", {
      name: "train-model",
      team: "vision",
      script: 'mkdir -p out && wc -l < "$PLINTH_INPUT_TRAIN/iris.csv" > out/rows.txt',
      inputs: { train: "vision/iris@v1" },
      outputs: { model: "out/" },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    expect((await t.waitFor(job.body.id, undefined, 60_000)).state).toBe("succeeded");

    await page.goto("/data/vision/model?tab=lineage");
    await loaded(page, "dataset");
    const graph = page.getByTestId("lineage-graph");
    await graph.getByRole("link", { name: "iris@v1 vision · input train" }).waitFor();
    await expectAccessible(page, "a version's lineage");
    await screenshot(page, "portal-data-lineage");
    await graph.getByRole("link", { name: /^train-model job / }).click();
    await page.waitForURL(`**/jobs/${job.body.id}`);
    await loaded(page, "job");
    const table = page.getByTestId("job-data-table");
    expect(await table.textContent()).toContain("vision/iris@v1");
    await poll(() => table.textContent()).toContain("vision/model@v1");
    await expectAccessible(page, "a job's data");

    // And from the input's side: iris v1 was read by the job.
    await page.goto("/data/vision/iris?v=1&tab=lineage");
    await loaded(page, "dataset");
    await page.getByTestId("lineage-graph").getByRole("link", { name: "train-model read as input train" }).waitFor();
  });

  it("pages a version of 10,000 files by folder, and stays accessible in the dark theme", async () => {
    const { page, t } = s;
    const files: Record<string, string> = { "README.md": "shards\n" };
    for (let i = 1; i <= 10_000; i++) files[`shards/part-${String(i).padStart(5, "0")}.bin`] = "x";
    const made = await push(t, "many", files, { team: "vision" });
    expect(made.status, JSON.stringify(made.body).slice(0, 400)).toBe(200);

    await page.goto("/data/vision/many");
    await loaded(page, "dataset");
    const table = page.getByTestId("files-table");
    expect(await table.locator("tbody tr").count()).toBe(2);
    expect(await table.textContent()).toContain("10,000 files");
    await table.getByRole("button", { name: "Open folder shards" }).click();
    await poll(() => page.getByTestId("files-range").textContent()).toBe("1–100 of 10,000");
    expect(await table.locator("tbody tr").count()).toBe(100);
    await page.getByRole("button", { name: "Next files" }).click();
    await poll(() => page.getByTestId("files-range").textContent()).toBe("101–200 of 10,000");
    await page.getByLabel("Find files by path").fill("part-09999");
    await poll(() => table.locator("tbody tr").count()).toBe(1);

    await page.getByTestId("theme-toggle").click();
    await poll(() => scheme(s)).toBe("dark");
    await expectAccessible(page, "a big dataset (dark)");
    await page.goto("/data/vision/iris?v=1&tab=lineage");
    await loaded(page, "dataset");
    await expectAccessible(page, "lineage (dark)");
    await page.goto("/data");
    await loaded(page, "datasets");
    await expectAccessible(page, "/data (dark)");
    await page.getByTestId("theme-toggle").click();
    await poll(() => scheme(s)).toBe("light");
    expect(s.pageErrors).toEqual([]);
  });
});
