import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { describeWithUv } from "../helpers/uv.ts";

// Named team environments end to end, with the real uv and small real packages from PyPI, on
// SQLite and PostgreSQL: a team admin publishes versions, the team's people read them, jobs
// run in them by name and by name@version and say which they used; a member or viewer cannot
// publish, another team finds nothing, an unknown name is refused with the team's names; the
// scikit-learn seed that ships with Plinth is published (pinned, not built).

const BASE = "/api/v1/environments/named";

/** Prints the version of six as the job's python imports it. */
const SHOW_SIX = ["python3", "-c", "import six; print('six', six.__version__)"];

for (const db of testDatabases()) {
  describeWithUv(`named team environments (${db.name})`, ({ uv, test }) => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};
    const dir = mkdtempSync(join(tmpdir(), "plinth-named-env-"));
    const cli = (args: string[], token?: string) => runCli(args, { url: t.url, cwd: dir, timeoutMs: 180_000, ...(token && { token }) });
    const as = (name: string) => ({ get: (path: string) => t.api("GET", path, undefined, tokens[name]), send: (method: string, path: string, body?: unknown) => t.api(method, path, body, tokens[name]) });

    beforeAll(async () => {
      t = await startTestPlatform(db, "named_environments", { extra: { environments: { uv } } });
      expect((await t.api("POST", "/api/v1/teams", { name: "lab" })).status).toBe(201);
      for (const [name, team, teamRole] of [
        ["ada", "default", "admin"],
        ["mia", "default", "member"],
        ["vic", "default", "viewer"],
        ["eve", "lab", "member"],
      ] as const) {
        const r = await t.api("POST", "/api/v1/users", { name, team, teamRole });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        tokens[name] = r.body.token;
      }
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test("a team admin publishes numbered versions, each pinned; the team's people read them", async () => {
      const first = await as("ada").send("POST", `${BASE}/tools`, { description: "six, for the tests", packages: ["six==1.16.0"] });
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.body).toMatchObject({ name: "tools", team: "default", owner: "ada", description: "six, for the tests", latest: { version: 1, packages: ["six==1.16.0"], python: null, publishedBy: "ada" } });
      expect(first.body.latest.pinned).toMatchObject({ key: expect.stringMatching(/^[0-9a-f]{64}$/), packages: ["six==1.16.0"] });

      const second = await as("ada").send("POST", `${BASE}/tools`, { packages: ["six==1.17.0"] });
      expect(second.status, JSON.stringify(second.body)).toBe(201);
      // A new version keeps the description, and never reuses a number.
      expect(second.body).toMatchObject({ description: "six, for the tests", latest: { version: 2, pinned: { packages: ["six==1.17.0"] } } });
      expect(second.body.latest.pinned.key).not.toBe(first.body.latest.pinned.key);

      for (const reader of ["mia", "vic"]) {
        const listed = await as(reader).get(BASE);
        expect(listed.status).toBe(200);
        expect(listed.body.items).toEqual([expect.objectContaining({ name: "tools", team: "default", latest: expect.objectContaining({ version: 2 }) })]);
        const shown = await as(reader).get(`${BASE}/tools`);
        expect(shown.status).toBe(200);
        expect(shown.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
        expect(shown.body.versions[1].pinned.packages).toEqual(["six==1.16.0"]);
      }

      const renamed = await as("ada").send("PATCH", `${BASE}/tools?team=default`, { description: "six at two versions" });
      expect(renamed.status).toBe(200);
      expect(renamed.body.description).toBe("six at two versions");
      // Each change is in the audit log, where the team's admins read it.
      const audit = await t.api("GET", "/api/v1/audit?action=named-environment.publish", undefined, tokens.ada);
      expect(audit.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ target: expect.objectContaining({ kind: "named-environment", name: "default/tools" }), teamId: first.body.teamId })]));

      // Two first versions of one new name published at once: one makes the name, the other is version 2.
      const both = await Promise.all([1, 2].map(() => as("ada").send("POST", `${BASE}/twice`, { packages: ["six==1.16.0"] })));
      expect(both.map((r) => r.status)).toEqual([201, 201]);
      expect((await as("ada").get(`${BASE}/twice`)).body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect((await as("ada").send("DELETE", `${BASE}/twice`)).status).toBe(200);

      const badName = await as("ada").send("POST", `${BASE}/PyTorch`, { packages: ["six"] });
      expect(badName.status).toBe(400);
      expect(JSON.stringify(badName.body)).toContain("lowercase letters, digits and - . _");
    });

    test("members and viewers cannot publish, describe or remove; another team finds nothing", async () => {
      for (const who of ["mia", "vic"]) {
        const publish = await as(who).send("POST", `${BASE}/tools`, { packages: ["six==1.16.0"] });
        expect(publish.status, who).toBe(403);
        expect(publish.body.hint).toBeTruthy();
        expect((await as(who).send("PATCH", `${BASE}/tools`, { description: "mine" })).status).toBe(403);
        expect((await as(who).send("DELETE", `${BASE}/tools`)).status).toBe(403);
      }
      expect((await as("mia").send("POST", `${BASE}/tools`, { team: "default", packages: ["six==1.16.0"] })).status).toBe(403);

      expect((await as("eve").get(BASE)).body.items).toEqual([]);
      for (const [method, path] of [
        ["GET", `${BASE}/tools`],
        ["GET", `${BASE}/tools?team=default`],
        ["GET", `${BASE}?team=default`],
        ["PATCH", `${BASE}/tools?team=default`],
        ["DELETE", `${BASE}/tools?team=default`],
      ] as const) {
        const res = await as("eve").send(method, path, method === "PATCH" ? { description: "x" } : undefined);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(JSON.stringify(res.body)).not.toContain("six");
      }
      // Publishing into another team is refused before anything there is looked at.
      expect((await as("eve").send("POST", `${BASE}/tools`, { team: "default", packages: ["six==1.16.0"] })).status).toBe(403);
      // The same name in another team is another environment.
      expect((await t.api("POST", `${BASE}/tools`, { team: "lab", packages: ["six==1.16.0"] })).status).toBe(201);
      expect((await as("eve").get(`${BASE}/tools`)).body).toMatchObject({ team: "lab", latest: { version: 1 } });
      expect((await as("mia").get(`${BASE}/tools`)).body).toMatchObject({ team: "default", latest: { version: 2 } });
    });

    test("jobs run in a named environment by name (latest) and by name@version, and say which", async () => {
      const latest = await as("mia").send("POST", "/api/v1/jobs", { command: SHOW_SIX, environment: "tools" });
      expect(latest.status, JSON.stringify(latest.body)).toBe(201);
      const pinned = await as("mia").send("POST", "/api/v1/jobs", { command: SHOW_SIX, environment: "tools@1" });
      expect(pinned.status, JSON.stringify(pinned.body)).toBe(201);
      for (const [job, version] of [
        [latest.body.id as string, "1.17.0"],
        [pinned.body.id as string, "1.16.0"],
      ] as const) {
        expect((await t.waitFor(job, undefined, 180_000)).state).toBe("succeeded");
        expect((await t.api("GET", `/api/v1/jobs/${job}/logs`)).body).toContain(`six ${version}`);
      }
      const detail = (await as("mia").get(`/api/v1/jobs/${latest.body.id}`)).body;
      expect(detail.environment).toMatchObject({ named: { name: "tools", version: 2 }, packages: ["six==1.17.0"] });
      expect((await as("mia").get(`/api/v1/jobs/${pinned.body.id}`)).body.environment.named).toEqual({ name: "tools", version: 1 });

      const shown = await cli(["jobs", "show", latest.body.id], tokens.mia);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/^env: +tools@2: Python 3\.\d+\.\d+, 1 package \(environment [0-9a-f]{12}\)$/m);

      // The environment's page lists the jobs that used it, with their versions, to those who may see them.
      const used = (await as("vic").get(`${BASE}/tools`)).body.recentJobs as Array<{ id: string; version: number }>;
      expect(used).toEqual(expect.arrayContaining([expect.objectContaining({ id: latest.body.id, version: 2 }), expect.objectContaining({ id: pinned.body.id, version: 1 })]));
      const privateJob = await as("mia").send("POST", "/api/v1/jobs", { command: ["true"], environment: "tools", visibility: "private" });
      expect(privateJob.status).toBe(201);
      expect(((await as("vic").get(`${BASE}/tools`)).body.recentJobs as Array<{ id: string }>).map((j) => j.id)).not.toContain(privateJob.body.id);
      expect(((await as("ada").get(`${BASE}/tools`)).body.recentJobs as Array<{ id: string }>).map((j) => j.id)).toContain(privateJob.body.id);

      // The same through `plinth run --environment`.
      const run = await cli(["run", "--no-code", "--environment", "tools@1", "--", ...SHOW_SIX], tokens.mia);
      expect(run.stdout + run.stderr).toContain("six 1.16.0");
      expect(run.code).toBe(0);
      const mixed = await cli(["run", "--no-code", "--environment", "tools", "--package", "six", "--", "true"], tokens.mia);
      expect(mixed.code).not.toBe(0);
      expect(mixed.stderr).toContain("--environment names a whole environment");
    });

    test("an unknown name or version is refused at submit, with the team's names in the hint", async () => {
      const unknown = await as("mia").send("POST", "/api/v1/jobs", { command: ["true"], environment: "pytorhc" });
      expect(unknown.status).toBe(422);
      expect(unknown.body).toMatchObject({ title: "Unknown named environment", errors: [{ path: "environment" }] });
      expect(unknown.body.detail).toContain("pytorhc");
      expect(unknown.body.hint).toContain("named environments: tools");

      const version = await as("mia").send("POST", "/api/v1/jobs", { command: ["true"], environment: "tools@9" });
      expect(version.status).toBe(422);
      expect(version.body.hint).toContain("1 to 2");

      // In team lab, a name of team default is unknown; lab's own are offered instead.
      const elsewhere = await as("eve").send("POST", "/api/v1/jobs", { command: ["true"], environment: "sklearn" });
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.body.hint).toContain("Team lab's named environments: tools");

      const badRef = await as("mia").send("POST", "/api/v1/jobs", { command: ["true"], environment: "Tools@latest" });
      expect(badRef.status).toBe(400);
      expect(badRef.body.errors[0]).toMatchObject({ path: "body.environment", message: expect.stringContaining("pytorch@3") });

      const run = await cli(["run", "--no-code", "--environment", "pytorhc", "--", "true"], tokens.mia);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain("error: Unknown named environment");
      expect(run.stderr).toMatch(/^hint: .*tools/m);
    });

    test("the CLI publishes from a requirements file and from the scikit-learn seed (pinned, not built), and lists them", async () => {
      writeFileSync(join(dir, "requirements.txt"), "# for the docs\nsix==1.16.0\n");
      const published = await cli(["env", "publish", "docs-tools", "-r", "requirements.txt", "--description", "six for the docs"], tokens.ada);
      expect(published.code, published.stderr).toBe(0);
      expect(published.stdout).toMatch(/^published docs-tools@1 in team default: Python 3\.\d+\.\d+, 1 package pinned \(environment [0-9a-f]{12}\)$/m);

      const refused = await cli(["env", "publish", "docs-tools", "--package", "six"], tokens.mia);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("Only the admins of team default");

      const seed = await cli(["env", "publish", "--seed", "sklearn"], tokens.ada);
      expect(seed.code, seed.stderr).toBe(0);
      expect(seed.stdout).toMatch(/^published sklearn@1 in team default/m);
      const sklearn = (await as("mia").get(`${BASE}/sklearn`)).body;
      expect(sklearn.description).toContain("scikit-learn");
      expect(sklearn.latest.packages).toEqual(["scikit-learn", "pandas", "matplotlib"]);
      for (const name of ["scikit-learn", "pandas", "matplotlib", "numpy"]) expect(sklearn.latest.pinned.packages.some((p: string) => p.startsWith(`${name}==`)), name).toBe(true);
      // Shipped as a definition: nothing is built until a job uses it.
      expect((await t.api("GET", `/api/v1/environments/${sklearn.latest.pinned.key}`)).status).toBe(404);

      const unknownSeed = await cli(["env", "publish", "--seed", "tensorflow"], tokens.ada);
      expect(unknownSeed.code).not.toBe(0);
      expect(unknownSeed.stderr).toContain("pytorch, sklearn");

      const ls = await cli(["env", "named", "ls"], tokens.vic);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toMatch(/^NAME +TEAM +LATEST +PACKAGES +OWNER +DESCRIPTION$/m);
      expect(ls.stdout).toMatch(/^sklearn +default +v1 +scikit-learn pandas matplotlib +ada /m);
      expect(ls.stdout).toMatch(/^tools +default +v2 +six==1\.17\.0 +ada +six at two versions$/m);

      const show = await cli(["env", "named", "show", "tools"], tokens.vic);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toMatch(/^v2 +by ada/m);
      expect(show.stdout).toMatch(/^v1 +by ada/m);
      expect(show.stdout).toContain("recent jobs:");
    });

    test("removing a name leaves the jobs that used it as they were", async () => {
      const job = await as("mia").send("POST", "/api/v1/jobs", { command: SHOW_SIX, environment: "docs-tools" });
      expect(job.status).toBe(201);
      expect((await t.waitFor(job.body.id, undefined, 180_000)).state).toBe("succeeded");
      const removed = await as("ada").send("DELETE", `${BASE}/docs-tools`);
      expect(removed.status).toBe(200);
      expect((await as("ada").get(`${BASE}/docs-tools`)).status).toBe(404);
      expect((await as("mia").get(`/api/v1/jobs/${job.body.id}`)).body.environment).toMatchObject({ named: { name: "docs-tools", version: 1 }, packages: ["six==1.16.0"] });
      // A retry runs in the environment its job had, even though the name is gone.
      const retry = await as("mia").send("POST", `/api/v1/jobs/${job.body.id}/retry`);
      expect(retry.status, JSON.stringify(retry.body)).toBe(201);
      expect((await t.waitFor(retry.body.id, undefined, 180_000)).state).toBe("succeeded");
      expect((await t.api("GET", `/api/v1/jobs/${retry.body.id}/logs`)).body).toContain("six 1.16.0");
    });
  });
}
