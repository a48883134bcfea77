import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { NODE, REPO, startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";

// `plinth … | head -1`: the real CLI writing into a real pipe that `head` closes after one line.
// The outputs are larger than a pipe's buffer (64 KiB), so the CLI is still writing when
// `head` has gone, every time.
const db = testDatabases()[0]!;

/** Runs `plinth args | head -1` and returns what head printed, and the CLI's exit code and stderr. */
function plinthIntoHead(url: string, args: string[]): Promise<{ line: string; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const head = spawn("head", ["-n", "1"], { stdio: ["pipe", "pipe", "inherit"] });
    const cli = spawn(NODE, [join(REPO, "src/main.ts"), ...args], {
      env: { ...process.env, PLINTH_URL: url, PLINTH_TOKEN: TOKEN },
      stdio: ["ignore", head.stdin, "pipe"],
    });
    // Only head may hold the pipe's reading end, and only the CLI its writing end.
    head.stdin.destroy();
    let line = "";
    let stderr = "";
    head.stdout.on("data", (d) => {
      line += d;
    });
    cli.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      cli.kill("SIGKILL");
      reject(new Error(`plinth ${args.join(" ")} | head -1 did not end\nstderr: ${stderr}`));
    }, 20_000);
    cli.on("close", (code) => {
      clearTimeout(timer);
      head.on("close", () => resolve({ line, code, stderr }));
      if (head.exitCode !== null) resolve({ line, code, stderr });
    });
  });
}

describe("plinth output into a pipe that closes early", () => {
  let t: TestPlatform;
  let finished: string;
  beforeAll(async () => {
    t = await startTestPlatform(db, "cli-pipes");
    // About 1.9 MB of output, and a spec of about 200 KB so that `jobs ls --json` is large too.
    const { body } = await t.api("POST", "/api/v1/jobs", { command: ["seq", "1", "300000"], env: { PADDING_A: "x".repeat(100_000), PADDING_B: "x".repeat(100_000) } });
    expect(body.id, JSON.stringify(body)).toMatch(/^job_/);
    finished = body.id;
    await t.waitFor(finished);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("plinth jobs ls | head -1 ends quietly with exit code 0", async () => {
    const r = await plinthIntoHead(t.url, ["jobs", "ls", "--json"]);
    expect(r.line).toBe("{\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("plinth jobs logs ID | head -1 ends quietly with exit code 0", async () => {
    const r = await plinthIntoHead(t.url, ["jobs", "logs", finished]);
    expect(r.line).toBe("1\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("plinth jobs logs -f ID | head -1 ends at once while the job still runs", async () => {
    const { body: job } = await t.api("POST", "/api/v1/jobs", { script: "seq 1 300000; sleep 60" });
    const r = await plinthIntoHead(t.url, ["jobs", "logs", "-f", job.id]);
    expect(r.line).toBe("1\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const { body: after } = await t.api("GET", `/api/v1/jobs/${job.id}`);
    expect(after.state).toBe("running");
    await t.api("POST", `/api/v1/jobs/${job.id}/cancel`);
  });
});
