import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Quotas on a real server with pretend GPUs, on each database: a team's GPU quota holds its
// job with words that say which quota and when it frees, another team's job starts meanwhile,
// and the held job starts once a GPU of the team frees; a GPU-hours quota counts jobs that
// ran; the per-person limit from config explains itself the same way; only Keepers change
// quotas, and each person sees their own and their teams'.

/** A job that holds its GPUs (and a quarter of a CPU) until the test writes `stop` into its directory. */
const untilStopped = (name: string, gpus = 0) => ({ name, script: "while [ ! -e stop ]; do sleep 0.05; done", resources: { gpus, cpus: 0.25 } });

for (const db of testDatabases()) {
  describe(`quotas (${db.name})`, () => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};
    const as = (who: string, method: string, path: string, body?: unknown) => t.api(method, path, body, tokens[who]);
    const stop = (jobId: string) => writeFileSync(join(t.dataDir, "runs", jobId, "work", "stop"), "");
    const submit = async (who: string, spec: Record<string, unknown>) => {
      const r = await as(who, "POST", "/api/v1/jobs", spec);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    /** The job once `check` holds for it (the scheduler works on its own time). */
    const until = async (jobId: string, check: (job: any) => boolean, timeoutMs = 20_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const job = (await t.api("GET", `/api/v1/jobs/${jobId}`)).body;
        if (check(job)) return job;
        if (Date.now() > end) throw new Error(`job ${jobId} never got there: ${JSON.stringify({ state: job.state, queue: job.queue, heldBy: job.heldBy })}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    beforeAll(async () => {
      t = await startTestPlatform(db, "quotas", { fakeGpus: 4, extra: { scheduler: { maxRunningJobsPerUser: 3 } } });
      for (const team of ["vision", "nlp", "audio"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      for (const [name, team] of [
        ["ana", "vision"],
        ["ben", "vision"],
        ["cem", "nlp"],
        ["dan", "audio"],
      ]) {
        const r = await t.api("POST", "/api/v1/users", { name, team });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        tokens[name] = r.body.token;
      }
    }, 60_000);
    afterAll(() => t?.close());

    it("holds a job over its team's GPU quota with which quota and when, runs another team's job meanwhile, and starts it when a GPU frees", async () => {
      const set = await runCli(["quotas", "set", "--team", "vision", "--gpus", "2"], { url: t.url });
      expect(set.stderr).toBe("");
      expect(set.stdout).toBe("team vision: 2 GPUs at once\n");

      const big = await submit("ana", { ...untilStopped("big", 2), estimate: "20m" });
      await t.waitFor(big, ["running"]);
      const next = await submit("ben", { ...untilStopped("next", 1), visibility: "public" });
      const held = await until(next, (j) => j.heldBy !== null);
      expect(held.state).toBe("queued");
      expect(held.heldBy).toMatchObject({ quota: "gpus", scope: { kind: "team", name: "vision" }, used: 2, limit: 2 });
      // Expected to free when the 20-minute job ends.
      const bigStarted = Date.parse((await t.api("GET", `/api/v1/jobs/${big}`)).body.startedAt);
      expect(Math.abs(Date.parse(held.heldBy.freesAt) - (bigStarted + 20 * 60_000))).toBeLessThan(5_000);
      expect(held.heldBy.message).toMatch(/^held by team vision's GPU quota \(2 of 2 GPUs in use\); frees when one of its jobs ends — the earliest expected at \d\d:\d\d \(in (19|20)m\)$/);

      // Someone outside the team may see the public job, but not the team's usage in it.
      const outside = (await as("cem", "GET", `/api/v1/jobs/${next}`)).body;
      expect(outside.state).toBe("queued");
      expect(outside.heldBy).toBeNull();

      // Another team's job takes a free GPU at once.
      const other = await submit("cem", untilStopped("other", 1));
      await t.waitFor(other, ["running"]);
      expect((await t.api("GET", `/api/v1/jobs/${next}`)).body.state).toBe("queued");

      // The CLI says the same.
      const show = await runCli(["jobs", "show", next], { url: t.url, token: tokens.ben });
      expect(show.stdout).toContain("waiting:   held by team vision's GPU quota (2 of 2 GPUs in use)");
      const ls = await runCli(["jobs", "ls", "--state", "queued"], { url: t.url, token: tokens.ben });
      expect(ls.stdout).toMatch(new RegExp(`${next}\\s+next\\s+queued #1 .*held: team vision GPUs 2/2`));

      // What each person sees of the quotas: their own and their teams'; a Keeper every team.
      const mine = (await as("ben", "GET", "/api/v1/quotas")).body.items;
      expect(mine.map((q: any) => `${q.scope} ${q.name}`).sort()).toEqual(["team vision", "user ben"]);
      expect(mine.find((q: any) => q.scope === "team")).toMatchObject({ set: true, limits: { gpus: 2, runningJobs: null, gpuHoursPerWeek: null }, usage: { gpus: 2, runningJobs: 1 }, heldJobs: 1 });
      expect(mine.find((q: any) => q.scope === "user")).toMatchObject({ set: false, limits: { runningJobs: 3 }, defaults: ["runningJobs"], usage: { gpus: 0, runningJobs: 0 } });
      const all = (await t.api("GET", "/api/v1/quotas")).body.items.map((q: any) => `${q.scope} ${q.name}`);
      expect(all).toEqual(expect.arrayContaining(["team vision", "team nlp", "team default", "user admin"]));
      expect((await as("cem", "GET", "/api/v1/quotas/team/vision")).status).toBe(404);
      const cli = await runCli(["quotas", "ls"], { url: t.url, token: tokens.ben });
      expect(cli.stdout).toMatch(/team vision\s+2 of 2\s+1 \(no limit\)\s+\S+ \(no limit\)\s+0 B \(no limit\)\s+1/);

      // A GPU of the team frees: the held job starts.
      stop(big);
      await t.waitFor(big, ["succeeded"]);
      const startedNext = await t.waitFor(next, ["running"]);
      expect(startedNext.heldBy).toBeNull();
      stop(next);
      stop(other);
      await Promise.all([t.waitFor(next), t.waitFor(other)]);
    }, 60_000);

    it("lets only Keepers change quotas, and refuses a job no quota would ever let run", async () => {
      const refused = await as("ana", "PUT", "/api/v1/quotas/team/vision", { gpus: 4 });
      expect(refused.status).toBe(403);
      const cli = await runCli(["quotas", "set", "--team", "vision", "--gpus", "4"], { url: t.url, token: tokens.ana });
      expect(cli.code).toBe(2);
      expect(cli.stderr).toMatch(/admins/);
      const tooBig = await as("ana", "POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: 3 } });
      expect(tooBig.status).toBe(422);
      expect(tooBig.body.detail).toBe("asks for 3 GPUs but team vision may hold at most 2 at once (a GPU quota)");
      expect(tooBig.body.hint).toMatch(/plinth quotas set/);
      const bad = await runCli(["quotas", "set", "--team", "vision", "--gpus", "two"], { url: t.url });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--gpus takes a whole number of 0 or more, or 'none'/);
      expect((await runCli(["quotas", "rm", "--team", "vision"], { url: t.url })).stdout).toBe("removed the quota of team vision\n");
      expect((await t.api("DELETE", "/api/v1/quotas/team/vision")).status).toBe(404);
      const audit = (await t.api("GET", "/api/v1/audit?action=quota.set")).body;
      expect(JSON.stringify(audit)).toContain("quota.set");

      // A person's own quota goes when a Keeper removes them.
      const tmp = await t.api("POST", "/api/v1/users", { name: "tmp", team: "nlp" });
      expect((await t.api("PUT", "/api/v1/quotas/user/tmp", { gpus: 1 })).status).toBe(200);
      const removed = await t.api("DELETE", "/api/v1/users/tmp");
      expect(removed.body.done).toContain("quota removed");
      const left = (await t.api("GET", "/api/v1/quotas")).body.items.map((q: any) => q.id);
      expect(left).not.toContain(tmp.body.user.id);
    }, 60_000);

    it("holds a team's GPU jobs once it used up its GPU-hours, counting jobs that ran, until usage leaves the 7 days", async () => {
      // A team that has not run anything yet. 0.002 GPU-hours is 7 GPU-seconds; 4 GPUs for 2.5 seconds use 10.
      await runCli(["quotas", "set", "--team", "audio", "--gpu-hours-per-week", "0.002"], { url: t.url });
      const burn = await submit("dan", { command: ["sleep", "2.5"], resources: { gpus: 4 } });
      const done = await t.waitFor(burn);
      expect(done.state).toBe("succeeded");
      const gpuJob = await submit("dan", { command: ["true"], name: "after", resources: { gpus: 1 } });
      const cpuJob = await submit("dan", { command: ["true"], name: "cpu" });
      expect((await t.waitFor(cpuJob)).state).toBe("succeeded");
      const held = await until(gpuJob, (j) => j.heldBy !== null);
      expect(held.state).toBe("queued");
      expect(held.heldBy).toMatchObject({ quota: "gpuHours", scope: { kind: "team", name: "audio" }, limit: 0.00194 });
      expect(held.heldBy.used).toBeGreaterThanOrEqual(0.0025);
      // The oldest usage leaves the window 7 days after the job started.
      const leaves = Date.parse(done.startedAt) + 7 * 86_400_000;
      expect(Date.parse(held.heldBy.freesAt)).toBeGreaterThan(leaves);
      expect(Date.parse(held.heldBy.freesAt)).toBeLessThan(leaves + 5_000);
      expect(held.heldBy.message).toMatch(/^held by team audio's GPU-hours quota: team audio used 0\.00\d+ of 0\.00194 GPU-hours in the last 7 days; frees at \w{3} \d\d:\d\d \(in 16[78]h\d*m?\) as older usage leaves the 7-day window$/);
      const usage = (await as("dan", "GET", "/api/v1/quotas/team/audio")).body;
      expect(usage.usage.gpuHoursPerWeek).toBeGreaterThanOrEqual(0.0025);
      expect(usage.heldJobs).toBe(1);
      // Raising the quota lets it start at once.
      const lifted = await runCli(["quotas", "set", "--team", "audio", "--gpu-hours-per-week", "none"], { url: t.url });
      expect(lifted.stdout + lifted.stderr).toBe("team audio: no limits\n");
      expect((await until(gpuJob, (j) => j.state !== "queued")).heldBy).toBeNull();
      expect((await t.waitFor(gpuJob)).state).toBe("succeeded");
    }, 60_000);

    it("explains a job held by the per-person limit from config through the same field", async () => {
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push(await submit("ana", untilStopped(`slot-${i}`)));
      for (const id of ids.slice(0, 3)) await t.waitFor(id, ["running"]);
      const fourth = await until(ids[3]!, (j) => j.heldBy !== null);
      expect(fourth.heldBy).toMatchObject({ quota: "runningJobs", scope: { kind: "user", name: null }, used: 3, limit: 3 });
      expect(fourth.heldBy.message).toMatch(/^held by the per-person running-jobs limit \(3 of 3 jobs running\); frees when one of the owner's jobs ends — the earliest expected at/);
      stop(ids[0]!);
      await t.waitFor(ids[3]!, ["running"]);
      for (const id of ids.slice(1)) stop(id);
      for (const id of ids) await t.waitFor(id);
    }, 60_000);
  });
}
