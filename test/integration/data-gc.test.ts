import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifest, push, putBlob, sha256 } from "../helpers/data.ts";
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

// Pushes run while garbage is collected. These place a push (or an upload) in the moment
// between collection deciding a blob goes and its bytes going: the store's delete is held
// there by the test, which sends the request and lets the delete go on once it is answered.
for (const db of testDatabases()) {
  describe(`data garbage collection racing pushes (${db.name})`, () => {
    let t: TestPlatform;
    /** Runs `during` once, inside the store's delete of the first blob collection deletes. */
    let during: ((sha: string) => Promise<void>) | null = null;

    beforeAll(async () => {
      t = await startTestPlatform(db, "data-gc-race", { extra: { storage: { gcGracePeriod: "1h", gcInterval: "1h" } } });
      const blobs = t.platform.blobs;
      const remove = blobs.delete.bind(blobs);
      blobs.delete = async (sha: string) => {
        const hook = during;
        during = null;
        if (hook) await hook(sha);
        return remove(sha);
      };
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Makes a recorded blob look stored long ago, past the grace period. */
    const age = (bytes: Buffer) => t.platform.database.db.updateTable("data_blobs").set({ created_at: 0 }).where("sha256", "=", sha256(bytes)).execute();

    it("tells a push that names a blob being collected that it is missing, and never makes a version of bytes that are gone", async () => {
      const bytes = randomBytes(3000);
      expect((await putBlob(t, bytes)).status).toBe(201);
      await age(bytes);
      let answer: { status: number; body: any } | null = null;
      during = async () => {
        answer = await t.api("POST", "/api/v1/datasets/raced/versions", { files: manifest({ "x.bin": bytes }) });
      };
      const collected = await t.api("POST", "/api/v1/data/gc");
      expect(answer!.status, JSON.stringify(answer!.body)).toBe(200);
      expect(answer!.body.missing).toEqual([sha256(bytes)]);
      expect(collected.body).toMatchObject({ deletedBlobs: 1 });
      expect((await t.api("GET", "/api/v1/datasets/raced")).status).toBe(404);
      // The push sends it again, as `plinth data push` does, and the version reads back whole.
      expect((await push(t, "raced", { "x.bin": bytes })).body.created).toBe(true);
      const file = await fetch(`${t.url}/api/v1/datasets/raced/versions/v1/files/x.bin`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(file.status).toBe(200);
      expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes);
    });

    it("keeps bytes no row recorded when an upload of the same bytes records them while others are swept", async () => {
      const [first, second] = [randomBytes(1000), randomBytes(1000)];
      const old = new Date(Date.now() - 2 * 3600_000);
      for (const b of [first, second]) {
        const path = join(t.dataDir, "objects", "blobs", "sha256", sha256(b!).slice(0, 2), sha256(b!));
        mkdirSync(join(path, ".."), { recursive: true });
        writeFileSync(path, b!);
        utimesSync(path, old, old);
      }
      // Whichever goes first, the other is uploaded meanwhile: the store finds its bytes and records it.
      during = async (sha) => {
        const other = sha === sha256(first!) ? second! : first!;
        expect((await putBlob(t, other)).status).toBeLessThan(300);
      };
      const collected = await t.api("POST", "/api/v1/data/gc");
      const kept = storedBlobs(t.dataDir).filter((h) => h === sha256(first!) || h === sha256(second!));
      expect(kept).toHaveLength(1);
      expect(collected.body).toMatchObject({ deletedBlobs: 1 });
      const keptBytes = kept[0] === sha256(first!) ? first! : second!;
      const made = await t.api("POST", "/api/v1/datasets/swept/versions", { files: manifest({ "k.bin": keptBytes }) });
      expect(made.body.missing).toEqual([]);
      const file = await fetch(`${t.url}/api/v1/datasets/swept/versions/v1/files/k.bin`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(Buffer.from(await file.arrayBuffer())).toEqual(keptBytes);
    });
  });
}
