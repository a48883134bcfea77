import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffPackages } from "../../src/environments/diff.ts";

describe("diffPackages", () => {
  it("names the packages added, removed and at another version, by normalised name", () => {
    expect(diffPackages(["six==1.16.0", "Typing_Extensions==4.0.0", "attrs==23.1.0"], ["six==1.17.0", "typing-extensions==4.0.0", "idna==3.10"])).toEqual({
      added: ["idna==3.10"],
      removed: ["attrs==23.1.0"],
      changed: [{ name: "six", from: "1.16.0", to: "1.17.0" }],
    });
  });

  it("finds nothing between a list and itself, and swaps added and removed when turned around", () => {
    const pinned = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), fc.stringMatching(/^[0-9]{1,2}\.[0-9]{1,2}$/)), { selector: ([name]) => name, maxLength: 12 });
    fc.assert(
      fc.property(pinned, pinned, (x, y) => {
        const a = x.map(([n, v]) => `${n}==${v}`);
        const b = y.map(([n, v]) => `${n}==${v}`);
        expect(diffPackages(a, a)).toEqual({ added: [], removed: [], changed: [] });
        const there = diffPackages(a, b);
        const back = diffPackages(b, a);
        expect(back.added).toEqual(there.removed);
        expect(back.removed).toEqual(there.added);
        expect(back.changed).toEqual(there.changed.map((c) => ({ name: c.name, from: c.to, to: c.from })));
      }),
    );
  });
});
