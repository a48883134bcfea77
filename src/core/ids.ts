import { randomBytes } from "node:crypto";

// Sortable, URL-safe ids: a millisecond timestamp then randomness (ULID's layout, Crockford
// base32), so ids sort by creation time and index well in both databases.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newId(prefix: string, now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
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
