import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { followGuide, readGuide } from "../helpers/doc-commands.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Follows docs/tutorials/first-job.md command by command, with the real `plinth` CLI against a
// real server (SQLite, two fake GPUs, no sandbox), in a fresh working directory. The
// conventions the tutorial keeps for this are described in test/helpers/doc-commands.ts.

const db = testDatabases()[0]!;
const guide = readGuide("docs/tutorials/first-job.md");

describe(`tutorial ${guide.name}`, () => {
  let t: TestPlatform;
  let work: string;

  beforeAll(async () => {
    t = await startTestPlatform(db, "tutorial", { fakeGpus: 2, sandbox: "none" });
    work = mkdtempSync(join(tmpdir(), "plinth-tutorial-"));
  });
  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("has commands to follow", () => {
    const commands = guide.steps.filter((s) => s.kind === "command").map((s) => s.text);
    for (const needed of ["plinth run -- echo hello", "--gpus 1", "plinth jobs logs -f", "plinth jobs show", "plinth jobs cancel", "plinth jobs ls"]) {
      expect(
        commands.some((c) => c.includes(needed)),
        `the tutorial has no command with '${needed}'`,
      ).toBe(true);
    }
  });

  followGuide(guide, { context: () => ({ url: t.url, cwd: work }) });
});
