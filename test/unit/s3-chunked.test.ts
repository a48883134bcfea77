import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newChecksum } from "../../src/s3/checksums.ts";
import { AwsChunkedDecoder, type ChunkedOptions } from "../../src/s3/chunked.ts";
import { amzDateMs, claimedSignature, signingKey, verifySignature } from "../../src/s3/sigv4.ts";

// aws-chunked bodies, checked against the worked examples of the AWS documentation
// ("Signature calculations for the Authorization header: transferring payload in multiple
// chunks", and the same with trailing headers): the seed signature of the request, each
// chunk's signature chained from it, and the trailer's signature.

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DATE = "20130524T000000Z";
const SCOPE = "20130524/us-east-1/s3/aws4_request";
const KEY = signingKey(SECRET, "20130524", "us-east-1", "s3");

const SIGNED = {
  seed: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
  chunks: [
    [65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"],
    [1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"],
    [0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"],
  ] as const,
};
const TRAILER = {
  seed: "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
  chunks: [
    [65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"],
    [1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"],
    [0, "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"],
  ] as const,
  trailer: "x-amz-checksum-crc32c:sOO8/Q==",
  signature: "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435",
};

function signedBody(chunks: ReadonlyArray<readonly [number, string]>, tail: string): Buffer {
  const parts = chunks.map(([size, sig]) => Buffer.concat([Buffer.from(`${size.toString(16)};chunk-signature=${sig}\r\n`), Buffer.alloc(size, "a"), Buffer.from(size > 0 ? "\r\n" : "")]));
  return Buffer.concat([...parts, Buffer.from(tail)]);
}

/** Feeds the body in pieces of the given sizes (cycled), as a network would. */
async function decode(body: Buffer, opts: ChunkedOptions, pieces: number[] = [body.length]): Promise<{ bytes: Buffer; decoder: AwsChunkedDecoder }> {
  const fragments: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = Math.max(1, pieces[i % pieces.length]!);
    fragments.push(body.subarray(at, at + size));
    at += size;
  }
  const decoder = new AwsChunkedDecoder(opts);
  const out: Buffer[] = [];
  await pipeline(Readable.from(fragments), decoder, async (source: AsyncIterable<Buffer>) => {
    for await (const b of source) out.push(b);
  });
  return { bytes: Buffer.concat(out), decoder };
}

const signedOpts: ChunkedOptions = { mode: "signed", signing: { signingKey: KEY, amzDate: DATE, scope: SCOPE, seedSignature: SIGNED.seed }, decodedLength: 66560, trailerNames: [] };
const trailerOpts: ChunkedOptions = {
  mode: "signed-trailer",
  signing: { signingKey: KEY, amzDate: DATE, scope: SCOPE, seedSignature: TRAILER.seed },
  decodedLength: 66560,
  trailerNames: ["x-amz-checksum-crc32c"],
};
const A = Buffer.alloc(66560, "a");

describe("aws-chunked: STREAMING-AWS4-HMAC-SHA256-PAYLOAD", () => {
  it("the request's seed signature is the documented one", () => {
    const headers = {
      Host: "s3.amazonaws.com",
      "x-amz-date": DATE,
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      Authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/${SCOPE},SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${SIGNED.seed}`,
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "Content-Encoding": "aws-chunked",
      "x-amz-decoded-content-length": "66560",
      "Content-Length": "66824",
    };
    const req = { method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", rawHeaders: Object.entries(headers).flat() };
    const verified = verifySignature(req, claimedSignature(req)!, SECRET, amzDateMs(DATE));
    expect(Buffer.from(verified.signingKey as Buffer).equals(KEY)).toBe(true);
  });

  it("decodes the documented body, however the network splits it", async () => {
    const body = signedBody(SIGNED.chunks, "\r\n");
    expect(body.length).toBe(66824);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 70000 }), { minLength: 1, maxLength: 8 }), async (pieces) => {
        const { bytes } = await decode(body, signedOpts, pieces);
        expect(bytes.equals(A)).toBe(true);
      }),
      { numRuns: 40 },
    );
    // One byte at a time, too.
    expect((await decode(body, signedOpts, [1])).bytes.equals(A)).toBe(true);
  });

  it("refuses a changed byte, swapped chunks, a missing last chunk and a wrong length", async () => {
    const body = signedBody(SIGNED.chunks, "\r\n");
    const changed = Buffer.from(body);
    changed[66_000] = "b".charCodeAt(0);
    await expect(decode(changed, signedOpts)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
    const swapped = signedBody([SIGNED.chunks[1], SIGNED.chunks[0], SIGNED.chunks[2]], "\r\n");
    await expect(decode(swapped, signedOpts)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
    const cut = signedBody(SIGNED.chunks.slice(0, 2), "");
    await expect(decode(cut, signedOpts)).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(body.subarray(0, 30_000), signedOpts)).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(body, { ...signedOpts, decodedLength: 66561 })).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(body, { ...signedOpts, decodedLength: 1000 })).rejects.toMatchObject({ code: "IncompleteBody" });
    // A signature from another secret.
    const other = { ...signedOpts, signing: { ...signedOpts.signing!, signingKey: signingKey("another secret", "20130524", "us-east-1", "s3") } };
    await expect(decode(body, other)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it("refuses a malformed chunk header and a chunk without its signature", async () => {
    await expect(decode(Buffer.from("zz;chunk-signature=00\r\nhello\r\n"), signedOpts)).rejects.toMatchObject({ code: "InvalidRequest" });
    await expect(decode(Buffer.from("5\r\nhello\r\n0\r\n\r\n"), { ...signedOpts, decodedLength: 5 })).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
    await expect(decode(Buffer.from(`${"1".repeat(5000)}\r\n`), signedOpts)).rejects.toMatchObject({ code: "InvalidRequest" });
  });
});

describe("aws-chunked: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", () => {
  it("the request's seed signature is the documented one", () => {
    const headers = {
      Host: "s3.amazonaws.com",
      "x-amz-date": DATE,
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      "Content-Encoding": "aws-chunked",
      "x-amz-decoded-content-length": "66560",
      "x-amz-trailer": "x-amz-checksum-crc32c",
      Authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/${SCOPE},SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=${TRAILER.seed}`,
    };
    const req = { method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", rawHeaders: Object.entries(headers).flat() };
    expect(() => verifySignature(req, claimedSignature(req)!, SECRET, amzDateMs(DATE))).not.toThrow();
  });

  it("decodes the documented body and hands over its checksum trailer", async () => {
    const body = signedBody(TRAILER.chunks, `${TRAILER.trailer}\r\nx-amz-trailer-signature:${TRAILER.signature}\r\n\r\n`);
    const { bytes, decoder } = await decode(body, trailerOpts, [7, 1000, 3]);
    expect(bytes.equals(A)).toBe(true);
    expect(decoder.trailers.get("x-amz-checksum-crc32c")).toBe("sOO8/Q==");
    const crc = newChecksum("crc32c");
    crc.update(bytes);
    expect(crc.digest()).toBe("sOO8/Q==");
    // Also with a blank line between the last chunk and the trailer, as some clients send it.
    const spaced = signedBody(TRAILER.chunks, `\r\n${TRAILER.trailer}\r\nx-amz-trailer-signature:${TRAILER.signature}\r\n\r\n`);
    expect((await decode(spaced, trailerOpts)).bytes.equals(A)).toBe(true);
  });

  it("refuses a changed trailer, a missing trailer signature and an unannounced trailer", async () => {
    const changed = signedBody(TRAILER.chunks, `x-amz-checksum-crc32c:AAAAAA==\r\nx-amz-trailer-signature:${TRAILER.signature}\r\n\r\n`);
    await expect(decode(changed, trailerOpts)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
    const unsigned = signedBody(TRAILER.chunks, `${TRAILER.trailer}\r\n\r\n`);
    await expect(decode(unsigned, trailerOpts)).rejects.toMatchObject({ code: "IncompleteBody" });
    const other = signedBody(TRAILER.chunks, `x-amz-meta-a:1\r\nx-amz-trailer-signature:${TRAILER.signature}\r\n\r\n`);
    await expect(decode(other, trailerOpts)).rejects.toMatchObject({ code: "InvalidRequest" });
  });
});

describe("aws-chunked: STREAMING-UNSIGNED-PAYLOAD-TRAILER", () => {
  const unsignedOpts = (length: number): ChunkedOptions => ({ mode: "unsigned-trailer", decodedLength: length, trailerNames: ["x-amz-checksum-crc32"] });
  // As botocore and the JavaScript SDK frame it.
  const frame = (data: Buffer, chunk: number, trailer: string) => {
    const parts: Buffer[] = [];
    for (let at = 0; at < data.length; at += chunk) {
      const piece = data.subarray(at, at + chunk);
      parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
    }
    return Buffer.concat([...parts, Buffer.from(`0\r\n${trailer}\r\n\r\n`)]);
  };

  it("decodes any data in any chunking and keeps the trailer", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 700 }), async (raw, chunk, piece) => {
        const data = Buffer.from(raw);
        const crc = newChecksum("crc32");
        crc.update(data);
        const { bytes, decoder } = await decode(frame(data, chunk, `x-amz-checksum-crc32:${crc.digest()}`), unsignedOpts(data.length), [piece]);
        expect(bytes.equals(data)).toBe(true);
        expect(decoder.trailers.get("x-amz-checksum-crc32")).toBe(crc.digest());
      }),
      { numRuns: 60 },
    );
  });

  it("refuses a body cut short and a chunk longer than it says", async () => {
    const body = frame(Buffer.from("hello world"), 4, "x-amz-checksum-crc32:DUoRhQ==");
    await expect(decode(body.subarray(0, body.length - 10), unsignedOpts(11))).rejects.toMatchObject({ code: "IncompleteBody" });
    await expect(decode(Buffer.from("3\r\nhello\r\n0\r\n\r\n"), unsignedOpts(3))).rejects.toMatchObject({ code: "InvalidRequest" });
    await expect(decode(Buffer.from("5\r\nhello\r\n0\r\n\r\ngarbage"), { ...unsignedOpts(5), trailerNames: [] })).rejects.toMatchObject({ code: "InvalidRequest" });
  });
});
