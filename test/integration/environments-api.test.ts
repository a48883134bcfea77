import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { describeWithUv } from "../helpers/uv.ts";

// The built Python environments through the API and `plinth env`, with the real uv and small
// real packages from PyPI: built ahead of jobs, listed, shown, compared between jobs, removed;
// who may do which; and a job's detail naming its environment. SQLite only: environments
// live on disk, not in the database.

const ZEROS = "0".repeat(64);

describeWithUv("Python environments through the API and the CLI", ({ uv, test }) => {
  let t: TestPlatform;
  const tokens: Record<string, string> = {};
  const dir = mkdtempSync(join(tmpdir(), "plinth-env-api-"));
  const cli = (args: string[], token?: string) => runCli(args, { url: t.url, cwd: dir, timeoutMs: 180_000, ...(token && { token }) });

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "environments-api", { extra: { environments: { uv } } });
    for (const [name, teamRole] of [
      ["mia", "member"],
      ["vic", "viewer"],
    ] as const) {
      const r = await t.api("POST", "/api/v1/users", { name, team: "default", teamRole });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      tokens[name] = r.body.token;
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Asks for an environment until it is built. */
  async function builtEnvironment(key: string, token?: string): Promise<any> {
    const until = Date.now() + 180_000;
    while (true) {
      const res = await t.api("GET", `/api/v1/environments/${key}`, undefined, token);
      if (res.status === 200) return res.body;
      expect(res.body.type, JSON.stringify(res.body)).toMatch(/environment-building$/);
      if (Date.now() > until) throw new Error(`environment ${key} not built after 180 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  test("a member builds one ahead of jobs; anyone lists and shows it, only Keepers see its path", async () => {
    const started = await t.api("POST", "/api/v1/environments", { packages: ["six==1.16.0"] }, tokens.mia);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ key: expect.stringMatching(/^[0-9a-f]{64}$/), built: false, packages: ["six==1.16.0"] });
    const key = started.body.key as string;

    const shown = await builtEnvironment(key, tokens.mia);
    expect(shown).toMatchObject({ key, python: started.body.python, packages: ["six==1.16.0"], inUse: 0 });
    expect(shown.sizeBytes).toBeGreaterThan(0);
    expect(shown.path).toBeUndefined();
    expect(shown.interpreter).toMatch(/^\//);
    expect((await t.api("GET", `/api/v1/environments/${key}`)).body.path).toBe(join(t.dataDir, "environments", key));

    const listed = await t.api("GET", "/api/v1/environments", undefined, tokens.vic);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ key, packages: ["six==1.16.0"] })]);
    expect(JSON.stringify(listed.body)).not.toContain(t.dataDir);

    const again = await t.api("POST", "/api/v1/environments", { packages: ["six==1.16.0"] }, tokens.mia);
    expect(again.body).toMatchObject({ key, built: true });
  });

  test("refuses a package the index does not have (422, naming it), a viewer's build, and keys that are not built", async () => {
    const missing = await t.api("POST", "/api/v1/environments", { packages: ["plinth-no-such-package-7f3a"] }, tokens.mia);
    expect(missing.status).toBe(422);
    expect(JSON.stringify(missing.body)).toContain("plinth-no-such-package-7f3a");
    expect(missing.body.hint).toBeTruthy();

    const viewer = await t.api("POST", "/api/v1/environments", { packages: ["six==1.16.0"] }, tokens.vic);
    expect(viewer.status).toBe(403);
    expect(viewer.body.detail).toContain("viewer");

    const option = await t.api("POST", "/api/v1/environments", { packages: ["--index-url=https://example.org"] }, tokens.mia);
    expect(option.status).toBe(400);
    expect(option.body.errors[0].path).toBe("body.packages[0]");

    const none = await t.api("GET", `/api/v1/environments/${ZEROS}`, undefined, tokens.mia);
    expect(none.status).toBe(404);
    expect(none.body.hint).toContain("plinth env");
    expect((await t.api("GET", "/api/v1/environments/nope", undefined, tokens.mia)).status).toBe(400);
  });

  test("plinth env build reads a requirements file, waits and prints the key; ls, show by a prefix, and rm for Keepers only", async () => {
    writeFileSync(join(dir, "requirements.txt"), "# for the course\n\nsix==1.17.0  # pinned\n");
    const build = await cli(["env", "build", "-r", "requirements.txt"], tokens.mia);
    expect(build.code, build.stderr).toBe(0);
    const key = build.stdout.trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(build.stderr).toContain("built");

    const ls = await cli(["env", "ls"], tokens.vic);
    expect(ls.stdout).toMatch(/^KEY\s+PYTHON\s+PACKAGES\s+SIZE\s+LAST USED\s+IN USE/m);
    expect(ls.stdout).toContain(key.slice(0, 12));

    const show = await cli(["env", "show", key.slice(0, 8)], tokens.vic);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(key);
    expect(show.stdout).toContain("six==1.17.0");
    expect(show.stdout).not.toContain("path:");

    const detached = await cli(["env", "build", "--package", "six==1.17.0", "--detach"], tokens.mia);
    expect(detached.stdout.trim()).toBe(key);
    expect(detached.stderr).toContain("already built");

    const refused = await cli(["env", "rm", key.slice(0, 12)], tokens.mia);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("admins");
    const rm = await cli(["env", "rm", key.slice(0, 12)]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stdout).toContain(`removed ${key}`);
    const gone = await cli(["env", "show", key.slice(0, 12)]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("hint: `plinth env ls`");
  });

  test("a job's detail names its environment; plinth jobs show prints it, and plinth env diff compares two jobs'", async () => {
    const submit = async (packages: string[]) => {
      const res = await t.api("POST", "/api/v1/jobs", { command: ["python3", "-c", "import six"], environment: { packages } }, tokens.mia);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const done = await t.waitFor(res.body.id, undefined, 180_000);
      expect(done.state).toBe("succeeded");
      return res.body.id as string;
    };
    const a = await submit(["six==1.16.0"]);
    const b = await submit(["six==1.17.0", "idna"]);
    const c = await submit(["six>=1.16,<1.17"]);

    const detail = (await t.api("GET", `/api/v1/jobs/${a}`, undefined, tokens.mia)).body;
    expect(detail.environment).toMatchObject({ key: expect.stringMatching(/^[0-9a-f]{64}$/), python: expect.stringMatching(/^3\.\d+\.\d+$/), interpreter: expect.stringMatching(/^\//), packages: ["six==1.16.0"] });
    const show = await cli(["jobs", "show", a], tokens.mia);
    expect(show.stdout).toContain(`env:       Python ${detail.environment.python}, 1 package (environment ${detail.environment.key.slice(0, 12)})`);

    const differ = await cli(["env", "diff", a, b], tokens.mia);
    expect(differ.code, differ.stderr).toBe(0);
    expect(differ.stdout).toContain("~ six 1.16.0 → 1.17.0");
    expect(differ.stdout).toMatch(/^\+ idna==\S+$/m);
    expect(differ.stdout).not.toContain("same environment");

    // Worded differently, pinned the same: one environment.
    const same = await cli(["env", "diff", a, c], tokens.mia);
    expect(same.stdout).toContain(`same environment (${detail.environment.key.slice(0, 12)})`);
  });

  test("refuses to remove an environment a running job uses, with a hint; removes it once the job has ended", async () => {
    const job = (await t.api("POST", "/api/v1/jobs", { command: ["sleep", "60"], environment: { packages: ["six==1.16.0"] } })).body;
    await t.waitFor(job.id, ["running"], 180_000);
    const key = (await t.api("GET", `/api/v1/jobs/${job.id}`)).body.environment.key as string;
    expect((await t.api("GET", `/api/v1/environments/${key}`)).body.inUse).toBe(1);

    const refused = await t.api("DELETE", `/api/v1/environments/${key}`);
    expect(refused.status).toBe(409);
    expect(refused.body.hint).toBeTruthy();
    const cliRefused = await cli(["env", "rm", key]);
    expect(cliRefused.code).not.toBe(0);
    expect(cliRefused.stderr).toContain("hint:");

    await t.api("POST", `/api/v1/jobs/${job.id}/cancel`);
    await t.waitFor(job.id);
    // The job lets go of its environment as it ends.
    const until = Date.now() + 10_000;
    let res = await t.api("DELETE", `/api/v1/environments/${key}`);
    while (res.status === 409 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      res = await t.api("DELETE", `/api/v1/environments/${key}`);
    }
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await t.api("GET", `/api/v1/environments/${key}`)).status).toBe(404);
  });
});
