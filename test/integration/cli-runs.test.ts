import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// `plinth runs ls | show | compare` against a real server, with runs made as MLflow's client
// makes them and one made by a job.

describe("plinth runs", () => {
  let t: TestPlatform;
  let ada = "";
  const ids: Record<string, string> = {};
  const cli = (args: string[]) => runCli(["runs", ...args], { url: t.url, token: ada, timeoutMs: 60_000 });

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "cli-runs");
    expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
    ada = (await t.api("POST", "/api/v1/users", { name: "ada", team: "vision", teamRole: "member" })).body.token;
    const mlflow = async (path: string, body: unknown) =>
      (await (await fetch(`${t.url}/api/2.0/mlflow${path}`, { method: "POST", headers: { authorization: `Bearer ${ada}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as any;
    const experiment = (await mlflow("/experiments/create", { name: "mnist" })).experiment_id;
    for (const [name, lr, acc] of [
      ["small", "0.1", 0.81],
      ["medium", "0.01", 0.93],
    ] as const) {
      ids[name] = (await mlflow("/runs/create", { experiment_id: experiment, run_name: name })).run.info.run_id;
      await mlflow("/runs/log-batch", { run_id: ids[name], params: [{ key: "lr", value: lr }, { key: "seed", value: "1" }], metrics: [{ key: "acc", value: acc, timestamp: 1, step: 3 }] });
    }
    const job = (await t.api("POST", "/api/v1/jobs", { command: ["true"], name: "from-a-job" }, ada)).body.id as string;
    expect((await t.waitFor(job)).state).toBe("succeeded");
    ids.job = job;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("lists runs, sorted and filtered with MLflow's language", async () => {
    const all = await cli(["ls", "--experiment", "mnist", "--sort", "-metrics.acc"]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^RUN\s+NAME\s+STATUS\s+STARTED\s+TOOK\s+ACC$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(["medium", "small"]);
    expect(lines[1]).toContain("0.93");
    const filtered = await cli(["ls", "--filter", "params.lr = '0.1'", "--json"]);
    expect(JSON.parse(filtered.stdout).items.map((r: { name: string }) => r.name)).toEqual(["small"]);
    // Every job is a run: the job's appears without any set-up.
    const everything = JSON.parse((await cli(["ls", "--json"])).stdout).items as Array<{ name: string; jobId: string | null; status: string }>;
    expect(everything.find((r) => r.jobId === ids.job)).toMatchObject({ name: "from-a-job", status: "FINISHED" });
    const bad = await cli(["ls", "--filter", "metrics.acc >> 1"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("Invalid comparator");
  });

  it("shows a run by a short id, and compares runs marking what differs", async () => {
    const shown = await cli(["show", ids.medium!.slice(0, 10)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Run ${ids.medium} (medium)`);
    expect(shown.stdout).toMatch(/experiment\s+mnist \(\d+\), team vision/);
    expect(shown.stdout).toMatch(/lr\s+0\.01/);
    expect(shown.stdout).toMatch(/acc\s+0\.93\s+\(step 3\)/);

    const compared = await cli(["compare", ids.small!, ids.medium!]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/\*\s+params\.lr\s+0\.1\s+0\.01/);
    expect(compared.stdout).toMatch(/\*\s+metrics\.acc\s+0\.81\s+0\.93/);
    expect(compared.stdout).not.toContain("params.seed"); // the same in both
    expect((await cli(["compare", ids.small!, ids.medium!, "--all"])).stdout).toMatch(/params\.seed\s+1\s+1/);
    const one = await cli(["compare", ids.small!]);
    expect(one.code).not.toBe(0);
    expect(one.stderr).toContain("at least two runs");
  });
});
