import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { jobUserFor } from "../../src/jobs/executors/local/job-user.ts";
import { listProcesses, processGroupMembers } from "../../src/jobs/executors/local/proc.ts";
import { findBwrap, probeBubblewrap, systemLayout } from "../../src/jobs/executors/local/sandbox.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor, freePort, makeApi, spawnServer, waitForJob } from "../helpers/platform.ts";
import { runSql } from "../helpers/sql-while-down.ts";

// `kill -9` of the server: jobs keep running, and the next start re-attaches to them, records
// how the ones that ended meanwhile went, and marks lost (then retries) the ones whose end
// nothing could record.
const bwrap = findBwrap();
const sandbox = bwrap ? await probeBubblewrap(bwrap, systemLayout(), jobUserFor("nobody")) : { ok: false as const, error: "bwrap is not installed" };
if (!sandbox.ok) console.warn(`Skipping 2 restart tests: bubblewrap is not usable here (${sandbox.error}).`);

for (const database of testDatabases()) describe(`restart after kill -9 (${database.name})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-restart-"));
  const children: Array<import("node:child_process").ChildProcess> = [];
  let db: { url: string | undefined; cleanup: () => Promise<void> } = { url: undefined, cleanup: async () => {} };
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
    await db.cleanup();
  });

  // Sandboxed, so that bwrap records how jobs end even after their launcher is killed too.
  it.skipIf(!sandbox.ok)("re-attaches to running jobs, records finished ones and retries lost ones", async () => {
    db = await databaseUrlFor(database, "restart");
    const env: Record<string, string> = { PLINTH_EXECUTOR_SANDBOX: "bubblewrap", PLINTH_TRACKING_SYSTEM_METRICS_INTERVAL: "200ms", ...(db.url && { PLINTH_DATABASE_URL: db.url }) };
    const port = await freePort();
    const api = makeApi(`http://127.0.0.1:${port}`);
    const first = await spawnServer({ dataDir, port, env });
    children.push(first);

    // Small requests, so all of them run at once on a two-core machine.
    const small = { cpus: 0.25, memory: "64M" };
    // The slow job waits for a signal file in its folder (at most 30 s), so it is certainly still running at the restart.
    const slow = (await api("POST", "/api/v1/jobs", { script: "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo finished-slow", resources: small })).body;
    const go = join(dataDir, "runs", slow.id, "work", "go");
    // The quick job ends as soon as it is told to, once the server is down: on a loaded machine a
    // fixed sleep could end it before it was ever seen running.
    const quick = (await api("POST", "/api/v1/jobs", { script: "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo finished-quick; exit 4", resources: small })).body;
    const doomed = (await api("POST", "/api/v1/jobs", { command: ["sleep", "60"], retries: 1, resources: small })).body;
    const unsignalled = (await api("POST", "/api/v1/jobs", { command: ["sleep", "60"], resources: small })).body;
    for (const j of [slow, quick, doomed, unsignalled]) await waitForJob(api, j.id, ["running"]);
    // The slow job's run gets its system metrics, sample after sample.
    const runs = (await api("GET", `/api/v1/runs?filter=${encodeURIComponent(`tags.\`plinth.job\` = '${slow.id}'`)}`)).body.items;
    expect(runs).toHaveLength(1);
    const cpuSteps = async () => ((await api("GET", `/api/v1/runs/${runs[0].id}/metrics?keys=system/cpu_utilization_percentage`)).body.metrics["system/cpu_utilization_percentage"] as Array<{ step: number }>).map((p) => p.step);
    const until = async (done: (steps: number[]) => boolean) => {
      for (let i = 0; i < 100 && !done(await cpuSteps()); i++) await new Promise((r) => setTimeout(r, 100));
      return cpuSteps();
    };
    const before = await until((steps) => steps.length >= 2);
    expect(before.length).toBeGreaterThanOrEqual(2);

    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    writeFileSync(join(dataDir, "runs", quick.id, "work", "go"), "");

    // While the server is away: one job ends by itself (its launcher, still running, records
    // how); then the launcher is killed and another job too, so nothing could record its end.
    await new Promise((r) => setTimeout(r, 800));
    for (const p of listProcesses()) if (cmdline(p.pid).includes(join(dataDir, "launchers"))) process.kill(p.pid, "SIGKILL");
    process.kill(-(await recordedPid(db.url, dataDir, doomed.id)), "SIGKILL");
    // A cancel committed just before the crash, whose signal never went out.
    await runSql(db.url, dataDir, `update jobs set state = 'cancelled', reason = 'cancelled', finished_at = ${Date.now()} where id = ?`, unsignalled.id);
    const unsignalledPid = await recordedPid(db.url, dataDir, unsignalled.id);
    await new Promise((r) => setTimeout(r, 800));

    const second = await spawnServer({ dataDir, port, env });
    children.push(second);

    const slowNow = (await api("GET", `/api/v1/jobs/${slow.id}`)).body;
    expect(slowNow.state).toBe("running");
    // Its system metrics go on after the restart, numbered after the last sample before it.
    const lastBefore = Math.max(...(await cpuSteps()));
    const after = await until((steps) => steps.some((step) => step > lastBefore + 1));
    expect(after.filter((step) => step > lastBefore).length).toBeGreaterThanOrEqual(2);
    expect(new Set(after).size).toBe(after.length);
    writeFileSync(go, "");
    const slowDone = await waitForJob(api, slow.id);
    expect(slowDone.state).toBe("succeeded");
    expect((await api("GET", `/api/v1/jobs/${slow.id}/logs`)).body).toBe("finished-slow\n");

    const quickDone = await waitForJob(api, quick.id);
    expect(quickDone.state).toBe("failed");
    expect(quickDone.exitCode).toBe(4);

    const lost = await waitForJob(api, doomed.id);
    expect(lost.state).toBe("lost");
    expect(lost.failure.reason).toBe("lost");
    expect(lost.retriedBy).toBeTruthy();
    const retry = await waitForJob(api, lost.retriedBy, ["running"]);
    expect(retry.attempt).toBe(2);
    await api("POST", `/api/v1/jobs/${retry.id}/cancel`);
    await waitForJob(api, retry.id);
    // The cancel reaches the process after the restart.
    const gone = Date.now() + 10_000;
    while (processGroupMembers(unsignalledPid).some((p) => p.state !== "Z") && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(processGroupMembers(unsignalledPid).filter((p) => p.state !== "Z")).toEqual([]);
    // No job is left running forever.
    const active = (await api("GET", "/api/v1/jobs?state=starting,running")).body.items;
    expect(active).toEqual([]);
    second.kill("SIGTERM");
  });
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return ""; // ended meanwhile
  }
}

/** The job's pid as the server recorded it, read straight from its database while it is down. */
async function recordedPid(url: string | undefined, dataDir: string, jobId: string): Promise<number> {
  if (!url) {
    const sqlite = new DatabaseSync(join(dataDir, "plinth.db"));
    const row = sqlite.prepare("select pid from jobs where id = ?").get(jobId) as { pid: number };
    sqlite.close();
    return row.pid;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query("select pid from jobs where id = $1", [jobId]);
  await client.end();
  return rows[0].pid;
}

describe("two servers on one data directory", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "plinth-two-servers-"));
  const servers: Array<import("node:child_process").ChildProcess> = [];
  afterAll(() => {
    for (const s of servers) s.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a second server leaves the first one's launchers alone", async () => {
    const first = await spawnServer({ dataDir, port: await freePort() });
    servers.push(first);
    const launchersOfFirst = () => listProcesses().filter((p) => p.ppid === first.pid && cmdline(p.pid).includes("launcher-main"));
    expect(launchersOfFirst().length).toBeGreaterThan(0);
    servers.push(await spawnServer({ dataDir, port: await freePort() }));
    expect(launchersOfFirst().length).toBeGreaterThan(0);
  });
});
