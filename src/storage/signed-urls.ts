import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Plinth's own presigned links, for the local folder store (S3 signs its own). A link carries
// its fields, an expiry and an HMAC-SHA256 over both; the key is 32 random bytes kept in
// `<dataDir>/presign.key` (mode 0600), made on first start. Deleting that file and restarting
// invalidates every link handed out. Verification checks the signature in constant time
// before it looks at anything else.

const EXPIRES = "expires";
const SIGNATURE = "signature";
const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

export type VerifyResult = { ok: true; fields: Record<string, string>; expiresAt: number } | { ok: false; reason: "expired" | "bad-signature" };

export class UrlSigner {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error("a signing key needs at least 32 bytes");
    this.#key = key;
  }

  /** Reads `<dataDir>/presign.key`, making it (32 random bytes, 0600) when absent. */
  static forDataDir(dataDir: string): UrlSigner {
    const path = join(dataDir, "presign.key");
    try {
      writeFileSync(path, randomBytes(32), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    return new UrlSigner(readFileSync(path));
  }

  /** A query string carrying `fields`, the expiry (ms since the epoch) and the signature. */
  sign(fields: Record<string, string>, expiresAt: number): string {
    for (const name of Object.keys(fields)) {
      if (!FIELD_NAME.test(name) || name === EXPIRES || name === SIGNATURE) throw new Error(`'${name}' cannot be a signed field`);
    }
    const expires = String(Math.floor(expiresAt / 1000));
    const params = new URLSearchParams({ ...fields, [EXPIRES]: expires });
    params.set(SIGNATURE, this.#mac({ ...fields, [EXPIRES]: expires }));
    return params.toString();
  }

  /**
   * The signed fields when `query` carries a valid signature and has not expired at `now`
   * (ms). A link whose fields were changed, added to or removed answers bad-signature.
   */
  verify(query: string | URLSearchParams | Record<string, unknown>, now: number): VerifyResult {
    const entries = toEntries(query);
    const fields: Record<string, string> = {};
    let given: string | undefined;
    for (const [name, value] of entries) {
      if (name === SIGNATURE) {
        if (given !== undefined) return bad();
        given = value;
      } else {
        if (Object.hasOwn(fields, name)) return bad(); // a repeated field could be read two ways
        fields[name] = value;
      }
    }
    if (given === undefined || fields[EXPIRES] === undefined || !/^\d{1,12}$/.test(fields[EXPIRES])) return bad();
    const expected = Buffer.from(this.#mac(fields));
    const actual = Buffer.from(given);
    // Same length first (timingSafeEqual demands it); the length of a MAC is no secret.
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return bad();
    const expiresAt = Number(fields[EXPIRES]) * 1000;
    if (now >= expiresAt) return { ok: false, reason: "expired" };
    delete fields[EXPIRES];
    return { ok: true, fields, expiresAt };
  }

  #mac(fields: Record<string, string>): string {
    // Sorted name/value pairs as JSON: no two different sets of fields share a text.
    const canonical = JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return createHmac("sha256", this.#key).update(canonical).digest("base64url");
  }
}

function bad(): VerifyResult {
  return { ok: false, reason: "bad-signature" };
}

function toEntries(query: string | URLSearchParams | Record<string, unknown>): Array<[string, string]> {
  if (typeof query === "string") return [...new URLSearchParams(query.startsWith("?") ? query.slice(1) : query)];
  if (query instanceof URLSearchParams) return [...query];
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(query)) {
    // A framework's parsed query: a repeated name arrives as an array.
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, String(v)]);
  }
  return out;
}
