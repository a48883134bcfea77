import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KyselyPlugin } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataStore } from "../../src/data/store.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor } from "../helpers/platform.ts";

// Pushing a version of n files asks the database about n blobs: whether it holds them, whether
// the person sent them, which the team's versions already name. Each of those questions is one
// query whatever n is — more hashes than SQLite takes parameters in one statement (32,766)
// included — on a real SQLite file and a real PostgreSQL database.

const FILES = 40_000;
const hashOf = (i: number) => createHash("sha256").update(`blob ${i}`).digest("hex");

/** Counts the queries run (not only compiled) through the database handle it is plugged into. */
function recordQueries(into: string[]): KyselyPlugin {
  return {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      into.push(args.queryId.queryId);
      return args.result;
    },
  };
}

for (const db of testDatabases()) {
  describe(`data store lookups (${db.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-store-lookups-"));
    const hashes = Array.from({ length: FILES }, (_, i) => hashOf(i));
    const unknown = Array.from({ length: 3 }, (_, i) => hashOf(FILES + i));

    beforeAll(async () => {
      const target = await databaseUrlFor(db, "data-store-lookups");
      cleanup = target.cleanup;
      database = openDatabase(target.url, dataDir);
      await migrate(database);
      const d = database.db;
      await d.insertInto("datasets").values({ id: "ds_1", team_id: "team_1", name: "many", owner_id: "usr_owner", visibility: "private", description: "", expectations: null, last_version: 1, created_at: 1, updated_at: 1 }).execute();
      await d.insertInto("dataset_versions").values({ id: "dsv_1", dataset_id: "ds_1", number: 1, digest: "d", file_count: FILES / 2, total_bytes: 0, message: "", created_by: "usr_owner", created_at: 1, produced_by_job_id: null }).execute();
      for (let i = 0; i < FILES; i += 1000) {
        const slice = hashes.slice(i, i + 1000);
        await d.insertInto("data_blobs").values(slice.map((sha256, j) => ({ sha256, size: i + j, created_at: 1 }))).execute();
        // Half of them sent by the asker; the other half named by a version of the owner's dataset.
        if (i < FILES / 2) await d.insertInto("data_blob_grants").values(slice.map((sha256) => ({ user_id: "usr_asker", sha256, created_at: 1 }))).execute();
        else await d.insertInto("dataset_files").values(slice.map((sha256, j) => ({ version_id: "dsv_1", path: `f/${i + j}.csv`, sha256, size: i + j, profile: j % 2 ? null : "{}" }))).execute();
      }
    }, 120_000);

    afterAll(async () => {
      await database?.close();
      await cleanup?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("answers each question about 40,000 blobs in one query, and answers it right", async () => {
      const queries: string[] = [];
      const store = new DataStore(database.db.withPlugin(recordQueries(queries)));
      const asked = [...hashes, ...unknown];
      const named = hashes.slice(FILES / 2);

      const sizes = await store.blobSizes(asked);
      expect(queries).toHaveLength(1);
      expect(sizes.size).toBe(FILES);
      expect(sizes.get(hashes[12_345]!)).toBe(12_345);

      const granted = await store.grantedTo("usr_asker", asked);
      expect(queries).toHaveLength(2);
      expect(granted).toEqual(new Set(hashes.slice(0, FILES / 2)));

      expect(await store.teamBlobs("team_1", asked)).toEqual(new Set(named));
      expect(await store.teamBlobs("team_2", asked)).toEqual(new Set());
      expect(queries).toHaveLength(4);

      expect(await store.readableBlobs({ userId: "usr_owner", role: "member", teams: {} }, asked)).toEqual(new Set(named));
      expect(await store.readableBlobs({ userId: "usr_asker", role: "member", teams: {} }, asked)).toEqual(new Set());
      expect(queries).toHaveLength(6);

      const profiles = await store.profilesOf(asked);
      expect(profiles.size).toBe(FILES / 4);
      expect(queries).toHaveLength(7);

      await store.touchBlobs(asked, 5);
      expect(queries).toHaveLength(8);
      const touched = await database.db.selectFrom("data_blobs").select((eb) => eb.fn.countAll<number>().as("n")).where("created_at", "=", 5).executeTakeFirstOrThrow();
      expect(Number(touched.n)).toBe(FILES);
    });

    it("asks nothing about no blobs", async () => {
      const queries: string[] = [];
      const store = new DataStore(database.db.withPlugin(recordQueries(queries)));
      expect((await store.blobSizes([])).size).toBe(0);
      expect((await store.grantedTo("usr_asker", [])).size).toBe(0);
      await store.touchBlobs([], 6);
      expect(queries).toEqual([]);
    });
  });
}
