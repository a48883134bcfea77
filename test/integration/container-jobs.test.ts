import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { describeWithPodman, podmanOutput } from "../helpers/podman.ts";

// Jobs in container images, end to end with the real podman and a Debian image imported from
// a root filesystem: the image is pinned at submit (a missing one refused then), the job runs
// in it as the job's user with its folder mounted, its memory capped by the job's cgroup, a
// cancel stops it, and nothing of it is left on the machine afterwards. `plinth env build
// --containerfile` builds an image from a project folder once, refuses what would reach past
// the folder, and the image it prints runs jobs.

describeWithPodman("jobs in container images", ({ podman, test }) => {
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "container-jobs", { extra: { environments: { containers: { engine: podman.program, config: podman.config } } } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const containersOf = (id: string) => podmanOutput(podman, ["ps", "--all", "--quiet", "--filter", `name=plinth-job-${id}`]).trim();
  const logOf = async (id: string) => (await t.api("GET", `/api/v1/jobs/${id}/logs`)).body as string;

  test("refuses at submit an image that is not on the machine, saying how to get one", async () => {
    const res = await t.api("POST", "/api/v1/jobs", { command: ["true"], environment: { image: "localhost/plinth-no-such-image:1" } });
    expect(res.status).toBe(422);
    expect(res.body.type).toMatch(/image-not-found$/);
    expect(res.body.hint).toContain("plinth env build");
    const mixed = await t.api("POST", "/api/v1/jobs", { command: ["true"], environment: { image: podman.image, packages: ["six"] } });
    expect(mixed.status).toBe(400);
    expect(JSON.stringify(mixed.body)).toContain("image");
  });

  test("runs the job in the image, as the job's user, in its own folder, pinned to the image's id", async () => {
    const script = "cat /etc/debian_version; echo uid=$(id -u); echo cwd=$(pwd); echo job=$PLINTH_JOB_ID; echo secret-free > made-here.txt; ls made-here.txt; touch /usr/x 2>&1 || echo image-read-only";
    const res = await t.api("POST", "/api/v1/jobs", { command: ["sh", "-c", script], environment: { image: podman.image } });
    expect(res.status).toBe(201);
    const done = await t.waitFor(res.body.id, undefined, 120_000);
    const log = await logOf(res.body.id);
    expect(done.state, log).toBe("succeeded");
    expect(log).toMatch(/^12\.\d+/m);
    expect(log).toContain(`job=${res.body.id}`);
    expect(log).toMatch(/cwd=\/.*\/work/);
    expect(log).toContain("made-here.txt");
    expect(log).toContain("image-read-only");
    // The server runs as root here; the job as its unprivileged user, never root.
    expect(log).not.toContain("uid=0\n");
    const detail = (await t.api("GET", `/api/v1/jobs/${res.body.id}`)).body;
    const id = podmanOutput(podman, ["image", "inspect", "--format", "{{.Id}}", podman.image]).trim();
    expect(detail.environment.image).toMatchObject({ reference: podman.image, id });
    expect(containersOf(res.body.id)).toBe("");
  });

  test("a job over its memory is stopped and said to be out of memory", async () => {
    const hog = 'x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo survived';
    const res = await t.api("POST", "/api/v1/jobs", { command: ["sh", "-c", hog], resources: { memory: "64Mi" }, environment: { image: podman.image } });
    expect(res.status).toBe(201);
    const done = await t.waitFor(res.body.id, undefined, 120_000);
    expect(done.state).toBe("failed");
    expect(done.failure.reason).toBe("out_of_memory");
    expect(await logOf(res.body.id)).not.toContain("survived");
  });

  test("cancelling stops the container, letting the job clean up first, and removes it", async () => {
    const script = 'trap "echo cleaning up; exit 3" TERM; echo started; while true; do sleep 0.1; done';
    const res = await t.api("POST", "/api/v1/jobs", { command: ["sh", "-c", script], environment: { image: podman.image } });
    await t.waitFor(res.body.id, ["running"], 60_000);
    for (let i = 0; i < 100 && !(await logOf(res.body.id)).includes("started"); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await t.api("POST", `/api/v1/jobs/${res.body.id}/cancel`)).status).toBe(200);
    const done = await t.waitFor(res.body.id, undefined, 60_000);
    expect(done.state).toBe("cancelled");
    // The job is cancelled at once; its container ends within the grace period.
    for (let i = 0; i < 100 && !(await logOf(res.body.id)).includes("cleaning up"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await logOf(res.body.id)).toContain("cleaning up");
    for (let i = 0; i < 50 && containersOf(res.body.id) !== ""; i++) await new Promise((r) => setTimeout(r, 100));
    expect(containersOf(res.body.id)).toBe("");
  });

  test("a team publishes an image by name; a job naming it runs in the image it was pinned to", async () => {
    const published = await t.api("POST", "/api/v1/environments/named/debian-12", { image: podman.image, description: "plain Debian 12" });
    expect(published.status, JSON.stringify(published.body)).toBeLessThan(300);
    expect(published.body.latest.pinned.image.reference).toBe(podman.image);
    expect(published.body.latest.pinned.python).toBeNull();
    const both = await t.api("POST", "/api/v1/environments/named/broken", { image: podman.image, packages: ["six"] });
    expect(both.status).toBe(400);
    const res = await t.api("POST", "/api/v1/jobs", { command: ["cat", "/etc/debian_version"], environment: "debian-12" });
    expect(res.status).toBe(201);
    expect((await t.waitFor(res.body.id, undefined, 120_000)).state).toBe("succeeded");
    const detail = (await t.api("GET", `/api/v1/jobs/${res.body.id}`)).body;
    expect(detail.environment).toMatchObject({ named: { name: "debian-12", version: 1 }, image: { reference: podman.image }, python: null });
    const shown = await runCli(["env", "named", "show", "debian-12"], { url: t.url });
    expect(shown.stdout).toContain(`image ${podman.image}`);
  });

  test("a command the image does not have fails as not found", async () => {
    const res = await t.api("POST", "/api/v1/jobs", { command: ["python3", "-c", "print(1)"], environment: { image: podman.image } });
    const done = await t.waitFor(res.body.id, undefined, 60_000);
    expect(done.state).toBe("failed");
    expect(done.failure.reason).toBe("command_not_found");
    expect(done.failure.message).toContain("python3");
  });
});

describeWithPodman("container images built from a Containerfile", ({ podman, test }) => {
  let t: TestPlatform;
  const project = mkdtempSync(join(tmpdir(), "plinth-image-project-"));

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "container-builds", { extra: { environments: { containers: { engine: podman.program, config: podman.config, buildNetwork: false } } } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(project, { recursive: true, force: true });
  });

  test("builds the folder's image once, lists it, and runs a job in it from `plinth run --image`", async () => {
    writeFileSync(join(project, "Containerfile"), `FROM ${podman.image}\n# a comment\nRUN echo built-by-run > /built.txt && \\\n    chmod 644 /built.txt\nCOPY greeting.txt /greeting.txt\n`);
    writeFileSync(join(project, "greeting.txt"), `hello from ${project}\n`);
    const built = await runCli(["env", "build", "--containerfile"], { url: t.url, cwd: project, timeoutMs: 180_000 });
    expect(built.code, built.stderr).toBe(0);
    const image = built.stdout.trim();
    expect(image).toMatch(/^localhost\/plinth-env:[0-9a-f]{12}$/);
    const again = await runCli(["env", "build", "--containerfile", "Containerfile"], { url: t.url, cwd: project });
    expect(again.stdout.trim()).toBe(image);
    expect(again.stderr).toContain("already built");
    const listed = await runCli(["env", "ls"], { url: t.url });
    expect(listed.stdout).toContain(image);
    const shown = await runCli(["env", "show", image], { url: t.url });
    expect(shown.stdout).toMatch(/^id: +[0-9a-f]{64}$/m);
    expect(shown.stdout).toContain("built by:  plinth env build");
    const run = await runCli(["run", "--no-code", "--image", image, "--", "sh", "-c", "cat /built.txt /greeting.txt"], { url: t.url, timeoutMs: 120_000 });
    expect(run.stdout + run.stderr).toContain("built-by-run");
    expect(run.stdout + run.stderr).toContain(`hello from ${project}`);
    expect(run.code).toBe(0);
  });

  test("an image built from a member's folder is for their team: another team neither sees nor runs it", async () => {
    expect((await t.api("POST", "/api/v1/teams", { name: "other-lab" })).status).toBe(201);
    const token = async (name: string, team: string) => (await t.api("POST", "/api/v1/users", { name, team, teamRole: "member" })).body.token as string;
    const [alice, carol, bob] = [await token("alice", "default"), await token("carol", "default"), await token("bob", "other-lab")];
    const dir = mkdtempSync(join(tmpdir(), "plinth-image-private-"));
    try {
      writeFileSync(join(dir, "Containerfile"), `FROM ${podman.image}\nCOPY secret-code.txt /secret-code.txt\n`);
      writeFileSync(join(dir, "secret-code.txt"), "alice's unpublished method\n");
      const built = await runCli(["env", "build", "--containerfile"], { url: t.url, token: alice, cwd: dir, timeoutMs: 180_000 });
      expect(built.code, built.stderr).toBe(0);
      const image = built.stdout.trim();
      const listed = async (who: string) => ((await t.api("GET", "/api/v1/environments/images", undefined, who)).body.items as Array<{ reference: string }>).map((i) => i.reference);
      expect(await listed(carol)).toContain(image);
      expect(await listed(bob)).not.toContain(image);
      const run = (who: string) => t.api("POST", "/api/v1/jobs", { command: ["cat", "/secret-code.txt"], environment: { image } }, who);
      const refused = await run(bob);
      expect(refused.status).toBe(422);
      expect(refused.body.type).toMatch(/image-not-found$/);
      // Nor by its id, nor through a named environment of his own team.
      const id = podmanOutput(podman, ["image", "inspect", "--format", "{{.Id}}", image]).trim();
      expect((await t.api("POST", "/api/v1/jobs", { command: ["true"], environment: { image: id.slice(0, 12) } }, bob)).status).toBe(422);
      const accepted = await run(carol);
      expect(accepted.status).toBe(201);
      expect((await t.waitFor(accepted.body.id, undefined, 60_000)).state).toBe("succeeded");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses a Containerfile that would mount or fetch what is outside its folder, before building", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-image-refused-"));
    try {
      writeFileSync(join(dir, "Containerfile"), `FROM ${podman.image}\nRUN --mount=type=bind,source=/,target=/host cat /host/etc/shadow\n`);
      const mounted = await runCli(["env", "build", "--containerfile"], { url: t.url, cwd: dir });
      expect(mounted.code).not.toBe(0);
      expect(mounted.stderr).toContain("RUN --mount");
      writeFileSync(join(dir, "Containerfile"), `FROM ${podman.image}\nADD http://169.254.169.254/latest/meta-data /meta\n`);
      const fetched = await runCli(["env", "build", "--containerfile"], { url: t.url, cwd: dir });
      expect(fetched.code).not.toBe(0);
      expect(fetched.stderr).toContain("ADD from a URL");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a build that fails prints podman's log and names what failed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-image-failing-"));
    try {
      writeFileSync(join(dir, "Containerfile"), `FROM ${podman.image}\nRUN echo about-to-fail && false\n`);
      const failed = await runCli(["env", "build", "--containerfile"], { url: t.url, cwd: dir, timeoutMs: 120_000 });
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain("about-to-fail");
      expect(failed.stderr).toMatch(/Image build failed|could not build/);
      // The log is its starter's (and Keepers'): another member finds none.
      writeFileSync(join(dir, "Containerfile"), `FROM ${podman.image}\nRUN echo private-step && false\n`);
      const started = JSON.parse((await runCli(["env", "build", "--containerfile", "--detach", "--json"], { url: t.url, cwd: dir })).stdout) as { key: string };
      for (let i = 0; i < 300 && (await t.api("GET", `/api/v1/environments/images/${started.key}`)).body.type?.endsWith("/environment-building"); i++) await new Promise((r) => setTimeout(r, 100));
      const mallory = (await t.api("POST", "/api/v1/users", { name: "mallory" })).body.token as string;
      expect((await t.api("GET", `/api/v1/environments/images/${started.key}/log`, undefined, mallory)).status).toBe(404);
      const own = await t.api("GET", `/api/v1/environments/images/${started.key}/log`);
      expect(own.status).toBe(200);
      expect(own.body).toContain("private-step");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("jobs in container images where there is no container engine", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "no-containers", { extra: { environments: { containers: { engine: "none", builds: "keepers" } } } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("refuses a job that names an image at submit, with a hint", async () => {
    const res = await t.api("POST", "/api/v1/jobs", { command: ["true"], environment: { image: "localhost/anything:1" } });
    expect(res.status).toBe(422);
    expect(res.body.type).toMatch(/containers-unavailable$/);
    expect(res.body.hint).toBeTruthy();
  });

  it("lets only Keepers build images where the Keeper said so, and says when there is no engine", async () => {
    const body = { code: "ab".repeat(32), containerfile: "Containerfile" };
    const member = (await t.api("POST", "/api/v1/users", { name: "builder" })).body.token as string;
    const refused = await t.api("POST", "/api/v1/environments/images", body, member);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain("only Keepers build images");
    const keeper = await t.api("POST", "/api/v1/environments/images", body);
    expect(keeper.status).toBe(503);
    expect(keeper.body.type).toMatch(/containers-unavailable$/);
    // Listing is not an error: no images, and why.
    const listed = await t.api("GET", "/api/v1/environments/images");
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ items: [], unavailable: { detail: expect.stringContaining("turned off") } });
  });
});
