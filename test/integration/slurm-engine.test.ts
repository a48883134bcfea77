import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { SlurmCommands } from "../../src/jobs/executors/slurm/slurm-commands.ts";
import type { EngineEnd, EngineWatcher } from "../../src/jobs/executors/engine.ts";
import { SlurmEngine } from "../../src/jobs/executors/slurm/slurm-engine.ts";
import { describeWithSlurm, privateSlurm, restartSlurmctld } from "../helpers/slurm.ts";

// Jobs on the real one-node Slurm cluster through Plinth's Slurm engine: submitted as batch
// jobs from the shared folder (variables in a private file), followed by squeue until they
// end, a GPU allocated from the cluster's gres, a failure, a cancel, a job that waits, a job
// picked up again by a new engine (as after a restart of Plinth), and one followed through a
// restart of slurmctld.

interface Seen {
  waiting: string[];
  running: string[];
  ended: Promise<EngineEnd>;
}

function watch(): { watcher: EngineWatcher; seen: Seen } {
  let resolve!: (e: EngineEnd) => void;
  const seen: Seen = { waiting: [], running: [], ended: new Promise((r) => (resolve = r)) };
  return { seen, watcher: { waiting: (why) => seen.waiting.push(why), running: (node) => seen.running.push(node), ended: (e) => resolve(e) } };
}

describeWithSlurm("the Slurm engine on a real cluster", ({ slurm, test }) => {
  const shared = mkdtempSync(join(tmpdir(), "plinth-slurm-shared-"));
  const engines: SlurmEngine[] = [];
  const engine = () => {
    const e = new SlurmEngine({ commands: new SlurmCommands({ bin: slurm.bin }), sharedDir: shared, settings: { gpuOption: "gres" }, pollIntervalMs: 200, user: userInfo().username });
    engines.push(e);
    return e;
  };
  afterAll(() => {
    for (const e of engines) e.close();
    rmSync(shared, { recursive: true, force: true });
  });
  const base = { name: "test", workdir: "", inputs: [], owner: { userId: "u", userName: "u", teamId: null }, env: { PLINTH_JOB_ID: "x" }, cpus: 1, memoryBytes: 256 * 1024 ** 2, gpus: 0, timeoutMs: 5 * 60_000, priority: 0 };

  test("runs a job with its variables and a GPU, reports it running, and its success", async () => {
    const e = engine();
    const { watcher, seen } = watch();
    await e.submit({ ...base, jobId: "gpu-job", gpus: 1, env: { SECRET_TOKEN: "s3cr3t with spaces", PLINTH_JOB_ID: "gpu-job" }, argv: ["bash", "-c", 'echo "token=$SECRET_TOKEN gpus=$CUDA_VISIBLE_DEVICES"; echo job=$PLINTH_JOB_ID'] }, watcher);
    const end = await seen.ended;
    expect(end).toMatchObject({ outcome: { outcome: "succeeded" }, exitCode: 0 });
    const log = readFileSync(e.paths("gpu-job").logPath, "utf8");
    expect(log).toContain("token=s3cr3t with spaces gpus=0");
    expect(log).toContain("job=gpu-job");
    // The variables file, secrets and all, is gone once the job has read it.
    expect(existsSync(join(e.paths("gpu-job").stateDir, "variables.sh"))).toBe(false);
  });

  test("a failing job ends failed with its exit code", async () => {
    const e = engine();
    const failing = watch();
    await e.submit({ ...base, jobId: "failing", argv: ["bash", "-c", "exit 7"] }, failing.watcher);
    expect(await failing.seen.ended).toMatchObject({ outcome: { outcome: "failed", reason: "nonzero_exit" }, exitCode: 7 });
  });

  test("cancelling ends the job on the cluster, and it is reported cancelled", async () => {
    const e = engine();
    const { watcher, seen } = watch();
    await e.submit({ ...base, jobId: "cancelled", argv: ["sleep", "300"] }, watcher);
    for (let i = 0; i < 100 && seen.running.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(seen.running.length).toBe(1);
    await e.cancel("cancelled");
    expect(await seen.ended).toMatchObject({ outcome: { outcome: "failed", reason: "cancelled" }, engineState: "CANCELLED" });
  });

  test("a job asking for more GPUs than are free waits, saying so, and a new engine picks running jobs up again", async () => {
    const first = engine();
    const holder = watch();
    await first.submit({ ...base, jobId: "holder", gpus: 2, argv: ["sleep", "3"] }, holder.watcher);
    const waiter = watch();
    await first.submit({ ...base, jobId: "waiter", gpus: 1, argv: ["true"] }, waiter.watcher);
    for (let i = 0; i < 100 && waiter.seen.waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(waiter.seen.waiting[0]).toMatch(/^waiting for 1 GPU|^waiting/);
    // Until it starts, its variables wait in a file only its user can read.
    expect(statSync(join(first.paths("waiter").stateDir, "variables.sh")).mode & 0o077).toBe(0);
    // As after a restart: a new engine follows both from their state folders.
    first.close();
    const second = engine();
    const again = [watch(), watch()];
    expect(await second.resume({ jobId: "holder", gpus: 2 }, again[0]!.watcher)).toBe(true);
    expect(await second.resume({ jobId: "waiter", gpus: 1 }, again[1]!.watcher)).toBe(true);
    expect(await second.resume({ jobId: "never-submitted", gpus: 0 }, watch().watcher)).toBe(false);
    expect(await again[0]!.seen.ended).toMatchObject({ outcome: { outcome: "succeeded" } });
    expect(await again[1]!.seen.ended).toMatchObject({ outcome: { outcome: "succeeded" } });
  });

  test("a job is followed through a restart of slurmctld: nothing is concluded while it is down, and the end is seen after", async () => {
    // A cluster of this test's own: a restart of the shared one's slurmctld would fail other tests.
    const own = privateSlurm("restart");
    const e = new SlurmEngine({ commands: new SlurmCommands({ bin: own.bin }), sharedDir: shared, settings: { gpuOption: "gres" }, pollIntervalMs: 200, user: userInfo().username });
    engines.push(e);
    try {
    const { watcher, seen } = watch();
    let ended = false;
    void seen.ended.then(() => (ended = true));
    await e.submit({ ...base, jobId: "through-restart", argv: ["sleep", "4"] }, watcher);
    for (let i = 0; i < 100 && seen.running.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(seen.running.length).toBe(1);
    await restartSlurmctld(own, async () => {
      await expect(e.poll()).rejects.toThrow(/squeue/);
      expect(ended).toBe(false);
    });
    expect(await seen.ended).toMatchObject({ outcome: { outcome: "succeeded" }, exitCode: 0 });
    } finally {
      await e.close();
      own.stop();
    }
  }, 90_000);

  test("jobs submitted while squeue is being asked are never taken for lost", async () => {
    // squeue every 50 ms while jobs are submitted one after another: some land mid-answer.
    const e = new SlurmEngine({ commands: new SlurmCommands({ bin: slurm.bin }), sharedDir: shared, settings: { gpuOption: "gres" }, pollIntervalMs: 50, user: userInfo().username });
    engines.push(e);
    const ends: Array<Promise<EngineEnd>> = [];
    for (let i = 0; i < 12; i++) {
      const { watcher, seen } = watch();
      await e.submit({ ...base, jobId: `burst-${i}`, argv: ["true"] }, watcher);
      ends.push(seen.ended);
    }
    const outcomes = await Promise.all(ends);
    expect(outcomes.map((o) => o.outcome.outcome)).toEqual(Array(12).fill("succeeded"));
  }, 120_000);

  test("reads the cluster's nodes, partitions and GPUs", async () => {
    const nodes = await engine().inventory();
    expect(nodes.length).toBe(1);
    expect(nodes[0]!.groups).toEqual(expect.arrayContaining(["main", "gpu"]));
    expect(nodes[0]!.gpus.reduce((n, g) => n + g.count, 0)).toBe(2);
  });
});
