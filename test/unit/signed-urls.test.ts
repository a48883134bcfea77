import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UrlSigner } from "../../src/storage/signed-urls.ts";

// Plinth's own download links: whatever is changed in a signed query string, the link stops
// working; an untouched one works until it expires.

const NOW = 1_800_000_000_000;
const signer = new UrlSigner(randomBytes(32));
const fields = { dataset: "dst_1", version: "3", path: "data/train.csv", by: "usr_abc" };

describe("signed links", () => {
  it("verifies an untouched link until it expires, and returns its fields", () => {
    const query = signer.sign(fields, NOW + 60_000);
    expect(signer.verify(query, NOW)).toEqual({ ok: true, fields, expiresAt: NOW + 60_000 });
    expect(signer.verify(`?${query}`, NOW + 59_000)).toMatchObject({ ok: true });
    expect(signer.verify(new URLSearchParams(query), NOW)).toMatchObject({ ok: true });
    expect(signer.verify(Object.fromEntries(new URLSearchParams(query)), NOW)).toMatchObject({ ok: true });
    expect(signer.verify(query, NOW + 60_000)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a link whose fields were changed, added, removed or repeated", () => {
    const query = signer.sign(fields, NOW + 60_000);
    const edit = (f: (p: URLSearchParams) => void) => {
      const p = new URLSearchParams(query);
      f(p);
      return signer.verify(p.toString(), NOW);
    };
    const bad = { ok: false, reason: "bad-signature" };
    expect(edit((p) => p.set("path", "data/other.csv"))).toEqual(bad);
    expect(edit((p) => p.set("expires", String(Number(p.get("expires")) + 3600)))).toEqual(bad);
    expect(edit((p) => p.set("extra", "1"))).toEqual(bad);
    expect(edit((p) => p.delete("by"))).toEqual(bad);
    expect(edit((p) => p.delete("signature"))).toEqual(bad);
    expect(edit((p) => p.delete("expires"))).toEqual(bad);
    expect(edit((p) => p.append("path", "data/other.csv"))).toEqual(bad);
    expect(edit((p) => p.append("signature", p.get("signature")!))).toEqual(bad);
    expect(edit((p) => p.set("signature", `${p.get("signature")}A`))).toEqual(bad);
    expect(edit((p) => p.set("signature", ""))).toEqual(bad);
    // The same fields signed with another key.
    expect(new UrlSigner(randomBytes(32)).verify(query, NOW)).toEqual(bad);
    // A tampered link that has also expired says bad-signature, not expired.
    expect(signer.verify(query.replace("dst_1", "dst_2"), NOW + 120_000)).toEqual(bad);
  });

  it("any change to any field's value breaks the signature", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/), fc.string(), { minKeys: 1, maxKeys: 5 }), fc.string(), (signed, replacement) => {
        fc.pre(!("expires" in signed) && !("signature" in signed));
        const query = signer.sign(signed, NOW + 1000);
        expect(signer.verify(query, NOW)).toEqual({ ok: true, fields: signed, expiresAt: NOW + 1000 });
        const name = Object.keys(signed)[0]!;
        fc.pre(signed[name] !== replacement);
        const p = new URLSearchParams(query);
        p.set(name, replacement);
        expect(signer.verify(p.toString(), NOW)).toEqual({ ok: false, reason: "bad-signature" });
      }),
    );
  });

  it("refuses field names that would collide with its own", () => {
    expect(() => signer.sign({ expires: "1" }, NOW)).toThrow();
    expect(() => signer.sign({ signature: "x" }, NOW)).toThrow();
    expect(() => new UrlSigner(randomBytes(16))).toThrow();
  });

  it("keeps its key in the data directory, made once with mode 0600", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-presign-"));
    try {
      const first = UrlSigner.forDataDir(dir);
      const key = readFileSync(join(dir, "presign.key"));
      expect(key.length).toBe(32);
      expect(statSync(join(dir, "presign.key")).mode & 0o777).toBe(0o600);
      const again = UrlSigner.forDataDir(dir);
      expect(readFileSync(join(dir, "presign.key")).equals(key)).toBe(true);
      expect(again.verify(first.sign(fields, NOW + 1000), NOW)).toMatchObject({ ok: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
