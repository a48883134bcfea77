import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { push, putBlob, sha256 } from "../helpers/data.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";

// Garbage collection on a real server and both databases: a blob goes once no version, open
// upload or other module names it and it is older than the grace period — from the store and
// from the database — and not a moment before; abandoned uploads are aborted; only Keepers
// may start it by hand.

function storedBlobs(dataDir: string): string[] {
  const dir = join(dataDir, "objects", "blobs", "sha256");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

for (const db of testDatabases()) {
  describe(`data garbage collection (${db.name})`, () => {
    let t: TestPlatform;
    let member: string;
    const gc = (token = TOKEN) => t.api("POST", "/api/v1/data/gc", undefined, token);

    beforeAll(async () => {
      t = await startTestPlatform(db, "data-gc", { extra: { storage: { gcGracePeriod: "0s", gcInterval: "1h" } } });
      member = (await t.api("POST", "/api/v1/users", { name: "mia" })).body.token;
    });
    afterAll(async () => {
      await t?.close();
    });

    it("deletes blobs nothing names any more, keeping every one a version, an upload or another module holds", async () => {
      const [a, b, c, loose, held] = Array.from({ length: 5 }, () => randomBytes(1000 + Math.floor(Math.random() * 1000)));
      expect((await push(t, "set", { "a.bin": a!, "b.bin": b! })).body.created).toBe(true);
      expect((await push(t, "set", { "a.bin": a!, "c.bin": c! })).body.created).toBe(true);
      expect((await putBlob(t, loose!)).status).toBe(201);
      expect((await putBlob(t, held!)).status).toBe(201);
      // Another module (the S3 endpoint does this for its objects) still holds one.
      t.platform.data.addReferenceSource(async (hashes) => new Set(hashes.filter((h) => h === sha256(held!))));
      // An upload in progress keeps its file's blob, should it be stored already.
      const open = await t.api("POST", "/api/v1/data/uploads", { sha256: sha256(c!), size: c!.length });
      expect(open.status).toBe(200);

      const first = await gc();
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body).toEqual({ deletedBlobs: 1, freedBytes: loose!.length, expiredUploads: 0 });
      expect(storedBlobs(t.dataDir)).toEqual([a!, b!, c!, held!].map(sha256).sort());
      // Gone for good: it must be sent again before it can be used.
      expect((await t.api("POST", "/api/v1/data/blobs/missing", { sha256: [sha256(loose!), sha256(a!)] })).body.missing).toEqual([sha256(loose!)]);

      // Removing v1 frees b; removing the dataset frees a, and c once its upload is abandoned.
      expect((await t.api("DELETE", "/api/v1/datasets/set/versions/v1")).status).toBe(200);
      expect((await gc()).body).toMatchObject({ deletedBlobs: 1, freedBytes: b!.length });
      const v2 = await fetch(`${t.url}/api/v1/datasets/set/versions/v2/files/a.bin`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(Buffer.from(await v2.arrayBuffer())).toEqual(a);
      expect((await t.api("DELETE", "/api/v1/datasets/set")).status).toBe(200);
      expect((await gc()).body).toMatchObject({ deletedBlobs: 1, freedBytes: a!.length });
      expect(storedBlobs(t.dataDir)).toEqual([c!, held!].map(sha256).sort());
      expect((await t.api("DELETE", `/api/v1/data/uploads/${open.body.id}`)).status).toBe(200);
      expect((await gc()).body).toMatchObject({ deletedBlobs: 1, freedBytes: c!.length });
      expect(storedBlobs(t.dataDir)).toEqual([sha256(held!)]);

      const audit = await t.api("GET", "/api/v1/audit?action=data.gc");
      expect(audit.body.items[0]).toMatchObject({ action: "data.gc", after: { deletedBlobs: 1 } });
    });

    it("aborts uploads left idle past their expiry, and deletes stored blobs no row records", async () => {
      const bytes = randomBytes(6 * 1024 ** 2);
      const open = await t.api("POST", "/api/v1/data/uploads", { sha256: sha256(bytes), size: bytes.length, partSize: 5 * 1024 ** 2 });
      const part = await fetch(`${t.url}/api/v1/data/uploads/${open.body.id}/parts/1`, {
        method: "PUT",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" },
        body: bytes.subarray(0, 5 * 1024 ** 2),
      });
      expect(part.status).toBe(200);
      // A day without a part: the session has expired.
      await t.platform.database.db.updateTable("data_uploads").set({ expires_at: Date.now() - 1 }).where("id", "=", open.body.id).execute();
      // Bytes in the store that the database never recorded (a server stopped between the two).
      const orphan = Buffer.from("left behind by a crash");
      const orphanPath = join(t.dataDir, "objects", "blobs", "sha256", sha256(orphan).slice(0, 2), sha256(orphan));
      mkdirSync(join(orphanPath, ".."), { recursive: true });
      writeFileSync(orphanPath, orphan);
      utimesSync(orphanPath, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));

      const result = await gc();
      expect(result.body).toMatchObject({ expiredUploads: 1, deletedBlobs: 1, freedBytes: orphan.length });
      expect(existsSync(orphanPath)).toBe(false);
      expect((await t.api("GET", `/api/v1/data/uploads/${open.body.id}`)).status).toBe(404);
      const uploads = join(t.dataDir, "objects", "uploads");
      expect(existsSync(uploads) ? readdirSync(uploads, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : []).toEqual([]);
    });

    it("is for Keepers to start by hand", async () => {
      const r = await gc(member);
      expect(r.status).toBe(403);
    });
  });

  describe(`data garbage collection, within the grace period (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "data-gc-grace");
    });
    afterAll(async () => {
      await t?.close();
    });

    it("keeps what nothing names yet for the grace period (24 hours by default)", async () => {
      const bytes = randomBytes(2000);
      expect((await putBlob(t, bytes)).status).toBe(201);
      expect((await push(t, "gone", { "x.bin": randomBytes(10) })).body.created).toBe(true);
      expect((await t.api("DELETE", "/api/v1/datasets/gone")).status).toBe(200);
      expect((await t.api("POST", "/api/v1/data/gc")).body).toEqual({ deletedBlobs: 0, freedBytes: 0, expiredUploads: 0 });
      expect(storedBlobs(t.dataDir)).toHaveLength(2);
    });
  });
}
