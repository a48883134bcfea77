import { createHash } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputViews } from "../../src/jobs/input-views.ts";
import { jobUserFor } from "../../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { testDatabases } from "../helpers/databases.ts";
import { localJobsSuite } from "../helpers/local-jobs.ts";
import { databaseUrlFor, freePort, makeApi, runCli, spawnServer, startTestPlatform, TOKEN, type TestPlatform, waitForJob } from "../helpers/platform.ts";
import { runSql } from "../helpers/sql-while-down.ts";

// Jobs that use datasets by name, on a real Plinth: an input is there read-only before the
// job starts, its version fixed at submit; inputs that do not exist, may not be read or break
// their expectations are refused at submit, in one answer; an output folder becomes the
// dataset's next version when the job succeeds; lineage is recorded both ways.

const IRIS_V1 = "sepal_length,sepal_width,petal_length,species\n5.1,3.5,1.4,setosa\n6.2,2.9,4.3,versicolor\n";
const IRIS_V2 = "sepal_length,sepal_width,petal_length,species\n5.1,3.5,1.4,setosa\n6.2,2.9,4.3,versicolor\n7.7,3.0,6.1,virginica\n";

const isRoot = process.getuid?.() === 0;
const bwrap = findBwrap();
const sandboxProbe = bwrap ? await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody")) : { ok: false as const, error: "bwrap is not installed" };
if (!sandboxProbe.ok) console.warn(`Skipping 1 sandboxed input test: bubblewrap is not usable here (${sandboxProbe.error}).`);

type Api = TestPlatform["api"];

/** Uploads the files' bytes and makes them a version of `name`, as `token`. */
async function push(t: TestPlatform, name: string, files: Record<string, string>, opts: { token?: string; team?: string; visibility?: string } = {}): Promise<any> {
  const token = opts.token ?? TOKEN;
  const manifest = [];
  for (const [path, text] of Object.entries(files)) {
    const bytes = Buffer.from(text);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const res = await fetch(`${t.url}/api/v1/data/blobs/${sha256}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": String(bytes.length) },
      body: bytes,
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    manifest.push({ path, sha256, size: bytes.length });
  }
  const query = opts.team ? `?team=${opts.team}` : "";
  const res = await t.api("POST", `/api/v1/datasets/${name}/versions${query}`, { files: manifest, ...(opts.visibility && { visibility: opts.visibility }) }, token);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  expect(res.body.missing).toEqual([]);
  return res.body.version;
}

async function submit(api: Api, spec: Record<string, unknown>, token = TOKEN): Promise<{ status: number; body: any }> {
  return api("POST", "/api/v1/jobs", spec, token);
}

async function logOf(api: Api, id: string): Promise<string> {
  return (await api("GET", `/api/v1/jobs/${id}/logs`)).body as string;
}

/** A script that shows the input and tries every way to change it, printing what worked. */
const TAMPER = [
  'cat "$PLINTH_INPUT_TRAIN/iris.csv"',
  'echo "dir=$PLINTH_INPUT_TRAIN"',
  'echo overwritten 2>/dev/null > "$PLINTH_INPUT_TRAIN/iris.csv" && echo WROTE',
  'chmod u+w "$PLINTH_INPUT_TRAIN/iris.csv" 2>/dev/null && echo CHMODDED',
  'touch "$PLINTH_INPUT_TRAIN/new-file" 2>/dev/null && echo CREATED',
  'rm -f "$PLINTH_INPUT_TRAIN/iris.csv" 2>/dev/null; test -e "$PLINTH_INPUT_TRAIN/iris.csv" || echo REMOVED',
  "true",
].join("\n");

for (const db of testDatabases()) {
  describe(`jobs with dataset inputs and outputs (${db.name})`, () => {
    let t: TestPlatform;
    let alice: string;
    let bob: string;
    beforeAll(async () => {
      t = await startTestPlatform(db, "job-inputs", { sandbox: "none", cpus: 2 });
      alice = (await t.api("POST", "/api/v1/users", { name: "alice" })).body.token;
      bob = (await t.api("POST", "/api/v1/users", { name: "bob" })).body.token;
      await push(t, "iris", { "iris.csv": IRIS_V1 }, { token: alice });
    });
    afterAll(() => t?.close());

    it("gives a job its input read-only, and the stored bytes stay as they were", async () => {
      const job = await submit(t.api, { script: TAMPER, inputs: { train: "iris@v1" } }, alice);
      expect(job.status, JSON.stringify(job.body)).toBe(201);
      const done = await t.waitFor(job.body.id);
      const log = await logOf(t.api, job.body.id);
      expect(done.state, log).toBe("succeeded");
      expect(log).toContain(IRIS_V1);
      expect(log).not.toMatch(/WROTE|CHMODDED|CREATED|REMOVED/);
      // Run as root, Plinth runs jobs as another user, who reads the one shared view; else each job gets a copy.
      expect(log).toContain(`dir=${isRoot ? join(t.dataDir, "views") : join(t.dataDir, "runs", job.body.id, "inputs")}`);
      const file = await fetch(`${t.url}/api/v1/datasets/iris/versions/v1/files/iris.csv`, { headers: { authorization: `Bearer ${alice}` } });
      expect(await file.text()).toBe(IRIS_V1);
      const detail = (await t.api("GET", `/api/v1/jobs/${job.body.id}`, undefined, alice)).body;
      expect(detail.inputs).toEqual([expect.objectContaining({ name: "train", ref: "iris@v1", dataset: "iris", version: 1 })]);
    });

    it("fixes the version at submit: a job and its retry read what `latest` meant then", async () => {
      // Both CPUs held, so the job waits in the queue while a new version arrives.
      const blocker = await submit(t.api, { command: ["sleep", "60"], resources: { cpus: 2 } }, alice);
      await t.waitFor(blocker.body.id, ["running"]);
      const job = await submit(t.api, { script: 'cat "$PLINTH_INPUT_TRAIN/iris.csv"', inputs: { train: "iris" } }, alice);
      expect(job.status, JSON.stringify(job.body)).toBe(201);
      await push(t, "iris", { "iris.csv": IRIS_V2 }, { token: alice });
      expect((await t.api("GET", `/api/v1/jobs/${job.body.id}`, undefined, alice)).body.state).toBe("queued");
      await t.api("POST", `/api/v1/jobs/${blocker.body.id}/cancel`, undefined, alice);
      expect((await t.waitFor(job.body.id)).state).toBe("succeeded");
      expect(await logOf(t.api, job.body.id)).toBe(IRIS_V1);

      const retry = await t.api("POST", `/api/v1/jobs/${job.body.id}/retry`, undefined, alice);
      expect(retry.status, JSON.stringify(retry.body)).toBe(201);
      expect((await t.waitFor(retry.body.id)).state).toBe("succeeded");
      expect(await logOf(t.api, retry.body.id)).toBe(IRIS_V1);
      const fresh = await submit(t.api, { script: 'cat "$PLINTH_INPUT_TRAIN/iris.csv"', inputs: { train: "iris" } }, alice);
      expect((await t.waitFor(fresh.body.id)).state).toBe("succeeded");
      expect(await logOf(t.api, fresh.body.id)).toBe(IRIS_V2);
    });

    it("refuses at submit an input that does not exist, and one the person may not read, in the same words", async () => {
      await push(t, "private-notes", { "notes.csv": "a,b\n1,2\n" }, { token: alice, visibility: "private" });
      const unknown = await submit(t.api, { command: ["true"], inputs: { train: "no-such-data@v1" } }, bob);
      const hidden = await submit(t.api, { command: ["true"], inputs: { train: "private-notes@v1" } }, bob);
      for (const res of [unknown, hidden]) {
        expect(res.status).toBe(422);
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors[0].path).toBe("inputs.train");
        expect(res.body.hint).toContain("plinth data ls");
      }
      const words = (res: typeof unknown, ref: string) => JSON.stringify(res.body).replaceAll(ref, "REF");
      expect(words(hidden, "private-notes@v1")).toBe(words(unknown, "no-such-data@v1"));
      expect(JSON.stringify(hidden.body)).not.toContain("alice");
      // Nothing was queued.
      const mine = (await t.api("GET", "/api/v1/jobs?user=me", undefined, bob)).body.items;
      expect(mine).toEqual([]);
      // Its owner may use it.
      expect((await submit(t.api, { command: ["true"], inputs: { train: "private-notes@v1" } }, alice)).status).toBe(201);
    });

    it("refuses a training table without its label and a prediction table that lost a feature, naming file, column and rule", async () => {
      await push(t, "flowers-train", { "train.csv": "sepal_length,petal_length,species\n5.1,1.4,setosa\n" }, { token: alice });
      await push(t, "flowers-unlabelled", { "train.csv": "sepal_length,petal_length\n5.1,1.4\n" }, { token: alice });
      await push(t, "flowers-new", { "predict.csv": "sepal_length\n6.3\n" }, { token: alice });
      const res = await submit(
        t.api,
        {
          command: ["true"],
          inputs: {
            train: { dataset: "flowers-unlabelled", expect: { columns: { species: "string" } } },
            predict: { dataset: "flowers-new", expect: { sameColumnsAs: { dataset: "flowers-train", except: ["species"] } } },
          },
        },
        alice,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      const errors = res.body.errors as Array<{ path: string; message: string }>;
      expect(errors.map((e) => e.path).sort()).toEqual(["inputs.predict", "inputs.train"]);
      const train = errors.find((e) => e.path === "inputs.train")!.message;
      expect(train).toContain("train.csv");
      expect(train).toContain("species");
      expect(train).toContain("rule: columns");
      const predict = errors.find((e) => e.path === "inputs.predict")!.message;
      expect(predict).toContain("predict.csv");
      expect(predict).toContain("petal_length");
      expect(predict).toContain("rule: sameColumnsAs");
      expect(res.body.hint).toBeTruthy();
      expect(res.body.violations).toHaveLength(2);
      // The same tables pass when the expectations hold.
      const ok = await submit(t.api, { command: ["true"], inputs: { train: { dataset: "flowers-train", expect: { columns: { species: "string" } } } } }, alice);
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    });

    it("saves an output folder as the dataset's next version, made by the job, with lineage both ways", async () => {
      await push(t, "model", { "weights.txt": "initial\n" }, { token: alice });
      const job = await submit(
        t.api,
        { script: 'wc -l < "$PLINTH_INPUT_TRAIN/iris.csv" > "$PLINTH_OUTPUT_MODEL/weights.txt"; mkdir "$PLINTH_OUTPUT_MODEL/sub"; echo deep > "$PLINTH_OUTPUT_MODEL/sub/x.txt"', inputs: { train: "iris@v1" }, outputs: { model: "out/" } },
        alice,
      );
      expect(job.status, JSON.stringify(job.body)).toBe(201);
      const done = await t.waitFor(job.body.id);
      expect(done.state, JSON.stringify(done.failure)).toBe("succeeded");
      const states = done.events.map((e: { to: string }) => e.to);
      expect(states.slice(-3)).toEqual(["running", "saving", "succeeded"]);
      expect(done.outputs).toEqual([expect.objectContaining({ name: "model", path: "out", dataset: "model", version: 2 })]);
      expect(await logOf(t.api, job.body.id)).toContain("output 'model' saved as");

      const version = (await t.api("GET", "/api/v1/datasets/model/versions/v2", undefined, alice)).body;
      expect(version.producedBy).toEqual(expect.objectContaining({ jobId: job.body.id }));
      expect(version.files.map((f: { path: string }) => f.path).sort()).toEqual(["sub/x.txt", "weights.txt"]);
      const weights = await fetch(`${t.url}/api/v1/datasets/model/versions/v2/files/weights.txt`, { headers: { authorization: `Bearer ${alice}` } });
      expect((await weights.text()).trim()).toBe("3");

      const lineage = (await t.api("GET", `/api/v1/jobs/${job.body.id}/lineage`, undefined, alice)).body;
      expect(lineage.inputs).toEqual([expect.objectContaining({ name: "train", dataset: "iris", version: 1 })]);
      expect(lineage.outputs).toEqual([expect.objectContaining({ name: "model", dataset: "model", version: 2 })]);
      const iris = (await t.api("GET", "/api/v1/datasets/iris/versions/v1", undefined, alice)).body;
      expect(iris.readBy).toEqual(expect.arrayContaining([expect.objectContaining({ jobId: job.body.id, input: "train" })]));

      // The CLI shows both.
      const shown = await runCli(["jobs", "show", job.body.id], { url: t.url, token: alice });
      expect(shown.stdout).toMatch(/inputs: +train = \S+\/iris@v1/);
      expect(shown.stdout).toMatch(/outputs: +model = out\/ → \S+\/model@v2/);
    });

    it("fails a job whose output folder holds no files, with output_not_saved and a hint", async () => {
      const job = await submit(t.api, { command: ["true"], outputs: { empty: { path: "results/", dataset: "never-made" } } }, alice);
      const done = await t.waitFor(job.body.id);
      expect(done.state).toBe("failed");
      expect(done.failure.reason).toBe("output_not_saved");
      expect(done.failure.message).toContain("results");
      expect(done.failure.hint).toContain("PLINTH_OUTPUT");
      expect((await t.api("GET", "/api/v1/datasets/never-made", undefined, alice)).status).toBe(404);
    });

    it("takes inputs and outputs from `plinth run` flags", async () => {
      const dir = join(t.dataDir, "cli-project");
      mkdirSync(dir, { recursive: true });
      const res = await runCli(["run", "--no-code", "--input", "train=iris@v1", "--output", "counts=out/", "--", "bash", "-c", 'wc -l < "$PLINTH_INPUT_TRAIN/iris.csv" > "$PLINTH_OUTPUT_COUNTS/n"'], {
        url: t.url,
        token: alice,
        cwd: dir,
      });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain("output 'counts' saved as");
      const counts = (await t.api("GET", "/api/v1/datasets/counts", undefined, alice)).body;
      expect(counts.versions).toHaveLength(1);
    });

    it("refuses a spec whose outputs overlap or leave the working directory, before anything runs", async () => {
      const res = await submit(t.api, { command: ["true"], outputs: { a: "out", b: "out/sub", c: "../elsewhere", d: "/abs" } }, alice);
      expect(res.status).toBe(400);
      const paths = (res.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
      expect(paths).toEqual(["body.outputs.b", "body.outputs.c", "body.outputs.d"]);
    });
  });
}

for (const database of testDatabases()) {
  describe(`outputs across a restart after kill -9 (${database.name})`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-outputs-restart-"));
    const children: ChildProcess[] = [];
    let db: { url: string | undefined; cleanup: () => Promise<void> } = { url: undefined, cleanup: async () => {} };
    afterAll(async () => {
      for (const c of children) c.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
      await db.cleanup();
    });

    it("saves the output of a job that succeeded while the server was down, and never saves one twice", async () => {
      db = await databaseUrlFor(database, "outputs-restart");
      const env = { PLINTH_EXECUTOR_SANDBOX: "none", ...(db.url && { PLINTH_DATABASE_URL: db.url }) };
      const port = await freePort();
      const api = makeApi(`http://127.0.0.1:${port}`);
      const first = await spawnServer({ dataDir, port, env });
      children.push(first);
      // One job saved its output before the crash; the crash comes before its end is written down.
      const saved = (await api("POST", "/api/v1/jobs", { script: 'echo a > "$PLINTH_OUTPUT_OUT/a.txt"', outputs: { out: { path: "out", dataset: "saved-before" } } })).body;
      expect((await waitForJob(api, saved.id)).state).toBe("succeeded");
      // The other ends while the server is away: it waits for a file in its folder.
      const waiting = (await api("POST", "/api/v1/jobs", { script: 'while [ ! -e go ]; do sleep 0.05; done; echo b > "$PLINTH_OUTPUT_OUT/b.txt"', outputs: { out: { path: "out", dataset: "saved-after" } } })).body;
      await waitForJob(api, waiting.id, ["running"]);

      first.kill("SIGKILL");
      await new Promise((r) => first.once("exit", r));
      await runSql(db.url, dataDir, "update jobs set state = 'saving', finished_at = null where id = ?", saved.id);
      writeFileSync(join(dataDir, "runs", waiting.id, "work", "go"), "");
      const exitStatus = join(dataDir, "runs", waiting.id, "state", "exit-status");
      for (let i = 0; i < 400 && !existsSync(exitStatus); i++) await new Promise((r) => setTimeout(r, 25));

      children.push(await spawnServer({ dataDir, port, env }));
      const after = await waitForJob(api, waiting.id);
      expect(after.state, JSON.stringify(after.failure)).toBe("succeeded");
      expect(after.events.map((e: { to: string }) => e.to).slice(-2)).toEqual(["saving", "succeeded"]);
      const made = (await api("GET", "/api/v1/datasets/saved-after/versions/v1")).body;
      expect(made.producedBy).toEqual(expect.objectContaining({ jobId: waiting.id }));
      expect((await waitForJob(api, saved.id)).state).toBe("succeeded");
      expect((await api("GET", "/api/v1/datasets/saved-before")).body.versions).toHaveLength(1);
    });
  });
}

describe.skipIf(!sandboxProbe.ok)("inputs in the sandbox", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform(testDatabases()[0]!, "job-inputs-sandbox", { sandbox: "bubblewrap" });
    await push(t, "iris", { "iris.csv": IRIS_V1 });
  });
  afterAll(() => t?.close());

  it("mounts the input read-only at /inputs/<name>, and nothing else of the data directory", async () => {
    const job = await submit(t.api, { script: `${TAMPER}\ntest -e "${t.dataDir}/views" && echo SEES-VIEWS; true`, inputs: { train: "iris@v1" } });
    const done = await t.waitFor(job.body.id);
    const log = await logOf(t.api, job.body.id);
    expect(done.state, log).toBe("succeeded");
    expect(log).toContain(IRIS_V1);
    expect(log).toContain("dir=/inputs/train");
    expect(log).not.toMatch(/WROTE|CHMODDED|CREATED|REMOVED|SEES-VIEWS/);
  });
});

// Jobs running as Plinth's own user without a sandbox could make a shared file writable: they get a copy.
describe("inputs of a job that runs as Plinth's own user, without a sandbox", () => {
  const local = localJobsSuite("plinth-input-copy-");

  it("gives the job a copy of its own, so whatever it does leaves the shared view as it was", async () => {
    const blobs = join(local.root(), "blobs");
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, "b1"), IRIS_V1);
    const views = new InputViews(join(local.root(), "views"), async (sha) => join(blobs, sha));
    const view = await views.ensure("ver_1", async () => [{ path: "iris.csv", sha256: "b1" }]);
    expect(statSync(join(view, "iris.csv")).mode & 0o777).toBe(0o444);
    expect(statSync(view).mode & 0o777).toBe(0o555);

    const ex = local.executor({ jobUser: null });
    const script = 'chmod u+w "$PLINTH_INPUT_TRAIN/iris.csv" "$PLINTH_INPUT_TRAIN"; echo changed > "$PLINTH_INPUT_TRAIN/iris.csv"; echo "at=$PLINTH_INPUT_TRAIN"';
    const { info, log, req } = await local.run(ex, ["bash", "-c", script], { inputs: [{ name: "train", dir: view }] });
    expect(info.exitCode, log).toBe(0);
    expect(log).toContain(`at=${join(req.workdir, "..", "inputs", "train")}`);
    expect(readFileSync(join(view, "iris.csv"), "utf8")).toBe(IRIS_V1);
    expect(readFileSync(join(blobs, "b1"), "utf8")).toBe(IRIS_V1);
  });

  it("builds a version's view once for jobs starting together, and prunes it once unused", async () => {
    const blobs = join(local.root(), "blobs2");
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, "b2"), "x\n");
    let asked = 0;
    const views = new InputViews(join(local.root(), "views2"), async (sha) => join(blobs, sha));
    const files = async () => {
      asked++;
      return [{ path: "a/b/c.txt", sha256: "b2" }];
    };
    const dirs = await Promise.all([views.ensure("ver_2", files), views.ensure("ver_2", files), views.ensure("ver_2", files)]);
    expect(new Set(dirs).size).toBe(1);
    expect(asked).toBe(1);
    expect(readFileSync(join(dirs[0]!, "a/b/c.txt"), "utf8")).toBe("x\n");
    expect(await views.prune(new Set(["ver_2"]), 0, Date.now() + 1000)).toBe(0);
    expect(await views.prune(new Set(), 60_000)).toBe(0);
    expect(await views.prune(new Set(), 0, Date.now() + 1000)).toBe(1);
    chmodSync(blobs, 0o755);
    expect(readFileSync(join(blobs, "b2"), "utf8")).toBe("x\n");
  });
});

// Without a sandbox, a job running as another user than Plinth passes through the views folder
// to its own view: it must not reach another version's, even knowing that version's id.
describe.skipIf(!isRoot)("views of other versions, for a job running as another user without a sandbox", () => {
  const local = localJobsSuite("plinth-view-names-");

  it("reaches only the view it was handed: the folder cannot be listed and a version's id does not name its view", async () => {
    const blobs = join(local.root(), "objects");
    mkdirSync(blobs, { recursive: true, mode: 0o700 });
    writeFileSync(join(blobs, "mine"), IRIS_V1);
    writeFileSync(join(blobs, "theirs"), "someone else's private table\n");
    const views = new InputViews(join(local.root(), "views"), async (sha) => join(blobs, sha));
    const mine = await views.ensure("dsv_mine", async () => [{ path: "iris.csv", sha256: "mine" }]);
    const theirs = await views.ensure("dsv_theirs", async () => [{ path: "secret.csv", sha256: "theirs" }]);
    expect(readFileSync(join(theirs, "secret.csv"), "utf8")).toContain("private");
    expect(statSync(views.root).mode & 0o777).toBe(0o711);
    expect(statSync(`${views.root}.key`).mode & 0o777).toBe(0o600);

    const ex = local.executor();
    const script = [
      'cat "$PLINTH_INPUT_TRAIN/iris.csv"',
      'ls "$VIEWS" >/dev/null 2>&1 && echo LISTED',
      'cat "$VIEWS/dsv_theirs/secret.csv" 2>/dev/null && echo READ-BY-ID',
      'cat "$VIEWS.key" >/dev/null 2>&1 && echo READ-KEY',
      "true",
    ].join("\n");
    const { info, log } = await local.run(ex, ["bash", "-c", script], { inputs: [{ name: "train", dir: mine }], env: { VIEWS: views.root } });
    expect(info.exitCode, log).toBe(0);
    expect(log).toContain(IRIS_V1);
    expect(log).not.toMatch(/LISTED|READ-BY-ID|READ-KEY|private/);
  });

  it("after an upgrade, keeps a view made under the version's id while a running job reads it, then removes it; the version's view is built anew", async () => {
    const blobs = join(local.root(), "objects-upgrade");
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, "b"), "x\n");
    const root = join(local.root(), "views-upgrade");
    // What an older Plinth left: <views>/<version id>/…
    mkdirSync(join(root, "dsv_old"), { recursive: true });
    writeFileSync(join(root, "dsv_old", "c.txt"), "x\n");
    const views = new InputViews(root, async (sha) => join(blobs, sha));
    expect(await views.prune(new Set(["dsv_old"]), 3_600_000)).toBe(0);
    expect(existsSync(join(root, "dsv_old", "c.txt"))).toBe(true);
    const view = await views.ensure("dsv_old", async () => [{ path: "c.txt", sha256: "b" }]);
    expect(view).not.toBe(join(root, "dsv_old"));
    expect(readFileSync(join(view, "c.txt"), "utf8")).toBe("x\n");
    // Once no running job reads the version, the old view goes at once; the new one stays until idle.
    expect(await views.prune(new Set(), 3_600_000)).toBe(1);
    expect(existsSync(join(root, "dsv_old"))).toBe(false);
    expect(existsSync(view)).toBe(true);
    // The same key names the same view after a restart.
    expect(new InputViews(root, async (sha) => join(blobs, sha)).path("dsv_old")).toBe(view);
  });
});
