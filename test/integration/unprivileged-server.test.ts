import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jobUserFor } from "../../src/jobs/executors/local/job-user.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { freePort, makeApi, NODE, REPO, spawnServer, waitForJob } from "../helpers/platform.ts";

// Plinth run by an ordinary user, as most people start it on their own machine: jobs run as
// that user, sandboxed by an unprivileged bubblewrap. Needs root here only to become another user.

const user = jobUserFor("nobody");
const canRun = user !== null && spawnSync(NODE, ["-e", "0"], { cwd: REPO, uid: user.uid, gid: user.gid }).status === 0;
const bwrap = findBwrap();
const sandbox = canRun && bwrap ? await probeBubblewrap(bwrap, systemLayout(), user) : { ok: false as const, error: "not root, or bubblewrap missing" };
if (!sandbox.ok) console.warn(`Skipping 1 unprivileged-server test: ${!canRun ? "needs root to run the server as another user, who must be able to read the checkout" : sandbox.error}.`);

describe.skipIf(!canRun || !sandbox.ok)("a Plinth server run by an ordinary user", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-unprivileged-"));
  let server: ChildProcess | null = null;
  afterAll(() => {
    server?.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs jobs as that user, in the sandbox, away from its data", async () => {
    chownSync(dataDir, user!.uid, user!.gid);
    const port = await freePort();
    server = await spawnServer({ dataDir, port, user: user!, env: { HOME: dataDir, PLINTH_EXECUTOR_SANDBOX: "bubblewrap" } });
    const api = makeApi(`http://127.0.0.1:${port}`);
    const script = [
      "id -u",
      `test -e ${join(dataDir, "plinth.db")} && echo DB-VISIBLE || echo db-hidden`,
      "{ cat /etc/shadow; } >/dev/null 2>&1 && echo READ-SHADOW || echo shadow-denied",
      'echo "preload=$LD_PRELOAD"',
    ].join("\n");
    const job = (await api("POST", "/api/v1/jobs", { script, env: { LD_PRELOAD: "./missing.so" } })).body;
    const done = await waitForJob(api, job.id);
    const log = (await api("GET", `/api/v1/jobs/${job.id}/logs`)).body;
    expect(done.state, log).toBe("succeeded");
    expect(log.split("\n").filter((l: string) => !l.includes("ld.so"))).toEqual([String(user!.uid), "db-hidden", "shadow-denied", "preload=./missing.so", ""]);
  });
});
