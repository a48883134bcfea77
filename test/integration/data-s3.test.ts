import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { push, putBlob, sha256 } from "../helpers/data.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";
import { reportSkippedS3Tests, type S3Server, s3sFsBinary, startS3Server } from "../helpers/s3-server.ts";

// The data API on a Plinth whose objects are in a real S3 server (s3s-fs, on loopback):
// resumable uploads become S3 multipart uploads, ranged downloads are ranged GETs, download
// links are the bucket's own presigned URLs, and garbage collection deletes from the bucket.

reportSkippedS3Tests();

const MiB = 1024 ** 2;

describe.skipIf(!s3sFsBinary())("datasets on an S3 bucket", () => {
  let s3: S3Server;
  let t: TestPlatform;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(t.url + path, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });

  beforeAll(async () => {
    s3 = await startS3Server();
    const storage = {
      s3: { endpoint: s3.endpoint, bucket: s3.bucket, prefix: "plinth/", credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
      gcGracePeriod: "0s",
    };
    t = await startTestPlatform(testDatabases()[0]!, "data-s3", { extra: { storage } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await s3?.stop();
  });

  it("takes a file in parts, serves ranges of it, and links to it through the bucket", async () => {
    const file = randomBytes(6 * MiB + 123);
    const session = await t.api("POST", "/api/v1/data/uploads", { sha256: sha256(file), size: file.length, partSize: 5 * MiB });
    expect(session.body).toMatchObject({ partCount: 2, parts: [] });
    const send = (n: number, bytes: Buffer) =>
      fetch(`${t.url}/api/v1/data/uploads/${session.body.id}/parts/${n}`, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" }, body: bytes });
    expect((await send(2, file.subarray(5 * MiB))).status).toBe(200);
    expect((await t.api("POST", "/api/v1/data/uploads", { sha256: sha256(file), size: file.length, partSize: 5 * MiB })).body.parts).toEqual([{ number: 2, size: MiB + 123 }]);
    expect((await send(1, file.subarray(0, 5 * MiB))).status).toBe(200);
    expect((await t.api("POST", `/api/v1/data/uploads/${session.body.id}/complete`)).body).toEqual({ sha256: sha256(file), size: file.length, created: true });

    expect((await push(t, "blobs", { "data/big.bin": file, "small.txt": "small" })).body.created).toBe(true);
    const part = await get("/api/v1/datasets/blobs/versions/v1/files/data/big.bin", { range: `bytes=${5 * MiB - 10}-${5 * MiB + 9}` });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(file.subarray(5 * MiB - 10, 5 * MiB + 10));
    const whole = await get("/api/v1/datasets/blobs/versions/v1/files/data/big.bin");
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(file));

    const link = await t.api("POST", "/api/v1/datasets/blobs/versions/v1/url", { path: "small.txt", expiresIn: "5m" });
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    // The bucket's own presigned URL: the bytes do not pass through Plinth.
    expect(link.body.url.startsWith(s3.endpoint)).toBe(true);
    const opened = await fetch(link.body.url);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toBe("small");
  });

  it("collects blobs nothing names from the bucket", async () => {
    const loose = randomBytes(4000);
    expect((await putBlob(t, loose)).status).toBe(201);
    const gc = await t.api("POST", "/api/v1/data/gc");
    expect(gc.body).toMatchObject({ deletedBlobs: 1, freedBytes: loose.length });
    expect((await t.api("POST", "/api/v1/data/blobs/missing", { sha256: [sha256(loose), sha256("small")] })).body.missing).toEqual([sha256(loose)]);
    expect(await t.platform.blobs.size(sha256(loose))).toBeNull();
    expect(await t.platform.blobs.size(sha256("small"))).toBe(5);
  });
});
