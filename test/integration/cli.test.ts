import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { freePort, runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// The real `plinth` command, run as its own process against a real server.
const db = testDatabases()[0]!;

describe("plinth CLI", () => {
  let t: TestPlatform;
  let project: string;
  beforeAll(async () => {
    t = await startTestPlatform(db, "cli", { fakeGpus: 2 });
    project = mkdtempSync(join(tmpdir(), "plinth-project-"));
    writeFileSync(join(project, "train.py"), "import os\nprint('training with', os.environ.get('CUDA_VISIBLE_DEVICES'))\nprint(open('data/params.txt').read().strip())\n");
    mkdirSync(join(project, "data"));
    writeFileSync(join(project, "data/params.txt"), "lr=0.1");
    writeFileSync(join(project, "run.sh"), "#!/bin/sh\necho script ran\n");
    chmodSync(join(project, "run.sh"), 0o755);
    writeFileSync(join(project, ".gitignore"), "outputs/\n*.ckpt\n");
    mkdirSync(join(project, "outputs"));
    writeFileSync(join(project, "outputs/big.bin"), "ignored");
    writeFileSync(join(project, "model.ckpt"), "ignored");
  });
  afterAll(async () => {
    await t?.close();
    rmSync(project, { recursive: true, force: true });
  });

  it("runs a command with this directory's code, streams its output and exits with its code", async () => {
    const r = await runCli(["run", "--gpus", "1", "--", "python3", "train.py"], { url: t.url, cwd: project });
    expect(r.stderr).toMatch(/code: \d+ files/);
    expect(r.stdout).toContain("training with 0");
    expect(r.stdout).toContain("lr=0.1");
    expect(r.code).toBe(0);
    const again = await runCli(["run", "--", "./run.sh"], { url: t.url, cwd: project });
    expect(again.stderr).toContain("unchanged");
    expect(again.stdout).toContain("script ran");
    const failing = await runCli(["run", "--", "sh", "-c", "echo bye; exit 7"], { url: t.url, cwd: project });
    expect(failing.code).toBe(7);
    expect(failing.stderr).toMatch(/failed/);
  });

  it("leaves ignored files out of the upload", async () => {
    const r = await runCli(["run", "-q", "--", "sh", "-c", "ls -a; ls outputs 2>&1 || true"], { url: t.url, cwd: project });
    expect(r.stdout).toContain("train.py");
    expect(r.stdout).not.toContain("model.ckpt");
    expect(r.stdout).not.toContain("big.bin");
  });

  it("detaches, prints JSON, lists, shows, reads logs, cancels and retries", async () => {
    const detached = await runCli(["run", "--detach", "--no-code", "--name", "sleepy", "--", "sleep", "30"], { url: t.url });
    const id = detached.stdout.trim();
    expect(id).toMatch(/^job_/);
    const asJson = await runCli(["run", "--detach", "--json", "--no-code", "--label", "exp=a", "--", "echo", "hi"], { url: t.url });
    const job = JSON.parse(asJson.stdout);
    expect(job.labels).toEqual({ exp: "a" });
    await t.waitFor(job.id);
    const ls = await runCli(["jobs", "ls", "--json", "--name", "sleepy"], { url: t.url });
    expect(JSON.parse(ls.stdout).items[0].id).toBe(id);
    const table = await runCli(["jobs", "ls"], { url: t.url });
    expect(table.stdout).toMatch(/ID\s+NAME\s+STATE/);
    const show = await runCli(["jobs", "show", job.id], { url: t.url });
    expect(show.stdout).toContain("succeeded");
    expect(show.stdout).toContain("timeline:");
    const logs = await runCli(["jobs", "logs", job.id], { url: t.url });
    expect(logs.stdout).toBe("hi\n");
    const cancel = await runCli(["jobs", "cancel", id], { url: t.url });
    expect(cancel.stdout).toContain(`cancelled ${id}`);
    const retry = await runCli(["jobs", "retry", job.id], { url: t.url });
    expect(retry.stdout.trim()).toMatch(/^job_/);
  });

  it("follows logs with -f until the job ends", async () => {
    const { body: job } = await t.api("POST", "/api/v1/jobs", { script: "for i in 1 2 3; do echo line $i; sleep 0.2; done" });
    const r = await runCli(["jobs", "logs", "-f", job.id], { url: t.url });
    expect(r.stdout).toBe("line 1\nline 2\nline 3\n");
  });

  it("reads a job spec from plinth.yaml", async () => {
    const spec = join(project, "plinth.yaml");
    writeFileSync(spec, "name: from-yaml\ncommand: [sh, -c, 'echo $GREETING']\nenv:\n  GREETING: hello yaml\nresources:\n  cpus: 1\n  memory: 256M\n");
    const r = await runCli(["run", "-f", spec, "--no-code"], { url: t.url });
    expect(r.stdout).toBe("hello yaml\n");
    expect(r.code).toBe(0);
  });

  it("explains bad input with a hint and exit code 2", async () => {
    const noCommand = await runCli(["run", "--no-code"], { url: t.url });
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/hint: .*--/);
    const tooBig = await runCli(["run", "--no-code", "--gpus", "5", "--", "true"], { url: t.url });
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain("This job can never run here");
    expect(tooBig.stderr).toContain("hint:");
    const badMemory = await runCli(["run", "--no-code", "--memory", "lots", "--", "true"], { url: t.url });
    expect(badMemory.stderr).toContain("  resources.memory: not an amount of memory");
    // A problem's field errors are printed one per line; the hint never points at an `errors` field.
    const badQuery = await runCli(["jobs", "ls", "--state", "bogus", "--limit", "0"], { url: t.url });
    expect(badQuery.code).toBe(2);
    expect(badQuery.stderr).toMatch(/^ {2}query\.state: /m);
    expect(badQuery.stderr).toMatch(/^ {2}query\.limit: /m);
    expect(badQuery.stderr).toMatch(/^hint: /m);
    expect(badQuery.stderr).not.toContain("errors");
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await runCli(["jobs", "ls"], { url: closed });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain(`error: No Plinth server is running at ${closed} (from PLINTH_URL)`);
    // Port 9 is one of the ports fetch refuses outright.
    const blocked = await runCli(["jobs", "ls"], { url: "http://127.0.0.1:9" });
    expect(blocked.stderr).toContain("web clients block that port");
    const badToken = await runCli(["jobs", "ls"], { url: t.url, token: "plt_nope_nope_nope_nope_nope" });
    expect(badToken.stderr).toContain("Not signed in");
  });

  it("signs in with plinth login and uses the saved credentials", async () => {
    const home = mkdtempSync(join(tmpdir(), "plinth-home-"));
    const login = await runCli(["login", t.url, "--token", "plt_test_admin_token_0123456789abcdef"], { url: "", token: "", env: { XDG_CONFIG_HOME: home } });
    expect(login.stdout).toContain("Signed in");
    const ls = await runCli(["jobs", "ls", "--json", "--limit", "1"], { url: "", token: "", env: { XDG_CONFIG_HOME: home } });
    expect(JSON.parse(ls.stdout).items).toHaveLength(1);
    rmSync(home, { recursive: true, force: true });
  });

  it("shows the cluster's GPUs and who holds them", async () => {
    const { body: job } = await t.api("POST", "/api/v1/jobs", { command: ["sleep", "5"], resources: { gpus: 1 } });
    await t.waitFor(job.id, ["running"]);
    const r = await runCli(["cluster"], { url: t.url });
    expect(r.stdout).toMatch(/GPU\s+MODEL\s+MEMORY\s+JOB/);
    expect(r.stdout).toContain(job.id);
    expect(r.stdout).toContain("free");
    await t.api("POST", `/api/v1/jobs/${job.id}/cancel`);
  });

  it("prints the configuration schema", async () => {
    const r = await runCli(["config", "schema"], { url: t.url });
    const schema = JSON.parse(r.stdout);
    expect(JSON.stringify(schema)).toContain("maxGpusPerUser");
    const job = JSON.parse((await runCli(["config", "schema", "--job"], { url: t.url })).stdout);
    expect(JSON.stringify(job)).toContain("resources");
  });
});
