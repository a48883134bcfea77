import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { describeWithSlurm, slurmCommand, type TestSlurm } from "../helpers/slurm.ts";

// The one-node Slurm cluster that the Slurm executor's tests run against
// (scripts/start-slurm.sh), checked on its own through its command wrappers: its node has two
// GPUs in both partitions, a job asking for a GPU runs and is given one, and a cancelled job
// stays known to `scontrol show job` as CANCELLED.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The job's id from `sbatch --parsable` ("id" or "id;cluster"). */
const sbatch = (slurm: TestSlurm, args: string[]) => slurmCommand(slurm, "sbatch", ["--parsable", ...args]).trim().split(";")[0]!;

/** A field of `scontrol show job`, e.g. JobState. */
const jobField = (slurm: TestSlurm, id: string, field: string) => slurmCommand(slurm, "scontrol", ["show", "job", "-o", id]).match(new RegExp(`\\b${field}=(\\S*)`))?.[1];

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

describeWithSlurm("the Slurm test cluster", ({ slurm, test }) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plinth-slurm-cluster-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("has one node with two GPUs, in the default partition main and in gpu", () => {
    const lines = slurmCommand(slurm, "sinfo", ["-N", "-h", "-o", "%N %P %G %T"]).trim().split("\n");
    const partitions = lines.map((line) => line.split(" ")[1]).sort();
    expect(partitions).toEqual(["gpu", "main*"]);
    for (const line of lines) expect(line.split(" ")[2]).toBe("gpu:2");
    expect(new Set(lines.map((line) => line.split(" ")[0])).size).toBe(1);
  });

  test("runs a job that asks for a GPU and gives it one", async () => {
    const output = join(dir, "gpu.out");
    const id = sbatch(slurm, ["--gres=gpu:1", "-c", "1", "--mem=64M", "-D", dir, "-o", output, "--wrap", 'echo "gpus=$CUDA_VISIBLE_DEVICES job_gpus=$SLURM_JOB_GPUS"']);
    expect(id).toMatch(/^\d+$/);
    await until(`job ${id} leaves squeue`, () => slurmCommand(slurm, "squeue", ["-h", "-j", id, "-o", "%T"]).trim() === "");
    expect(jobField(slurm, id, "JobState")).toBe("COMPLETED");
    expect(jobField(slurm, id, "ExitCode")).toBe("0:0");
    expect(readFileSync(output, "utf8").trim()).toMatch(/^gpus=[01] job_gpus=[01]$/);
  });

  test("shows a cancelled job as CANCELLED in scontrol show job", async () => {
    const id = sbatch(slurm, ["-p", "gpu", "-c", "1", "--mem=64M", "-D", dir, "-o", "/dev/null", "--wrap", "sleep 600"]);
    await until(`job ${id} runs`, () => jobField(slurm, id, "JobState") === "RUNNING");
    slurmCommand(slurm, "scancel", [id]);
    await until(`job ${id} is CANCELLED`, () => jobField(slurm, id, "JobState") === "CANCELLED");
    expect(jobField(slurm, id, "Partition")).toBe("gpu");
  });
});
