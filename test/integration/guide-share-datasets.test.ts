import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { followGuide, readGuide } from "../helpers/doc-commands.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";

// Follows docs/how-to/share-datasets.md command by command (the conventions a guide keeps for
// this are in test/helpers/doc-commands.ts), with the real CLI against a real server (SQLite:
// the guide is about the CLI; the API's tests run on both databases), as the Keeper the test
// server starts with, in a fresh folder. The test makes the
// guide's `iris` folder (its files come from the guide) and checks through the API and the
// pulled files that the commands did what the guide says.

const guide = readGuide("docs/how-to/share-datasets.md");

const db = testDatabases()[0]!;

describe(`${guide.name} (${db.name})`, () => {
    let t: TestPlatform;
    let work: string;

    beforeAll(async () => {
      t = await startTestPlatform(db, "guide_datasets", { sandbox: "none" });
      work = mkdtempSync(join(tmpdir(), "plinth-datasets-guide-"));
      mkdirSync(join(work, "iris"));
    });
    afterAll(async () => {
      await t?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it("has the commands a person needs", () => {
      const commands = guide.steps.filter((s) => s.kind === "command").map((s) => s.text);
      for (const needed of ["plinth data push", "plinth data show", "plinth data preview", "plinth data diff", "plinth data tag", "plinth data pull", "plinth data url", "plinth data rm"]) {
        expect(
          commands.some((c) => c.startsWith(needed)),
          `the guide has no '${needed}'`,
        ).toBe(true);
      }
    });

    followGuide(guide, { context: () => ({ url: t.url, cwd: work }) });

    it("left what the guide says it leaves", async () => {
      const iris = (await t.api("GET", "/api/v1/datasets/iris", undefined, TOKEN)).body;
      expect(iris.versions.map((v: { number: number }) => v.number)).toEqual([2]);
      expect(iris.aliases).toEqual({ latest: 2 });
      expect(readFileSync(join(work, "flowers", "iris.csv"), "utf8")).toBe("sepal_length,sepal_width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n6.3,3.3,virginica\n");
    });
  });
