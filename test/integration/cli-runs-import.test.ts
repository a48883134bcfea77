import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { describeWithMlflow, MLFLOW_QUIET_ENV, startMlflowServer } from "../helpers/mlflow-server.ts";
import { REPO, runCli, startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";
import { runOk } from "../helpers/python-clients.ts";

// `plinth runs import` from the three places an MLflow project lives — a file store folder, an
// SQLite database and a running MLflow server — each made by MLflow's own client
// (test/clients/py/mlflow_import_source.py), checked against what that client reads back.

interface MadeRun {
  id: string;
  name: string;
  experiment: string;
  status: string;
  start_time: number;
  end_time: number | null;
  deleted: boolean;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, Array<{ step: number; timestamp: number; value: number | string }>>;
  artifacts: Record<string, string>;
}

const PYTHON_WORDS: Record<string, string> = { nan: "NaN", inf: "Infinity", "-inf": "-Infinity" };

describeWithMlflow("plinth runs import", ({ python, test }) => {
  let t: TestPlatform;
  let work: string;
  const cli = (args: string[], timeoutMs = 180_000) => runCli(["runs", "import", ...args], { url: t.url, timeoutMs });

  /** Runs the source script with MLflow's client against `uri`; what it made, as MLflow reads it. */
  const makeSource = async (uri: string, cwd: string): Promise<MadeRun[]> => {
    mkdirSync(cwd, { recursive: true });
    const ran = await runOk(python, [join(REPO, "test/clients/py/mlflow_import_source.py")], {
      cwd,
      env: { ...MLFLOW_QUIET_ENV, MLFLOW_TRACKING_URI: uri, MLFLOW_ALLOW_FILE_STORE: "true", TMPDIR: cwd },
      timeoutMs: 240_000,
    });
    return JSON.parse(ran.stdout.trim().split("\n").at(-1)!).runs;
  };

  /** The Plinth run imported from `kind:id`, by its tag. */
  const importedRun = async (kind: string, id: string) => {
    const query = new URLSearchParams({ filter: `tags."plinth.imported_from" = '${kind}:${id}'`, view: "all" });
    const { status, body } = await t.api("GET", `/api/v1/runs?${query}`);
    expect(status).toBe(200);
    return body.items as any[];
  };

  /** Every run arrived once, exactly as MLflow read it back: name, times, status, params, tags, histories, artifact bytes. */
  const expectArrived = async (kind: string, made: MadeRun[], opts: { withDeleted: boolean }) => {
    const parent = made.find((r) => r.name === "sweep")!;
    for (const r of made) {
      const found = await importedRun(kind, r.id);
      const expected = opts.withDeleted || (!r.deleted && r.experiment !== "old-project");
      expect(found.length, `${kind} run ${r.name}`).toBe(expected ? 1 : 0);
      if (!expected) continue;
      const run = found[0];
      expect({ name: run.name, status: run.status, lifecycle: run.lifecycle, start: Date.parse(run.startTime), end: run.endTime && Date.parse(run.endTime), params: run.params }).toEqual({
        name: r.name,
        status: r.status,
        lifecycle: r.deleted ? "deleted" : "active",
        start: r.start_time,
        end: r.end_time,
        params: r.params,
      });
      const detail = (await t.api("GET", `/api/v1/runs/${run.id}`)).body;
      expect(detail.experiment.name).toBe(r.experiment);
      for (const [key, value] of Object.entries(r.tags)) {
        if (key === "mlflow.parentRunId") expect(run.tags[key]).toBe((await importedRun(kind, parent.id))[0].id);
        else expect(run.tags[key], `tag ${key}`).toBe(value);
      }
      expect(run.tags["plinth.imported_from"]).toBe(`${kind}:${r.id}`);
      expect(run.tags["plinth.importing"]).toBeUndefined();
      const keys = Object.keys(r.metrics);
      if (keys.length > 0) {
        const history = (await t.api("GET", `/api/v1/runs/${run.id}/metrics?keys=${keys.join(",")}`)).body.metrics;
        for (const key of keys) {
          const want = r.metrics[key]!.map((p) => ({ ...p, value: typeof p.value === "string" ? PYTHON_WORDS[p.value] : p.value }));
          expect(history[key], `${r.name} ${key}`).toEqual(want);
        }
      }
      const root = detail.artifactUri.replace(/^mlflow-artifacts:\/*/, "");
      for (const [path, hex] of Object.entries(r.artifacts)) {
        const res = await fetch(`${t.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status, path).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).toString("hex"), path).toBe(hex);
      }
    }
  };

  const runCount = async () => (await t.api("GET", "/api/v1/runs?view=all&limit=10000")).body.items.length as number;

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "cli-runs-import");
    expect((await t.api("POST", "/api/v1/teams", { name: "research" })).status).toBe(201);
    work = mkdtempSync(join(tmpdir(), "plinth-mlflow-import-"));
  });
  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("imports a file store folder whole, and a second import adds nothing", async () => {
    const made = await makeSource(`file://${join(work, "files/mlruns")}`, join(work, "files"));
    const dry = await cli([join(work, "files/mlruns"), "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, experiments: 2, runs: 6, metricPoints: 2500 + 5 + 4 + 1 + 1 + 1, skipped: { deletedRuns: 2, deletedExperiments: 1 } });
    expect(await runCount()).toBe(0);

    const first = await cli([join(work, "files/mlruns"), "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ kind: "mlruns", experiments: 2, runs: 6, metricPoints: 2512, artifactFiles: 2, artifactBytes: 23 + 10240, skipped: { alreadyImported: 0 } });
    expect(first.stderr).toContain("6/6 runs");
    await expectArrived("mlruns", made, { withDeleted: false });

    const before = await runCount();
    const again = await cli([join(work, "files/mlruns"), "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ runs: 0, metricPoints: 0, skipped: { alreadyImported: 6 } });
    expect(await runCount()).toBe(before);

    // The deleted ones come when asked for, as deleted; the rest are not imported twice.
    const deleted = await cli([join(work, "files/mlruns"), "--include-deleted", "--json"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ runs: 2, skipped: { alreadyImported: 6 } });
    await expectArrived("mlruns", made, { withDeleted: true });
    const experiments = (await t.api("GET", "/api/v1/experiments?view=all")).body.items as Array<{ name: string; lifecycle: string }>;
    expect(experiments.find((e) => e.name === "old-project")?.lifecycle).toBe("deleted");
  });

  test("imports an MLflow SQLite database into a team", async () => {
    const made = await makeSource(`sqlite:///${join(work, "db/mlflow.db")}`, join(work, "db"));
    // What an interrupted import leaves: a run created and half written, still marked as importing.
    const small = made.find((r) => r.name === "small")!;
    const mlflow = async (path: string, body: unknown) => (await t.api("POST", `/api/2.0/mlflow${path}`, body)).body;
    const experimentId = (await mlflow("/experiments/create", { name: "vision", tags: [{ key: "plinth.team", value: "research" }] })).experiment_id;
    const partial = (await mlflow("/runs/create", { experiment_id: experimentId, run_name: "small", tags: [{ key: "plinth.importing", value: `mlflow-db:${small.id}` }] })).run.info.run_id;
    await mlflow("/runs/log-batch", { run_id: partial, metrics: [{ key: "loss", value: 1, timestamp: 1, step: 0 }] });

    const first = await cli([join(work, "db/mlflow.db"), "--into-team", "research"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Imported from .*mlflow\.db: 2 experiments, 6 runs, 2512 metric points, 2 artifacts \(10263 bytes\)/);
    expect(first.stdout).toContain("--include-deleted");
    await expectArrived("mlflow-db", made, { withDeleted: false });
    expect((await t.api("GET", `/api/v1/runs/${partial}`)).body.lifecycle).toBe("deleted");
    const experiments = (await t.api("GET", "/api/v1/experiments?q=vision")).body.items as Array<{ name: string; team: string }>;
    expect(experiments.filter((e) => e.team === "research").map((e) => e.name)).toEqual(["vision"]);

    const again = await cli([join(work, "db/mlflow.db"), "--into-team", "research", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ runs: 0, skipped: { alreadyImported: 6 } });
  });

  test("imports from a running MLflow server, artifacts through its proxy", async () => {
    const server = await startMlflowServer();
    try {
      const made = await makeSource(server.url, join(work, "server"));
      const first = await cli([server.url, "--json"]);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ kind: "mlflow-server", runs: 6, metricPoints: 2512, artifactBytes: 10263 });
      await expectArrived("mlflow-server", made, { withDeleted: false });
      const again = await cli([server.url, "--json"]);
      expect(JSON.parse(again.stdout)).toMatchObject({ runs: 0, skipped: { alreadyImported: 6 } });
    } finally {
      await server.stop();
    }
  });

  test("a source that is not MLflow's gets an error that says what to give", async () => {
    const missing = await cli([join(work, "nothing-here")]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("Nothing at");
    expect(missing.stderr).toContain("mlruns folder");
    mkdirSync(join(work, "empty"));
    const empty = await cli([join(work, "empty")]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain("holds no MLflow experiments");
    const file = await cli([join(REPO, "package.json")]);
    expect(file.code).not.toBe(0);
    expect(file.stderr).toContain("is not an MLflow database");
    const server = await cli([`${t.url}/nothing`]);
    expect(server.code).not.toBe(0);
    expect(server.stderr).toMatch(/MLflow server|MLflow tracking server/);
  });
});
