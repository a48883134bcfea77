// Random tokens and passwords, for the `plinth gen` command and the portal alike: plain
// TypeScript with no imports, so the browser bundle and Node share one file. Each character
// is drawn uniformly (no modulo bias) from a cryptographic source.

export const LETTERS_AND_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Symbols that keep their meaning inside single quotes in a shell or YAML: no quotes, backslash, backtick or space. */
export const SYMBOLS = "!#%&()*+,-./:;<=>?@[]^_{|}~";

export const TOKEN_DEFAULTS = { length: 40, alphabet: LETTERS_AND_DIGITS };
export const PASSWORD_DEFAULTS = { length: 20, alphabet: LETTERS_AND_DIGITS + SYMBOLS };
export const MIN_LENGTH = 8;
export const MAX_LENGTH = 1024;

/** A uniform whole number in [0, max). */
export type RandomInt = (max: number) => number;

/** Uniform in [0, max) from crypto.getRandomValues, by rejection: values past the last whole multiple of max are drawn again. */
export const webRandomInt: RandomInt = (max) => {
  if (!Number.isInteger(max) || max < 1 || max > 2 ** 32) throw new RangeError(`max must be a whole number from 1 to 2^32, not ${max}`);
  const limit = 2 ** 32 - (2 ** 32 % max);
  const word = new Uint32Array(1);
  while (true) {
    crypto.getRandomValues(word);
    if (word[0]! < limit) return word[0]! % max;
  }
};

/** The alphabet's distinct characters in their first order; an error message when it is not usable. */
export function checkAlphabet(alphabet: string): { alphabet: string } | { error: string } {
  const chars = [...new Set(Array.from(alphabet))];
  if (chars.some((c) => !/^[\x21-\x7e]$/.test(c))) return { error: "Use printable ASCII characters only (no spaces or letters with accents), so the result can be typed anywhere." };
  if (chars.length < 2) return { error: "The alphabet needs at least two different characters." };
  return { alphabet: chars.join("") };
}

export function checkLength(length: number): string | null {
  if (!Number.isInteger(length) || length < MIN_LENGTH || length > MAX_LENGTH) return `The length must be a whole number from ${MIN_LENGTH} to ${MAX_LENGTH}.`;
  return null;
}

/** `length` characters, each drawn uniformly from `alphabet` (checked with checkAlphabet first). */
export function randomText(length: number, alphabet: string, randomInt: RandomInt = webRandomInt): string {
  const lengthError = checkLength(length);
  if (lengthError) throw new RangeError(lengthError);
  const checked = checkAlphabet(alphabet);
  if ("error" in checked) throw new RangeError(checked.error);
  const chars = Array.from(checked.alphabet);
  let out = "";
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
}

/** How many bits of entropy a text of this length over this alphabet carries. */
export function entropyBits(length: number, alphabet: string): number {
  return Math.floor(length * Math.log2(new Set(Array.from(alphabet)).size));
}
