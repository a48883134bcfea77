import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editDistance, isCloseSpelling } from "../../src/core/spelling.ts";

describe("spelling", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("gpu", "gpus")).toBe(1);
    expect(editDistance("timout", "timeout")).toBe(1);
    expect(editDistance("memroy", "memory")).toBe(2);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("is a distance: zero only for equal words, symmetric, and never more than the longer word", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  it("takes small slips for misspellings, not other words", () => {
    expect(isCloseSpelling("gpu", "gpus")).toBe(true);
    expect(isCloseSpelling("Timout", "timeout")).toBe(true);
    expect(isCloseSpelling("memroy", "memory")).toBe(true);
    expect(isCloseSpelling("cpus", "labels")).toBe(false);
    expect(isCloseSpelling("env", "gpu")).toBe(false);
  });
});
