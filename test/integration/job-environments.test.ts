import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { jobUserFor } from "../../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { describeWithUv } from "../helpers/uv.ts";

// Jobs in Python environments, end to end: the real uv, real packages from PyPI, real jobs.
// A package that does not exist is refused at submit; an environment is built once for the
// jobs that ask for it at the same time, and the next job finds it ready; the job's python is
// the environment's, in the sandbox too. SQLite only: the environment lives on disk, and the
// job's row holds it as JSON like any other part of the job.

const bwrap = findBwrap();
const sandbox = bwrap ? await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody")) : { ok: false as const, error: "bwrap is not installed" };

/** Prints the version of a package as the job's python imports it, and where that python lives. */
const SHOW = (module: string) => ["python3", "-c", `import ${module}, sys; print("${module}", ${module}.__version__); print("prefix", sys.prefix)`];

describeWithUv("jobs in Python environments", ({ uv, test }) => {
  let t: TestPlatform;
  const codeDir = mkdtempSync(join(tmpdir(), "plinth-env-code-"));

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "job-environments", { extra: { environments: { uv } } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(codeDir, { recursive: true, force: true });
  });

  const eventsOf = async (id: string) => (await t.api("GET", `/api/v1/jobs/${id}`)).body.events as Array<{ to: string; detail: Record<string, any> | null }>;
  const environmentOf = async (id: string) => (await eventsOf(id)).find((e) => e.to === "running")?.detail?.environment as { key: string; built: boolean; seconds: number };

  test("refuses at submit a package the index does not have, naming it", async () => {
    const res = await t.api("POST", "/api/v1/jobs", { command: ["true"], environment: { packages: ["plinth-no-such-package-7f3a"] } });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain("plinth-no-such-package-7f3a");
    expect(res.body.hint).toBeTruthy();
    const versions = await t.api("POST", "/api/v1/jobs", { command: ["true"], environment: { packages: ["six==99.0.0"] } });
    expect(versions.status).toBe(422);
    expect(JSON.stringify(versions.body)).toContain("six");
  });

  test("builds an environment once for two jobs that ask for it together; the next job finds it ready", async () => {
    const spec = { command: SHOW("six"), environment: { packages: ["six==1.16.0"] } };
    const [a, b] = await Promise.all([t.api("POST", "/api/v1/jobs", spec), t.api("POST", "/api/v1/jobs", spec)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    for (const job of [a.body, b.body]) {
      const done = await t.waitFor(job.id, undefined, 180_000);
      expect(done.state).toBe("succeeded");
      const log = (await t.api("GET", `/api/v1/jobs/${job.id}/logs`)).body as string;
      expect(log).toContain("six 1.16.0");
      expect(log).toMatch(new RegExp(`prefix ${t.dataDir}/environments/[0-9a-f]{64}`));
    }
    const prepared = await Promise.all([environmentOf(a.body.id), environmentOf(b.body.id)]);
    expect(prepared[0]!.key).toBe(prepared[1]!.key);
    expect(prepared.filter((p) => p.built)).toHaveLength(1);
    // Its build log is kept with the job that built it.
    const builder = prepared[0]!.built ? a.body.id : b.body.id;
    expect(readFileSync(join(t.dataDir, "runs", builder, "environment.log"), "utf8")).toMatch(/built in \d+\.\d s/);
    // …and shown to whoever may read the job, whole lines as uv printed them.
    const shown = await runCli(["jobs", "logs", "--environment", builder], { url: t.url });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^preparing environment [0-9a-f]{12} \(Python 3\.\d+\.\d+, 1 package\)$/m);
    expect(shown.stdout).toMatch(/^\$ uv venv --relocatable/m);
    expect(shown.stdout).toMatch(/^ready after \d+\.\d s$/m);

    const again = (await t.api("POST", "/api/v1/jobs", spec)).body;
    expect((await t.waitFor(again.id, undefined, 60_000)).state).toBe("succeeded");
    expect(await environmentOf(again.id)).toMatchObject({ key: prepared[0]!.key, built: false });
  });

  test("reads the requirements file from the job's code, through `plinth run --requirements`", async () => {
    writeFileSync(join(codeDir, "requirements.txt"), "# what train.py needs\nsix==1.16.0\n");
    writeFileSync(join(codeDir, "train.py"), 'import six\nprint("trained with six", six.__version__)\n');
    const run = await runCli(["run", "--requirements", "requirements.txt", "--", "python", "train.py"], { url: t.url, cwd: codeDir, timeoutMs: 180_000 });
    expect(run.stdout + run.stderr).toContain("trained with six 1.16.0");
    expect(run.code).toBe(0);
    const missing = await runCli(["run", "--requirements", "missing.txt", "--", "python", "train.py"], { url: t.url, cwd: codeDir });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr, missing.stderr).toContain("missing.txt");
  });

  (sandbox.ok ? test : test.skip)("runs the job with the environment's python inside the sandbox, where the environment cannot be changed", async () => {
    const sandboxed = await startTestPlatform({ name: "sqlite", url: undefined }, "job-environments-sandbox", { sandbox: "bubblewrap", extra: { environments: { uv } } });
    try {
      const write = `import six, os; print("six", six.__version__); open(os.path.join(os.path.dirname(six.__file__), "x"), "w")`;
      const job = (await sandboxed.api("POST", "/api/v1/jobs", { command: ["python3", "-c", write], environment: { packages: ["six==1.16.0"] } })).body;
      const done = await sandboxed.waitFor(job.id, undefined, 180_000);
      const log = (await sandboxed.api("GET", `/api/v1/jobs/${job.id}/logs`)).body as string;
      expect(log).toContain("six 1.16.0");
      expect(log).toMatch(/Read-only file system|Permission denied/);
      expect(done.state).toBe("failed");
      // A Python without packages answers to `python` too, though the system has only python3.
      const version = (await sandboxed.api("POST", "/api/v1/jobs", { command: ["python", "-c", "import sys; print('python', sys.version_info[0])"], environment: { python: "/usr/bin/python3" } })).body;
      const ended = await sandboxed.waitFor(version.id, undefined, 60_000);
      expect(ended.state, JSON.stringify(ended.failure)).toBe("succeeded");
      expect((await sandboxed.api("GET", `/api/v1/jobs/${version.id}/logs`)).body).toContain("python 3");
    } finally {
      await sandboxed.close();
    }
  });
});
