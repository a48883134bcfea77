import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectJobCgroups } from "../../src/jobs/executors/local/cgroups.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

const db = testDatabases()[0]!;
const memoryCgroups = (await detectJobCgroups(["memory"])) !== null;
if (!memoryCgroups) console.warn("Skipping 1 memory-warning test: no writable memory cgroup here (the kernel's OOM kills are counted per cgroup).");

describe("per-user limits and memory limits", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform(db, "limits", { fakeGpus: 2, extra: { scheduler: { maxGpusPerUser: 1, fairShareHalfLife: "1h", defaultDuration: "10m" } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("holds a user to their GPU limit and refuses a job above it at submit", async () => {
    const first = (await t.api("POST", "/api/v1/jobs", { command: ["sleep", "1"], resources: { gpus: 1 } })).body;
    const second = (await t.api("POST", "/api/v1/jobs", { command: ["sleep", "0.1"], resources: { gpus: 1 } })).body;
    await t.waitFor(first.id, ["running"]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.api("GET", `/api/v1/jobs/${second.id}`)).body.state).toBe("queued");
    const [a, b] = [await t.waitFor(first.id), await t.waitFor(second.id)];
    expect(Date.parse(b.startedAt)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt));
    const tooMany = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: 2 } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.detail).toMatch(/each user may hold at most 1/);
  });

  it("stops a job that uses more memory than it asked for, and says so", async () => {
    const { body: job } = await t.api("POST", "/api/v1/jobs", {
      command: ["python3", "-c", "import time\nx = bytearray(400 * 1024 * 1024)\nfor i in range(0, len(x), 4096): x[i] = 1\ntime.sleep(5)"],
      resources: { memory: "100M" },
    });
    const done = await t.waitFor(job.id);
    expect(done.state).toBe("failed");
    expect(done.failure.reason).toBe("out_of_memory");
    expect(done.failure.hint).toMatch(/--memory/);
  });

  it.skipIf(!memoryCgroups)("warns on a job that succeeded although one of its processes was killed for memory", async () => {
    // A data-loader-like helper goes over the limit and is killed by the kernel; the main process carries on and exits 0.
    const hog = "x = bytearray(400 * 1024 * 1024)\nfor i in range(0, len(x), 4096): x[i] = 1";
    const { body: job } = await t.api("POST", "/api/v1/jobs", {
      command: ["python3", "-c", `import subprocess, sys\nr = subprocess.run([sys.executable, "-c", ${JSON.stringify(hog)}])\nprint("helper ended with", r.returncode)`],
      resources: { memory: "100M" },
    });
    const done = await t.waitFor(job.id);
    expect(done.state).toBe("succeeded");
    expect(done.failure).toBeNull();
    expect(done.warning.message).toMatch(/killed by the kernel for running out of memory/);
    expect(done.warning.hint).toMatch(/--memory/);
    expect((await t.api("GET", `/api/v1/jobs/${job.id}/logs`)).body).toContain("helper ended with -9");
  });
});

const bwrap = findBwrap();
const sandboxWorks = bwrap !== null && (await probeBubblewrap(bwrap, systemLayout())).ok;

describe.skipIf(!sandboxWorks)("sandboxed jobs (bubblewrap)", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform(db, "sandbox", { sandbox: "bubblewrap" });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("cannot see Plinth's data directory or other jobs, and can write only their own directory", async () => {
    const hostTmpFile = join(tmpdir(), `plinth-host-${process.pid}.txt`);
    writeFileSync(hostTmpFile, "host");
    const other = (await t.api("POST", "/api/v1/jobs", { script: "echo secret > mine.txt" })).body;
    await t.waitFor(other.id);
    const otherFile = join(t.dataDir, "runs", other.id, "work", "mine.txt");
    expect(existsSync(otherFile)).toBe(true);
    const probe = (
      await t.api("POST", "/api/v1/jobs", {
        script: [
          `test -e ${join(t.dataDir, "plinth.db")} && echo DB-VISIBLE || echo db-hidden`,
          `cat ${otherFile} 2>/dev/null && echo OTHER-VISIBLE || echo other-hidden`,
          "touch /usr/x 2>/dev/null && echo SYSTEM-WRITABLE || echo system-read-only",
          "echo ok > here.txt && cat here.txt",
          `test -e ${hostTmpFile} && echo HOST-TMP-VISIBLE || echo tmp-private`,
        ].join("\n"),
      })
    ).body;
    const done = await t.waitFor(probe.id);
    expect(done.state).toBe("succeeded");
    const out = (await t.api("GET", `/api/v1/jobs/${probe.id}/logs`)).body;
    expect(out).toBe("db-hidden\nother-hidden\nsystem-read-only\nok\ntmp-private\n");
  });
});
