import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Store } from "../../src/s3/store.ts";
import type { S3ObjectsTable } from "../../src/s3/tables.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// A PutObject writes its row in one statement over the object it was allowed to replace: the
// statement itself refuses when the key meanwhile holds someone else's object, on SQLite and
// PostgreSQL alike, so the service reads and checks the key again only then.

const row = (key: string, createdBy: string, sha: string): S3ObjectsTable => ({
  team_id: "team-writes",
  key,
  sha256: sha.repeat(64),
  size: 1,
  etag: "e",
  content_type: "binary/octet-stream",
  metadata: "{}",
  created_by: createdBy,
  modified_at: Date.now(),
});

for (const db of testDatabases()) {
  describe(`S3 object rows written over what was checked (${db.name})`, () => {
    let t: TestPlatform;
    let store: S3Store;

    beforeAll(async () => {
      t = await startTestPlatform(db, "s3-store-writes");
      store = new S3Store(t.platform.database.db);
    });
    afterAll(async () => {
      await t?.close();
    });

    it("writes a free key only when asked to expect none, and never over an object that appeared", async () => {
      expect(await store.putObjectOver(row("free", "ada", "a"), null)).toBe(true);
      expect(await store.putObjectOver(row("free", "bob", "b"), null)).toBe(false);
      expect((await store.getObject("team-writes", "free"))?.created_by).toBe("ada");
    });

    it("replaces an object only while it is still the checked person's", async () => {
      await store.putObjectOver(row("held", "ada", "a"), null);
      // Bob was allowed to replace an object of his; meanwhile Ada's took the key.
      expect(await store.putObjectOver(row("held", "bob", "b"), "bob")).toBe(false);
      expect(await store.getObject("team-writes", "held")).toMatchObject({ created_by: "ada", sha256: "a".repeat(64) });
      // Ada replaces her own; a team admin replacing Ada's object names her as the owner checked.
      expect(await store.putObjectOver(row("held", "ada", "c"), "ada")).toBe(true);
      expect(await store.putObjectOver(row("held", "dana", "d"), "ada")).toBe(true);
      expect(await store.getObject("team-writes", "held")).toMatchObject({ created_by: "dana", sha256: "d".repeat(64) });
    });

    it("writes a key whose checked object was deleted meanwhile", async () => {
      await store.putObjectOver(row("gone", "ada", "a"), null);
      await store.deleteObject("team-writes", "gone");
      expect(await store.putObjectOver(row("gone", "bob", "b"), "ada")).toBe(true);
      expect((await store.getObject("team-writes", "gone"))?.created_by).toBe("bob");
    });
  });
}
