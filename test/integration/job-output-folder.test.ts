import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, linkSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobUserFor } from "../../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// A job's output folder is the job's to change, until the end and after: its code can plant
// links, pipes and other users' files there, and processes it left behind can swap a folder
// for a link while Plinth reads it. None of that may make Plinth read a file outside the
// folder into a dataset version, or hang the server; the job says what it refused and why.

const bwrap = findBwrap();
const sandboxProbe = bwrap ? await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody")) : { ok: false as const, error: "bwrap is not installed" };
if (!sandboxProbe.ok) console.warn(`Skipping 1 sandboxed output test: bubblewrap is not usable here (${sandboxProbe.error}).`);

const SECRET = "the server's own secret, never to be read into a version\n";
const PLANTED = "x".repeat(SECRET.length - 1) + "\n";

describe("saving a job's output folder that the job tampered with", () => {
  let t: TestPlatform;
  /** Outside every job's folder: a secret file of Plinth's user, and a folder holding one. */
  let secretFile: string;
  let secretDir: string;
  const swappers: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestPlatform(testDatabases()[0]!, "job-output-folder", { sandbox: "none" });
    secretDir = join(t.dataDir, "private");
    mkdirSync(secretDir);
    secretFile = join(secretDir, "secret.txt");
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
  });
  afterAll(async () => {
    for (const s of swappers) s.kill("SIGKILL");
    await t?.close();
  });

  async function run(script: string, env: Record<string, string> = {}): Promise<{ done: any; log: string }> {
    const job = await t.api("POST", "/api/v1/jobs", { script, env, outputs: { out: { path: "out", dataset: `out-${Math.random().toString(36).slice(2, 8)}` } } });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    const done = await t.waitFor(job.body.id);
    const log = (await t.api("GET", `/api/v1/jobs/${job.body.id}/logs`)).body as string;
    return { done, log };
  }

  async function versionFiles(done: any): Promise<Record<string, string>> {
    const v = done.outputs[0];
    const version = (await t.api("GET", `/api/v1/datasets/${v.dataset}/versions/v${v.version}`)).body;
    const out: Record<string, string> = {};
    for (const f of version.files as Array<{ path: string }>) {
      out[f.path] = (await t.api("GET", `/api/v1/datasets/${v.dataset}/versions/v${v.version}/files/${f.path}`)).body as string;
    }
    return out;
  }

  it("leaves out a link to a file outside and a linked folder, never following them, and says so", async () => {
    const { done, log } = await run('echo result > "$PLINTH_OUTPUT_OUT/result.txt"; ln -s "$SECRET" "$PLINTH_OUTPUT_OUT/stolen.txt"; ln -s "$SECRET_DIR" "$PLINTH_OUTPUT_OUT/stolen-dir"', {
      SECRET: secretFile,
      SECRET_DIR: secretDir,
    });
    expect(done.state, JSON.stringify(done.failure)).toBe("succeeded");
    expect(await versionFiles(done)).toEqual({ "result.txt": "result\n" });
    expect(log).toMatch(/left out, symbolic links are never followed: stolen-dir, stolen\.txt/);
  });

  it("refuses an output holding a named pipe, without hanging, and the job says which and why", async () => {
    const { done } = await run('echo result > "$PLINTH_OUTPUT_OUT/result.txt"; mkfifo "$PLINTH_OUTPUT_OUT/pipe"; ln -s "$SECRET" "$PLINTH_OUTPUT_OUT/stolen.txt"', { SECRET: secretFile });
    expect(done.state).toBe("failed");
    expect(done.failure.reason).toBe("output_not_saved");
    expect(done.failure.message).toContain("'pipe' is a named pipe, socket or device");
    expect(done.failure.hint).toContain("$PLINTH_OUTPUT_OUT");
    expect(done.outputs[0].version).toBeNull();
  });

  it("refuses a file of another user in the folder (a hard link the job made, where the machine allows it; made here by the test)", async () => {
    const job = await t.api("POST", "/api/v1/jobs", {
      script: 'echo result > "$PLINTH_OUTPUT_OUT/result.txt"; while [ ! -e go ]; do sleep 0.05; done',
      outputs: { out: { path: "out", dataset: "hard-linked" } },
    });
    await t.waitFor(job.body.id, ["running"]);
    const work = join(t.dataDir, "runs", job.body.id, "work");
    for (let i = 0; i < 200 && !existsSync(join(work, "out", "result.txt")); i++) await new Promise((r) => setTimeout(r, 25));
    linkSync(secretFile, join(work, "out", "stolen.txt"));
    writeFileSync(join(work, "go"), "");
    const done = await t.waitFor(job.body.id);
    expect(done.state).toBe("failed");
    expect(done.failure.reason).toBe("output_not_saved");
    expect(done.failure.message).toContain("'stolen.txt' is a file of another user");
    expect((await t.api("GET", "/api/v1/datasets/hard-linked")).status).toBe(404);
  });

  // Processes of the job still running after it ended (played here by a process of the test)
  // wait until Plinth starts reading the folder, then change it: the first files are large,
  // so the ones after them are read only once the swap is done.
  const FIRST = Array.from({ length: 4 }, (_, i) => `a${i}.bin`);
  const WRITE_FIRST = FIRST.map((f) => `head -c 16777216 /dev/zero > "$PLINTH_OUTPUT_OUT/${f}"`).join("; ");

  function swapWhenRead(out: string, swap: string): ChildProcess {
    const watched = join(out, FIRST[0]!);
    const script = `while [ ! -e "$0" ]; do sleep 0.002; done; a=$(stat -c %x "$0"); while [ "$(stat -c %x "$0")" = "$a" ]; do sleep 0.002; done; ${swap}`;
    const child = spawn("timeout", ["30", "bash", "-c", script, watched], { stdio: "ignore" });
    swappers.push(child);
    return child;
  }

  it("never reads through a folder swapped for a link after it was listed", async () => {
    const job = await t.api("POST", "/api/v1/jobs", {
      script: `mkdir "$PLINTH_OUTPUT_OUT/z"; printf '${PLANTED.trimEnd()}\\n' > "$PLINTH_OUTPUT_OUT/z/secret.txt"; while [ ! -e go ]; do sleep 0.05; done; ${WRITE_FIRST}`,
      outputs: { out: { path: "out", dataset: "swapped-folder" } },
    });
    await t.waitFor(job.body.id, ["running"]);
    const work = join(t.dataDir, "runs", job.body.id, "work");
    const out = join(work, "out");
    const swapper = swapWhenRead(out, `mv "${out}/z" "${out}/z.real" && ln -s "${secretDir}" "${out}/z"`);
    writeFileSync(join(work, "go"), "");
    const done = await t.waitFor(job.body.id);
    await new Promise((r) => (swapper.exitCode !== null ? r(null) : swapper.once("exit", r)));
    expect(swapper.exitCode).toBe(0);
    if (done.state === "succeeded") expect(Object.values(await versionFiles(done))).not.toContain(SECRET);
    expect(done.state).toBe("failed");
    expect(done.failure.reason).toBe("output_not_saved");
    expect(done.failure.message).toContain("'z/secret.txt' changed while it was being saved");
    expect(done.failure.hint).toContain("still at work");
  });

  it("does not hang on a file swapped for a named pipe after it was listed", async () => {
    const job = await t.api("POST", "/api/v1/jobs", {
      script: `mkdir "$PLINTH_OUTPUT_OUT/z"; echo late > "$PLINTH_OUTPUT_OUT/z/late.txt"; while [ ! -e go ]; do sleep 0.05; done; ${WRITE_FIRST}`,
      outputs: { out: { path: "out", dataset: "swapped-pipe" } },
    });
    await t.waitFor(job.body.id, ["running"]);
    const work = join(t.dataDir, "runs", job.body.id, "work");
    const out = join(work, "out");
    swapWhenRead(out, `rm "${out}/z/late.txt" && mkfifo "${out}/z/late.txt"`);
    writeFileSync(join(work, "go"), "");
    const done = await t.waitFor(job.body.id, undefined, 20_000);
    expect(done.state).toBe("failed");
    expect(done.failure.reason).toBe("output_not_saved");
    expect(done.failure.message).toContain("'z/late.txt' changed while it was being saved");
  });
});

describe.skipIf(!sandboxProbe.ok)("saving an output written in the sandbox", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform(testDatabases()[0]!, "job-output-sandbox", { sandbox: "bubblewrap" });
  });
  afterAll(() => t?.close());

  it("saves the files the sandboxed job wrote, as the job's user's own", async () => {
    const job = await t.api("POST", "/api/v1/jobs", { script: 'mkdir "$PLINTH_OUTPUT_OUT/sub"; echo a > "$PLINTH_OUTPUT_OUT/a.txt"; echo b > "$PLINTH_OUTPUT_OUT/sub/b.txt"', outputs: { out: { path: "out", dataset: "boxed" } } });
    const done = await t.waitFor(job.body.id);
    expect(done.state, JSON.stringify(done.failure)).toBe("succeeded");
    const version = (await t.api("GET", "/api/v1/datasets/boxed/versions/v1")).body;
    expect(version.files.map((f: { path: string }) => f.path).sort()).toEqual(["a.txt", "sub/b.txt"]);
  });
});
