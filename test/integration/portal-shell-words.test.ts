import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { joinCommand, shellQuote, splitCommand } from "../../web/src/lib/shell.ts";

// The portal turns the command people type into argv, and argv back into the command line
// it shows beside `plinth run`: the two must agree for every possible argument.

describe("portal shell words", () => {
  it("splits what it joins, for any arguments", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }).map((s) => s.replace(/\0/g, "")), { minLength: 1, maxLength: 8 }), (argv) => {
        expect(splitCommand(joinCommand(argv))).toEqual(argv);
      }),
      { numRuns: 2000 },
    );
  });

  it("splits command lines as a shell does", () => {
    expect(splitCommand(`python3 -c "print('hi')"`)).toEqual(["python3", "-c", "print('hi')"]);
    expect(splitCommand(`  echo  'a b'  c\\ d "e\\"f" ''  `)).toEqual(["echo", "a b", "c d", 'e"f', ""]);
    expect(splitCommand(`sh -c "echo $HOME"`)).toEqual(["sh", "-c", "echo $HOME"]);
    expect(splitCommand("")).toEqual([]);
  });

  it("quotes only what needs it, readably", () => {
    expect(shellQuote("train.py")).toBe("train.py");
    expect(shellQuote("--epochs=10")).toBe("--epochs=10");
    expect(shellQuote("*3090*")).toBe("'*3090*'");
    expect(shellQuote("print('hi')")).toBe(`"print('hi')"`);
    expect(shellQuote("it's $5")).toBe(`'it'\\''s $5'`);
    expect(shellQuote("")).toBe("''");
  });
});
