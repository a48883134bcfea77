import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";
import { accessKey, type S3Person, s3Failure, s3Person } from "../helpers/s3-endpoint.ts";

// The S3-compatible endpoint driven by the AWS SDK for JavaScript — which signs real
// Signature V4 and sends aws-chunked bodies with CRC32 trailers by default — against a real
// Plinth on SQLite and PostgreSQL: every operation, team spaces kept apart, viewers kept
// read-only, the read-only datasets/ prefix, and the audit log. Malformed and hostile
// requests are in s3-bad-input.test.ts.

const md5 = (b: Buffer | string) => createHash("md5").update(b).digest("hex");
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const MiB = 1024 ** 2;

async function bodyOf(out: { Body?: unknown }): Promise<Buffer> {
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

for (const db of testDatabases()) {
  describe(`S3 endpoint (${db.name})`, () => {
    let t: TestPlatform;
    let alice: S3Person; // member of vision
    let bea: S3Person; // member of vision
    let dana: S3Person; // admin of vision
    let victor: S3Person; // viewer of vision
    let olga: S3Person; // member of nlp only
    let keeper: Omit<S3Person, "token">;

    beforeAll(async () => {
      t = await startTestPlatform(db, "s3");
      for (const team of ["vision", "nlp"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      alice = await s3Person(t, "alice", { team: "vision", teamRole: "member" });
      bea = await s3Person(t, "bea", { team: "vision", teamRole: "member" });
      dana = await s3Person(t, "dana", { team: "vision", teamRole: "admin" });
      victor = await s3Person(t, "victor", { team: "vision", teamRole: "viewer" });
      olga = await s3Person(t, "olga", { team: "nlp", teamRole: "member" });
      keeper = await accessKey(t, TOKEN);
    });
    afterAll(async () => {
      await t?.close();
    });

    it("lists a person's teams as buckets; a Keeper sees every team", async () => {
      const mine = await alice.client.send(new ListBucketsCommand({}));
      expect(mine.Buckets?.map((b) => b.Name)).toEqual(["vision"]);
      expect(mine.Owner?.DisplayName).toBe("alice");
      const all = await keeper.client.send(new ListBucketsCommand({}));
      expect(all.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining(["default", "nlp", "vision"]));
      await alice.client.send(new HeadBucketCommand({ Bucket: "vision" }));
      expect((await alice.client.send(new GetBucketLocationCommand({ Bucket: "vision" }))).LocationConstraint ?? "").toBe("");
    });

    it("puts, heads, gets and deletes objects, plain and aws-chunked", async () => {
      const c = alice.client;
      const text = "sepal_length,species\n5.1,setosa\n";
      const put = await c.send(new PutObjectCommand({ Bucket: "vision", Key: "raw/iris.csv", Body: text, ContentType: "text/csv", Metadata: { source: "uci" }, CacheControl: "no-cache" }));
      // The ETag of a single PUT is the MD5 of its bytes, as clients expect.
      expect(put.ETag).toBe(`"${md5(text)}"`);
      // A stream of unknown framing: the SDK sends aws-chunked with a CRC32 trailer.
      const big = randomBytes(3 * MiB + 17);
      const streamed = await c.send(new PutObjectCommand({ Bucket: "vision", Key: "raw/big.bin", Body: Readable.from([big.subarray(0, MiB), big.subarray(MiB)]), ContentLength: big.length }));
      expect(streamed.ETag).toBe(`"${md5(big)}"`);
      expect(streamed.ChecksumCRC32).toBeTruthy();

      const head = await c.send(new HeadObjectCommand({ Bucket: "vision", Key: "raw/iris.csv" }));
      expect(head.ContentLength).toBe(Buffer.byteLength(text));
      expect(head.ContentType).toBe("text/csv");
      expect(head.Metadata).toEqual({ source: "uci" });
      expect(head.CacheControl).toBe("no-cache");
      expect(head.ETag).toBe(put.ETag);
      const got = await c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/big.bin", ChecksumMode: "ENABLED" }));
      expect((await bodyOf(got)).equals(big)).toBe(true);
      expect(got.ChecksumCRC32).toBe(streamed.ChecksumCRC32);

      // Ranges: a slice, an open end, a suffix; past the end is InvalidRange.
      const slice = await c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/big.bin", Range: "bytes=1000-1999" }));
      expect(slice.$metadata.httpStatusCode).toBe(206);
      expect(slice.ContentRange).toBe(`bytes 1000-1999/${big.length}`);
      expect((await bodyOf(slice)).equals(big.subarray(1000, 2000))).toBe(true);
      const tail = await c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/big.bin", Range: "bytes=-10" }));
      expect((await bodyOf(tail)).equals(big.subarray(big.length - 10))).toBe(true);
      const open = await c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/big.bin", Range: `bytes=${big.length - 5}-` }));
      expect((await bodyOf(open)).length).toBe(5);
      expect(await s3Failure(c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/big.bin", Range: `bytes=${big.length}-` })))).toMatchObject({ code: "InvalidRange", status: 416 });

      // Conditional reads.
      const notModified = await s3Failure(c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/iris.csv", IfNoneMatch: put.ETag })));
      expect(notModified.status).toBe(304);
      expect(await s3Failure(c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/iris.csv", IfMatch: '"0000"' })))).toMatchObject({ status: 412 });

      // Conditional create: only where the key is free.
      expect(await s3Failure(c.send(new PutObjectCommand({ Bucket: "vision", Key: "raw/iris.csv", Body: "x", IfNoneMatch: "*" })))).toMatchObject({ code: "PreconditionFailed", status: 412 });

      await c.send(new DeleteObjectCommand({ Bucket: "vision", Key: "raw/big.bin" }));
      expect(await s3Failure(c.send(new HeadObjectCommand({ Bucket: "vision", Key: "raw/big.bin" })))).toMatchObject({ status: 404 });
      expect(await s3Failure(c.send(new GetObjectCommand({ Bucket: "vision", Key: "raw/big.bin" })))).toMatchObject({ code: "NoSuchKey", status: 404 });
      // Deleting what is not there succeeds, as in S3.
      await c.send(new DeleteObjectCommand({ Bucket: "vision", Key: "raw/big.bin" }));
    });

    it("lists with prefix, delimiter, pages, start-after and URL encoding (V2), and markers (V1)", async () => {
      // In S3's order, by UTF-8 bytes: a space before "/", "z" before "é".
      const keys = ["list/a.txt", "list/b/1.txt", "list/b/2.txt", "list/c d+e.txt", "list/c/3.txt", "list/z", "list/é.txt"];
      for (const key of keys) await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: key, Body: key }));
      const all = await alice.client.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "list/" }));
      expect(all.Contents?.map((o) => o.Key)).toEqual(keys);
      expect(all.Contents?.[0]).toMatchObject({ Size: "list/a.txt".length, ETag: `"${md5("list/a.txt")}"`, StorageClass: "STANDARD" });
      expect(all.KeyCount).toBe(keys.length);

      const folded = await alice.client.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "list/", Delimiter: "/" }));
      expect(folded.Contents?.map((o) => o.Key)).toEqual(["list/a.txt", "list/c d+e.txt", "list/z", "list/é.txt"]);
      expect(folded.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["list/b/", "list/c/"]);

      // Two at a time, folded, until the end: every key and prefix once, in order.
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await alice.client.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "list/", Delimiter: "/", MaxKeys: 2, ContinuationToken: token }));
        seen.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((o) => o.Key!));
        expect((page.KeyCount ?? 0) <= 2).toBe(true);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      expect(seen.sort()).toEqual(["list/a.txt", "list/b/", "list/c d+e.txt", "list/c/", "list/z", "list/é.txt"].sort());

      const after = await alice.client.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "list/", StartAfter: "list/c/3.txt" }));
      expect(after.Contents?.map((o) => o.Key)).toEqual(["list/z", "list/é.txt"]);

      const encoded = await alice.client.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "list/c", EncodingType: "url" }));
      expect(encoded.Contents?.map((o) => decodeURIComponent(o.Key!))).toEqual(["list/c d+e.txt", "list/c/3.txt"]);
      expect(encoded.Contents?.[0]?.Key).toBe("list/c%20d%2Be.txt");

      const v1 = await alice.client.send(new ListObjectsCommand({ Bucket: "vision", Prefix: "list/", Delimiter: "/", MaxKeys: 3 }));
      expect(v1.IsTruncated).toBe(true);
      const v1next = await alice.client.send(new ListObjectsCommand({ Bucket: "vision", Prefix: "list/", Delimiter: "/", Marker: v1.NextMarker }));
      expect([...(v1.Contents ?? []), ...(v1next.Contents ?? [])].map((o) => o.Key)).toEqual(["list/a.txt", "list/c d+e.txt", "list/z", "list/é.txt"]);
      expect(v1.Contents?.[0]?.Owner?.ID).toBeTruthy();
    });

    it("copies objects without copying bytes, keeping or replacing their metadata", async () => {
      const c = alice.client;
      await c.send(new PutObjectCommand({ Bucket: "vision", Key: "copy/src.txt", Body: "copy me", ContentType: "text/plain", Metadata: { a: "1" } }));
      const kept = await c.send(new CopyObjectCommand({ Bucket: "vision", Key: "copy/kept.txt", CopySource: "vision/copy/src.txt" }));
      expect(kept.CopyObjectResult?.ETag).toBe(`"${md5("copy me")}"`);
      const keptHead = await c.send(new HeadObjectCommand({ Bucket: "vision", Key: "copy/kept.txt" }));
      expect(keptHead).toMatchObject({ ContentType: "text/plain", Metadata: { a: "1" } });
      await c.send(new CopyObjectCommand({ Bucket: "vision", Key: "copy/kept.txt", CopySource: "/vision/copy%2Fsrc.txt", MetadataDirective: "REPLACE", ContentType: "text/x-new", Metadata: { b: "2" } }));
      expect(await c.send(new HeadObjectCommand({ Bucket: "vision", Key: "copy/kept.txt" }))).toMatchObject({ ContentType: "text/x-new", Metadata: { b: "2" } });
      expect((await bodyOf(await c.send(new GetObjectCommand({ Bucket: "vision", Key: "copy/kept.txt" })))).toString()).toBe("copy me");
      expect(await s3Failure(c.send(new CopyObjectCommand({ Bucket: "vision", Key: "copy/src.txt", CopySource: "vision/copy/src.txt" })))).toMatchObject({ code: "InvalidRequest" });
      expect(await s3Failure(c.send(new CopyObjectCommand({ Bucket: "vision", Key: "copy/x", CopySource: "vision/copy/none" })))).toMatchObject({ code: "NoSuchKey" });
      // A source in a team the person is not in does not exist for them.
      expect(await s3Failure(olga.client.send(new CopyObjectCommand({ Bucket: "nlp", Key: "stolen", CopySource: "vision/copy/src.txt" })))).toMatchObject({ code: "NoSuchBucket" });
    });

    it("deletes many objects at once, reporting each refusal", async () => {
      for (const k of ["many/1", "many/2"]) await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: k, Body: k }));
      await bea.client.send(new PutObjectCommand({ Bucket: "vision", Key: "many/bea", Body: "mine" }));
      const out = await alice.client.send(
        new DeleteObjectsCommand({ Bucket: "vision", Delete: { Objects: [{ Key: "many/1" }, { Key: "many/2" }, { Key: "many/none" }, { Key: "many/bea" }, { Key: "datasets/x/v1/a" }] } }),
      );
      expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(["many/1", "many/2", "many/none"]);
      expect(out.Errors?.map((e) => [e.Key, e.Code])).toEqual([
        ["many/bea", "AccessDenied"],
        ["datasets/x/v1/a", "AccessDenied"],
      ]);
      const quiet = await dana.client.send(new DeleteObjectsCommand({ Bucket: "vision", Delete: { Quiet: true, Objects: [{ Key: "many/bea" }] } }));
      expect(quiet.Deleted ?? []).toEqual([]);
      expect(await s3Failure(alice.client.send(new HeadObjectCommand({ Bucket: "vision", Key: "many/bea" })))).toMatchObject({ status: 404 });
    });

    it("uploads in parts: list, copy a part, refuse bad completions, complete and abort", async () => {
      const c = alice.client;
      const part1 = randomBytes(5 * MiB);
      const part2 = randomBytes(1234);
      const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: "vision", Key: "mp/model.bin", ContentType: "application/x-model", Metadata: { epoch: "3" } }));
      expect(UploadId).toBeTruthy();
      // Parts in any order, and a part sent again replaces it.
      const p2 = await c.send(new UploadPartCommand({ Bucket: "vision", Key: "mp/model.bin", UploadId, PartNumber: 2, Body: part2 }));
      await c.send(new UploadPartCommand({ Bucket: "vision", Key: "mp/model.bin", UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
      const p1 = await c.send(new UploadPartCommand({ Bucket: "vision", Key: "mp/model.bin", UploadId, PartNumber: 1, Body: part1 }));
      expect(p1.ETag).toBe(`"${md5(part1)}"`);
      const parts = await c.send(new ListPartsCommand({ Bucket: "vision", Key: "mp/model.bin", UploadId }));
      expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
        [1, part1.length, p1.ETag],
        [2, part2.length, p2.ETag],
      ]);
      const uploads = await c.send(new ListMultipartUploadsCommand({ Bucket: "vision", Prefix: "mp/" }));
      expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([["mp/model.bin", UploadId]]);

      const complete = (list: Array<{ PartNumber: number; ETag?: string }>) => c.send(new CompleteMultipartUploadCommand({ Bucket: "vision", Key: "mp/model.bin", UploadId, MultipartUpload: { Parts: list } }));
      expect(await s3Failure(complete([{ PartNumber: 1, ETag: '"ffff"' }, { PartNumber: 2, ETag: p2.ETag }]))).toMatchObject({ code: "InvalidPart" });
      expect(await s3Failure(complete([{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.ETag }]))).toMatchObject({ code: "InvalidPartOrder" });
      expect(await s3Failure(complete([{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 3, ETag: p2.ETag }]))).toMatchObject({ code: "InvalidPart" });
      // Another member may not finish alice's upload.
      expect(await s3Failure(bea.client.send(new AbortMultipartUploadCommand({ Bucket: "vision", Key: "mp/model.bin", UploadId })))).toMatchObject({ code: "AccessDenied" });

      const done = await complete([
        { PartNumber: 1, ETag: p1.ETag },
        { PartNumber: 2, ETag: p2.ETag },
      ]);
      const expectedEtag = `${createHash("md5").update(Buffer.concat([Buffer.from(md5(part1), "hex"), Buffer.from(md5(part2), "hex")])).digest("hex")}-2`;
      expect(done.ETag).toBe(`"${expectedEtag}"`);
      const got = await c.send(new GetObjectCommand({ Bucket: "vision", Key: "mp/model.bin" }));
      expect(got.ContentType).toBe("application/x-model");
      expect(got.Metadata).toEqual({ epoch: "3" });
      expect(sha256(await bodyOf(got))).toBe(sha256(Buffer.concat([part1, part2])));
      expect(await s3Failure(c.send(new ListPartsCommand({ Bucket: "vision", Key: "mp/model.bin", UploadId })))).toMatchObject({ code: "NoSuchUpload" });

      // A first part under 5 MiB is refused at completion; UploadPartCopy takes a range of an object.
      const small = await c.send(new CreateMultipartUploadCommand({ Bucket: "vision", Key: "mp/small.bin" }));
      const s1 = await c.send(new UploadPartCopyCommand({ Bucket: "vision", Key: "mp/small.bin", UploadId: small.UploadId, PartNumber: 1, CopySource: "vision/mp/model.bin", CopySourceRange: "bytes=0-99" }));
      expect(s1.CopyPartResult?.ETag).toBe(`"${md5(part1.subarray(0, 100))}"`);
      const s2 = await c.send(new UploadPartCommand({ Bucket: "vision", Key: "mp/small.bin", UploadId: small.UploadId, PartNumber: 2, Body: "end" }));
      expect(
        await s3Failure(
          c.send(new CompleteMultipartUploadCommand({ Bucket: "vision", Key: "mp/small.bin", UploadId: small.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1.CopyPartResult?.ETag }, { PartNumber: 2, ETag: s2.ETag }] } })),
        ),
      ).toMatchObject({ code: "EntityTooSmall" });
      await c.send(new AbortMultipartUploadCommand({ Bucket: "vision", Key: "mp/small.bin", UploadId: small.UploadId }));
      expect(await s3Failure(c.send(new UploadPartCommand({ Bucket: "vision", Key: "mp/small.bin", UploadId: small.UploadId, PartNumber: 3, Body: "x" })))).toMatchObject({ code: "NoSuchUpload" });
      expect(await s3Failure(c.send(new HeadObjectCommand({ Bucket: "vision", Key: "mp/small.bin" })))).toMatchObject({ status: 404 });
    });

    it("ends uploads left unfinished for a week when the team starts another", async () => {
      const c = alice.client;
      const old = await c.send(new CreateMultipartUploadCommand({ Bucket: "vision", Key: "stale/left.bin" }));
      await c.send(new UploadPartCommand({ Bucket: "vision", Key: "stale/left.bin", UploadId: old.UploadId, PartNumber: 1, Body: "part" }));
      // As if its client had gone away eight days ago.
      await t.platform.database.db
        .updateTable("s3_multipart_uploads")
        .set({ initiated_at: Date.now() - 8 * 86_400_000 })
        .where("id", "=", old.UploadId!)
        .execute();
      const fresh = await c.send(new CreateMultipartUploadCommand({ Bucket: "vision", Key: "stale/new.bin" }));
      const open = await c.send(new ListMultipartUploadsCommand({ Bucket: "vision", Prefix: "stale/" }));
      expect(open.Uploads?.map((u) => u.UploadId)).toEqual([fresh.UploadId]);
      expect(await s3Failure(c.send(new ListPartsCommand({ Bucket: "vision", Key: "stale/left.bin", UploadId: old.UploadId })))).toMatchObject({ code: "NoSuchUpload" });
      await c.send(new AbortMultipartUploadCommand({ Bucket: "vision", Key: "stale/new.bin", UploadId: fresh.UploadId }));
      const log = await t.api("GET", "/api/v1/audit?action=s3.multipart.expire", undefined, dana.token);
      expect(log.body.items.map((e: { actor: { name: string }; after: { uploadIds: string[] } }) => [e.actor.name, e.after.uploadIds])).toEqual([["system", [old.UploadId]]]);
    });

    it("completes a large upload while keeping the connection alive, and the result reads back whole", async () => {
      const c = alice.client;
      const piece = randomBytes(5 * MiB);
      await c.send(new PutObjectCommand({ Bucket: "vision", Key: "big/piece.bin", Body: piece }));
      const { UploadId } = await c.send(new CreateMultipartUploadCommand({ Bucket: "vision", Key: "big/joined.bin" }));
      // 13 parts of 5 MiB (copied server-side): above the size from which the answer starts at once.
      const parts = [];
      for (let n = 1; n <= 13; n++) {
        const copied = await c.send(new UploadPartCopyCommand({ Bucket: "vision", Key: "big/joined.bin", UploadId, PartNumber: n, CopySource: "vision/big/piece.bin" }));
        parts.push({ PartNumber: n, ETag: copied.CopyPartResult?.ETag });
      }
      const done = await c.send(new CompleteMultipartUploadCommand({ Bucket: "vision", Key: "big/joined.bin", UploadId, MultipartUpload: { Parts: parts } }));
      expect(done.ETag).toMatch(/-13"$/);
      const whole = createHash("sha256");
      for (let n = 0; n < 13; n++) whole.update(piece);
      const got = await c.send(new GetObjectCommand({ Bucket: "vision", Key: "big/joined.bin" }));
      expect(got.ContentLength).toBe(13 * 5 * MiB);
      expect(sha256(await bodyOf(got))).toBe(whole.digest("hex"));
      await c.send(new DeleteObjectsCommand({ Bucket: "vision", Delete: { Objects: [{ Key: "big/joined.bin" }, { Key: "big/piece.bin" }] } }));
    });

    it("keeps teams apart: another team's bucket does not exist for an outsider", async () => {
      await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "secret/plan.txt", Body: "plan" }));
      const o = olga.client;
      for (const call of [
        () => o.send(new GetObjectCommand({ Bucket: "vision", Key: "secret/plan.txt" })),
        () => o.send(new HeadBucketCommand({ Bucket: "vision" })),
        () => o.send(new ListObjectsV2Command({ Bucket: "vision" })),
        () => o.send(new PutObjectCommand({ Bucket: "vision", Key: "x", Body: "x" })),
        () => o.send(new DeleteObjectCommand({ Bucket: "vision", Key: "secret/plan.txt" })),
      ]) {
        expect((await s3Failure(call())).status).toBe(404);
      }
      // The same answer as for a team that does not exist at all.
      const missing = await s3Failure(o.send(new ListObjectsV2Command({ Bucket: "no-such-team" })));
      const hidden = await s3Failure(o.send(new ListObjectsV2Command({ Bucket: "vision" })));
      expect([missing.code, hidden.code]).toEqual(["NoSuchBucket", "NoSuchBucket"]);
      expect(hidden.message).not.toContain("plan");
      // A Keeper reads every team's bucket.
      expect((await bodyOf(await keeper.client.send(new GetObjectCommand({ Bucket: "vision", Key: "secret/plan.txt" })))).toString()).toBe("plan");
    });

    it("viewers read but never write; members change only what they put there; admins change all", async () => {
      await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "owned/alice.txt", Body: "a" }));
      expect((await bodyOf(await victor.client.send(new GetObjectCommand({ Bucket: "vision", Key: "owned/alice.txt" })))).toString()).toBe("a");
      expect((await victor.client.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "owned/" }))).KeyCount).toBe(1);
      for (const call of [
        () => victor.client.send(new PutObjectCommand({ Bucket: "vision", Key: "owned/victor.txt", Body: "v" })),
        () => victor.client.send(new DeleteObjectCommand({ Bucket: "vision", Key: "owned/alice.txt" })),
        () => victor.client.send(new CreateMultipartUploadCommand({ Bucket: "vision", Key: "owned/v.bin" })),
        () => victor.client.send(new CopyObjectCommand({ Bucket: "vision", Key: "owned/v2.txt", CopySource: "vision/owned/alice.txt" })),
        () => bea.client.send(new PutObjectCommand({ Bucket: "vision", Key: "owned/alice.txt", Body: "b" })),
        () => bea.client.send(new DeleteObjectCommand({ Bucket: "vision", Key: "owned/alice.txt" })),
      ]) {
        expect(await s3Failure(call())).toMatchObject({ code: "AccessDenied", status: 403 });
      }
      await dana.client.send(new PutObjectCommand({ Bucket: "vision", Key: "owned/alice.txt", Body: "by the admin" }));
      await dana.client.send(new DeleteObjectCommand({ Bucket: "vision", Key: "owned/alice.txt" }));
    });

    it("answers bucket creation and deletion clearly: buckets are teams", async () => {
      expect(await s3Failure(alice.client.send(new CreateBucketCommand({ Bucket: "vision" })))).toMatchObject({ code: "BucketAlreadyOwnedByYou", status: 409 });
      const made = await s3Failure(alice.client.send(new CreateBucketCommand({ Bucket: "newteam" })));
      expect(made).toMatchObject({ code: "AccessDenied" });
      expect(made.message).toContain("plinth teams add");
      expect(await s3Failure(dana.client.send(new DeleteBucketCommand({ Bucket: "vision" })))).toMatchObject({ code: "MethodNotAllowed", status: 405 });
    });

    it("shows dataset versions read-only under datasets/", async () => {
      const csv = Buffer.from("a,b\n1,2\n3,4\n");
      const hash = sha256(csv);
      const up = await fetch(`${t.url}/api/v1/data/blobs/${hash}`, { method: "PUT", headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/octet-stream" }, body: csv });
      expect(up.status, await up.text()).toBeLessThan(300);
      const made = await t.api("POST", "/api/v1/datasets/iris/versions?team=vision", { files: [{ path: "train/data.csv", sha256: hash, size: csv.length }], tags: ["prod"] }, alice.token);
      expect(made.status, JSON.stringify(made.body)).toBeLessThan(300);

      const c = victor.client;
      const top = await c.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "datasets/", Delimiter: "/" }));
      expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["datasets/iris/"]);
      const versions = await c.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "datasets/iris/", Delimiter: "/" }));
      expect(versions.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["datasets/iris/latest/", "datasets/iris/prod/", "datasets/iris/v1/"]);
      const files = await c.send(new ListObjectsV2Command({ Bucket: "vision", Prefix: "datasets/iris/v1/" }));
      expect(files.Contents?.map((o) => [o.Key, o.Size, o.ETag])).toEqual([["datasets/iris/v1/train/data.csv", csv.length, `"${hash}"`]]);
      // The whole bucket, unfolded, holds both the objects and the datasets, in order.
      const everything = await c.send(new ListObjectsV2Command({ Bucket: "vision" }));
      const keys = everything.Contents!.map((o) => o.Key!);
      expect(keys).toEqual(expect.arrayContaining(["datasets/iris/latest/train/data.csv", "datasets/iris/prod/train/data.csv", "datasets/iris/v1/train/data.csv", "raw/iris.csv"]));
      expect([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(keys);

      const got = await c.send(new GetObjectCommand({ Bucket: "vision", Key: "datasets/iris/prod/train/data.csv", Range: "bytes=4-6" }));
      expect((await bodyOf(got)).toString()).toBe("1,2");
      expect((await c.send(new HeadObjectCommand({ Bucket: "vision", Key: "datasets/iris/v1/train/data.csv" }))).ContentLength).toBe(csv.length);
      expect(await s3Failure(c.send(new HeadObjectCommand({ Bucket: "vision", Key: "datasets/iris/v2/train/data.csv" })))).toMatchObject({ status: 404 });

      // A member copies a dataset file into the bucket; nobody writes under datasets/.
      await alice.client.send(new CopyObjectCommand({ Bucket: "vision", Key: "copies/data.csv", CopySource: "vision/datasets/iris/v1/train/data.csv" }));
      expect((await bodyOf(await alice.client.send(new GetObjectCommand({ Bucket: "vision", Key: "copies/data.csv" })))).equals(csv)).toBe(true);
      for (const call of [
        () => dana.client.send(new PutObjectCommand({ Bucket: "vision", Key: "datasets/iris/v1/train/data.csv", Body: "x" })),
        () => dana.client.send(new DeleteObjectCommand({ Bucket: "vision", Key: "datasets/iris/v1/train/data.csv" })),
        () => dana.client.send(new CopyObjectCommand({ Bucket: "vision", Key: "datasets/iris/v9/x", CopySource: "vision/copies/data.csv" })),
        () => keeper.client.send(new CreateMultipartUploadCommand({ Bucket: "vision", Key: "datasets/new/v1/x" })),
      ]) {
        expect(await s3Failure(call())).toMatchObject({ code: "AccessDenied" });
      }
      // Outsiders see none of it.
      expect(await s3Failure(olga.client.send(new GetObjectCommand({ Bucket: "vision", Key: "datasets/iris/v1/train/data.csv" })))).toMatchObject({ code: "NoSuchBucket" });
    });

    it("records every change in the audit log, readable by the team's admins", async () => {
      await alice.client.send(new PutObjectCommand({ Bucket: "vision", Key: "audit/a.txt", Body: "a" }));
      await alice.client.send(new DeleteObjectCommand({ Bucket: "vision", Key: "audit/a.txt" }));
      const log = await t.api("GET", "/api/v1/audit?action=s3&limit=200", undefined, dana.token);
      expect(log.status).toBe(200);
      const events = (log.body.items as Array<{ action: string; actor: { name: string }; target: { id: string } }>).filter((e) => e.target.id === "vision/audit/a.txt");
      expect(events.map((e) => [e.action, e.actor.name])).toEqual([
        ["s3.delete", "alice"],
        ["s3.put", "alice"],
      ]);
      const actions = new Set((log.body.items as Array<{ action: string }>).map((e) => e.action));
      for (const action of ["s3.copy", "s3.delete-objects", "s3.multipart.start", "s3.multipart.complete", "s3.multipart.abort"]) expect(actions).toContain(action);
      // Reading changes nothing and records nothing.
      expect([...actions].every((a) => !a.includes("get") && !a.includes("list"))).toBe(true);
    });
  });
}
