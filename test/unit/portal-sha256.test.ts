import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Sha256 } from "../../web/src/lib/sha256.ts";

// The portal hashes dropped files in pieces before uploading them; the server checks the
// bytes against that hash, so the two must agree for any content cut anywhere.

const reference = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("portal sha256", () => {
  it("matches known digests", () => {
    expect(new Sha256().hex()).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(new Sha256().update(new TextEncoder().encode("abc")).hex()).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const million = new Uint8Array(1_000_000).fill(0x61);
    expect(new Sha256().update(million).hex()).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("gives the same digest as node's, however the bytes are cut into pieces", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat({ max: 600 }), { maxLength: 6 }), (data, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        const hash = new Sha256();
        let at = 0;
        for (const p of [...points, data.length]) {
          hash.update(data.subarray(at, p));
          at = p;
        }
        expect(hash.hex()).toBe(reference(data));
      }),
      { numRuns: 1000 },
    );
  });

  it("covers every padding length around a block's end", () => {
    for (let n = 0; n <= 200; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(new Sha256().update(data).hex(), `length ${n}`).toBe(reference(data));
    }
  });
});
