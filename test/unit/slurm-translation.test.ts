import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { batchScript, sbatchArgs, shellQuote, type SlurmJobPlan, slurmTime, variablesFile } from "../../src/jobs/executors/slurm/batch-script.ts";
import { nodeUsable, parseGres, parseSinfo } from "../../src/jobs/executors/slurm/inventory.ts";
import { phaseOf, waitingWords } from "../../src/jobs/executors/slurm/states.ts";

// How a Plinth job becomes a Slurm batch job and how Slurm's answers are read back. The batch
// script and its variables file are run by the real bash here (the cluster's tests run them
// through sbatch), so quoting is checked by the shell that will read it.

const plan: SlurmJobPlan = {
  jobId: "job-1",
  argv: ["python", "train.py", "--name", "it's a \"test\" $HOME `id`", "line\nbreak"],
  env: { PLINTH_JOB_ID: "job-1", WANDB_API_KEY: "s3cr3t value; rm -rf /", MULTI: "a\nb\tc" },
  workdir: "/shared/plinth/runs/job-1/work",
  logPath: "/shared/plinth/runs/job-1/output.log",
  stateDir: "/shared/plinth/state/job-1",
  cpus: 1.5,
  memoryBytes: 3 * 1024 ** 3 + 1,
  gpus: 2,
  gpuType: "a100",
  timeLimitMs: 90 * 60_000 + 1,
  priority: -20,
};

describe("a job as a Slurm batch job", () => {
  it("asks sbatch for its resources and limits, and puts nothing of its variables or command on the command line", () => {
    const args = sbatchArgs(plan, { gpuOption: "gres", partition: "gpu", account: "lab" }, "/shared/plinth/state/job-1/batch.sh");
    const joined = args.join(" ");
    expect(joined).toContain("--job-name plinth-job-1");
    expect(joined).toContain("--export ALL");
    expect(joined).toContain("--cpus-per-task 2");
    expect(joined).toContain(`--mem ${3 * 1024 + 1}M`);
    expect(joined).toContain("--gres gpu:a100:2");
    expect(joined).toContain("--time 90:01");
    expect(joined).toContain("--nice 2000");
    expect(joined).toContain("--partition gpu --account lab");
    expect(args.at(-1)).toBe("/shared/plinth/state/job-1/batch.sh");
    expect(joined).not.toContain("s3cr3t");
    expect(joined).not.toContain("train.py");
    expect(sbatchArgs({ ...plan, gpuType: undefined, priority: 10, timeLimitMs: null }, { gpuOption: "gpus" }, "s").join(" ")).toMatch(/--gpus 2(?!.*--nice)(?!.*--time)/);
  });

  it("writes time limits to the second, and runs an image through the cluster's container support", () => {
    expect(slurmTime(30_000)).toBe("0:30");
    expect(slurmTime(2 * 3600_000)).toBe("120:00");
    const inImage = { ...plan, image: "docker://ghcr.io/lab/torch:2.4" };
    const apptainer = batchScript(inImage, "/s/v.sh", "/s/exit", "apptainer");
    expect(apptainer).toContain(`apptainer exec --nv --bind ${plan.workdir} --pwd ${plan.workdir} docker://ghcr.io/lab/torch:2.4 python train.py`);
    const pyxis = batchScript(inImage, "/s/v.sh", "/s/exit", "pyxis");
    expect(pyxis).toContain(`srun --ntasks=1 --container-image=docker://ghcr.io/lab/torch:2.4 --container-mounts=${plan.workdir} --container-workdir=${plan.workdir} python train.py`);
    expect(() => batchScript(inImage, "/s/v.sh", "/s/exit", "none")).toThrow(/runs no images/);
    // Without an image the command runs as it is, whatever the setting.
    expect(batchScript(plan, "/s/v.sh", "/s/exit", "apptainer")).not.toContain("apptainer");
  });

  it("runs the command with its variables exactly as given, and writes down its exit status (real bash)", () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-slurm-script-"));
    try {
      const printer = join(dir, "python");
      writeFileSync(printer, '#!/bin/bash\nfor a in "$@"; do printf "<%s>\\n" "$a"; done\nprintf "key=<%s> multi=<%s> job=<%s>\\n" "$WANDB_API_KEY" "$MULTI" "$PLINTH_JOB_ID"\nexit 3\n');
      chmodSync(printer, 0o755);
      const envPath = join(dir, "variables.sh");
      const statusPath = join(dir, "exit-status");
      writeFileSync(envPath, variablesFile({ ...plan.env, PATH: `${dir}:/usr/bin:/bin` }), { mode: 0o600 });
      writeFileSync(join(dir, "batch.sh"), batchScript(plan, envPath, statusPath));
      const r = spawnSync("/bin/bash", [join(dir, "batch.sh")], { encoding: "utf8", env: {} });
      expect(r.status).toBe(3);
      expect(r.stdout).toBe(
        ["<train.py>", "<--name>", "<it's a \"test\" $HOME `id`>", "<line\nbreak>", `key=<${plan.env.WANDB_API_KEY}> multi=<a\nb\tc> job=<job-1>`, ""].join("\n"),
      );
      expect(readFileSync(statusPath, "utf8")).toBe("3\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("quotes for bash only what needs it, and refuses NUL and bad names", () => {
    expect(shellQuote("train.py")).toBe("train.py");
    expect(shellQuote("a b")).toBe("$'a b'");
    expect(shellQuote("it's")).toBe("$'it\\'s'");
    expect(shellQuote("")).toBe("$''");
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
    expect(() => variablesFile({ "BAD-NAME": "x" })).toThrow(/not a variable name/);
  });
});

describe("what Slurm says, in Plinth's words", () => {
  it("maps job states to Plinth's lifecycle and failure reasons", () => {
    expect(phaseOf({ state: "RUNNING", reason: "None" })).toEqual({ phase: "running" });
    expect(phaseOf({ state: "COMPLETING", reason: "None" })).toEqual({ phase: "running" });
    expect(phaseOf({ state: "COMPLETED", reason: "None", exitCode: "0:0" })).toEqual({ phase: "ended", outcome: "succeeded" });
    expect(phaseOf({ state: "FAILED", reason: "NonZeroExitCode", exitCode: "2:0" })).toMatchObject({ outcome: "failed", reason: "nonzero_exit", message: "Exited with code 2." });
    expect(phaseOf({ state: "FAILED", reason: "None", exitCode: "0:9" })).toMatchObject({ reason: "signal" });
    expect(phaseOf({ state: "TIMEOUT", reason: "TimeLimit", exitCode: "0:15" })).toMatchObject({ reason: "time_limit" });
    expect(phaseOf({ state: "OUT_OF_MEMORY", reason: "OutOfMemory", exitCode: "0:125" })).toMatchObject({ reason: "out_of_memory" });
    expect(phaseOf({ state: "CANCELLED+", reason: "None" })).toMatchObject({ reason: "cancelled" });
    expect(phaseOf({ state: "NODE_FAIL", reason: "NodeDown" })).toMatchObject({ reason: "lost" });
    expect(phaseOf({ state: "PREEMPTED", reason: "None" })).toMatchObject({ reason: "lost" });
    expect(phaseOf({ state: "PENDING", reason: "Resources", partition: "gpu", gpus: 2 })).toEqual({ phase: "waiting", why: "waiting for 2 GPUs on partition gpu" });
  });

  it("says why a job waits in plain words", () => {
    expect(waitingWords({ reason: "Priority", partition: "main" })).toBe("waiting behind jobs of higher priority on partition main");
    expect(waitingWords({ reason: "(ReqNodeNotAvail, UnavailableNodes:n1)" })).toContain("down, drained or reserved");
    expect(waitingWords({ reason: "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions", partition: "gpu" })).toBe("waiting: the nodes it needs are down, drained or reserved on partition gpu");
    expect(waitingWords({ reason: "QOSMaxGRESPerUser" })).toContain("GPU limit");
    expect(waitingWords({ reason: "AssocMaxJobsLimit" })).toContain("running jobs");
    expect(waitingWords({ reason: "SomethingNew" })).toBe("waiting (SomethingNew)");
  });
});

describe("a Slurm cluster's nodes", () => {
  it("reads sinfo's nodes, partitions, GPUs by type and state", () => {
    const nodes = parseSinfo(["n1|main*|64|515000|gpu:a100:4(S:0-1)|mixed", "n1|gpu|64|515000|gpu:a100:4(S:0-1)|mixed", "n2|main*|32|250000|(null)|drained*", ""].join("\n"));
    expect(nodes).toEqual([
      { name: "n1", partitions: ["main", "gpu"], defaultPartition: "main", cpus: 64, memoryBytes: 515000 * 1024 ** 2, gpus: [{ type: "a100", count: 4 }], state: "mixed" },
      { name: "n2", partitions: ["main"], defaultPartition: "main", cpus: 32, memoryBytes: 250000 * 1024 ** 2, gpus: [], state: "drained" },
    ]);
    expect(nodes.map(nodeUsable)).toEqual([true, false]);
    expect(parseGres("gpu:2")).toEqual([{ type: "", count: 2 }]);
    expect(parseGres("gpu:a100:2(S:0),gpu:t4:1,shard:8")).toEqual([
      { type: "a100", count: 2 },
      { type: "t4", count: 1 },
    ]);
  });
});
