import { createHmac } from "node:crypto";
import { S3Error } from "./errors.ts";
import { type ClaimedSignature, headerValues, MAX_PRESIGN_SECONDS, parseQuery, type SignableRequest, sameSignature, UNSIGNED_PAYLOAD, type VerifiedSignature } from "./sigv4.ts";

// Presigned URLs of the older Signature Version 2 (?AWSAccessKeyId=…&Expires=…&Signature=…).
// boto3's generate_presigned_url still makes these by default when no signature version is
// configured, so links from everyday scripts must open. Only query-string links are taken:
// every signed request goes through Signature V4.

/** Sub-resources and response overrides that belong to the signed resource, as S3 lists them. */
const SIGNED_PARAMETERS = new Set([
  "acl",
  "delete",
  "lifecycle",
  "location",
  "logging",
  "notification",
  "partNumber",
  "policy",
  "requestPayment",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "torrent",
  "uploadId",
  "uploads",
  "versionId",
  "versioning",
  "versions",
  "website",
]);

export function isPresignedV2(rawQuery: string): boolean {
  return /(^|&)AWSAccessKeyId=/.test(rawQuery) && /(^|&)Signature=/.test(rawQuery);
}

export interface ClaimedV2 {
  accessKeyId: string;
  signature: string;
  expires: number;
}

export function claimedV2(req: SignableRequest): ClaimedV2 {
  const query = new Map(parseQuery(req.rawQuery));
  const accessKeyId = query.get("AWSAccessKeyId") ?? "";
  const signature = query.get("Signature") ?? "";
  const expires = query.get("Expires") ?? "";
  if (accessKeyId === "" || signature === "" || !/^\d{1,12}$/.test(expires)) {
    throw new S3Error("AuthorizationQueryParametersError", "A Signature Version 2 link needs AWSAccessKeyId, Signature and Expires (seconds since 1970).");
  }
  return { accessKeyId, signature, expires: Number(expires) };
}

/**
 * The string S3 signs for a V2 link. The resource is the path as sent; `prefix` is left out
 * when the client signed the path without it (the bucket and key alone).
 */
export function stringToSignV2(req: SignableRequest, expires: number, resourcePath: string): string {
  const headers = req.headers ?? headerValues(req.rawHeaders);
  const amz = [...headers]
    .filter(([name]) => name.startsWith("x-amz-"))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}:${value}\n`)
    .join("");
  const signedParameters = parseQuery(req.rawQuery)
    .filter(([name]) => SIGNED_PARAMETERS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === "" ? name : `${name}=${value}`));
  const resource = resourcePath + (signedParameters.length > 0 ? `?${signedParameters.join("&")}` : "");
  return [req.method, headers.get("content-md5") ?? "", headers.get("content-type") ?? "", String(expires), `${amz}${resource}`].join("\n");
}

/** Checks a V2 link with the key's secret; the result reads as an unsigned-payload V4 request. */
export function verifyV2(req: SignableRequest, claimed: ClaimedV2, secret: string, nowMs: number, strippedPrefix: string): VerifiedSignature {
  const now = Math.floor(nowMs / 1000);
  if (claimed.expires < now) throw new S3Error("AccessDenied", "Request has expired: make a new presigned URL.", { Expires: new Date(claimed.expires * 1000).toISOString(), ServerTime: new Date(nowMs).toISOString() });
  if (claimed.expires > now + MAX_PRESIGN_SECONDS) throw new S3Error("AuthorizationQueryParametersError", "A presigned URL may live at most 7 days (604800 seconds).");
  // Clients sign the path as they send it, the endpoint's /s3 included or (some) not.
  const paths = [req.rawPath];
  if (req.rawPath.startsWith(`${strippedPrefix}/`)) paths.push(req.rawPath.slice(strippedPrefix.length));
  const ok = paths.some((path) => sameSignature(createHmac("sha1", secret).update(stringToSignV2(req, claimed.expires, path), "utf8").digest("base64"), claimed.signature));
  if (!ok) {
    throw new S3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your secret access key and signing method; the endpoint URL must include /s3.", {
      AWSAccessKeyId: claimed.accessKeyId.slice(0, 40),
    });
  }
  const asV4: ClaimedSignature = {
    kind: "query",
    credential: { accessKeyId: claimed.accessKeyId, date: "", region: "", service: "s3", scope: "" },
    signedHeaders: [],
    signature: claimed.signature,
    amzDate: "",
    payload: UNSIGNED_PAYLOAD,
  };
  return { claimed: asV4, signingKey: Buffer.alloc(0) };
}
