import { createHash, createHmac, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "./errors.ts";
import { EMPTY_SHA256, type SigningKey, sameSignature } from "./sigv4.ts";

// `Content-Encoding: aws-chunked` bodies, decoded as they stream. Today's boto3, AWS CLI and
// JavaScript SDK send PutObject and UploadPart this way by default:
//
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD           <hex size>;chunk-signature=<sig>\r\n<bytes>\r\n … 0;chunk-signature=<sig>\r\n\r\n
//   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER   the same, then trailer lines and x-amz-trailer-signature:<sig>\r\n\r\n
//   STREAMING-UNSIGNED-PAYLOAD-TRAILER           <hex size>\r\n<bytes>\r\n … 0\r\n, then trailer lines, then \r\n
//
// Each chunk signature chains from the one before, starting at the request's own signature
// (the seed), so a changed, dropped or reordered chunk is refused. A chunk's bytes pass on as
// they arrive and its signature is checked at its end: a bad one fails the stream before it
// ends, so whatever stores the stream keeps nothing. The trailer (x-amz-checksum-crc32…) is
// collected here and checked by whoever computes the checksum (see checksums.ts).

export type ChunkedMode = "signed" | "signed-trailer" | "unsigned-trailer";

export interface ChunkSigning {
  signingKey: SigningKey;
  amzDate: string;
  scope: string;
  /** The request's own signature. */
  seedSignature: string;
}

export interface ChunkedOptions {
  mode: ChunkedMode;
  /** Needed for the signed modes. */
  signing?: ChunkSigning;
  /** x-amz-decoded-content-length: the decoded bytes must be exactly this many. */
  decodedLength: number;
  /** Trailer header names the client announced in x-amz-trailer (lower case). */
  trailerNames: string[];
}

const MAX_LINE = 4096;

type State = "size" | "data" | "data-end" | "trailers" | "done";

export class AwsChunkedDecoder extends Transform {
  /** Trailer headers received, by lower-case name (x-amz-trailer-signature left out). */
  readonly trailers = new Map<string, string>();
  readonly #opts: ChunkedOptions;
  #state: State = "size";
  #line = Buffer.alloc(0);
  #remaining = 0;
  #decoded = 0;
  #previous: string;
  #chunkHash: Hash | null = null;
  #chunkSignature = "";
  #trailerSignature: string | null = null;
  #trailerCanonical = "";

  constructor(opts: ChunkedOptions) {
    super();
    if (opts.mode !== "unsigned-trailer" && !opts.signing) throw new Error("signed aws-chunked decoding needs the request's signing key");
    this.#opts = opts;
    this.#previous = opts.signing?.seedSignature ?? "";
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#state === "trailers" && this.#trailersComplete() && this.#line.length === 0) this.#finishTrailers();
    if (this.#state !== "done") {
      callback(new S3Error("IncompleteBody", "The request body ended before its last aws-chunked chunk: the upload was cut short. Send it again."));
      return;
    }
    callback();
  }

  #consume(input: Buffer): void {
    let at = 0;
    while (at < input.length) {
      switch (this.#state) {
        case "data": {
          const take = Math.min(this.#remaining, input.length - at);
          const slice = input.subarray(at, at + take);
          this.#chunkHash?.update(slice);
          this.push(slice);
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0) {
            this.#checkChunkSignature();
            this.#state = "data-end";
          }
          break;
        }
        case "done": {
          // Nothing may follow but blank lines.
          const rest = input.subarray(at);
          if (rest.toString("latin1").trim() !== "") throw malformed("bytes after the end of the aws-chunked body");
          return;
        }
        default: {
          const nl = input.indexOf(0x0a, at);
          const end = nl < 0 ? input.length : nl + 1;
          this.#line = Buffer.concat([this.#line, input.subarray(at, end)]);
          at = end;
          if (this.#line.length > MAX_LINE) throw malformed("a chunk header or trailer line longer than 4 KiB");
          if (nl < 0) break;
          const line = this.#line.subarray(0, this.#line.length - (this.#line.length >= 2 && this.#line[this.#line.length - 2] === 0x0d ? 2 : 1)).toString("latin1");
          this.#line = Buffer.alloc(0);
          this.#onLine(line);
        }
      }
    }
  }

  #onLine(line: string): void {
    switch (this.#state) {
      case "size":
        this.#onSizeLine(line);
        return;
      case "data-end":
        if (line !== "") throw malformed("a chunk's bytes are longer than its size says");
        this.#state = "size";
        return;
      case "trailers":
        this.#onTrailerLine(line);
        return;
      default:
        throw malformed("unexpected line");
    }
  }

  #onSizeLine(line: string): void {
    const m = /^([0-9a-fA-F]{1,16})((?:;[^;]*)*)$/.exec(line);
    if (!m) throw malformed(`'${line.slice(0, 80)}' is not a chunk header`);
    const size = Number.parseInt(m[1]!, 16);
    if (!Number.isSafeInteger(size)) throw malformed("a chunk size too large");
    if (this.#opts.mode !== "unsigned-trailer") {
      const sig = /;chunk-signature=([0-9a-f]{64})(?:;|$)/.exec(m[2]!);
      if (!sig) throw new S3Error("SignatureDoesNotMatch", "An aws-chunked chunk has no chunk-signature.");
      this.#chunkSignature = sig[1]!;
      this.#chunkHash = createHash("sha256");
    }
    this.#decoded += size;
    if (this.#decoded > this.#opts.decodedLength) {
      throw new S3Error("IncompleteBody", `The body holds more than the ${this.#opts.decodedLength} bytes x-amz-decoded-content-length announced.`);
    }
    if (size > 0) {
      this.#remaining = size;
      this.#state = "data";
      return;
    }
    // The last chunk.
    this.#checkChunkSignature();
    if (this.#decoded !== this.#opts.decodedLength) {
      throw new S3Error("IncompleteBody", `The body holds ${this.#decoded} bytes; x-amz-decoded-content-length announced ${this.#opts.decodedLength}.`);
    }
    this.#state = "trailers";
  }

  #checkChunkSignature(): void {
    if (!this.#chunkHash) return;
    const { signingKey, amzDate, scope } = this.#opts.signing!;
    const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, this.#previous, EMPTY_SHA256, this.#chunkHash.digest("hex")].join("\n");
    const expected = createHmac("sha256", signingKey).update(toSign).digest("hex");
    if (!sameSignature(expected, this.#chunkSignature)) {
      throw new S3Error("SignatureDoesNotMatch", "An aws-chunked chunk signature does not match its bytes: the body was changed on its way.");
    }
    this.#previous = expected;
    this.#chunkHash = null;
  }

  #trailersComplete(): boolean {
    const announced = this.#opts.trailerNames.every((n) => this.trailers.has(n));
    return announced && (this.#opts.mode !== "signed-trailer" || this.#opts.trailerNames.length === 0 || this.#trailerSignature !== null);
  }

  #onTrailerLine(line: string): void {
    if (line === "") {
      // Some clients put a blank line between the last chunk and the trailers; a blank line
      // ends the body only once every announced trailer has arrived.
      if (this.#trailersComplete()) this.#finishTrailers();
      return;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed(`'${line.slice(0, 80)}' is not a trailer header`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") {
      if (this.#opts.mode !== "signed-trailer") throw malformed("a trailer signature on an unsigned body");
      this.#trailerSignature = value.toLowerCase();
      return;
    }
    if (this.#trailerSignature !== null) throw malformed("a trailer after x-amz-trailer-signature");
    if (!this.#opts.trailerNames.includes(name)) throw malformed(`the trailer '${name}' was not announced in x-amz-trailer`);
    this.trailers.set(name, value);
    this.#trailerCanonical += `${name}:${value}\n`;
  }

  #finishTrailers(): void {
    if (this.#opts.mode === "signed-trailer" && this.#opts.trailerNames.length > 0) {
      const { signingKey, amzDate, scope } = this.#opts.signing!;
      const hash = createHash("sha256").update(this.#trailerCanonical).digest("hex");
      const toSign = ["AWS4-HMAC-SHA256-TRAILER", amzDate, scope, this.#previous, hash].join("\n");
      const expected = createHmac("sha256", signingKey).update(toSign).digest("hex");
      if (!sameSignature(expected, this.#trailerSignature ?? "")) {
        throw new S3Error("SignatureDoesNotMatch", "The aws-chunked trailer signature does not match its trailer headers.");
      }
    }
    this.#state = "done";
  }
}

function malformed(why: string): S3Error {
  return new S3Error("InvalidRequest", `The aws-chunked body is malformed: ${why}.`);
}
