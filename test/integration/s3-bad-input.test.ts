import { createHash, createHmac, randomBytes } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_SHA256 } from "../../src/s3/sigv4.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";
import { type S3Person, s3Failure, s3Person, sendRaw, signedRequest, signRequest } from "../helpers/s3-endpoint.ts";

// The S3 endpoint against what a broken or hostile client sends, on a real Plinth with SQLite
// and PostgreSQL: wrong and revoked keys, tampered and expired presigned URLs, a skewed clock,
// keys with control characters or .. segments, bodies cut short, tampered aws-chunked chunks,
// wrong Content-MD5, checksums and payload hashes, and uploads over the team's quota. Each is
// a 4xx S3 error document, and nothing partial is left: the object never appears.

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const md5b64 = (b: Buffer | string) => createHash("md5").update(b).digest("base64");

for (const db of testDatabases()) {
  describe(`S3 endpoint, bad input (${db.name})`, () => {
    let t: TestPlatform;
    let alice: S3Person;

    beforeAll(async () => {
      t = await startTestPlatform(db, "s3-bad");
      expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
      alice = await s3Person(t, "alice", { team: "vision", teamRole: "member" });
    });
    afterAll(async () => {
      await t?.close();
    });

    /** The object is not there, and no key under its prefix either. */
    async function absent(key: string): Promise<void> {
      expect(await s3Failure(alice.client.send(new HeadObjectCommand({ Bucket: "vision", Key: key })))).toMatchObject({ status: 404 });
      expect((await alice.client.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: key }))).KeyCount).toBe(0);
    }

    it("refuses unknown, wrong and revoked access keys, and anonymous requests", async () => {
      const wrongSecret = new S3Client({ endpoint: `${t.url}/s3`, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: "not-the-secret" } });
      expect(await s3Failure(wrongSecret.send(new ListObjectsV2Command({ Bucket: "vision" })))).toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
      const unknown = new S3Client({ endpoint: `${t.url}/s3`, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: "PLKAAAAAAAAAAAAAAAAA", secretAccessKey: "x" } });
      expect(await s3Failure(unknown.send(new ListObjectsV2Command({ Bucket: "vision" })))).toMatchObject({ code: "InvalidAccessKeyId", status: 403 });
      const anonymous = await fetch(`${t.url}/s3/vision?list-type=2`);
      expect(anonymous.status).toBe(403);
      expect(await anonymous.text()).toContain("<Code>AccessDenied</Code>");
      // An API token is not a signature.
      expect((await fetch(`${t.url}/s3/vision`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(400);

      const extra = await t.api("POST", "/api/v1/access-keys", { name: "to revoke" }, alice.token);
      const client = new S3Client({ endpoint: `${t.url}/s3`, region: "eu-west-3", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: extra.body.accessKeyId, secretAccessKey: extra.body.secretAccessKey } });
      await client.send(new ListObjectsV2Command({ Bucket: "vision" }));
      expect((await t.api("DELETE", `/api/v1/access-keys/${extra.body.accessKeyId}`, undefined, alice.token)).status).toBe(200);
      expect(await s3Failure(client.send(new ListObjectsV2Command({ Bucket: "vision" })))).toMatchObject({ code: "InvalidAccessKeyId" });
    });

    it("refuses a request from a clock more than 15 minutes off", async () => {
      const skewed = await signedRequest(t, alice, { method: "GET", path: "/s3/vision", query: "list-type=2", date: Date.now() - 20 * 60_000 });
      expect([skewed.status, skewed.code]).toEqual([403, "RequestTimeTooSkewed"]);
      const fine = await signedRequest(t, alice, { method: "GET", path: "/s3/vision", query: "list-type=2", date: Date.now() - 5 * 60_000 });
      expect(fine.status).toBe(200);
    });

    it("serves presigned URLs, and refuses them tampered or expired", async () => {
      await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "shared/report.txt", Body: "the report" }));
      const url = await getSignedUrl(alice.client, new GetObjectCommand({ Bucket: "vision", Key: "shared/report.txt", ResponseContentDisposition: 'attachment; filename="r.txt"' }), { expiresIn: 60 });
      const ok = await fetch(url);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe("the report");
      expect(ok.headers.get("content-disposition")).toBe('attachment; filename="r.txt"');

      const otherKey = await fetch(url.replace("report.txt", "report.txu"));
      expect(otherKey.status).toBe(403);
      expect(await otherKey.text()).toContain("SignatureDoesNotMatch");
      const sig = /X-Amz-Signature=([0-9a-f]+)/.exec(url)![1]!;
      const flipped = `${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`;
      expect((await fetch(url.replace(sig, flipped))).status).toBe(403);
      const longer = await fetch(url.replace("X-Amz-Expires=60", "X-Amz-Expires=6000"));
      expect(await longer.text()).toContain("SignatureDoesNotMatch");

      const short = await getSignedUrl(alice.client, new GetObjectCommand({ Bucket: "vision", Key: "shared/report.txt" }), { expiresIn: 1 });
      await new Promise((r) => setTimeout(r, 2100));
      const expired = await fetch(short);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/);

      // A presigned PUT uploads without the SDK.
      const put = await getSignedUrl(alice.client, new PutObjectCommand({ Bucket: "vision", Key: "shared/upload.txt" }), { expiresIn: 60 });
      expect((await fetch(put, { method: "PUT", body: "sent with curl" })).status).toBe(200);
      const back = await alice.client.send(new GetObjectCommand({ Bucket: "vision", Key: "shared/upload.txt" }));
      expect(await back.Body!.transformToString()).toBe("sent with curl");
    });

    it("refuses keys with control characters, a leading slash, . or .. segments, or over 1024 bytes", async () => {
      const cases: Array<[string, string]> = [
        ["a\u0001b.txt", "InvalidObjectName"],
        ["nul\u0000.txt", "InvalidObjectName"],
        ["line\nbreak", "InvalidObjectName"],
        ["/etc/passwd", "InvalidObjectName"],
        ["a/../../etc/passwd", "InvalidObjectName"],
        ["./here", "InvalidObjectName"],
        ["k".repeat(1025), "KeyTooLongError"],
      ];
      for (const [key, code] of cases) {
        const answer = await signedRequest(t, alice, { method: "PUT", path: `/s3/vision/${key.split("/").map(encodeURIComponent).join("/")}`, body: Buffer.from("x") });
        expect([answer.status, answer.code], JSON.stringify(key)).toEqual([400, code]);
        // The error document stays well-formed XML: control characters are not echoed raw.
        expect([...answer.body].some((c) => c.charCodeAt(0) < 0x09)).toBe(false);
      }
      // The same through the SDK, which sends what it is given.
      expect(await s3Failure(alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "a/../b", Body: "x" })))).toMatchObject({ code: "InvalidObjectName", status: 400 });
      const left = (await alice.client.send(new ListObjectsV2Command({ Bucket: "vision" }))).Contents ?? [];
      expect(left.map((o) => o.Key).filter((k) => !k!.startsWith("shared/"))).toEqual([]);
    });

    it("keeps nothing of a body cut short, plain or aws-chunked", async () => {
      const body = randomBytes(256 * 1024);
      const cut = await signedRequest(t, alice, { method: "PUT", path: "/s3/vision/cut/plain.bin", body, payload: "UNSIGNED-PAYLOAD", sendBytes: 100_000 });
      expect(cut.status === 0 || cut.code === "IncompleteBody").toBe(true);
      await absent("cut/plain.bin");

      // aws-chunked, unsigned with a trailer, whose last chunk never comes.
      const framed = Buffer.concat([Buffer.from(`${(1000).toString(16)}\r\n`), body.subarray(0, 1000), Buffer.from("\r\n")]);
      const chunked = await signedRequest(t, alice, {
        method: "PUT",
        path: "/s3/vision/cut/chunked.bin",
        body: framed,
        payload: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "2000", "x-amz-trailer": "x-amz-checksum-crc32" },
      });
      expect([chunked.status, chunked.code]).toEqual([400, "IncompleteBody"]);
      await absent("cut/chunked.bin");

      // Content-Length says more than the body holds, and the client hangs up.
      const short = await signedRequest(t, alice, { method: "PUT", path: "/s3/vision/cut/short.bin", body: body.subarray(0, 10), headers: { "content-length": "5000" }, sendBytes: 10 });
      expect(short.status === 0 || short.code === "IncompleteBody").toBe(true);
      await absent("cut/short.bin");
    });

    it("refuses a tampered signed aws-chunked body, chunk by chunk", async () => {
      const data = randomBytes(100_000);
      const opts = {
        method: "PUT",
        path: "/s3/vision/chunks/signed.bin",
        payload: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        headers: { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(data.length), "transfer-encoding": "chunked" },
      };
      const signed = signRequest(t, alice, opts);
      const frame = (pieces: Buffer[], tamper: boolean) => {
        let previous = signed.signature;
        const out: Buffer[] = [];
        for (const piece of [...pieces, Buffer.alloc(0)]) {
          const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", signed.amzDate, signed.scope, previous, EMPTY_SHA256, sha256(piece)].join("\n");
          previous = createHmac("sha256", signed.signingKey).update(toSign).digest("hex");
          const sent = tamper && piece.length > 0 ? Buffer.concat([piece.subarray(0, -1), Buffer.from([piece[piece.length - 1]! ^ 1])]) : piece;
          out.push(Buffer.from(`${piece.length.toString(16)};chunk-signature=${previous}\r\n`), sent, Buffer.from("\r\n"));
        }
        return Buffer.concat(out);
      };
      const pieces = [data.subarray(0, 65536), data.subarray(65536)];
      const bad = await sendRaw(t, { ...opts, body: frame(pieces, true) }, signed.headers);
      expect([bad.status, bad.code]).toEqual([403, "SignatureDoesNotMatch"]);
      await absent("chunks/signed.bin");
      const good = await sendRaw(t, { ...opts, body: frame(pieces, false) }, signed.headers);
      expect(good.status, good.body).toBe(200);
      const back = await alice.client.send(new GetObjectCommand({ Bucket: "vision", Key: "chunks/signed.bin" }));
      expect(Buffer.from(await back.Body!.transformToByteArray()).equals(data)).toBe(true);
    });

    it("refuses a wrong Content-MD5, checksum or payload hash, storing nothing", async () => {
      const body = Buffer.from("the real bytes");
      const md5 = await s3Failure(alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "digest/md5.txt", Body: body, ContentMD5: md5b64("other bytes") })));
      expect(md5).toMatchObject({ code: "BadDigest", status: 400 });
      await absent("digest/md5.txt");
      const crc = await s3Failure(alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "digest/crc.txt", Body: body, ChecksumCRC32: "AAAAAA==" })));
      expect(crc).toMatchObject({ code: "BadDigest", status: 400 });
      await absent("digest/crc.txt");
      const hash = await signedRequest(t, alice, { method: "PUT", path: "/s3/vision/digest/sha.txt", body, payload: sha256("something else") });
      expect([hash.status, hash.code]).toEqual([400, "XAmzContentSHA256Mismatch"]);
      await absent("digest/sha.txt");
      const badMd5 = await signedRequest(t, alice, { method: "PUT", path: "/s3/vision/digest/md5b.txt", body, headers: { "content-md5": "not base64" } });
      expect([badMd5.status, badMd5.code]).toEqual([400, "InvalidDigest"]);
      // A right Content-MD5 passes.
      await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "digest/ok.txt", Body: body, ContentMD5: md5b64(body) }));
    });

    it("refuses malformed XML and a missing Content-Length", async () => {
      const xml = await signedRequest(t, alice, { method: "POST", path: "/s3/vision", query: "delete", body: Buffer.from("<Delete><Object><Key>a</Key></Object>") });
      expect([xml.status, xml.code]).toEqual([400, "MalformedXML"]);
      const doctype = await signedRequest(t, alice, { method: "POST", path: "/s3/vision", query: "delete", body: Buffer.from('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&e;</Key></Object></Delete>') });
      expect([doctype.status, doctype.code]).toEqual([400, "MalformedXML"]);
      const noLength = await signedRequest(t, alice, { method: "PUT", path: "/s3/vision/nolength", body: Buffer.from("abc"), payload: "UNSIGNED-PAYLOAD", headers: { "transfer-encoding": "chunked" } });
      expect([noLength.status, noLength.code]).toEqual([411, "MissingContentLength"]);
      const unsupported = await signedRequest(t, alice, { method: "GET", path: "/s3/vision", query: "policy" });
      expect([unsupported.status, unsupported.code]).toEqual([501, "NotImplemented"]);
    });

    it("refuses uploads over the team's byte quota, saying who can raise it", async () => {
      const usage = async () => (await t.api("GET", "/api/v1/quotas/team/vision")).body.usage.storageBytes as number;
      const before = await usage();
      await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "quota/first.bin", Body: randomBytes(40_000) }));
      // The endpoint's objects count in the team's usage.
      expect(await usage()).toBe(before + 40_000);
      expect((await t.api("PUT", "/api/v1/quotas/team/vision", { storageBytes: before + 100_000 })).status).toBe(200);
      const over = await s3Failure(alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "quota/second.bin", Body: randomBytes(80_000) })));
      expect(over).toMatchObject({ code: "QuotaExceeded", status: 403 });
      expect(over.message).toMatch(/Team vision uses .* of .*; this upload needs/);
      expect(over.message).toContain("plinth quotas set team vision");
      await absent("quota/second.bin");
      // Within the quota still works.
      await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "quota/small.bin", Body: randomBytes(10_000) }));
      expect(await usage()).toBe(before + 50_000);
      expect((await t.api("PUT", "/api/v1/quotas/team/vision", { storageBytes: null })).status).toBe(200);
    });
  });
}
