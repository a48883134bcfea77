import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { byteRange, logSize, startOfLastLines } from "../../src/jobs/log-window.ts";

describe("byteRange", () => {
  it("answers the forms curl sends", () => {
    expect(byteRange("bytes=-100", 1000)).toEqual({ kind: "partial", start: 900, end: 999 });
    expect(byteRange("bytes=990-", 1000)).toEqual({ kind: "partial", start: 990, end: 999 });
    expect(byteRange("bytes=0-9", 1000)).toEqual({ kind: "partial", start: 0, end: 9 });
  });

  it("clips to the log: a suffix longer than it is all of it, an end past it stops at the last byte", () => {
    expect(byteRange("bytes=-5000", 1000)).toEqual({ kind: "partial", start: 0, end: 999 });
    expect(byteRange("bytes=500-99999999999999999999", 1000)).toEqual({ kind: "partial", start: 500, end: 999 });
  });

  it("is unsatisfiable when it starts at or past the end, or asks for no bytes at the end", () => {
    expect(byteRange("bytes=1000-", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=2000-3000", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=-0", 1000)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("ignores what it does not understand and sends the whole log", () => {
    for (const header of ["items=0-9", "bytes=0-9,20-29", "bytes=9-0", "bytes=-", "bytes=a-b", ""]) {
      expect(byteRange(header, 1000), header).toEqual({ kind: "whole" });
    }
    // An empty log has no last bytes to describe with Content-Range.
    expect(byteRange("bytes=-10", 0)).toEqual({ kind: "whole" });
  });

  it("a partial answer always lies inside the log (property)", () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.option(fc.nat(20_000)), fc.option(fc.nat(20_000)), (size, first, last) => {
        const header = `bytes=${first ?? ""}-${last ?? ""}`;
        const answer = byteRange(header, size);
        if (answer.kind !== "partial") return;
        expect(answer.start).toBeGreaterThanOrEqual(0);
        expect(answer.end).toBeLessThan(size);
        expect(answer.start).toBeLessThanOrEqual(answer.end);
        if (first === null) expect(answer.end - answer.start + 1).toBe(Math.min(last!, size));
        else expect(answer.start).toBe(first);
      }),
    );
  });
});

describe("startOfLastLines", () => {
  const dir = mkdtempSync(join(tmpdir(), "plinth-log-window-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const lastLinesOf = async (path: string, text: string, n: number) => Buffer.from(text).subarray(await startOfLastLines(path, n)).toString();

  it("starts where tail -n would", async () => {
    const text = "one\ntwo\nthree\n";
    const path = file("small.log", text);
    expect(await lastLinesOf(path, text, 1)).toBe("three\n");
    expect(await lastLinesOf(path, text, 2)).toBe("two\nthree\n");
    expect(await lastLinesOf(path, text, 10)).toBe(text);
    expect(await lastLinesOf(path, text, 0)).toBe("");
  });

  it("counts an unfinished last line as a line", async () => {
    const text = "one\ntwo\npartial";
    expect(await lastLinesOf(file("partial.log", text), text, 2)).toBe("two\npartial");
  });

  it("finds lines across read blocks", async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    const text = `${lines.join("\n")}\n`;
    const path = file("blocks.log", text);
    expect(await lastLinesOf(path, text, 12_345)).toBe(`${lines.slice(-12_345).join("\n")}\n`);
  });

  it("starts at 0 for a log not written yet", async () => {
    expect(await startOfLastLines(join(dir, "missing.log"), 5)).toBe(0);
    expect(await logSize(join(dir, "missing.log"))).toBe(0);
  });

  it("agrees with splitting the text into lines (property)", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom("a", "bc", "\n", "\n\n", "é"), { maxLength: 40 }), fc.nat(12), async (parts, count) => {
        const text = parts.join("");
        const path = file(`prop-${n++}.log`, text);
        const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
        const expected = text === "" || count === 0 ? "" : lines.slice(-count).join("\n") + (text.endsWith("\n") ? "\n" : "");
        expect(await lastLinesOf(path, text, count)).toBe(expected);
      }),
    );
  });
});
