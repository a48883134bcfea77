import { createHash, type Hash } from "node:crypto";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { type Checksum, type ChecksumAlgorithm, checksumAlgorithmOf, newChecksum } from "./checksums.ts";
import { AwsChunkedDecoder, type ChunkedMode } from "./chunked.ts";
import { S3Error } from "./errors.ts";
import type { IncomingBytes } from "./service.ts";
import { STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, type VerifiedSignature } from "./sigv4.ts";

// An upload's bytes on their way from the socket to the blob store: aws-chunked framing taken
// off (signatures checked), then MD5 (the ETag), Content-MD5 and any additional checksum
// computed as they pass. A mismatch fails the stream before it ends, so the blob store keeps
// nothing of it.

/** Passes bytes through while computing MD5 and an optional checksum; checks them at the end. */
export class Digests extends Transform {
  received = 0;
  readonly #md5: Hash = createHash("md5");
  #md5Hex: string | null = null;
  readonly #checksum: Checksum | null;
  #checksumValue: string | null = null;
  readonly #opts: { expectedMd5?: string; algorithm?: ChecksumAlgorithm; expectedChecksum?: () => string | undefined };

  constructor(opts: { expectedMd5?: string; algorithm?: ChecksumAlgorithm; expectedChecksum?: () => string | undefined } = {}) {
    super();
    this.#opts = opts;
    this.#checksum = opts.algorithm ? newChecksum(opts.algorithm) : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#md5.update(chunk);
    this.#checksum?.update(chunk);
    this.received += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const md5 = this.#md5.digest();
    this.#md5Hex = md5.toString("hex");
    if (this.#opts.expectedMd5 !== undefined && md5.toString("base64") !== this.#opts.expectedMd5) {
      callback(new S3Error("BadDigest", "The Content-MD5 you specified did not match what we received: the body changed on its way. Nothing was stored.", { ExpectedDigest: this.#opts.expectedMd5 }));
      return;
    }
    if (this.#checksum) {
      this.#checksumValue = this.#checksum.digest();
      const expected = this.#opts.expectedChecksum?.();
      if (expected === undefined) {
        callback(new S3Error("InvalidRequest", `The ${this.#opts.algorithm!.toUpperCase()} checksum announced in x-amz-trailer did not arrive.`));
        return;
      }
      if (expected !== this.#checksumValue) {
        callback(new S3Error("BadDigest", `The ${this.#opts.algorithm!.toUpperCase()} you specified did not match the calculated checksum. Nothing was stored.`));
        return;
      }
    }
    callback();
  }

  get md5(): string {
    return this.#md5Hex ?? "";
  }

  /** The verified checksum, as a response header. */
  get checksum(): { header: string; value: string } | null {
    return this.#checksumValue === null ? null : { header: `x-amz-checksum-${this.#opts.algorithm}`, value: this.#checksumValue };
  }
}

/** Passes a stream through Digests, as IncomingBytes. */
export function digested(source: Readable, size: number, opts: ConstructorParameters<typeof Digests>[0] = {}, extra: { expectedSha256?: string; stages?: Readable[] } = {}): IncomingBytes {
  const digests = new Digests(opts);
  let failure: Error | null = null;
  const note = (err: Error) => {
    failure ??= err;
    digests.destroy(err);
  };
  const stages = [source, ...(extra.stages ?? [])];
  for (const stage of stages) stage.on("error", note);
  digests.on("error", (err) => {
    failure ??= err;
  });
  const last = stages[stages.length - 1]!;
  for (let i = 0; i + 1 < stages.length; i++) stages[i]!.pipe(stages[i + 1] as unknown as NodeJS.WritableStream);
  last.pipe(digests);
  return {
    body: digests,
    size,
    ...(extra.expectedSha256 !== undefined && { expectedSha256: extra.expectedSha256 }),
    digests: () => ({ md5: digests.md5, checksum: digests.checksum }),
    failure: () => failure,
    received: () => digests.received,
  };
}

/** The request headers the payload depends on, by lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

/** The largest PutObject S3 takes in one request. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/**
 * The bytes of a PutObject or UploadPart request, however the client framed them: plain
 * (Content-Length), signed (x-amz-content-sha256 is the body's hash) or aws-chunked.
 */
export function requestBytes(raw: Readable, header: HeaderLookup, verified: VerifiedSignature): IncomingBytes {
  const payload = verified.claimed.payload;
  const md5 = header("content-md5");
  if (md5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw new S3Error("InvalidDigest", "The Content-MD5 you specified is not valid: it must be the base64 of the body's 16-byte MD5.");
  const { algorithm, fromTrailer } = announcedChecksum(header);
  const modes: Record<string, ChunkedMode> = { [STREAMING_SIGNED]: "signed", [STREAMING_SIGNED_TRAILER]: "signed-trailer", [STREAMING_UNSIGNED_TRAILER]: "unsigned-trailer" };
  const mode = modes[payload];
  const opts = {
    ...(md5 !== undefined && { expectedMd5: md5 }),
    ...(algorithm && { algorithm }),
  };
  if (mode) {
    const decoded = header("x-amz-decoded-content-length");
    if (decoded === undefined || !/^\d{1,15}$/.test(decoded)) {
      throw new S3Error("MissingContentLength", "An aws-chunked upload needs x-amz-decoded-content-length: the number of bytes of the object.");
    }
    const size = Number(decoded);
    if (size > MAX_PUT_BYTES) throw tooLarge(size);
    const trailerNames = (header("x-amz-trailer") ?? "")
      .split(",")
      .map((n) => n.trim().toLowerCase())
      .filter((n) => n !== "");
    const { signingKey, claimed } = verified;
    const decoder = new AwsChunkedDecoder({
      mode,
      ...(mode !== "unsigned-trailer" && { signing: { signingKey, amzDate: claimed.amzDate, scope: claimed.credential.scope, seedSignature: claimed.signature } }),
      decodedLength: size,
      trailerNames,
    });
    const expectedChecksum = algorithm ? () => (fromTrailer ? decoder.trailers.get(`x-amz-checksum-${algorithm}`) : header(`x-amz-checksum-${algorithm}`)) : undefined;
    return digested(raw, size, { ...opts, ...(expectedChecksum && { expectedChecksum }) }, { stages: [decoder] });
  }
  const length = header("content-length");
  if (length === undefined || !/^\d{1,15}$/.test(length)) throw new S3Error("MissingContentLength", "You must provide the Content-Length HTTP header.");
  const size = Number(length);
  if (size > MAX_PUT_BYTES) throw tooLarge(size);
  if (fromTrailer) throw new S3Error("InvalidRequest", "x-amz-trailer needs an aws-chunked body (x-amz-content-sha256: STREAMING-…-TRAILER).");
  const expectedChecksum = algorithm ? () => header(`x-amz-checksum-${algorithm}`) : undefined;
  return digested(raw, size, { ...opts, ...(expectedChecksum && { expectedChecksum }) }, /^[0-9a-f]{64}$/.test(payload) ? { expectedSha256: payload } : {});
}

function tooLarge(size: number): S3Error {
  return new S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size of 5 GiB for one request: use a multipart upload (boto3 and the AWS CLI do so by themselves).", {
    ProposedSize: String(size),
    MaxSizeAllowed: String(MAX_PUT_BYTES),
  });
}

/** The additional checksum a request carries: in a header, or announced in x-amz-trailer. */
function announcedChecksum(header: HeaderLookup): { algorithm: ChecksumAlgorithm | null; fromTrailer: boolean } {
  const trailer = (header("x-amz-trailer") ?? "")
    .split(",")
    .map((n) => checksumAlgorithmOf(n.trim()))
    .find((a) => a !== null);
  if (trailer) return { algorithm: trailer, fromTrailer: true };
  for (const name of ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const) {
    if (header(`x-amz-checksum-${name}`) !== undefined) return { algorithm: name, fromTrailer: false };
  }
  return { algorithm: null, fromTrailer: false };
}
