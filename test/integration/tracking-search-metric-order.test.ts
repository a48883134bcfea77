import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { parseRunFilter } from "../../src/tracking/search/filter.ts";
import { metricOrderTiers, searchRunsByMetric } from "../../src/tracking/search/metric-order.ts";
import { parseRunOrderBy } from "../../src/tracking/search/order-by.ts";
import { searchRuns } from "../../src/tracking/search/sql.ts";
import { TrackingStore } from "../../src/tracking/store.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor } from "../helpers/platform.ts";

// A search ordered by a metric first reads that metric's index tier by tier (values, NaN, runs
// without it) and stops at the page. It must answer exactly what the one-statement search
// answers, for any filter, further keys and page: held equal here over generated searches, on a
// fixed set of runs with NaN, ±Infinity, missing metrics, tied values and tied start times, in
// two experiments, on real SQLite and PostgreSQL.

const RUNS = 60;
const KEYS = ["acc", "loss", "f1"];

/** A small deterministic generator: the same runs on every database and every run of the test. */
function* numbers(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x / 2147483648;
  }
}

const FILTERS = ["", "metrics.acc > 0.3", "metrics.loss != 0.5", "params.lr = '0.1'", "metrics.f1 <= 0.7 AND params.lr != '0.01'", "tags.kind LIKE 'a%'", "attributes.status = 'FINISHED'"];
const FIRST = KEYS.flatMap((k) => [`metrics.${k} ASC`, `metrics.${k} DESC`, `metrics.${k}`]);
const MORE = ["metrics.acc DESC", "metrics.loss", "params.lr DESC", "params.lr", "tags.kind", "start_time", "start_time DESC", "run_name", "status DESC"];

for (const db of testDatabases()) {
  describe(`tracking search ordered by a metric first (${db.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-metric-order-"));

    beforeAll(async () => {
      const target = await databaseUrlFor(db, "tracking-metric-order");
      cleanup = target.cleanup;
      database = openDatabase(target.url, dataDir);
      await migrate(database);
      const store = new TrackingStore(database.db);
      const random = numbers(7);
      const next = () => random.next().value as number;
      const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
      for (let n = 0; n < RUNS; n++) {
        const run = { id: `run${String(n).padStart(29, "0")}`, experiment_id: n % 5 === 0 ? "2" : "1" };
        await store.createRun(
          {
            ...run,
            team_id: "team_1",
            name: `r${pick([1, 2, 3, 4])}`,
            user_id: "usr_a",
            visibility: "team",
            status: pick(["RUNNING", "FINISHED", "FAILED"]),
            start_time: 1_000 + Math.floor(next() * 10), // many ties
            end_time: null,
            lifecycle_stage: n % 11 === 0 ? "deleted" : "active",
            artifact_uri: "",
            job_id: null,
            parent_run_id: null,
            deleted_time: null,
          },
          {},
        );
        const metrics = KEYS.flatMap((key) => {
          const roll = next();
          if (roll < 0.15) return []; // no such metric
          const value = roll < 0.25 ? Number.NaN : roll < 0.3 ? pick([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) : Math.round(next() * 10) / 10; // ties
          return [{ key, value, step: 0, timestamp: 1 }];
        });
        const params = next() < 0.8 ? [{ key: "lr", value: pick(["0.1", "0.01", "0.001"]) }] : [];
        const tags = next() < 0.7 ? [{ key: "kind", value: pick(["alpha", "beta", "gamma"]) }] : [];
        await store.write(run, { metrics, params, tags });
      }
    }, 120_000);
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const narrowed = (experiments: string[]) => () =>
      database.db.selectFrom("tracking_runs").selectAll("tracking_runs").where("tracking_runs.experiment_id", "in", experiments).where("tracking_runs.lifecycle_stage", "=", "active");

    it("answers exactly what the one-statement search answers, page by page", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...FILTERS),
          fc.constantFrom(...FIRST),
          fc.subarray(MORE, { maxLength: 2 }),
          fc.constantFrom<string[]>(["1"], ["1", "2"]),
          fc.nat({ max: RUNS + 5 }),
          fc.integer({ min: 1, max: 25 }),
          async (filter, first, more, experiments, offset, limit) => {
            const fields = [first, ...more].map((key) => key.split(" ")[0]);
            fc.pre(new Set(fields).size === fields.length); // MLflow refuses a key twice
            const search = { filter: parseRunFilter(filter), orderBy: parseRunOrderBy([first, ...more]), offset, limit };
            const expected = (await searchRuns(narrowed(experiments)(), search, database.dialect).execute()).map((r) => r.id);
            const got = (await searchRunsByMetric(narrowed(experiments), search, database.dialect, experiments)).map((r) => r.id);
            expect(got).toEqual(expected);
          },
        ),
        { numRuns: 150 },
      );
    });

    // SQLite's query plan is what this reads; on PostgreSQL the test is not registered at all.
    (db.name === "sqlite" ? it : () => undefined)("reads one experiment's values in order from the index, without sorting the runs", async () => {
      const query = () => database.db.selectFrom("tracking_runs").selectAll("tracking_runs").where("tracking_runs.experiment_id", "in", ["1"]).where("tracking_runs.lifecycle_stage", "=", "active");
      const search = { filter: parseRunFilter("metrics.loss > 0.3 AND params.lr = '0.1'"), orderBy: parseRunOrderBy(["metrics.acc DESC"]), offset: 0, limit: 10 };
      const compiled = metricOrderTiers(query, search, "sqlite", ["1"])[0]!.page(0, 11).compile();
      const plan = await database.db.executeQuery<{ detail: string }>({ ...compiled, sql: `explain query plan ${compiled.sql}` });
      const steps = plan.rows.map((row) => row.detail).join("\n");
      expect(steps).toMatch(/search_first USING (?:COVERING )?INDEX tracking_latest_metrics_experiment/);
      expect(steps).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    });
  });
}
