import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import type { JobUsage } from "../../src/jobs/executors/executor.ts";
import { TrackingStore } from "../../src/tracking/store.ts";
import { SystemMetricsSampler } from "../../src/tracking/system-metrics.ts";
import { testDatabases } from "../helpers/databases.ts";
import { localJobsSuite, waitFor } from "../helpers/local-jobs.ts";
import { databaseUrlFor, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// A job's system metrics: the local executor reads a real job's CPU and memory, the sampler
// writes them to its run under MLflow's names, and MLflow's API gives them back. This machine
// has no GPU: GPU readings go through a stand-in nvidia-smi here, and their parsing is checked
// on captured output in test/unit/system-metrics.test.ts.

/** Burns a core and holds ~100 MB (every page touched, so it is resident) for `seconds`. */
const BURN = (seconds: number) => `
import os, time
print(os.environ.get("MLFLOW_RUN_ID", ""), flush=True)
block = bytearray(100 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
end = time.time() + ${seconds}
while time.time() < end:
    pass
`;

const MB = 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("job usage from the local executor (real processes)", () => {
  const local = localJobsSuite("plinth-job-usage-");

  it("reads a running job's CPU (per CPU it was given) and memory, and nothing once it has ended", async () => {
    const ex = local.executor();
    const j = local.job(["python3", "-c", BURN(3)], { cpus: 1, memoryBytes: 1 << 30 });
    await ex.launch(j.req, j.onExit);
    await waitFor(() => j.log().length > 0, "the job to start");
    await sleep(1000);
    const first = await ex.usage(j.req.jobId);
    await sleep(500);
    const second = await ex.usage(j.req.jobId);
    for (const u of [first, second]) {
      // A job that burns a core gets only a share of it while other work runs on two cores.
      expect(u!.cpuPercent).toBeGreaterThan(5);
      expect(u!.memoryBytes).toBeGreaterThan(90 * MB);
      expect(u!.memoryBytes).toBeLessThan(1 << 30);
      expect(u!.memoryLimitBytes).toBe(1 << 30);
      expect(u!.gpus).toEqual([]);
    }
    await j.exited;
    expect(await ex.usage(j.req.jobId)).toBeNull();
    expect(await ex.usage("no-such-job")).toBeNull();
  });

  it("reads the job's real GPUs by uuid, numbered as the job sees them, through nvidia-smi (a stand-in script: no GPU here)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-smi-"));
    try {
      const smi = join(dir, "nvidia-smi");
      const inventory = "0, GPU-11111111-aaaa-4bbb-8ccc-000000000000, NVIDIA H100 80GB HBM3, 81559\n1, GPU-22222222-aaaa-4bbb-8ccc-000000000001, NVIDIA H100 80GB HBM3, 81559\n";
      const usage = "GPU-11111111-aaaa-4bbb-8ccc-000000000000, 3, 1024, 81559\nGPU-22222222-aaaa-4bbb-8ccc-000000000001, 100, 19818, 81559\n";
      writeFileSync(smi, `#!/bin/sh\ncase "$1" in\n  --query-gpu=index,*) printf '${inventory.replaceAll("\n", "\\n")}' ;;\n  --query-gpu=uuid,*) printf '${usage.replaceAll("\n", "\\n")}' ;;\n  *) exit 2 ;;\nesac\n`);
      chmodSync(smi, 0o755);
      const ex = local.executor({ nvidiaSmi: smi, fakeGpus: 1 });
      const [node] = await ex.inventory();
      // The job holds the second real GPU and the stand-in: it sees them as 0 and 1.
      const gpus = node!.gpus.filter((g) => g.index !== 0);
      expect(gpus.map((g) => g.fake)).toEqual([false, true]);
      const j = local.job(["sleep", "30"], { gpus });
      await ex.launch(j.req, j.onExit);
      const u = await ex.usage(j.req.jobId);
      expect(u!.gpus).toEqual([{ index: 0, uuid: "GPU-22222222-aaaa-4bbb-8ccc-000000000001", utilizationPercent: 100, memoryUsedBytes: 19818 * 1024 * 1024, memoryTotalBytes: 81559 * 1024 * 1024 }]);
      await ex.cancel(j.req.jobId, 1000);
      await j.exited;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const db of testDatabases()) {
  describe(`system metrics sampler with a stand-in executor (scripted readings) on a real database (${db.name})`, () => {
    let database: Database;
    let store: TrackingStore;
    let cleanup: () => Promise<void>;
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-sampler-"));

    beforeAll(async () => {
      const target = await databaseUrlFor(db, "system-metrics-sampler");
      cleanup = target.cleanup;
      database = openDatabase(target.url, dataDir);
      await migrate(database);
      store = new TrackingStore(database.db);
      await store.createExperiment({ id: "1", team_id: "team_1", name: "e", artifact_location: "", lifecycle_stage: "active", created_by: "u", creation_time: 1, last_update_time: 1 }, []);
      for (const id of ["a", "b", "c"]) {
        const run = { id: id.repeat(32), experiment_id: "1", team_id: "team_1", name: id, user_id: "u", visibility: "team", status: "RUNNING", start_time: 1, end_time: null, lifecycle_stage: "active", artifact_uri: "", job_id: `job-${id}`, parent_run_id: null, deleted_time: null };
        await store.createRun(run, {});
      }
    }, 120_000);
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const steps = async (runId: string) => (await store.metricHistory(runId, "system/cpu_utilization_percentage", 0, 1000)).map((m) => m.step);

    it("keeps sampling the others when one job's reading fails, and lets go of a job its executor no longer runs", async () => {
      const reads = new Map<string, number>();
      const reading: JobUsage = { cpuPercent: 50, memoryBytes: 100 * MB, memoryLimitBytes: 1000 * MB, gpus: [] };
      const usage = async (jobId: string): Promise<JobUsage | null> => {
        const n = (reads.get(jobId) ?? 0) + 1;
        reads.set(jobId, n);
        if (jobId === "job-a" && n % 2 === 1) throw new Error("cannot read /proc");
        if (jobId === "job-c" && n > 2) return null;
        return reading;
      };
      const sampler = new SystemMetricsSampler({ store, usage, clock: systemClock, logger: pino({ level: "silent" }), intervalMs: 50 });
      sampler.track("job-a", { id: "a".repeat(32), experiment_id: "1" });
      sampler.track("job-b", { id: "b".repeat(32), experiment_id: "1" });
      sampler.track("job-c", { id: "c".repeat(32), experiment_id: "1" });
      try {
        await waitFor(() => (reads.get("job-b") ?? 0) >= 8, "eight rounds");
      } finally {
        sampler.stop();
      }
      const b = await steps("b".repeat(32));
      expect(b.length).toBeGreaterThanOrEqual(7);
      expect(b).toEqual(b.map((_, i) => i));
      // Every other read of a failed: its steps still count its samples from 0, with no gaps.
      const a = await steps("a".repeat(32));
      expect(a.length).toBeGreaterThanOrEqual(3);
      expect(a).toEqual(a.map((_, i) => i));
      // c answered twice, then was let go: never asked again.
      expect(await steps("c".repeat(32))).toEqual([0, 1]);
      expect(reads.get("job-c")).toBe(3);
      // Nothing is asked after stop().
      const asked = reads.get("job-b");
      await sleep(200);
      expect(reads.get("job-b")).toBe(asked);
    });
  });

  describe(`system metrics of a job in its tracked run, through MLflow's API; GPU readings are checked only by the nvidia-smi tests, as there is no GPU here (${db.name})`, () => {
    let t: TestPlatform;
    let alice = "";
    const history = async (runId: string, key: string) => {
      const res = await fetch(`${t.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${alice}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { metrics?: Array<{ key: string; value: number; step: number; timestamp: number }> }).metrics ?? [];
    };

    beforeAll(async () => {
      t = await startTestPlatform(db, "tracking-system-metrics", { extra: { tracking: { systemMetricsInterval: "250ms" } } });
      expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
      alice = (await t.api("POST", "/api/v1/users", { name: "alice", team: "vision", teamRole: "member" })).body.token;
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("samples a job burning a core and holding 100 MB into its run under MLflow's system metric names, from step 0, until it ends", async () => {
      const job = (await t.api("POST", "/api/v1/jobs", { command: ["python3", "-c", BURN(3)], name: "burn" }, alice)).body;
      expect((await t.waitFor(job.id)).state).toBe("succeeded");
      const runId = String((await t.api("GET", `/api/v1/jobs/${job.id}/logs`, undefined, alice)).body).trim().split("\n")[0]!;
      expect(runId).toMatch(/^[0-9a-f]{32}$/);

      const cpu = await history(runId, "system/cpu_utilization_percentage");
      expect(cpu.length).toBeGreaterThanOrEqual(4);
      expect(cpu.map((m) => m.step)).toEqual(cpu.map((_, i) => i));
      for (let i = 1; i < cpu.length; i++) expect(cpu[i]!.timestamp).toBeGreaterThanOrEqual(cpu[i - 1]!.timestamp);
      // One core busy of the one it was given, most of the time.
      expect(Math.max(...cpu.map((m) => m.value))).toBeGreaterThan(20); // a share of a busy machine's core

      const memory = await history(runId, "system/system_memory_usage_megabytes");
      expect(memory.map((m) => m.step)).toEqual(cpu.map((m) => m.step));
      expect(Math.max(...memory.map((m) => m.value))).toBeGreaterThan(50);
      // Of its 1G (the default): 100 MB is about a tenth.
      const percent = await history(runId, "system/system_memory_usage_percentage");
      expect(Math.max(...percent.map((m) => m.value))).toBeGreaterThan(5);
      expect(Math.max(...percent.map((m) => m.value))).toBeLessThan(50);

      // The run's latest metrics: only these three, no GPU ones for a job without GPUs.
      const run = (await (await fetch(`${t.url}/api/2.0/mlflow/runs/get?run_id=${runId}`, { headers: { authorization: `Bearer ${alice}` } })).json()) as any;
      expect((run.run.data.metrics as Array<{ key: string }>).map((m) => m.key).sort()).toEqual([
        "system/cpu_utilization_percentage",
        "system/system_memory_usage_megabytes",
        "system/system_memory_usage_percentage",
      ]);

      // Sampling ended with the job.
      await sleep(1000);
      expect(await history(runId, "system/cpu_utilization_percentage")).toHaveLength(cpu.length);
    });
  });
}
