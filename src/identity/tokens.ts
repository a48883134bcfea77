import { createHash, randomBytes } from "node:crypto";

// API tokens: 32 random bytes, shown once, stored only as a sha256 digest. The digest of a
// 256-bit random secret cannot be reversed or guessed, so a fast hash is the right tool here
// (passwords, which are guessable, get scrypt).
export const TOKEN_PREFIX = "plt_";

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function looksLikeToken(token: string): boolean {
  return token.length >= 16 && token.length <= 256 && /^[A-Za-z0-9_\-.~+/=]+$/.test(token);
}
