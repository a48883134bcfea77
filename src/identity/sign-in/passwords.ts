import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { problems } from "../../core/errors.ts";

// Passwords are stored as scrypt hashes with their parameters, so the cost can be raised later
// without breaking the hashes already stored: `scrypt$N$r$p$salt$hash` (salt and hash base64).

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

function derive(password: string, salt: Buffer, n: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes; Node's default ceiling is that exactly, too tight for N=2^15.
    scrypt(password.normalize("NFC"), salt, length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, N, R, P, KEY_LENGTH);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/**
 * Checked when there is no real hash, so that timing says nothing: the same parameters as a
 * real one, and a key no password derives to.
 */
const DECOY = `scrypt$${N}$${R}$${P}$${Buffer.alloc(SALT_LENGTH).toString("base64")}$${Buffer.alloc(KEY_LENGTH).toString("base64")}`;

/**
 * Whether the password matches the stored hash, compared in constant time. Without a hash
 * (no such person, or one who signs in another way) the same work is done against a decoy,
 * so the answer takes as long either way.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored ? parseHash(stored) : null;
  if (!parsed) {
    const fake = parseHash(DECOY)!;
    timingSafeEqual(await derive(password, fake.salt, fake.n, fake.r, fake.p, fake.key.length), fake.key);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.n, parsed.r, parsed.p, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

function parseHash(stored: string): { n: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return null;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a damaged row from asking for gigabytes of memory.
  if (n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  const key = Buffer.from(m[5]!, "base64");
  if (key.length < 16) return null;
  return { n, r, p, salt: Buffer.from(m[4]!, "base64"), key };
}

/** Refuses a password too short, too long, or that is the person's name dressed up. */
export function checkNewPassword(password: string, userName: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw problems.unprocessable(
      "Password too short",
      `A password needs at least ${MIN_PASSWORD_LENGTH} characters; this one has ${password.length}.`,
      "Use a few unrelated words, or let a password manager make one.",
      [{ path: "password", message: `at least ${MIN_PASSWORD_LENGTH} characters` }],
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw problems.unprocessable("Password too long", `A password may have at most ${MAX_PASSWORD_LENGTH} characters.`, "Use a shorter one.", [
      { path: "password", message: `at most ${MAX_PASSWORD_LENGTH} characters` },
    ]);
  }
  const letters = (s: string) => s.toLowerCase().replace(/[^\p{L}]/gu, "");
  if (letters(password) === letters(userName)) {
    throw problems.unprocessable(
      "Password is your user name",
      "A password may not be the user name, even with digits or symbols added.",
      "Choose something a colleague who knows your name cannot guess.",
      [{ path: "password", message: "may not be the user name" }],
    );
  }
}
