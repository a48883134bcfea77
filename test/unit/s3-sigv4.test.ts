import { describe, expect, it } from "vitest";
import { S3Error } from "../../src/s3/errors.ts";
import { claimedV2, stringToSignV2, verifyV2 } from "../../src/s3/sigv2.ts";
import {
  amzDateMs,
  canonicalQuery,
  canonicalUri,
  claimedSignature,
  EMPTY_SHA256,
  parseQuery,
  type SignableRequest,
  signingKey,
  uriEncode,
  verifySignature,
} from "../../src/s3/sigv4.ts";

// The example requests of the AWS Signature Version 4 documentation for S3 ("Examples:
// signature calculations", "Authenticating requests: using query parameters"), with their
// published signatures. The secret and key id are AWS's documentation examples.

const KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const HOST = "examplebucket.s3.amazonaws.com";
const AT = amzDateMs("20130524T000000Z");
const SCOPE = `${KEY_ID}/20130524/us-east-1/s3/aws4_request`;

function request(method: string, target: string, headers: Record<string, string>): SignableRequest {
  const q = target.indexOf("?");
  return {
    method,
    rawPath: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? "" : target.slice(q + 1),
    rawHeaders: Object.entries(headers).flat(),
  };
}

function signedBy(headers: Record<string, string>, signedHeaders: string, signature: string): Record<string, string> {
  return { ...headers, Authorization: `AWS4-HMAC-SHA256 Credential=${SCOPE},SignedHeaders=${signedHeaders},Signature=${signature}` };
}

function verifies(req: SignableRequest, now = AT): boolean {
  const claimed = claimedSignature(req);
  if (!claimed) throw new Error("no signature");
  try {
    verifySignature(req, claimed, SECRET, now);
    return true;
  } catch (err) {
    if (err instanceof S3Error && err.code === "SignatureDoesNotMatch") return false;
    throw err;
  }
}

describe("Signature V4: the AWS documentation's examples", () => {
  const dated = { Host: HOST, "x-amz-date": "20130524T000000Z", "x-amz-content-sha256": EMPTY_SHA256 };

  it("GET Object with a Range header", () => {
    const headers = signedBy({ ...dated, Range: "bytes=0-9" }, "host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    expect(verifies(request("GET", "/test.txt", headers))).toBe(true);
    // The same request for other bytes does not.
    expect(verifies(request("GET", "/test.txt", { ...headers, Range: "bytes=0-10" }))).toBe(false);
  });

  it("PUT Object of a key with $ in it, signed body, a Date header", () => {
    const headers = signedBy(
      {
        Host: HOST,
        Date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      },
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    );
    // The client may send the $ encoded or not: the canonical URI is the same.
    expect(verifies(request("PUT", "/test%24file.text", headers))).toBe(true);
    expect(verifies(request("PUT", "/test$file.text", headers))).toBe(true);
    expect(verifies(request("PUT", "/test%24file.txt", headers))).toBe(false);
  });

  it("GET Bucket Lifecycle: a query parameter without a value", () => {
    const headers = signedBy(dated, "host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    expect(verifies(request("GET", "/?lifecycle", headers))).toBe(true);
  });

  it("GET Bucket (List Objects): query parameters sorted", () => {
    const headers = signedBy(dated, "host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    expect(verifies(request("GET", "/?max-keys=2&prefix=J", headers))).toBe(true);
    expect(verifies(request("GET", "/?prefix=J&max-keys=2", headers))).toBe(true);
    expect(verifies(request("GET", "/?max-keys=3&prefix=J", headers))).toBe(false);
  });

  it("a presigned GET URL valid for a day", () => {
    const target =
      "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
      "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    const req = request("GET", target, { Host: HOST });
    expect(verifies(req)).toBe(true);
    expect(verifies(req, AT + 86_400_000)).toBe(true);
    // A second later it has expired.
    expect(() => verifies(req, AT + 86_401_000)).toThrow(/Request has expired/);
    // Another key, the same signature: refused.
    expect(verifies(request("GET", target.replace("/test.txt", "/test.txu"), { Host: HOST }))).toBe(false);
    // A changed expiry: refused.
    expect(verifies(request("GET", target.replace("86400", "86401"), { Host: HOST }))).toBe(false);
  });
});

describe("Signature V4: what the server checks besides the signature", () => {
  const base = { Host: HOST, "x-amz-content-sha256": EMPTY_SHA256 };

  it("refuses a request more than 15 minutes from the server's clock", () => {
    const req = request("GET", "/test.txt", signedBy({ ...base, "x-amz-date": "20130524T000000Z" }, "host;x-amz-content-sha256;x-amz-date", "0".repeat(64)));
    const claimed = claimedSignature(req)!;
    expect(() => verifySignature(req, claimed, SECRET, AT + 16 * 60_000)).toThrow(expect.objectContaining({ code: "RequestTimeTooSkewed" }));
    expect(() => verifySignature(req, claimed, SECRET, AT - 16 * 60_000)).toThrow(expect.objectContaining({ code: "RequestTimeTooSkewed" }));
    // Within the window, the (wrong) signature is what fails.
    expect(() => verifySignature(req, claimed, SECRET, AT + 14 * 60_000)).toThrow(expect.objectContaining({ code: "SignatureDoesNotMatch" }));
  });

  it("refuses presigned URLs that live longer than 7 days", () => {
    const target = `/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(SCOPE)}&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=${"0".repeat(64)}`;
    expect(() => claimedSignature(request("GET", target, { Host: HOST }))).toThrow(expect.objectContaining({ code: "AuthorizationQueryParametersError" }));
  });

  it("needs x-amz-content-sha256 and a credential scoped to s3", () => {
    const noPayload = request("GET", "/k", { Host: HOST, "x-amz-date": "20130524T000000Z", Authorization: `AWS4-HMAC-SHA256 Credential=${SCOPE},SignedHeaders=host,Signature=${"0".repeat(64)}` });
    expect(() => claimedSignature(noPayload)).toThrow(/x-amz-content-sha256/);
    const wrongService = request("GET", "/k", {
      ...base,
      "x-amz-date": "20130524T000000Z",
      Authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/20130524/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=${"0".repeat(64)}`,
    });
    expect(() => claimedSignature(wrongService)).toThrow(expect.objectContaining({ code: "AuthorizationHeaderMalformed" }));
  });

  it("refuses Signature Version 2 with a hint", () => {
    const v2 = request("GET", "/k", { Host: HOST, Authorization: "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=" });
    expect(() => claimedSignature(v2)).toThrow(/s3v4/);
  });

  it("takes no signature as anonymous", () => {
    expect(claimedSignature(request("GET", "/k?list-type=2", { Host: HOST }))).toBeNull();
  });

  it("a signed header that was not sent is a mismatch, not a crash", () => {
    const req = request("GET", "/k", signedBy({ ...base, "x-amz-date": "20130524T000000Z" }, "host;x-amz-content-sha256;x-amz-date;x-amz-meta-a", "0".repeat(64)));
    expect(() => verifySignature(req, claimedSignature(req)!, SECRET, AT)).toThrow(expect.objectContaining({ code: "SignatureDoesNotMatch" }));
  });
});

describe("Signature V4: canonical forms", () => {
  it("encodes as AWS does: unreserved characters kept, UTF-8 bytes in upper-case hex", () => {
    expect(uriEncode("a b+c/ü~*", false)).toBe("a%20b%2Bc%2F%C3%BC~%2A");
    expect(uriEncode("a b/c", true)).toBe("a%20b/c");
    expect(canonicalUri("/s3/team/dir/a%20b%2Bc")).toBe("/s3/team/dir/a%20b%2Bc");
    expect(canonicalUri("/s3/team/it's (1).txt")).toBe("/s3/team/it%27s%20%281%29.txt");
  });

  it("sorts query parameters by encoded name, then value", () => {
    expect(canonicalQuery(parseQuery("prefix=a%20b&delimiter=%2F&list-type=2&uploads"))).toBe("delimiter=%2F&list-type=2&prefix=a%20b&uploads=");
    expect(canonicalQuery(parseQuery("a=2&a=1&B=3"))).toBe("B=3&a=1&a=2");
  });

  it("derives the signing key as the documentation does", () => {
    // "Deriving the signing key" example of the SigV4 documentation (IAM service, 2015-08-30).
    expect(signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam").toString("hex")).toBe("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  });
});

describe("Signature V2 presigned URLs (as boto3 makes them by default)", () => {
  // The query-string authentication example of the S3 developer guide (REST authentication).
  const req = request("GET", "/quotes/nelson?AWSAccessKeyId=44CF9590006BF252F707&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D", { Host: "s3.amazonaws.com" });
  const secret = "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV";
  const before = 1141889120 * 1000 - 60_000;

  it("checks the documented link, with or without the endpoint's /s3 in the signed path", () => {
    expect(stringToSignV2(req, 1141889120, "/quotes/nelson")).toBe("GET\n\n\n1141889120\n/quotes/nelson");
    expect(verifyV2(req, claimedV2(req), secret, before, "/s3").claimed.payload).toBe("UNSIGNED-PAYLOAD");
    const behind = request("GET", "/s3/quotes/nelson?AWSAccessKeyId=44CF9590006BF252F707&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D", { Host: "h" });
    expect(() => verifyV2(behind, claimedV2(behind), secret, before, "/s3")).not.toThrow();
  });

  it("refuses it expired, tampered, or signed with another secret", () => {
    expect(() => verifyV2(req, claimedV2(req), secret, 1141889121 * 1000, "/s3")).toThrow(/Request has expired/);
    const other = request("GET", "/quotes/nelsoN?AWSAccessKeyId=44CF9590006BF252F707&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D", { Host: "h" });
    expect(() => verifyV2(other, claimedV2(other), secret, before, "/s3")).toThrow(expect.objectContaining({ code: "SignatureDoesNotMatch" }));
    expect(() => verifyV2(req, claimedV2(req), "another", before, "/s3")).toThrow(expect.objectContaining({ code: "SignatureDoesNotMatch" }));
    // A link that would live past 7 days from now.
    expect(() => verifyV2(req, claimedV2(req), secret, 1141889120 * 1000 - 8 * 86_400_000, "/s3")).toThrow(expect.objectContaining({ code: "AuthorizationQueryParametersError" }));
  });
});
