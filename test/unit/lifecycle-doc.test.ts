import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JOB_TRANSITIONS } from "../../src/jobs/lifecycle.ts";
import { JOB_STATES, TERMINAL_STATES } from "../../src/jobs/spec.ts";
import { diagramArrows } from "../helpers/lifecycle-diagram.ts";

// The drawing of the job lifecycle in docs/reference/job-lifecycle.md must show exactly the
// transitions the server allows: every arrow in JOB_TRANSITIONS, and no other.

const DOC = join(import.meta.dirname, "../../docs/reference/job-lifecycle.md");

describe("job lifecycle diagram", () => {
  const arrows = diagramArrows(readFileSync(DOC, "utf8"), DOC);
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
