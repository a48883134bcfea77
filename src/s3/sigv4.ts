import { createHash, createHmac, type KeyObject, timingSafeEqual } from "node:crypto";
import { S3Error } from "./errors.ts";

// AWS Signature Version 4, as S3 checks it: in the Authorization header, or in the query
// string of a presigned URL. The server rebuilds the canonical request from what it received,
// signs it with the access key's secret and compares the two signatures in constant time.
//
// Regions: the scope's region is taken as the client gives it (us-east-1, auto, anything), so
// a client configured for any region works; the signature still covers it.

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** How far a request's time may be from the server's. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may live: 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** What the verifier needs of an HTTP request, as it arrived. */
export interface SignableRequest {
  method: string;
  /** The path as sent, still percent-encoded, without the query. */
  rawPath: string;
  /** The query string as sent, without the `?`. */
  rawQuery: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: string[];
  /** headerValues(rawHeaders), when the caller has it already. */
  headers?: Map<string, string>;
}

/** A derived signing key: bytes, or the same bytes as a KeyObject (which HMACs faster when reused). */
export type SigningKey = Buffer | KeyObject;

export interface Credential {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
  /** date/region/service/aws4_request */
  scope: string;
}

export interface ClaimedSignature {
  kind: "header" | "query";
  credential: Credential;
  signedHeaders: string[];
  signature: string;
  /** yyyymmddThhmmssZ */
  amzDate: string;
  /** What the canonical request ends with: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* value. */
  payload: string;
  /** Presigned URLs: seconds from amzDate. */
  expiresIn?: number;
}

/** A verified request: the key that signed it, for checking aws-chunked chunk signatures. */
export interface VerifiedSignature {
  claimed: ClaimedSignature;
  signingKey: SigningKey;
}

// ---- canonical forms ----

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const UNRESERVED_OR_SLASH = /^[A-Za-z0-9\-._~/]*$/;

/** AWS's URI encoding: every byte but A-Z a-z 0-9 - . _ ~ as %XX (upper case); `/` kept when asked. */
export function uriEncode(text: string, keepSlash: boolean): string {
  // Most keys and query values need no escape at all.
  if ((keepSlash ? UNRESERVED_OR_SLASH : UNRESERVED).test(text)) return text;
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decodes one URI component; a malformed escape is the client's mistake. */
export function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error("InvalidURI", "Couldn't parse the specified URI: it has a malformed percent-escape or bytes that are not UTF-8.");
  }
}

/** The canonical URI: each path segment decoded, then encoded the AWS way (S3 encodes once). */
export function canonicalUri(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => uriEncode(decodeComponent(segment), false))
    .join("/");
}

/** Query parameters, decoded, in the order sent. `+` is a literal plus, as AWS clients send a space as %20. */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === "") return [];
  return rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq < 0 ? [decodeComponent(pair), ""] : [decodeComponent(pair.slice(0, eq)), decodeComponent(pair.slice(eq + 1))];
    });
}

export function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** Header values by lower-case name, repeated headers joined by commas, each value trimmed and its spaces collapsed. */
export function headerValues(rawHeaders: string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    let value = rawHeaders[i + 1]!.trim();
    // Whitespace other than single spaces is collapsed; a value without any is left as it is.
    if (/[^\S ]| {2}/.test(value)) value = value.replace(/\s+/g, " ");
    const before = values.get(name);
    values.set(name, before === undefined ? value : `${before},${value}`);
  }
  return values;
}

export function canonicalRequest(req: SignableRequest, claimed: Pick<ClaimedSignature, "signedHeaders" | "payload" | "kind">): string {
  const headers = req.headers ?? headerValues(req.rawHeaders);
  const signed = claimed.signedHeaders.map((name) => {
    const value = headers.get(name);
    if (value === undefined) throw new S3Error("SignatureDoesNotMatch", `The header '${name}' is listed in SignedHeaders but was not sent.`);
    return `${name}:${value}\n`;
  });
  let query = parseQuery(req.rawQuery);
  if (claimed.kind === "query") query = query.filter(([k]) => k !== "X-Amz-Signature");
  return [req.method, canonicalUri(req.rawPath), canonicalQuery(query), signed.join(""), claimed.signedHeaders.join(";"), claimed.payload].join("\n");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function hmac(key: string | SigningKey, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---- what the client claims ----

const AMZ_DATE = /^(\d{8})T\d{6}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;

function parseCredential(value: string, where: "header" | "query"): Credential {
  const parts = value.split("/");
  const code = where === "header" ? "AuthorizationHeaderMalformed" : "AuthorizationQueryParametersError";
  if (parts.length !== 5 || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1]!) || parts[0] === "" || parts[2] === "") {
    throw new S3Error(code, `The credential '${value.slice(0, 200)}' is malformed: expected ACCESS_KEY_ID/YYYYMMDD/REGION/s3/aws4_request.`);
  }
  if (parts[3] !== "s3") throw new S3Error(code, `The credential is scoped to the service '${parts[3]}'; this endpoint is 's3'.`);
  return { accessKeyId: parts[0]!, date: parts[1]!, region: parts[2]!, service: parts[3]!, scope: parts.slice(1).join("/") };
}

function parseSignedHeaders(value: string, code: "AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError"): string[] {
  const names = value.split(";");
  if (names.some((n) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(n))) throw new S3Error(code, "SignedHeaders must be lower-case header names separated by ';'.");
  if (!names.includes("host")) throw new S3Error(code, "SignedHeaders must include 'host'.");
  return names;
}

/**
 * Reads the signature a request claims to carry; null for a request with none (anonymous).
 * Throws S3Error for a malformed one or an older scheme (Signature Version 2).
 */
export function claimedSignature(req: SignableRequest): ClaimedSignature | null {
  const headers = req.headers ?? headerValues(req.rawHeaders);
  const authorization = headers.get("authorization");
  if (authorization !== undefined) {
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw new S3Error("InvalidRequest", "Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is supported; set your client's signature_version to s3v4.");
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get("Credential");
    const signedHeaders = fields.get("SignedHeaders");
    const signature = fields.get("Signature");
    if (!credential || !signedHeaders || !signature) {
      throw new S3Error("AuthorizationHeaderMalformed", "The authorization header is malformed: it needs Credential, SignedHeaders and Signature.");
    }
    const amzDate = headers.get("x-amz-date") ?? httpDateToAmz(headers.get("date"));
    if (!amzDate) throw new S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header.");
    const payload = headers.get("x-amz-content-sha256");
    if (payload === undefined) throw new S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256.");
    if (!HEX64.test(payload) && ![UNSIGNED_PAYLOAD, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER].includes(payload)) {
      throw new S3Error("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value or the hex SHA-256 of the body.", { ArgumentName: "x-amz-content-sha256" });
    }
    const parsed = parseCredential(credential, "header");
    const m = AMZ_DATE.exec(amzDate);
    if (!m) throw new S3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header.");
    if (m[1] !== parsed.date) throw new S3Error("AuthorizationHeaderMalformed", `The credential's date ${parsed.date} is not the request's date ${m[1]}.`);
    return {
      kind: "header",
      credential: parsed,
      signedHeaders: parseSignedHeaders(signedHeaders, "AuthorizationHeaderMalformed"),
      signature: signature.toLowerCase(),
      amzDate,
      payload,
    };
  }
  const query = new Map(parseQuery(req.rawQuery));
  if (!query.has("X-Amz-Signature") && !query.has("X-Amz-Credential")) {
    if (query.has("Signature") || query.has("AWSAccessKeyId")) {
      throw new S3Error("InvalidRequest", "Only AWS Signature Version 4 presigned URLs are supported; presign with signature_version s3v4.");
    }
    return null;
  }
  const code = "AuthorizationQueryParametersError";
  const need = (name: string) => {
    const value = query.get(name);
    if (value === undefined || value === "") throw new S3Error(code, `Query-string authentication requires the ${name} parameter.`);
    return value;
  };
  if (need("X-Amz-Algorithm") !== ALGORITHM) throw new S3Error(code, `X-Amz-Algorithm must be ${ALGORITHM}.`);
  const credential = parseCredential(need("X-Amz-Credential"), "query");
  const amzDate = need("X-Amz-Date");
  const m = AMZ_DATE.exec(amzDate);
  if (!m) throw new S3Error(code, "X-Amz-Date must be a time like 20130524T000000Z.");
  if (m[1] !== credential.date) throw new S3Error(code, `The credential's date ${credential.date} is not the request's date ${m[1]}.`);
  const expires = need("X-Amz-Expires");
  if (!/^\d{1,7}$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_PRESIGN_SECONDS) {
    throw new S3Error(code, "X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days).");
  }
  return {
    kind: "query",
    credential,
    signedHeaders: parseSignedHeaders(need("X-Amz-SignedHeaders"), code),
    signature: need("X-Amz-Signature").toLowerCase(),
    amzDate,
    payload: query.get("X-Amz-Content-Sha256") ?? UNSIGNED_PAYLOAD,
    expiresIn: Number(expires),
  };
}

/** An HTTP date (Date header) as yyyymmddThhmmssZ, or undefined. */
function httpDateToAmz(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : amzDateOf(ms);
}

export function amzDateOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export function amzDateMs(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)!;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * Checks a claimed signature with the access key's secret, or with the signing key already
 * derived from it for the claimed credential's scope: the time first (skew, expiry), then the
 * signature itself. Returns the signing key (for aws-chunked bodies) or throws S3Error.
 */
export function verifySignature(req: SignableRequest, claimed: ClaimedSignature, secret: string | SigningKey, nowMs: number): VerifiedSignature {
  const at = amzDateMs(claimed.amzDate);
  if (claimed.kind === "header") {
    if (Math.abs(nowMs - at) > MAX_SKEW_MS) {
      throw new S3Error("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large (more than 15 minutes); check this computer's clock.", {
        RequestTime: claimed.amzDate,
        ServerTime: new Date(nowMs).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    }
  } else {
    if (at - nowMs > MAX_SKEW_MS) throw new S3Error("AccessDenied", "Request is not valid yet: its X-Amz-Date is in the future.");
    if (nowMs > at + claimed.expiresIn! * 1000) {
      throw new S3Error("AccessDenied", "Request has expired: make a new presigned URL.", {
        Expires: new Date(at + claimed.expiresIn! * 1000).toISOString(),
        ServerTime: new Date(nowMs).toISOString(),
      });
    }
  }
  const key = typeof secret === "string" ? signingKey(secret, claimed.credential.date, claimed.credential.region, claimed.credential.service) : secret;
  const canonical = canonicalRequest(req, claimed);
  const toSign = stringToSign(claimed.amzDate, claimed.credential.scope, canonical);
  const expected = createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  if (!sameSignature(expected, claimed.signature)) {
    throw new S3Error(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your secret access key and signing method; the endpoint URL must include /s3.",
      { AWSAccessKeyId: claimed.credential.accessKeyId, StringToSign: toSign },
    );
  }
  return { claimed, signingKey: key };
}
