import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { referenceDocs } from "../../scripts/gen-reference.ts";

// The reference docs are generated from the code (scripts/gen-reference.ts). This regenerates
// them in memory and compares them with the committed files, so a change to the job spec, the
// configuration schema, the CLI or the lifecycle cannot leave the docs behind.

const ROOT = join(import.meta.dirname, "../..");

describe("docs/reference", async () => {
  const docs = await referenceDocs();

  it("covers the job spec, configuration, CLI, job lifecycle, workspace spec and workspace lifecycle", () => {
    expect([...docs.keys()].sort()).toEqual(["docs/reference/cli.md", "docs/reference/configuration.md", "docs/reference/job-lifecycle.md", "docs/reference/job-spec.md", "docs/reference/workspace-lifecycle.md", "docs/reference/workspace-spec.md"]);
  });

  for (const [file, expected] of docs) {
    it(`${file} is up to date`, () => {
      let committed: string;
      try {
        committed = readFileSync(join(ROOT, file), "utf8");
      } catch {
        throw new Error(`${file} is missing: run npm run docs:reference`);
      }
      if (committed !== expected) {
        const a = committed.split("\n");
        const b = expected.split("\n");
        let i = 0;
        while (i < a.length && i < b.length && a[i] === b[i]) i++;
        throw new Error(`${file} is stale: run npm run docs:reference\nfirst difference at line ${i + 1}:\n  committed: ${a[i] ?? "(end of file)"}\n  generated: ${b[i] ?? "(end of file)"}`);
      }
    });
  }
});
