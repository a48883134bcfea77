import { randomInt } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAlphabet, entropyBits, LETTERS_AND_DIGITS, PASSWORD_DEFAULTS, randomText, SYMBOLS, webRandomInt } from "../../src/identity/generators/random-text.ts";

// Tokens and passwords: every character from the alphabet asked for, each drawn with one
// uniform choice over the whole alphabet, and unusable alphabets or lengths refused.

describe("random tokens and passwords", () => {
  it("draws each character with one uniform choice over the whole alphabet", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...Array.from(LETTERS_AND_DIGITS + SYMBOLS)), minLength: 2, maxLength: 40 }), fc.integer({ min: 8, max: 200 }), (alphabet, length) => {
        const distinct = checkAlphabet(alphabet);
        fc.pre("alphabet" in distinct);
        const asked: number[] = [];
        const text = randomText(length, alphabet, (max) => {
          asked.push(max);
          return randomInt(max);
        });
        expect(Array.from(text)).toHaveLength(length);
        for (const c of text) expect(alphabet).toContain(c);
        expect(asked).toEqual(Array.from({ length }, () => (distinct as { alphabet: string }).alphabet.length));
      }),
    );
  });

  it("reaches every character of the alphabet, first and last included", () => {
    const seen = new Set(randomText(1000, "abc", webRandomInt));
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
    const all = new Set(randomText(1024, PASSWORD_DEFAULTS.alphabet));
    expect(all.has("A") && all.has("~")).toBe(true);
  });

  it("webRandomInt stays within [0, max), also for sizes that do not divide 2^32", () => {
    for (const max of [1, 3, 62, 89, 1000, 2 ** 31 + 1]) {
      for (let i = 0; i < 200; i++) {
        const n = webRandomInt(max);
        expect(Number.isInteger(n) && n >= 0 && n < max).toBe(true);
      }
    }
    expect(() => webRandomInt(0)).toThrow(RangeError);
  });

  it("refuses alphabets with fewer than two characters, spaces or accents, and lengths out of range", () => {
    expect(checkAlphabet("aaaa")).toEqual({ error: expect.stringMatching(/two different/) });
    expect(checkAlphabet("ab c")).toEqual({ error: expect.stringMatching(/printable ASCII/) });
    expect(checkAlphabet("abé")).toEqual({ error: expect.stringMatching(/printable ASCII/) });
    expect(checkAlphabet("abcabc")).toEqual({ alphabet: "abc" });
    expect(() => randomText(7, "ab")).toThrow(/from 8 to 1024/);
    expect(() => randomText(1025, "ab")).toThrow(/from 8 to 1024/);
    expect(() => randomText(8.5, "ab")).toThrow(/whole number/);
  });

  it("counts entropy over the distinct characters", () => {
    expect(entropyBits(40, LETTERS_AND_DIGITS)).toBe(238);
    expect(entropyBits(16, "0123456789abcdefabcdef")).toBe(64);
  });
});
