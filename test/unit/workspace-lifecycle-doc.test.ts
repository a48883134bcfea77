import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WORKSPACE_TRANSITIONS } from "../../src/workspaces/lifecycle.ts";
import { STOP_REASONS, WORKSPACE_STATES } from "../../src/workspaces/spec.ts";
import { diagramArrows } from "../helpers/lifecycle-diagram.ts";

// The drawing of the workspace lifecycle in docs/reference/workspace-lifecycle.md must show
// exactly the transitions the server allows: every arrow in WORKSPACE_TRANSITIONS, and no other;
// and its tables must name every state and every stop reason.

const DOC = join(import.meta.dirname, "../../docs/reference/workspace-lifecycle.md");

/** The first column of the table under a `## heading`, without backticks. */
function firstColumn(markdown: string, heading: string): string[] {
  const section = markdown.split(`\n## ${heading}\n`)[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => /^\| `([^`]+)`/.exec(l)![1]!);
}

describe("workspace lifecycle diagram", () => {
  const markdown = readFileSync(DOC, "utf8");
  const arrows = diagramArrows(markdown, DOC);
  const key = ([a, b]: [string, string]) => `${a} --> ${b}`;

  it("draws exactly the transitions in WORKSPACE_TRANSITIONS", () => {
    const drawn = arrows.filter(([a, b]) => a !== "[*]" && b !== "[*]").map(key).sort();
    const table = WORKSPACE_STATES.flatMap((from) => WORKSPACE_TRANSITIONS[from].map((to) => `${from} --> ${to}`)).sort();
    expect(drawn).toEqual(table);
  });

  it("starts every workspace in requested, and has no final state: stopped and failed ones start again", () => {
    expect(arrows.filter(([a]) => a === "[*]").map(key)).toEqual(["[*] --> requested"]);
    expect(arrows.filter(([, b]) => b === "[*]")).toEqual([]);
    for (const s of WORKSPACE_STATES) expect(WORKSPACE_TRANSITIONS[s].length).toBeGreaterThan(0);
  });

  it("describes every state and every stop reason", () => {
    expect(firstColumn(markdown, "States")).toEqual([...WORKSPACE_STATES]);
    expect(firstColumn(markdown, "Stop reasons")).toEqual([...STOP_REASONS]);
  });
});
