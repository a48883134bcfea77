import type { ChildProcess } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { push } from "../helpers/data.ts";
import { freePort, makeApi, spawnServer, type TestPlatform, waitForJob } from "../helpers/platform.ts";
import { describeWithSlurm, slurmCommand } from "../helpers/slurm.ts";

// Plinth with the real one-node Slurm test cluster as an executor named `hpc`: jobs sent there
// by their spec or by a routing rule, their GPUs from the cluster's gres, their secrets kept out
// of every file others can read, the cluster's reasons for waiting in words, a cancel, a time
// limit and an out-of-memory kill as Slurm enforces them, a node drained mid-run, jobs the
// cluster could never run refused at submit, and jobs followed again after Plinth is killed.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithSlurm("jobs on a Slurm cluster through Plinth", ({ slurm, test }) => {
  const root = mkdtempSync(join(tmpdir(), "plinth-slurm-jobs-"));
  // Plinth runs as root here, and checks its local job user could pass through.
  chmodSync(root, 0o755);
  const dataDir = join(root, "data");
  const shared = join(root, "shared");
  const config = join(root, "plinth.yaml");
  const children: ChildProcess[] = [];
  let api: ReturnType<typeof makeApi>;
  let port: number;
  const node = slurmCommand(slurm, "sinfo", ["--noheader", "--Node", "--format", "%N"]).trim().split("\n")[0]!;

  const start = async () => {
    children.push(await spawnServer({ dataDir, port, env: { PLINTH_CONFIG: config } }));
  };

  beforeAll(async () => {
    writeFileSync(
      config,
      [
        "executors:",
        "  hpc:",
        "    kind: slurm",
        `    sharedDir: ${shared}`,
        `    bin: ${slurm.bin}`,
        "    pollInterval: 300ms",
        // The test cluster runs jobs as the account that submits them: root, here.
        "    allowRoot: true",
        "routing:",
        "  - executor: hpc",
        "    minGpus: 1",
        "",
      ].join("\n"),
    );
    port = await freePort();
    api = makeApi(`http://127.0.0.1:${port}`);
    await start();
  });
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  });

  test("a GPU job is routed to the cluster, gets a GPU and its secret, and its log and end come back", async () => {
    expect((await api("PUT", "/api/v1/secrets/WANDB_API_KEY", { value: "hidden-value-7731" })).status).toBe(200);
    const submitted = await api("POST", "/api/v1/jobs", { command: ["bash", "-c", 'echo "gpus=$CUDA_VISIBLE_DEVICES key=$WANDB_API_KEY job=$PLINTH_JOB_ID"'], resources: { gpus: 1 }, secrets: ["WANDB_API_KEY"] });
    expect(submitted.status).toBe(201);
    expect(submitted.body.executor).toBe("hpc");
    const done = await waitForJob(api, submitted.body.id, undefined, 60_000);
    expect(done).toMatchObject({ state: "succeeded", exitCode: 0, node, executor: "hpc" });
    expect(done.engineId).toMatch(/^\d+$/);
    const log = (await api("GET", `/api/v1/jobs/${done.id}/logs`)).body as string;
    expect(log).toMatch(new RegExp(`gpus=[01] key=\\*+ job=${done.id}`));
    expect(log).not.toContain("hidden-value-7731");
    // The secret went in the job's private variables file only, removed once read: not in its script, not in sbatch's arguments.
    const state = join(shared, "jobs", done.id, "state");
    expect(readFileSync(join(state, "batch.sh"), "utf8")).not.toContain("hidden-value-7731");
    expect(readdirSync(state)).not.toContain("variables.sh");
    expect(slurmCommand(slurm, "scontrol", ["show", "job", done.engineId])).not.toContain("hidden-value-7731");
  });

  test("a job waiting for GPUs says why in words, then runs", async () => {
    const holder = (await api("POST", "/api/v1/jobs", { command: ["sleep", "4"], resources: { gpus: 2 }, executor: "hpc" })).body;
    await waitForJob(api, holder.id, ["running"], 30_000);
    const waiter = (await api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: 1 }, executor: "hpc" })).body;
    let waiting: string | null = null;
    // Slurm gives no reason until its scheduler has looked at the job (within a second here).
    for (let i = 0; i < 100 && !waiting?.includes("GPU"); i++) {
      waiting = (await api("GET", `/api/v1/jobs/${waiter.id}`)).body.waiting;
      await sleep(100);
    }
    expect(waiting).toBe("Waiting for 1 GPU on partition main.");
    expect((await waitForJob(api, waiter.id, undefined, 60_000)).state).toBe("succeeded");
    expect((await api("GET", `/api/v1/jobs/${waiter.id}`)).body.waiting).toBeNull();
  });

  test("cancelling a running job ends it on the cluster", async () => {
    const job = (await api("POST", "/api/v1/jobs", { command: ["sleep", "300"], executor: "hpc" })).body;
    const running = await waitForJob(api, job.id, ["running"], 30_000);
    expect((await api("POST", `/api/v1/jobs/${job.id}/cancel`)).status).toBe(200);
    expect((await waitForJob(api, job.id, undefined, 30_000)).state).toBe("cancelled");
    let state = "";
    for (let i = 0; i < 100 && state !== "CANCELLED"; i++) {
      state = slurmCommand(slurm, "squeue", ["--noheader", "--states", "all", "--jobs", running.engineId, "--format", "%T"]).trim();
      if (state !== "CANCELLED") await sleep(200);
    }
    expect(state).toBe("CANCELLED");
  });

  test("Slurm's own time limit and memory kill are reported as time_limit and out_of_memory", async () => {
    const slow = (await api("POST", "/api/v1/jobs", { command: ["sleep", "300"], executor: "hpc", timeout: "5s" })).body;
    const hungry = (await api("POST", "/api/v1/jobs", { command: ["python3", "-c", "x = bytearray(600 * 1024 * 1024); import time; time.sleep(10)"], executor: "hpc", resources: { memory: "100M" } })).body;
    const oom = await waitForJob(api, hungry.id, undefined, 60_000);
    expect(oom).toMatchObject({ state: "failed", failure: { reason: "out_of_memory" } });
    expect(oom.failure.hint).toMatch(/memory/);
    // slurmctld looks for jobs past their limit every 30 seconds.
    const timedOut = await waitForJob(api, slow.id, undefined, 90_000);
    expect(timedOut).toMatchObject({ state: "timed_out", failure: { reason: "time_limit" } });
  }, 120_000);

  test("a node drained mid-run lets its job finish, and a new job waits, saying the node is unavailable", async () => {
    const job = (await api("POST", "/api/v1/jobs", { command: ["sleep", "3"], executor: "hpc" })).body;
    await waitForJob(api, job.id, ["running"], 30_000);
    slurmCommand(slurm, "scontrol", ["update", `nodename=${node}`, "state=drain", "reason=plinth-test"]);
    let drained = true;
    try {
      const later = (await api("POST", "/api/v1/jobs", { command: ["true"], executor: "hpc" })).body;
      expect((await waitForJob(api, job.id, undefined, 30_000)).state).toBe("succeeded");
      let waiting: string | null = null;
      for (let i = 0; i < 50 && !waiting?.includes("drained"); i++) {
        waiting = (await api("GET", `/api/v1/jobs/${later.id}`)).body.waiting;
        await sleep(200);
      }
      expect(waiting).toMatch(/down, drained or reserved/);
      slurmCommand(slurm, "scontrol", ["update", `nodename=${node}`, "state=resume"]);
      drained = false;
      expect((await waitForJob(api, later.id, undefined, 30_000)).state).toBe("succeeded");
    } finally {
      if (drained) slurmCommand(slurm, "scontrol", ["update", `nodename=${node}`, "state=resume"]);
    }
  });

  test("a job the cluster could never run is refused at submit, with each executor's reason", async () => {
    const tooBig = await api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: 3 } });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.detail).toMatch(/hpc: it asks for 3 GPUs on one node; the largest node has 2/);
    expect(tooBig.body.detail).toMatch(/local: /);
    const python = await api("POST", "/api/v1/jobs", { command: ["python", "-c", "1"], executor: "hpc", environment: { python: "3.11" } });
    expect(python.status).toBe(422);
    expect(python.body.detail).toMatch(/Python environment Plinth builds/);
    const unknown = await api("POST", "/api/v1/jobs", { command: ["true"], executor: "nowhere" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.hint).toMatch(/local, hpc/);
  });

  test("a job's outputs come back from the shared folder as a dataset version", async () => {
    const job = (await api("POST", "/api/v1/jobs", { script: "mkdir -p out && echo 0.93 > out/accuracy.txt", executor: "hpc", outputs: { metrics: "out/" } })).body;
    const done = await waitForJob(api, job.id, undefined, 60_000);
    expect(done.state, JSON.stringify(done.failure)).toBe("succeeded");
    const saved = (await api("GET", `/api/v1/jobs/${job.id}`)).body.outputs;
    expect(saved[0]).toMatchObject({ name: "metrics" });
  });

  test("a job reads its input dataset from the shared folder, where the nodes see it", async () => {
    const pushed = await push({ url: `http://127.0.0.1:${port}`, api } as unknown as TestPlatform, "iris", { "iris.csv": "sepal,petal\n5.1,1.4\n" });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    const job = (await api("POST", "/api/v1/jobs", { script: 'cat "$PLINTH_INPUT_IRIS/iris.csv"; echo "at $PLINTH_INPUT_IRIS"', executor: "hpc", inputs: { iris: "iris" } })).body;
    const done = await waitForJob(api, job.id, undefined, 60_000);
    const log = (await api("GET", `/api/v1/jobs/${job.id}/logs`)).body as string;
    expect(done.state, log).toBe("succeeded");
    expect(log).toContain("5.1,1.4");
    expect(log).toContain(`at ${join(shared, "jobs", job.id, "work", ".inputs", "iris")}`);
  });

  test("a job that swaps its shared folder for a link gets none of this machine's files read: not as its log, not as its outputs", async () => {
    // What the link leads to: files of this machine a member must not see through Plinth.
    const bait = join(root, "bait");
    mkdirSync(join(bait, "work", "out"), { recursive: true });
    // Its script's exit status lands here through the link, so Plinth goes on to read outputs.
    mkdirSync(join(bait, "state"), { recursive: true });
    writeFileSync(join(bait, "output.log"), "CANARY-LOG\n");
    writeFileSync(join(bait, "work", "out", "stolen.txt"), "CANARY-OUTPUT\n");
    chmodSync(bait, 0o755);
    const script = `echo before; cd ..; d=$(pwd); mkdir -p work/out; echo mine > work/out/a.txt; mv "$d" "$d.moved"; ln -s ${bait} "$d"; sleep 1; echo after`;
    const job = (await api("POST", "/api/v1/jobs", { script, executor: "hpc", outputs: { loot: "out/" } })).body;
    const done = await waitForJob(api, job.id, undefined, 60_000);
    const log = (await api("GET", `/api/v1/jobs/${job.id}/logs`)).body as string;
    expect(log).not.toContain("CANARY");
    expect(done).toMatchObject({ state: "failed", failure: { reason: "output_not_saved" } });
    expect(JSON.stringify(done)).not.toContain("CANARY");
  });

  test("the cluster page lists the cluster's nodes, partitions and GPUs", async () => {
    const cluster = (await api("GET", "/api/v1/cluster")).body;
    const hpc = cluster.executors.find((e: { name: string }) => e.name === "hpc");
    expect(hpc).toMatchObject({ kind: "slurm", error: null });
    expect(hpc.nodes[0]).toMatchObject({ name: node, usable: true, gpus: [{ model: "", count: 2 }] });
    expect(hpc.nodes[0].groups).toEqual(expect.arrayContaining(["main", "gpu"]));
  });

  test("after Plinth is killed, a running job is followed again and its end recorded", async () => {
    const job = (await api("POST", "/api/v1/jobs", { command: ["bash", "-c", "sleep 4; echo survived"], executor: "hpc" })).body;
    await waitForJob(api, job.id, ["running"], 30_000);
    const server = children.at(-1)!;
    server.kill("SIGKILL");
    await new Promise((r) => server.once("exit", r));
    await start();
    const done = await waitForJob(api, job.id, undefined, 60_000);
    expect(done.state).toBe("succeeded");
    expect((await api("GET", `/api/v1/jobs/${job.id}/logs`)).body).toContain("survived");
    // Plinth keeps its own copy of the log, and a link to the job's shared folder.
    expect(readdirSync(join(dataDir, "runs", job.id)).sort()).toEqual(["output.log", "work"]);
    expect(lstatSync(join(dataDir, "runs", job.id, "output.log")).isFile()).toBe(true);
  });
});
