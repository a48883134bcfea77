import { randomBytes } from "node:crypto";

// Sortable, URL-safe ids: a millisecond timestamp then randomness (ULID's layout, Crockford
// base32), so ids sort by creation time and index well in both databases.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newId(prefix: string, now = Date.now()): string {
  const time = encodeTime(now);
  const bytes = randomBytes(10);
  let rand = "";
  for (let i = 0; i < 16; i++) {
    // 16 chars × 5 bits = 80 bits = 10 bytes
    const bit = i * 5;
    const byte = bit >> 3;
    const shift = bit & 7;
    const v = ((bytes[byte]! << 8) | (bytes[byte + 1] ?? 0)) >> (11 - shift);
    rand += ALPHABET[v & 31];
  }
  return `${prefix}_${time}${rand}`;
}

/**
 * The lowest id `newId(prefix, ms)` can make: every id made at `ms` or later sorts at or after
 * it, every earlier one before it. Turns a time range into an id range.
 */
export function firstIdAt(prefix: string, ms: number): string {
  return `${prefix}_${encodeTime(Math.max(0, Math.floor(ms)))}`;
}

function encodeTime(ms: number): string {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/**
 * Makes ids like `newId`, each sorting after the one before it even within one millisecond
 * (or when the clock steps back), so ids from one generator keep the order they were made in.
 */
export function orderedIds(prefix: string): (now?: number) => string {
  let last = "";
  return (now = Date.now()) => {
    let id = newId(prefix, now);
    if (id <= last) id = successor(last);
    last = id;
    return id;
  };
}

/** The next id after this one: its last base32 digit up by one, carrying. */
function successor(id: string): string {
  const chars = id.split("");
  for (let i = chars.length - 1; i > prefixEnd(id); i--) {
    const v = ALPHABET.indexOf(chars[i]!);
    if (v < 31) {
      chars[i] = ALPHABET[v + 1]!;
      return chars.join("");
    }
    chars[i] = ALPHABET[0]!;
  }
  return `${id}0`;
}

const prefixEnd = (id: string) => id.indexOf("_");
