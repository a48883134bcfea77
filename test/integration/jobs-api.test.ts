import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processGroupMembers } from "../../src/jobs/executors/local/proc.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

for (const db of testDatabases()) {
  describe(`jobs API (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "jobs_api", {
        fakeGpus: [
          { model: "RTX 6000 Ada", memory: "48G" },
          { model: "RTX 3090", memory: "24G" },
        ],
        cpus: 8,
        memory: "16G",
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it("runs a command and keeps its output and timeline", async () => {
      const { status, body: job } = await t.api("POST", "/api/v1/jobs", { command: ["sh", "-c", "echo hello; echo oops >&2"], name: "greet", labels: { team: "vision" } });
      expect(status).toBe(201);
      expect(job.state).toBe("queued");
      const done = await t.waitFor(job.id);
      expect(done.state).toBe("succeeded");
      expect(done.exitCode).toBe(0);
      expect(done.failure).toBeNull();
      expect(done.events.map((e: any) => e.to)).toEqual(["queued", "starting", "running", "succeeded"]);
      expect(done.durations.queuedMs).toBeGreaterThanOrEqual(0);
      expect(done.durations.runningMs).toBeGreaterThanOrEqual(0);
      expect(done.labels).toEqual({ team: "vision" });
      const logs = await t.api("GET", `/api/v1/jobs/${job.id}/logs`);
      expect(logs.body).toBe("hello\noops\n");
      const tail = await t.api("GET", `/api/v1/jobs/${job.id}/logs?offset=6`);
      expect(tail.body).toBe("oops\n");
    });

    it("runs a script with bash and passes env", async () => {
      const { body: job } = await t.api("POST", "/api/v1/jobs", { script: "set -e\necho \"seed=$SEED\"\n", env: { SEED: "42" } });
      expect((await t.waitFor(job.id)).state).toBe("succeeded");
      expect((await t.api("GET", `/api/v1/jobs/${job.id}/logs`)).body).toBe("seed=42\n");
    });

    it("gives GPUs exclusively through CUDA_VISIBLE_DEVICES and honours the model pattern", async () => {
      const a = (await t.api("POST", "/api/v1/jobs", { script: "echo $CUDA_VISIBLE_DEVICES; sleep 0.5", resources: { gpus: 1, gpu: { model: "*3090*" } } })).body;
      const b = (await t.api("POST", "/api/v1/jobs", { script: "echo $CUDA_VISIBLE_DEVICES; sleep 0.5", resources: { gpus: 1 } })).body;
      const none = (await t.api("POST", "/api/v1/jobs", { script: 'echo "[$CUDA_VISIBLE_DEVICES]"' })).body;
      const [ja, jb] = [await t.waitFor(a.id), await t.waitFor(b.id)];
      await t.waitFor(none.id);
      expect(ja.assignedGpus.map((g: any) => g.model)).toEqual(["RTX 3090"]);
      expect((await t.api("GET", `/api/v1/jobs/${a.id}/logs`)).body).toBe("1\n");
      expect(jb.assignedGpus).toHaveLength(1);
      expect((await t.api("GET", `/api/v1/jobs/${none.id}/logs`)).body).toBe("[]\n");
    });

    it("never gives one GPU to two jobs at once", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push((await t.api("POST", "/api/v1/jobs", { command: ["sleep", "0.3"], resources: { gpus: 2 } })).body.id);
      }
      const jobs = await Promise.all(ids.map((id) => t.waitFor(id)));
      const spans = jobs.map((j) => [Date.parse(j.startedAt), Date.parse(j.finishedAt)] as const).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    });

    it("refuses a job that can never fit, saying why", async () => {
      const r = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: 3 } });
      expect(r.status).toBe(422);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.body.title).toBe("This job can never run here");
      expect(r.body.hint).toBeTruthy();
      const model = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: 1, gpu: { model: "*A100*" } } });
      expect(model.status).toBe(422);
      expect(model.body.detail).toMatch(/A100/);
    });

    it("explains failures: exit code, command not found, Python exception", async () => {
      const exit3 = (await t.api("POST", "/api/v1/jobs", { script: "echo working; echo 'bad thing' >&2; exit 3" })).body;
      const missing = (await t.api("POST", "/api/v1/jobs", { command: ["definitely-not-a-program-xyz"] })).body;
      const py = (await t.api("POST", "/api/v1/jobs", { command: ["python3", "-c", "import sys\nd={'x':1}\nprint('loading')\nd['y']"] })).body;
      const f1 = await t.waitFor(exit3.id);
      expect(f1.state).toBe("failed");
      expect(f1.exitCode).toBe(3);
      expect(f1.failure.reason).toBe("nonzero_exit");
      expect(f1.failure.logTail).toContain("bad thing");
      const f2 = await t.waitFor(missing.id);
      expect(f2.state).toBe("failed");
      expect(f2.failure.reason).toBe("command_not_found");
      expect(f2.failure.hint).toBeTruthy();
      const f3 = await t.waitFor(py.id);
      expect(f3.failure.reason).toBe("python_exception");
      expect(f3.failure.message).toContain("KeyError");
    });

    it("cancels a running job and its whole process group", async () => {
      const { body: job } = await t.api("POST", "/api/v1/jobs", { script: "sleep 60 & sleep 60; wait" });
      const running = await t.waitFor(job.id, ["running"]);
      const pid = (await t.platform.database.db.selectFrom("jobs").select("pid").where("id", "=", job.id).executeTakeFirstOrThrow()).pid!;
      expect(running.state).toBe("running");
      const r = await t.api("POST", `/api/v1/jobs/${job.id}/cancel`);
      expect(r.status).toBe(200);
      const done = await t.waitFor(job.id);
      expect(done.state).toBe("cancelled");
      expect(done.failure.reason).toBe("cancelled");
      // Nothing of the job's process group is left alive (zombies waiting for a reaper are dead).
      await new Promise((res) => setTimeout(res, 300));
      expect(processGroupMembers(pid).filter((p) => p.state !== "Z" && p.state !== "X")).toEqual([]);
      const again = await t.api("POST", `/api/v1/jobs/${job.id}/cancel`);
      expect(again.status).toBe(409);
      expect(again.body.hint).toBeTruthy();
    });

    it("cancels a queued job without running it", async () => {
      const blocker = (await t.api("POST", "/api/v1/jobs", { command: ["sleep", "5"], resources: { gpus: 2 } })).body;
      const waiting = (await t.api("POST", "/api/v1/jobs", { command: ["echo", "never"], resources: { gpus: 2 } })).body;
      await t.waitFor(blocker.id, ["running"]);
      const q = await t.api("GET", `/api/v1/jobs/${waiting.id}`);
      expect(q.body.state).toBe("queued");
      expect(q.body.queue.position).toBeGreaterThanOrEqual(1);
      await t.api("POST", `/api/v1/jobs/${waiting.id}/cancel`);
      await t.api("POST", `/api/v1/jobs/${blocker.id}/cancel`);
      const done = await t.waitFor(waiting.id);
      expect(done.state).toBe("cancelled");
      expect(done.startedAt).toBeNull();
    });

    it("stops a job at its time limit", async () => {
      const { body: job } = await t.api("POST", "/api/v1/jobs", { command: ["sleep", "30"], timeout: "1s" });
      const done = await t.waitFor(job.id);
      expect(done.state).toBe("timed_out");
      expect(done.failure.reason).toBe("time_limit");
      expect(done.failure.hint).toMatch(/--timeout/);
    });

    it("retries on the reasons asked for, as new attempts", async () => {
      const { body: job } = await t.api("POST", "/api/v1/jobs", { script: "exit 1", retries: { count: 2, on: ["nonzero_exit"] } });
      let current = await t.waitFor(job.id);
      const chain = [current];
      while (current.retriedBy) {
        current = await t.waitFor(current.retriedBy);
        chain.push(current);
      }
      expect(chain.map((j) => j.attempt)).toEqual([1, 2, 3]);
      expect(chain.every((j) => j.state === "failed")).toBe(true);
      const manual = await t.api("POST", `/api/v1/jobs/${job.id}/retry`);
      expect(manual.status).toBe(201);
      expect(manual.body.retryOf).toBe(job.id);
    });

    it("lists with filters and keyset pages", async () => {
      for (let i = 0; i < 5; i++) await t.api("POST", "/api/v1/jobs", { command: ["true"], name: "pager", labels: { run: String(i % 2) } });
      const first = await t.api("GET", "/api/v1/jobs?name=pager&limit=2");
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toBeTruthy();
      const second = await t.api("GET", `/api/v1/jobs?name=pager&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((j: any) => j.id)).not.toContain(first.body.items[0].id);
      expect(second.body.items[0].id < first.body.items[1].id).toBe(true);
      const labelled = await t.api("GET", "/api/v1/jobs?name=pager&label=run=1");
      expect(labelled.body.items).toHaveLength(2);
      const mine = await t.api("GET", "/api/v1/jobs?user=me&limit=1");
      expect(mine.body.items).toHaveLength(1);
      const bad = await t.api("GET", "/api/v1/jobs?state=sleeping");
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe("query.state");
    });

    it("shows the cluster: nodes, GPUs and the queue", async () => {
      const r = await t.api("GET", "/api/v1/cluster");
      expect(r.status).toBe(200);
      expect(r.body.nodes[0].gpus.map((g: any) => g.model)).toEqual(["RTX 6000 Ada", "RTX 3090"]);
      expect(r.body.nodes[0].cpus).toBe(8);
    });

    it("keeps members to their own jobs", async () => {
      const created = await t.api("POST", "/api/v1/users", { name: `alice${db.name}` });
      expect(created.status).toBe(201);
      const aliceToken = created.body.token;
      const { body: adminJob } = await t.api("POST", "/api/v1/jobs", { command: ["sleep", "5"] });
      const denied = await t.api("POST", `/api/v1/jobs/${adminJob.id}/cancel`, undefined, aliceToken);
      expect(denied.status).toBe(403);
      expect(denied.body.hint).toBeTruthy();
      const notAdmin = await t.api("POST", "/api/v1/users", { name: "bob" }, aliceToken);
      expect(notAdmin.status).toBe(403);
      await t.api("POST", `/api/v1/jobs/${adminJob.id}/cancel`);
    });
  });
}
