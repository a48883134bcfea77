import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JOB_TRANSITIONS } from "../../src/jobs/lifecycle.ts";
import { JOB_STATES, TERMINAL_STATES } from "../../src/jobs/spec.ts";

// The drawing of the job lifecycle in docs/reference/job-lifecycle.md must show exactly the
// transitions the server allows: every arrow in JOB_TRANSITIONS, and no other.

const DOC = join(import.meta.dirname, "../../docs/reference/job-lifecycle.md");

function diagramArrows(markdown: string): Array<[string, string]> {
  const block = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error(`${DOC} has no mermaid block: run npm run docs:reference`);
  const lines = block[1]!.split("\n").map((l) => l.trim());
  expect(lines[0]).toBe("stateDiagram-v2");
  const arrows: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    if (line === "" || line.startsWith("%%")) continue;
    const m = /^(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)(?:\s*:.*)?$/.exec(line);
    if (!m) throw new Error(`unexpected line in the lifecycle diagram: ${line}`);
    arrows.push([m[1]!, m[2]!]);
  }
  return arrows;
}

describe("job lifecycle diagram", () => {
  const arrows = diagramArrows(readFileSync(DOC, "utf8"));
  const key = ([a, b]: [string, string]) => `${a} --> ${b}`;

  it("draws exactly the transitions in JOB_TRANSITIONS", () => {
    const drawn = arrows.filter(([a, b]) => a !== "[*]" && b !== "[*]").map(key).sort();
    const table = JOB_STATES.flatMap((from) => JOB_TRANSITIONS[from].map((to) => `${from} --> ${to}`)).sort();
    expect(drawn).toEqual(table);
  });

  it("starts every job in queued and ends it in a terminal state", () => {
    expect(arrows.filter(([a]) => a === "[*]").map(key)).toEqual(["[*] --> queued"]);
    const ends = arrows.filter(([, b]) => b === "[*]").map(([a]) => a).sort();
    expect(ends).toEqual([...TERMINAL_STATES].sort());
    for (const s of TERMINAL_STATES) expect(JOB_TRANSITIONS[s]).toEqual([]);
  });
});
