import { GetObjectCommand, ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { accessKey, s3Client, s3Failure, s3Person } from "../helpers/s3-endpoint.ts";

// The S3 endpoint keeps an opened access key (its secret, its person, the person's teams) in
// memory for a few seconds. Whatever changes what the key may do takes effect on the very next
// request: each case below first makes the key warm with a request that succeeds, changes
// something, and at once sends the next one — well within the time a key is kept.

for (const db of testDatabases()) {
  describe(`S3 access keys kept in memory (${db.name})`, () => {
    let t: TestPlatform;

    beforeAll(async () => {
      t = await startTestPlatform(db, "s3-key-cache");
      for (const team of ["vision", "nlp"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
    });

    const put = (client: Awaited<ReturnType<typeof s3Person>>["client"], bucket: string, key: string) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(`${bucket}/${key}`) }));

    it("refuses a revoked key on the next request", async () => {
      const alice = await s3Person(t, "alice", { team: "vision", teamRole: "member" });
      await put(alice.client, "vision", "a.txt");
      const got = await alice.client.send(new GetObjectCommand({ Bucket: "vision", Key: "a.txt" }));
      expect(await got.Body?.transformToString()).toBe("vision/a.txt");

      expect((await t.api("DELETE", `/api/v1/access-keys/${alice.accessKeyId}`, undefined, alice.token)).status).toBe(200);
      const refused = await s3Failure(alice.client.send(new GetObjectCommand({ Bucket: "vision", Key: "a.txt" })));
      expect(refused).toMatchObject({ code: "InvalidAccessKeyId", status: 403 });
      // Another key of the same person still works, and was not affected.
      const other = await accessKey(t, alice.token);
      await put(other.client, "vision", "b.txt");
    });

    it("sees a person's new role and lost membership on the next request", async () => {
      const bob = await s3Person(t, "bob", { team: "vision", teamRole: "member" });
      await put(bob.client, "vision", "bob.txt");

      // Made a viewer: reads still work, writes are refused.
      expect((await t.api("PUT", "/api/v1/teams/vision/members/bob", { role: "viewer" })).status).toBe(200);
      expect(await s3Failure(put(bob.client, "vision", "bob-2.txt"))).toMatchObject({ code: "AccessDenied", status: 403 });
      await bob.client.send(new GetObjectCommand({ Bucket: "vision", Key: "bob.txt" }));

      // Added to another team: its bucket appears at once.
      expect((await t.api("PUT", "/api/v1/teams/nlp/members/bob", { role: "member" })).status).toBe(200);
      expect((await bob.client.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(["nlp", "vision"]);
      await put(bob.client, "nlp", "bob.txt");

      // Taken out of a team: its bucket no longer exists for them.
      expect((await t.api("DELETE", "/api/v1/teams/vision/members/bob")).status).toBe(200);
      expect(await s3Failure(bob.client.send(new GetObjectCommand({ Bucket: "vision", Key: "bob.txt" })))).toMatchObject({ code: "NoSuchBucket", status: 404 });
    });

    it("refuses every key of a removed person on the next request", async () => {
      const carl = await s3Person(t, "carl", { team: "vision", teamRole: "member" });
      const second = await accessKey(t, carl.token);
      await put(carl.client, "vision", "carl.txt");
      await put(second.client, "vision", "carl-2.txt");

      expect((await t.api("DELETE", "/api/v1/users/carl")).status).toBe(200);
      for (const client of [carl.client, second.client]) {
        expect(await s3Failure(client.send(new GetObjectCommand({ Bucket: "vision", Key: "carl.txt" })))).toMatchObject({ code: "InvalidAccessKeyId", status: 403 });
      }
    });

    it("keeps answering a warm key with a wrong signature as a wrong signature", async () => {
      const dana = await s3Person(t, "dana", { team: "vision", teamRole: "member" });
      await put(dana.client, "vision", "dana.txt");
      // Dana's key id with the secret of another key.
      const other = await accessKey(t, dana.token);
      const impostor = s3Client(t, { accessKeyId: dana.accessKeyId, secretAccessKey: other.secretAccessKey });
      expect(await s3Failure(impostor.send(new GetObjectCommand({ Bucket: "vision", Key: "dana.txt" })))).toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
      // The real key still works after the refusal.
      await dana.client.send(new GetObjectCommand({ Bucket: "vision", Key: "dana.txt" }));
    });
  });
}
