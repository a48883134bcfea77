// A Plinth job as a Slurm batch job: the sbatch options its resources become, the batch script
// that runs its command, and the file its variables travel in. Nothing of the job's goes on
// sbatch's command line but what `squeue` shows anyway (sizes, limits, its name): its command
// is in the script, and its variables — secrets among them — in a file only its user can read,
// in its state folder on the shared file system, which the script reads on the compute node.

export interface SlurmSettings {
  /** The partition jobs go to; unset: the cluster's default. */
  partition?: string;
  /** The account jobs are charged to; unset: the submitting user's default. */
  account?: string;
  /**
   * How GPUs are asked for: `gres` (`--gres=gpu[:type]:n`, every Slurm) or `gpus`
   * (`--gpus=[type:]n`, Slurm 19.05+ with cons_tres).
   */
  gpuOption: "gres" | "gpus";
  /** How a job with an image runs on the nodes: Apptainer (or Singularity) exec, or pyxis's srun options. */
  containers?: "none" | "apptainer" | "pyxis";
}

export interface SlurmJobPlan {
  jobId: string;
  argv: string[];
  /** The job's whole environment, secrets included: written to `envFile`, never to argv. */
  env: Record<string, string>;
  /** Its folder on the shared file system: the working directory on the compute node. */
  workdir: string;
  /** Its log on the shared file system (stdout and stderr, appended). */
  logPath: string;
  /** Its private folder on the shared file system: the script, the variables, the exit status. */
  stateDir: string;
  cpus: number;
  memoryBytes: number;
  gpus: number;
  /** The GPU type as the cluster's gres names it (e.g. a100), when the job asks for a model. */
  gpuType?: string;
  timeLimitMs: number | null;
  /** Plinth's priority, -100..100. */
  priority: number;
  /** The image it runs in, as the cluster's container support names it (docker://…, a .sif path, an enroot name). */
  image?: string;
}

/** Files in the job's state folder. */
export const SLURM_FILES = { script: "batch.sh", env: "variables.sh", exitStatus: "exit-status", jobId: "slurm-job-id" } as const;

/** The name Plinth's jobs carry on the cluster: squeue shows it, and Plinth finds its jobs by it. */
export function slurmJobName(jobId: string): string {
  return `plinth-${jobId}`;
}

/** sbatch's arguments: the resources, limits and files; the script's path comes last. */
export function sbatchArgs(plan: SlurmJobPlan, settings: SlurmSettings, scriptPath: string): string[] {
  const args = ["--parsable", "--job-name", slurmJobName(plan.jobId), "--chdir", plan.workdir, "--output", plan.logPath, "--open-mode", "append"];
  // The job's variables come from its file. sbatch passes on its own environment, which Plinth
  // keeps to PATH, LANG and HOME (slurm-commands.ts): NONE would make Slurm build a login
  // environment on the node for every job (--get-user-env), seconds each on a busy node.
  args.push("--export", "ALL", "--no-requeue", "--ntasks", "1", "--cpus-per-task", String(Math.max(1, Math.ceil(plan.cpus))));
  if (plan.memoryBytes > 0) args.push("--mem", `${Math.max(1, Math.ceil(plan.memoryBytes / 1024 ** 2))}M`);
  if (plan.gpus > 0) {
    const type = plan.gpuType ? `${plan.gpuType}:` : "";
    args.push(...(settings.gpuOption === "gpus" ? ["--gpus", `${type}${plan.gpus}`] : ["--gres", `gpu:${type}${plan.gpus}`]));
  }
  if (plan.timeLimitMs !== null) args.push("--time", slurmTime(plan.timeLimitMs));
  // Only Slurm's administrators may lower a job's nice below 0: a low priority raises it.
  if (plan.priority < 0) args.push("--nice", String(-plan.priority * 100));
  if (settings.partition) args.push("--partition", settings.partition);
  if (settings.account) args.push("--account", settings.account);
  args.push(scriptPath);
  return args;
}

/** A time limit as sbatch reads it, to the second: "minutes:seconds" (e.g. 90:00 for 1h30m). */
export function slurmTime(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** The batch script: the variables read from their file, the command, its exit status written down. */
export function batchScript(plan: SlurmJobPlan, envPath: string, exitStatusPath: string, containers: SlurmSettings["containers"] = "none"): string {
  return [
    "#!/bin/bash",
    `# Plinth job ${plan.jobId}: its variables, its command, and how it ended, for Plinth to read.`,
    "set -a",
    `. ${shellQuote(envPath)}`,
    "set +a",
    // Read once: the variables (secrets among them) leave the shared file system as the job starts.
    `rm -f ${shellQuote(envPath)}`,
    [...containerPrefix(plan, containers), ...plan.argv].map(shellQuote).join(" "),
    "status=$?",
    `printf '%s\\n' "$status" > ${shellQuote(exitStatusPath)}`,
    'exit "$status"',
    "",
  ].join("\n");
}

/**
 * What runs the command in the job's image: the job's folder is mounted at its own path and is
 * the working directory; the variables sourced above pass into the container (both tools keep
 * the environment unless told not to).
 */
function containerPrefix(plan: SlurmJobPlan, containers: SlurmSettings["containers"]): string[] {
  if (!plan.image) return [];
  if (containers === "apptainer") return ["apptainer", "exec", "--nv", "--bind", plan.workdir, "--pwd", plan.workdir, plan.image];
  if (containers === "pyxis") return ["srun", "--ntasks=1", `--container-image=${plan.image}`, `--container-mounts=${plan.workdir}`, `--container-workdir=${plan.workdir}`];
  throw new Error("this cluster runs no images: its executor's `containers` setting is none");
}

/** NAME=value lines for bash to source, each value quoted so that any text comes through as it is. */
export function variablesFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a variable name`);
      return `${name}=${shellQuote(value)}\n`;
    })
    .join("");
}

/** A word bash reads back exactly: plain when it is safe, else ANSI-C quoted ($'…'). */
export function shellQuote(text: string): string {
  if (text.includes("\0")) throw new Error("a NUL character cannot be passed to a program");
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(text)) return text;
  let out = "$'";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === "'") out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}'`;
}
