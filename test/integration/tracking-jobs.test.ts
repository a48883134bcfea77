import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Every job is a run: a real job process finds MLflow's variables in its environment, logs to
// its own run through the REST API with the token it was given, and the job's end sets the
// run's status and revokes the token.

// What MLflow's client does for mlflow.log_metric inside a job, in plain Python: no set-up.
const LOG_FROM_JOB = `
import json, os, urllib.request
env = {k: os.environ[k] for k in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID", "MLFLOW_TRACKING_TOKEN")}
def call(path, body):
    req = urllib.request.Request(env["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow" + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": "Bearer " + env["MLFLOW_TRACKING_TOKEN"], "Content-Type": "application/json"})
    return urllib.request.urlopen(req).read()
call("/runs/log-metric", {"run_id": env["MLFLOW_RUN_ID"], "key": "accuracy", "value": 0.93, "timestamp": 1, "step": 1})
call("/runs/log-parameter", {"run_id": env["MLFLOW_RUN_ID"], "key": "epochs", "value": "3"})
open("token.txt", "w").write(env["MLFLOW_TRACKING_TOKEN"])
print("token", env["MLFLOW_TRACKING_TOKEN"])
print("logged to", env["MLFLOW_RUN_ID"], "in", env["MLFLOW_EXPERIMENT_ID"])
`;

/** Reads until `done` holds (5 s at most), and answers the last reading. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 50 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

for (const db of testDatabases()) {
  describe(`jobs as tracked runs (${db.name})`, () => {
    let t: TestPlatform;
    let alice = "";
    const get = async (path: string, token = alice) => {
      const res = await fetch(`${t.url}/api/2.0/mlflow${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, json: (await res.json()) as any };
    };

    beforeAll(async () => {
      t = await startTestPlatform(db, "tracking-jobs");
      expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
      alice = (await t.api("POST", "/api/v1/users", { name: "alice", team: "vision", teamRole: "member" })).body.token;
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it("gives a job its run, which it logs to with no set-up; the job's end finishes the run and revokes the token", async () => {
      const job = (await t.api("POST", "/api/v1/jobs", { command: ["python3", "-c", LOG_FROM_JOB], name: "train-iris", env: { MLFLOW_EXPERIMENT_NAME: "iris" } }, alice)).body;
      const done = await t.waitFor(job.id);
      expect(done.state).toBe("succeeded");
      const log = (await t.api("GET", `/api/v1/jobs/${job.id}/logs`, undefined, alice)).body as string;
      const [, runId, experimentId] = /logged to ([0-9a-f]{32}) in (\d+)/.exec(String(log)) ?? [];
      expect(runId).toBeDefined();
      // The token the job printed is shown masked, to its owner and whoever else reads the log.
      expect(String(log)).toMatch(/^token \*{47}$/m);
      expect(String(log)).not.toContain("plt_");

      // The run's end is written just after the job's, as the job's end is heard.
      const run = await until(async () => (await get(`/runs/get?run_id=${runId}`)).json.run, (r) => r.info.status !== "RUNNING");
      expect(run.info).toMatchObject({ run_name: "train-iris", experiment_id: experimentId, user_id: "alice", status: "FINISHED" });
      expect(run.info.end_time).toBeGreaterThanOrEqual(run.info.start_time);
      expect(run.data.metrics).toMatchObject([{ key: "accuracy", value: 0.93, step: 1 }]);
      expect(run.data.params).toEqual([{ key: "epochs", value: "3" }]);
      const tags = Object.fromEntries((run.data.tags as Array<{ key: string; value: string }>).map((x) => [x.key, x.value]));
      expect(tags).toMatchObject({ "plinth.job": job.id, "mlflow.source.type": "JOB" });
      expect((await get(`/experiments/get?experiment_id=${experimentId}`)).json.experiment.name).toBe("iris");

      // The job's token tracked only while the job ran: it is refused now, and listed as revoked.
      const tokenOf = async () => ((await t.api("GET", "/api/v1/tokens", undefined, alice)).body.items as Array<{ name: string; scopes: string[]; revokedAt: string | null }>).find((x) => x.name === `tracking for job ${job.id}`);
      const jobToken = await until(tokenOf, (x) => x?.revokedAt !== null);
      expect(jobToken).toMatchObject({ scopes: ["tracking"] });
      expect(jobToken!.revokedAt).not.toBeNull();
    });

    it("marks the run of a failed job FAILED and of a cancelled one KILLED", async () => {
      const failing = (await t.api("POST", "/api/v1/jobs", { command: ["sh", "-c", "echo $MLFLOW_RUN_ID; exit 3"], name: "breaks" }, alice)).body;
      expect((await t.waitFor(failing.id)).state).toBe("failed");
      const sleeping = (await t.api("POST", "/api/v1/jobs", { command: ["sh", "-c", "echo $MLFLOW_RUN_ID; sleep 60"], name: "stopped" }, alice)).body;
      await t.waitFor(sleeping.id, ["running"]);
      // The run exists once the job has started.
      for (let i = 0; i < 50 && !String((await t.api("GET", `/api/v1/jobs/${sleeping.id}/logs`, undefined, alice)).body).trim(); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await t.api("POST", `/api/v1/jobs/${sleeping.id}/cancel`, undefined, alice)).status).toBeLessThan(300);
      expect((await t.waitFor(sleeping.id)).state).toBe("cancelled");
      for (const [job, status] of [
        [failing, "FAILED"],
        [sleeping, "KILLED"],
      ] as const) {
        const runId = String((await t.api("GET", `/api/v1/jobs/${job.id}/logs`, undefined, alice)).body).trim().split("\n")[0];
        const info = await until(async () => (await get(`/runs/get?run_id=${runId}`)).json.run.info, (x) => x.status !== "RUNNING");
        expect(info.status).toBe(status);
      }
    });
  });
}
