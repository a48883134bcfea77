import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { type MetricPoint, ParamChanged, TrackingStore } from "../../src/tracking/store.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor } from "../helpers/platform.ts";

// The run store's writes on real SQLite and PostgreSQL: every point kept in the history, each
// key's latest point chosen as MLflow chooses it (larger step, then timestamp, then NaN above a
// number, then the larger value) whether the points come in one batch or many, in any order,
// and a refused batch leaving nothing behind.

const RUN = { id: "r".repeat(32), experiment_id: "4" };

for (const db of testDatabases()) {
  describe(`tracking store writes (${db.name})`, () => {
    let database: Database;
    let store: TrackingStore;
    let cleanup: () => Promise<void>;
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-tracking-writes-"));

    beforeAll(async () => {
      const target = await databaseUrlFor(db, "tracking-store-writes");
      cleanup = target.cleanup;
      database = openDatabase(target.url, dataDir);
      await migrate(database);
      store = new TrackingStore(database.db);
      await store.createRun(
        { ...RUN, team_id: "team_1", name: "r", user_id: "u", visibility: "team", status: "RUNNING", start_time: 1, end_time: null, lifecycle_stage: "active", artifact_uri: "", job_id: null, parent_run_id: null, deleted_time: null },
        {},
      );
    }, 120_000);
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const latest = async (key: string) =>
      database.db.selectFrom("tracking_latest_metrics").select(["value", "is_nan", "step", "timestamp", "experiment_id"]).where("run_id", "=", RUN.id).where("key", "=", key).executeTakeFirstOrThrow();
    const point = (key: string, step: number, timestamp: number, value: number): MetricPoint => ({ key, step, timestamp, value });

    it("moves the latest point only forward in MLflow's order, batch after batch", async () => {
      await store.write(RUN, { metrics: [point("loss", 5, 100, 1)] });
      expect(await latest("loss")).toEqual({ value: 1, is_nan: 0, step: 5, timestamp: 100, experiment_id: "4" });
      // An earlier step, however recent: kept in the history, not the latest.
      await store.write(RUN, { metrics: [point("loss", 3, 900, 9)] });
      expect(await latest("loss")).toMatchObject({ value: 1, step: 5 });
      // The same step, later: the latest.
      await store.write(RUN, { metrics: [point("loss", 5, 150, 2)] });
      expect(await latest("loss")).toMatchObject({ value: 2, step: 5, timestamp: 150 });
      // The same step and time: NaN is above every number, and a number does not displace it.
      await store.write(RUN, { metrics: [point("loss", 5, 150, Number.NaN)] });
      expect(await latest("loss")).toMatchObject({ is_nan: 1, step: 5, timestamp: 150 });
      await store.write(RUN, { metrics: [point("loss", 5, 150, 1e300)] });
      expect(await latest("loss")).toMatchObject({ is_nan: 1 });
      // Then a larger value at the same step and time wins over a smaller one.
      await store.write(RUN, { metrics: [point("acc", 1, 1, 0.5)] });
      await store.write(RUN, { metrics: [point("acc", 1, 1, 0.25)] });
      expect(await latest("acc")).toMatchObject({ value: 0.5 });
      await store.write(RUN, { metrics: [point("acc", 1, 1, 0.75)] });
      expect(await latest("acc")).toMatchObject({ value: 0.75 });
      expect((await store.metricHistory(RUN.id, "loss", 0, 100)).length).toBe(5);
    });

    it("keeps every point of a large batch and the newest of each key, whatever their order in it", async () => {
      const keys = Array.from({ length: 250 }, (_, k) => `m${k}`);
      // 250 keys × 4 steps, steps shuffled within each key; 1,000 points crosses several statements.
      const points = keys.flatMap((key, k) => [2, 0, 3, 1].map((step) => point(key, step, 1_000 + step, k + step / 10)));
      await store.write(RUN, { metrics: points });
      for (const k of [0, 99, 100, 101, 249]) expect(await latest(`m${k}`)).toEqual({ value: k + 0.3, is_nan: 0, step: 3, timestamp: 1_003, experiment_id: "4" });
      const history = await store.metricHistory(RUN.id, "m137", 0, 100);
      expect(history.map((m) => [m.step, m.value])).toEqual([0, 1, 2, 3].map((step) => [step, 137 + step / 10]));
      const count = await database.db.selectFrom("tracking_metrics").select((eb) => eb.fn.countAll<number>().as("n")).where("run_id", "=", RUN.id).where("key", "like", "m%").executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1_000);
    });

    it("keeps nothing of a batch whose param changes a logged one", async () => {
      await store.write(RUN, { params: [{ key: "lr", value: "0.1" }] });
      const refused = store.write(RUN, { params: [{ key: "lr", value: "0.2" }], tags: [{ key: "t", value: "x" }], metrics: [point("refused", 9, 9, 9)] });
      await expect(refused).rejects.toBeInstanceOf(ParamChanged);
      const kept = await database.db.selectFrom("tracking_latest_metrics").select("key").where("run_id", "=", RUN.id).where("key", "=", "refused").execute();
      expect(kept).toEqual([]);
      expect(await store.metricHistory(RUN.id, "refused", 0, 10)).toEqual([]);
      const tags = await database.db.selectFrom("tracking_run_tags").select("key").where("run_id", "=", RUN.id).execute();
      expect(tags).toEqual([]);
    });
  });
}
