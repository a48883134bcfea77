import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GuideLibrary } from "../../src/portal/guides.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// The guides: docs/ rendered for the portal, with navigation by section and full-text search.

describe("guide library", () => {
  let dir: string;
  let lib: GuideLibrary;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plinth-guides-"));
    for (const s of ["tutorials", "how-to", "reference", "explanation", "images"]) mkdirSync(join(dir, s));
    writeFileSync(
      join(dir, "tutorials", "first-job.md"),
      "# Your first job\n\nRun **one** command on a GPU.\n\n## Install\n\n```bash\nplinth login http://gpu-box:8420\n```\n\nSee [the reference](../reference/cli.md#run) and ![shot](../images/shot.png).\n\n## Install\n\nAgain.\n",
    );
    writeFileSync(join(dir, "reference", "cli.md"), "# CLI reference\n\nEvery `plinth` command.\n\n## run\n\nSubmits a job with GPUs.\n");
    writeFileSync(join(dir, "explanation", "states.md"), "# Job states\n\nWhy jobs wait.\n\n```mermaid\nstateDiagram-v2\n  queued --> running\n```\n");
    writeFileSync(join(dir, "how-to", "gpus.md"), "# Pick a GPU\n\nAsk for a GPU model such as RTX 3090. GPU GPU GPU.\n");
    writeFileSync(join(dir, "images", "shot.png"), "png");
    writeFileSync(join(tmpdir(), "plinth-secret.png"), "secret");
    symlinkSync(join(tmpdir(), "plinth-secret.png"), join(dir, "images", "escape.png"));
    lib = new GuideLibrary(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists guides by section in the order tutorials, how-to, reference, explanation", () => {
    expect(lib.list().map((g) => [g.section, g.id, g.title])).toEqual([
      ["tutorials", "tutorials/first-job", "Your first job"],
      ["how-to", "how-to/gpus", "Pick a GPU"],
      ["reference", "reference/cli", "CLI reference"],
      ["explanation", "explanation/states", "Job states"],
    ]);
    expect(lib.list()[0]!.summary).toBe("Run one command on a GPU.");
  });

  it("renders headings with unique ids, code blocks, links to portal pages and images to the asset route", () => {
    const g = lib.get("tutorials/first-job");
    expect(g.headings.map((h) => h.id)).toEqual(["your-first-job", "install", "install-1"]);
    expect(g.html).toContain('<pre><code class="language-bash">plinth login http://gpu-box:8420</code></pre>');
    expect(g.html).toContain('href="/guides/reference/cli#run"');
    expect(g.html).toContain('src="/api/v1/guide-assets/images/shot.png"');
    expect(lib.get("explanation/states").html).toContain('<pre class="mermaid">stateDiagram-v2\n  queued --&gt; running</pre>');
  });

  it("searches titles and text, best match first, every word required", () => {
    expect(lib.search("gpu").map((h) => h.id)).toEqual(["how-to/gpus", "tutorials/first-job", "reference/cli"]);
    expect(lib.search("gpu submits").map((h) => h.id)).toEqual(["reference/cli"]);
    expect(lib.search("nothing-like-this")).toEqual([]);
    expect(lib.search("   ")).toEqual([]);
    expect(lib.search("wait")[0]!.snippet).toContain("Why jobs wait");
  });

  it("picks up edited files", async () => {
    writeFileSync(join(dir, "how-to", "new.md"), "# Brand new\n\nFresh words.\n");
    await new Promise((r) => setTimeout(r, 2_100));
    expect(lib.get("how-to/new").title).toBe("Brand new");
  });

  it("serves only images inside docs/", () => {
    expect(lib.assetPath("images/shot.png")?.type).toBe("image/png");
    expect(lib.assetPath("../../etc/passwd")).toBeNull();
    expect(lib.assetPath("tutorials/first-job.md")).toBeNull();
    expect(lib.assetPath("images/escape.png")).toBeNull();
    expect(lib.assetPath("images/missing.png")).toBeNull();
  });
});

for (const db of testDatabases().slice(0, 1)) {
  describe("guides API", () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "portal_guides");
    });
    afterAll(async () => {
      await t?.close();
    });

    it("lists, renders and searches the repository's own docs", async () => {
      const list = await t.api("GET", "/api/v1/guides");
      expect(list.status).toBe(200);
      expect(list.body.items).toContainEqual(expect.objectContaining({ id: "how-to/use-the-portal", section: "how-to", title: "Use the portal" }));
      const one = await t.api("GET", `/api/v1/guides/${encodeURIComponent("how-to/use-the-portal")}`);
      expect(one.status).toBe(200);
      expect(one.body.html).toContain("<h1 id=\"use-the-portal\">");
      const found = await t.api("GET", "/api/v1/guides/search?q=portal%20token");
      expect(found.body.items[0].id).toBe("how-to/use-the-portal");
    });

    it("answers an unknown guide with a problem and a hint", async () => {
      const r = await t.api("GET", `/api/v1/guides/${encodeURIComponent("how-to/../../package.json")}`);
      expect(r.status).toBe(404);
      expect(r.body.title).toBe("Guide not found");
      expect(r.body.hint).toBeTruthy();
      const asset = await t.api("GET", "/api/v1/guide-assets/../package.json");
      expect(asset.status).toBe(404);
    });

    it("needs a query to search", async () => {
      const r = await t.api("GET", "/api/v1/guides/search");
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe("query.q");
    });
  });
}
