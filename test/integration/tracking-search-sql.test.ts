import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { parseExperimentFilter, parseRunFilter } from "../../src/tracking/search/filter.ts";
import { parseExperimentOrderBy, parseRunOrderBy } from "../../src/tracking/search/order-by.ts";
import { createPageToken, nextPageToken, parsePageToken } from "../../src/tracking/search/page-token.ts";
import { searchExperiments, searchRuns } from "../../src/tracking/search/sql.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor } from "../helpers/platform.ts";

// MLflow search filters and order_by lists, parsed and compiled to SQL, run against real SQLite
// and PostgreSQL databases made by the migrations, with rows written straight into the tracking
// tables. Each search must return exactly the expected runs (or experiments), in order.

const id = (n: number) => n.toString(16).padStart(32, "0");

// start_time, end_time, status, name and owner of each run; r6 and r7 start together, so the
// run id breaks their tie.
const RUNS = {
  r1: { n: 1, name: "train-a", user: "usr_alice", status: "FINISHED", start: 1000, end: 2000 },
  r2: { n: 2, name: "train-b", user: "usr_bob", status: "FAILED", start: 2000, end: null },
  r3: { n: 3, name: "Train_C", user: "usr_carol", status: "RUNNING", start: 3000, end: null },
  r4: { n: 4, name: "eval 100%", user: "usr_alice", status: "FINISHED", start: 4000, end: 5000 },
  r5: { n: 5, name: "eval.x", user: "usr_bob", status: "KILLED", start: 5000, end: 6000 },
  r6: { n: 6, name: "tie-1", user: "usr_alice", status: "FINISHED", start: 6000, end: 7000 },
  r7: { n: 7, name: "tie-2", user: "usr_bob", status: "FINISHED", start: 6000, end: 7000 },
} as const;
type RunName = keyof typeof RUNS;

// The latest value of each metric; NaN is stored as is_nan = 1 over a placeholder value.
const METRICS: [RunName | "other", string, number][] = [
  ["r1", "loss", 0.5],
  ["r2", "loss", Number.NaN],
  ["r3", "loss", Number.POSITIVE_INFINITY],
  ["r4", "loss", Number.NEGATIVE_INFINITY],
  ["r5", "loss", 0.25],
  ["r7", "loss", 0.5],
  ["r1", "my metric", 1],
  ["r2", "my metric", 2],
  ["r3", "a.b", 7],
  ["other", "loss", 0.5],
];
const PARAMS: [RunName | "other", string, string][] = [
  ["r1", "lr", "0.1"],
  ["r2", "lr", "0.01"],
  ["r3", "lr", "0.1"],
  ["r5", "lr", "1e-3"],
  ["r1", "opt", "adam"],
  ["r2", "opt", "Adam"],
  ["r4", "opt", "sgd"],
  ["r5", "opt", "a_b"],
  ["r6", "opt", "a%b"],
  ["r1", "my param", "x"],
  ["other", "lr", "0.1"],
];
const TAGS: [RunName, string, string][] = [
  ["r1", "team", "vision"],
  ["r2", "team", "nlp"],
  ["r3", "team", "vision"],
  ["r4", "note", "has_underscore"],
  ["r5", "note", "hasXunderscore"],
];

const EXPERIMENTS = [
  { id: "1", name: "Alpha", creation_time: 100, last_update_time: 500, lifecycle_stage: "active" },
  { id: "2", name: "beta", creation_time: 200, last_update_time: 300, lifecycle_stage: "active" },
  { id: "10", name: "Gamma", creation_time: 300, last_update_time: 300, lifecycle_stage: "active" },
  { id: "9", name: "alpha-2", creation_time: 300, last_update_time: 100, lifecycle_stage: "active" },
  { id: "3", name: "Alpha-old", creation_time: 50, last_update_time: 50, lifecycle_stage: "deleted" },
];

const runIdOf = (name: RunName | "other") => id(name === "other" ? 99 : RUNS[name].n);
const nameOf = new Map<string, string>([...Object.keys(RUNS).map((name) => [runIdOf(name as RunName), name] as const), [id(99), "other"]]);

for (const db of testDatabases()) {
  describe(`tracking search SQL (${db.name})`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-tracking-search-"));

    beforeAll(async () => {
      const target = await databaseUrlFor(db, "tracking-search");
      cleanup = target.cleanup;
      database = openDatabase(target.url, dataDir);
      await migrate(database);
      const d = database.db;
      await d
        .insertInto("users")
        .values(
          [
            ["usr_alice", "alice"],
            ["usr_bob", "bob"],
            ["usr_carol", "Carol"],
          ].map(([userId, name]) => ({ id: userId!, name: name!, role: "member", created_at: 1 })),
        )
        .execute();
      await d
        .insertInto("tracking_experiments")
        .values(EXPERIMENTS.map((e) => ({ ...e, team_id: "team_1", artifact_location: `mlflow-artifacts:/${e.id}`, created_by: "usr_alice" })))
        .execute();
      const run = (runId: string, experiment: string, r: (typeof RUNS)[RunName]) => ({
        id: runId,
        experiment_id: experiment,
        team_id: "team_1",
        name: r.name,
        user_id: r.user,
        visibility: "team",
        status: r.status,
        start_time: r.start,
        end_time: r.end,
        lifecycle_stage: "active",
        artifact_uri: `mlflow-artifacts:/${experiment}/${runId}/artifacts`,
        job_id: null,
        parent_run_id: null,
        deleted_time: null,
      });
      await d
        .insertInto("tracking_runs")
        .values([...Object.entries(RUNS).map(([name, r]) => run(runIdOf(name as RunName), "1", r)), run(id(99), "2", RUNS.r1)])
        .execute();
      await d
        .insertInto("tracking_latest_metrics")
        .values(
          METRICS.map(([runName, key, value]) => ({
            run_id: runIdOf(runName),
            experiment_id: runName === "other" ? "2" : "1",
            key,
            value: Number.isNaN(value) ? 0 : value,
            is_nan: Number.isNaN(value) ? 1 : 0,
            step: 0,
            timestamp: 1,
          })),
        )
        .execute();
      await d
        .insertInto("tracking_params")
        .values(PARAMS.map(([runName, key, value]) => ({ run_id: runIdOf(runName), key, value })))
        .execute();
      await d
        .insertInto("tracking_run_tags")
        .values(TAGS.map(([runName, key, value]) => ({ run_id: runIdOf(runName), key, value })))
        .execute();
      await d.insertInto("tracking_experiment_tags").values([
        { experiment_id: "1", key: "owner", value: "ann" },
        { experiment_id: "2", key: "owner", value: "bob" },
        { experiment_id: "10", key: "team", value: "x" },
      ]).execute();
    });

    afterAll(async () => {
      await database?.close();
      await cleanup?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** The runs of experiment 1 a search returns, by name, in order. */
    async function runs(filter: string, orderBy: string[] = [], page = { offset: 0, limit: 1000 }): Promise<string[]> {
      const query = database.db.selectFrom("tracking_runs").selectAll("tracking_runs").where("tracking_runs.experiment_id", "=", "1");
      const rows = await searchRuns(query, { filter: parseRunFilter(filter), orderBy: parseRunOrderBy(orderBy), ...page }, database.dialect).execute();
      return rows.map((row) => nameOf.get(row.id)!);
    }

    async function experiments(filter: string, orderBy: string[] = []): Promise<string[]> {
      const query = database.db.selectFrom("tracking_experiments").selectAll("tracking_experiments").where("tracking_experiments.lifecycle_stage", "=", "active");
      const rows = await searchExperiments(query, { filter: parseExperimentFilter(filter), orderBy: parseExperimentOrderBy(orderBy), offset: 0, limit: 1000 }, database.dialect).execute();
      return rows.map((row) => row.id);
    }

    it("orders by start_time DESC, then run id, when no order is asked for", async () => {
      expect(await runs("")).toEqual(["r6", "r7", "r5", "r4", "r3", "r2", "r1"]);
    });

    it.each([
      ["metrics.loss > 0.3", ["r7", "r3", "r1"]],
      ["metrics.loss = 0.5", ["r7", "r1"]],
      // NaN is unequal to everything, a missing metric matches nothing.
      ["metrics.loss != 0.5", ["r5", "r4", "r3", "r2"]],
      // NaN's placeholder value never passes for a number.
      ["metrics.loss = 0", []],
      ["metrics.loss <= 0", ["r4"]],
      ["metrics.loss >= 1e400", ["r3"]],
      ["metrics.loss <= -1e400", ["r4"]],
      ["metrics.loss > -1e400", ["r7", "r5", "r3", "r1"]],
      ["metrics.loss < 1e400 AND metrics.loss > -1e400", ["r7", "r5", "r1"]],
      ["metrics.`my metric` >= 2", ["r2"]],
      ['metrics."my metric" = 1', ["r1"]],
      ["metric.`a.b` = 7", ["r3"]],
      ["metrics.a.b = 7.0", ["r3"]],
      ["metrics.nothing > 0", []],
    ])("filters metrics: %s", async (filter, expected) => {
      expect(await runs(filter)).toEqual(expected);
    });

    it.each([
      ["params.lr = '0.1'", ["r3", "r1"]],
      ["params.lr != '0.1'", ["r5", "r2"]],
      ['param.lr = "0.01"', ["r2"]],
      ["params.`my param` = 'x'", ["r1"]],
      ["params.opt LIKE 'a%'", ["r6", "r5", "r1"]],
      ["params.opt like 'A%'", ["r2"]],
      ["params.opt ILIKE 'a%'", ["r6", "r5", "r2", "r1"]],
      // `_` is any one character; nothing escapes it, and other wildcards are literal.
      ["params.opt LIKE 'a_b'", ["r6", "r5"]],
      ["params.opt LIKE 'a\\_b'", []],
      ["params.opt LIKE 'a*b'", []],
      ["params.opt LIKE '%[%'", []],
      ["params.opt LIKE '%?%'", []],
      ["params.opt LIKE '%\\%%'", []],
      ["params.lr IS NULL", ["r6", "r7", "r4"]],
      ["params.lr IS NOT NULL", ["r5", "r3", "r2", "r1"]],
      ["tags.team = 'vision'", ["r3", "r1"]],
      ["tags.team != 'vision'", ["r2"]],
      ["tags.team IS NULL", ["r6", "r7", "r5", "r4"]],
      ["tags.note LIKE 'has_underscore'", ["r5", "r4"]],
      ["tags.note ILIKE 'HAS%'", ["r5", "r4"]],
      ["params.lr = '0.1' AND metrics.loss > 1 AND tags.team = 'vision'", ["r3"]],
    ])("filters params and tags: %s", async (filter, expected) => {
      expect(await runs(filter)).toEqual(expected);
    });

    it.each([
      ["attributes.status = 'FINISHED'", ["r6", "r7", "r4", "r1"]],
      ["status != 'FINISHED'", ["r5", "r3", "r2"]],
      ["status LIKE 'F%'", ["r6", "r7", "r4", "r2", "r1"]],
      ["status ILIKE 'f%ed'", ["r6", "r7", "r4", "r2", "r1"]],
      ["attributes.run_name = 'train-a'", ["r1"]],
      ["run_name LIKE 'train%'", ["r2", "r1"]],
      ["run_name ILIKE 'train%'", ["r3", "r2", "r1"]],
      ["`Run name` LIKE 'eval_%'", ["r5", "r4"]],
      ["tags.`mlflow.runName` = 'eval 100%'", ["r4"]],
      ["tags.mlflow.runName LIKE '%-_'", ["r6", "r7", "r2", "r1"]],
      [`run_id IN ('${id(1)}', '${id(3)}', '${id(99)}')`, ["r3", "r1"]],
      [`run_id NOT IN ('${id(1)}', '${id(3)}')`, ["r6", "r7", "r5", "r4", "r2"]],
      [`attributes.run_id = '${id(2)}'`, ["r2"]],
      ["user_id = 'alice'", ["r6", "r4", "r1"]],
      ["user_id != 'alice'", ["r7", "r5", "r3", "r2"]],
      ["user_id ILIKE 'c%'", ["r3"]],
      ["user_id LIKE 'c%'", []],
      ["artifact_uri LIKE '%/00000000000000000000000000000005/%'", ["r5"]],
      ["start_time >= 4000", ["r6", "r7", "r5", "r4"]],
      ["created < 2500", ["r2", "r1"]],
      ["start_time > 1500.5", ["r6", "r7", "r5", "r4", "r3", "r2"]],
      ["end_time > 1999", ["r6", "r7", "r5", "r4", "r1"]],
      ["end_time != 7000", ["r5", "r4", "r1"]],
    ])("filters attributes: %s", async (filter, expected) => {
      expect(await runs(filter)).toEqual(expected);
    });

    it.each([
      // Values, then NaN, then runs without the metric, in either direction; ties by start_time.
      [["metrics.loss ASC"], ["r4", "r5", "r7", "r1", "r3", "r2", "r6"]],
      [["metrics.loss DESC"], ["r3", "r7", "r1", "r5", "r4", "r2", "r6"]],
      [["metrics.`my metric` DESC"], ["r2", "r1", "r6", "r7", "r5", "r4", "r3"]],
      // Text sorts bytewise on both databases; runs without the param come last.
      [["params.lr"], ["r2", "r3", "r1", "r5", "r6", "r7", "r4"]],
      [["params.lr DESC"], ["r5", "r3", "r1", "r2", "r6", "r7", "r4"]],
      [["params.opt ASC"], ["r2", "r6", "r5", "r1", "r4", "r7", "r3"]],
      [["tags.team DESC"], ["r3", "r1", "r2", "r6", "r7", "r5", "r4"]],
      [["attributes.run_name"], ["r3", "r4", "r5", "r6", "r7", "r1", "r2"]],
      [["tags.`mlflow.runName` DESC"], ["r2", "r1", "r7", "r6", "r5", "r4", "r3"]],
      [["start_time ASC"], ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]],
      [["created DESC"], ["r6", "r7", "r5", "r4", "r3", "r2", "r1"]],
      [["end_time"], ["r1", "r4", "r5", "r6", "r7", "r3", "r2"]],
      [["end_time DESC"], ["r6", "r7", "r5", "r4", "r1", "r3", "r2"]],
      [["user_id"], ["r3", "r6", "r4", "r1", "r7", "r5", "r2"]],
      [["run_id DESC"], ["r7", "r6", "r5", "r4", "r3", "r2", "r1"]],
      [["status", "metrics.loss DESC"], ["r2", "r7", "r1", "r4", "r6", "r5", "r3"]],
      [["tags.team", "params.opt DESC"], ["r2", "r1", "r3", "r4", "r5", "r6", "r7"]],
    ])("orders by %j", async (orderBy, expected) => {
      expect(await runs("", orderBy)).toEqual(expected);
    });

    it("filters and orders together, with a page of rows", async () => {
      expect(await runs("metrics.loss > -1e400", ["metrics.loss DESC"], { offset: 1, limit: 2 })).toEqual(["r7", "r1"]);
    });

    it("pages through a search with MLflow's page tokens", async () => {
      const maxResults = 3;
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const offset = parsePageToken(token);
        const rows = await runs("", ["start_time ASC"], { offset, limit: maxResults + 1 });
        seen.push(...rows.slice(0, maxResults));
        token = nextPageToken(offset, maxResults, rows.length);
        pages += 1;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(["r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
      expect(parsePageToken(createPageToken(6))).toBe(6);
    });

    it.each([
      ["", [], ["9", "10", "2", "1"]],
      ["name LIKE 'alpha%'", [], ["9"]],
      ["name ILIKE 'alpha%'", [], ["9", "1"]],
      ["attribute.name = 'beta'", [], ["2"]],
      ["name != 'beta'", [], ["9", "10", "1"]],
      ["experiment_id IN ('1', '10', '3')", [], ["10", "1"]],
      ["experiment_id NOT IN ('1', '10')", [], ["9", "2"]],
      ["experiment_id = '010'", [], ["10"]],
      ["experiment_id != '2'", [], ["9", "10", "1"]],
      ["creation_time >= 200", [], ["9", "10", "2"]],
      ["last_update_time = 300", [], ["10", "2"]],
      ["tags.owner IS NULL", [], ["9", "10"]],
      ["tags.owner IS NOT NULL", [], ["2", "1"]],
      ["tags.owner LIKE '%n'", [], ["1"]],
      ["tags.owner != 'ann'", [], ["2"]],
      ["tag.team = 'x' AND creation_time > 0", [], ["10"]],
      ["", ["name"], ["1", "10", "9", "2"]],
      ["", ["name DESC"], ["2", "9", "10", "1"]],
      // Experiment ids order as numbers.
      ["", ["experiment_id DESC"], ["10", "9", "2", "1"]],
      ["", ["experiment_id"], ["1", "2", "9", "10"]],
      ["", ["last_update_time ASC"], ["9", "10", "2", "1"]],
      ["", ["creation_time"], ["1", "2", "10", "9"]],
    ])("searches experiments: %s ordered by %j", async (filter, orderBy, expected) => {
      expect(await experiments(filter, orderBy)).toEqual(expected);
    });

    it("finds any stored key and value by =, LIKE and ILIKE: values are bound, never spliced into SQL", async () => {
      const text = fc.string({ unit: "grapheme", maxLength: 12 }).filter((t) => !t.includes("\u0000"));
      const runId = id(1000);
      await database.db
        .insertInto("tracking_runs")
        .values({ ...(await database.db.selectFrom("tracking_runs").selectAll().where("id", "=", id(1)).executeTakeFirstOrThrow()), id: runId, experiment_id: "7" })
        .execute();
      await fc.assert(
        fc.asyncProperty(
          text.filter((k) => !k.includes("`")),
          text.filter((v) => !v.includes("'")),
          fc.double({ noNaN: true }),
          async (key, value, number) => {
            await database.db.insertInto("tracking_params").values({ run_id: runId, key, value }).execute();
            await database.db.insertInto("tracking_latest_metrics").values({ run_id: runId, experiment_id: "7", key, value: number, is_nan: 0, step: 0, timestamp: 0 }).execute();
            try {
              const spelt = Number.isFinite(number) ? String(number).replace("e+", "e") : number > 0 ? "1e400" : "-1e400";
              for (const filter of [`params.\`${key}\` = '${value}'`, `params.\`${key}\` LIKE '${value}'`, `params.\`${key}\` ILIKE '${value}'`, `metrics.\`${key}\` = ${spelt}`]) {
                const query = database.db.selectFrom("tracking_runs").selectAll("tracking_runs").where("tracking_runs.experiment_id", "=", "7");
                const rows = await searchRuns(query, { filter: parseRunFilter(filter), orderBy: [], offset: 0, limit: 10 }, database.dialect).execute();
                expect(rows.map((row) => row.id), filter).toEqual([runId]);
              }
            } finally {
              await database.db.deleteFrom("tracking_params").where("run_id", "=", runId).execute();
              await database.db.deleteFrom("tracking_latest_metrics").where("run_id", "=", runId).execute();
            }
          },
        ),
        { numRuns: 40 },
      );
    });

    // SQLite's query plan is what this reads; on PostgreSQL the test is not registered at all.
    (db.name === "sqlite" ? it : () => undefined)("filters and sorts through the tracking indexes, not by scanning metrics", async () => {
      const query = database.db.selectFrom("tracking_runs").selectAll("tracking_runs").where("tracking_runs.experiment_id", "=", "1");
      const search = searchRuns(
        query,
        { filter: parseRunFilter("metrics.loss > 0 AND params.lr = '0.1'"), orderBy: parseRunOrderBy(["metrics.acc DESC"]), offset: 0, limit: 10 },
        "sqlite",
      ).compile();
      const plan = await database.db.executeQuery<{ detail: string }>({ ...search, sql: `explain query plan ${search.sql}` });
      const steps = plan.rows.map((row) => row.detail).join("\n");
      expect(steps).toMatch(/tracking_latest_metrics USING (?:COVERING )?INDEX tracking_latest_metrics_key/);
      expect(steps).toMatch(/tracking_params USING (?:COVERING )?INDEX tracking_params_key/);
      expect(steps).not.toMatch(/SCAN (?:tracking_latest_metrics|tracking_params|search_order_0)\b/);
    });
  });
}
