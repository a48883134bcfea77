import type { Command } from "commander";
import type { JobView } from "../jobs/view.ts";
import { ApiClient, CliError } from "./client.ts";
import { describeEnd, exitCodeOf, followJob } from "./follow.ts";
import { printJson } from "./output.ts";

interface RunFlags {
  file?: string;
  name?: string;
  gpus?: string;
  cpus?: string;
  memory?: string;
  gpuModel?: string;
  gpuMemory?: string;
  timeout?: string;
  priority?: string;
  team?: string;
  executor?: string;
  visibility?: string;
  estimate?: string;
  retries?: string;
  env: string[];
  secret: string[];
  label: string[];
  input: string[];
  output: string[];
  python?: string;
  environment?: string;
  image?: string;
  requirements?: string;
  package: string[];
  code: boolean;
  detach?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function registerRun(program: Command, exit: (code: number) => void): void {
  program
    .command("run")
    .description("Run a command as a job: uploads this directory as its code, queues it, streams its output, exits with its exit code")
    .argument("[command...]", "the program and its arguments, after --")
    .option("-f, --file <plinth.yaml>", "read the job spec from a YAML or JSON file (flags override it)")
    .option("--name <name>", "job name (runs with the same name share run-time estimates)")
    .option("--gpus <n>", "number of GPUs")
    .option("--cpus <n>", "CPU cores")
    .option("--memory <size>", "memory, e.g. 8G")
    .option("--gpu-model <pattern>", "GPU model pattern, e.g. '*3090*'")
    .option("--gpu-memory <size>", "minimum GPU memory, e.g. 24G")
    .option("--timeout <duration>", "stop after this long, e.g. 2h")
    .option("--priority <n>", "-100..100, higher runs sooner")
    .option("--team <team>", "the team the job belongs to (default: your primary team)")
    .option("--executor <name>", "where to run it: local, or a cluster the server names (`plinth cluster` lists them); default: the server's routing rules choose")
    .option("--visibility <who>", "who may see the job and its log: private, team (default) or public")
    .option("--estimate <duration>", "expected run time; short jobs start sooner")
    .option("--retries <n>", "retry this many times if the job is lost")
    .option("-e, --env <KEY=VALUE>", "environment variable (repeatable); whoever may see the job sees it", collect, [])
    .option("-s, --secret <NAME>", "give the job this secret as the variable NAME (repeatable; see `plinth secrets`)", collect, [])
    .option("-l, --label <key=value>", "label (repeatable)", collect, [])
    .option("-i, --input <NAME=DATASET>", "a dataset the job reads, e.g. train=iris@v2 (repeatable); the job finds it in $PLINTH_INPUT_<NAME>", collect, [])
    .option("-o, --output <NAME=FOLDER>", "a folder saved as a new version of dataset NAME when the job succeeds, e.g. model=out/ (repeatable); $PLINTH_OUTPUT_<NAME>", collect, [])
    .option("--environment <name[@version]>", "run in a named environment of the job's team, e.g. pytorch or pytorch@3 (`plinth env named ls` lists them)")
    .option("--image <name>", "run in this container image on the server, e.g. one `plinth env build --containerfile` printed (`plinth env ls` lists them)")
    .option("--python <version>", 'the Python the job runs with: a version such as 3.11, or the path of an interpreter')
    .option("--requirements <file>", "build the job a Python environment from this requirements file (in the uploaded folder)")
    .option("--package <requirement>", "build the job a Python environment with this package, e.g. 'numpy==2.1.*' (repeatable)", collect, [])
    .option("--no-code", "do not upload the current directory")
    .option("-d, --detach", "submit and return at once; prints the job id")
    .option("--json", "with --detach: print the job as JSON")
    .option("-q, --quiet", "only the job's own output")
    .addHelpText(
      "after",
      `
Examples:
  plinth run -- python train.py --epochs 10
  plinth run --gpus 1 --memory 16G --timeout 2h -- python train.py
  plinth run --input train=iris@v2 --output model=out/ -- python train.py
  plinth run --requirements requirements.txt -- python train.py
  plinth run --environment pytorch -- python train.py
  plinth run --image localhost/plinth-env:3f2a9c1d0b7e -- Rscript analysis.R
  plinth run -f plinth.yaml
  plinth run --detach --json -- ./sweep.sh`,
    )
    .action(async (command: string[], flags: RunFlags) => {
      const spec = await buildSpec(command, flags);
      const client = ApiClient.fromEnvironment();
      if (flags.code) {
        const { uploadCode } = await import("./code-upload.ts");
        const up = await uploadCode(client, process.cwd());
        spec.code = { bundle: up.bundle };
        if (!flags.quiet && !flags.json) {
          process.stderr.write(`code: ${up.files} file${up.files === 1 ? "" : "s"}${up.uploaded ? `, ${up.uploaded} uploaded (${Math.round(up.uploadedBytes / 1024)} KiB)` : ", unchanged"}\n`);
        }
      }
      const job = await client.request<JobView>("POST", "/api/v1/jobs", spec);
      if (flags.detach) {
        if (flags.json) printJson(job);
        else process.stdout.write(`${job.id}\n`);
        return;
      }
      if (!flags.quiet) process.stderr.write(`submitted ${job.id} (${job.name})\n`);
      let cancelling = false;
      const onSigint = () => {
        if (cancelling) process.exit(130);
        cancelling = true;
        process.stderr.write(`\ncancelling ${job.id}… (Ctrl-C again to leave it running)\n`);
        void client.request("POST", `/api/v1/jobs/${job.id}/cancel`).catch(() => undefined);
      };
      process.on("SIGINT", onSigint);
      const final = await followJob(client, job.id, { quiet: !!flags.quiet });
      process.off("SIGINT", onSigint);
      if (!flags.quiet || final.state !== "succeeded") process.stderr.write(`${describeEnd(final)}\n`);
      exit(exitCodeOf(final));
    });
}

/**
 * The spec from the file and the flags, checked here so that a mistake costs no upload. The
 * YAML reader and the job spec's schema are loaded only when a job is submitted.
 */
async function buildSpec(command: string[], flags: RunFlags): Promise<Record<string, any>> {
  const [{ readSpecFile }, { checkJobSpec }] = await Promise.all([import("./spec-file.ts"), import("./spec-check.ts")]);
  const file = flags.file ? readSpecFile(flags.file) : undefined;
  const spec: Record<string, any> = file ? { ...file.spec } : {};
  // Paths set by flags: a problem there is the flag's, not a line of the file.
  const fromFlags: string[] = [];
  const setByFlag = (target: Record<string, any>, key: string, path: string, value: unknown) => {
    target[key] = value;
    fromFlags.push(path);
  };
  if (command.length) {
    setByFlag(spec, "command", "command", command);
    delete spec.script;
  }
  // A file without a command is explained with the file's other problems (a misspelt `comand:`).
  if (!file && !spec.command && !spec.script) {
    throw new CliError("Nothing to run.", "Put the command after --, e.g. `plinth run -- python train.py`, or use -f plinth.yaml.");
  }
  const resources: Record<string, any> = typeof spec.resources === "object" && spec.resources !== null ? { ...spec.resources } : {};
  if (flags.gpus !== undefined) setByFlag(resources, "gpus", "resources.gpus", number(flags.gpus, "--gpus"));
  if (flags.cpus !== undefined) setByFlag(resources, "cpus", "resources.cpus", number(flags.cpus, "--cpus"));
  if (flags.memory !== undefined) setByFlag(resources, "memory", "resources.memory", flags.memory);
  if (flags.gpuModel !== undefined || flags.gpuMemory !== undefined) {
    const gpu = { ...(resources.gpu ?? {}) };
    if (flags.gpuModel) setByFlag(gpu, "model", "resources.gpu.model", flags.gpuModel);
    if (flags.gpuMemory) setByFlag(gpu, "minMemory", "resources.gpu.minMemory", flags.gpuMemory);
    resources.gpu = gpu;
  }
  if (Object.keys(resources).length) spec.resources = resources;
  if (flags.name !== undefined) setByFlag(spec, "name", "name", flags.name);
  if (flags.timeout !== undefined) setByFlag(spec, "timeout", "timeout", flags.timeout);
  if (flags.estimate !== undefined) setByFlag(spec, "estimate", "estimate", flags.estimate);
  if (flags.priority !== undefined) setByFlag(spec, "priority", "priority", number(flags.priority, "--priority"));
  if (flags.team !== undefined) setByFlag(spec, "team", "team", flags.team);
  if (flags.executor !== undefined) setByFlag(spec, "executor", "executor", flags.executor);
  if (flags.visibility !== undefined) setByFlag(spec, "visibility", "visibility", flags.visibility);
  if (flags.retries !== undefined) setByFlag(spec, "retries", "retries", number(flags.retries, "--retries"));
  if (flags.env.length) {
    const env = pairs(flags.env, "--env");
    fromFlags.push(...Object.keys(env).map((k) => `env.${k}`));
    spec.env = { ...(spec.env ?? {}), ...env };
  }
  if (flags.secret.length) {
    fromFlags.push("secrets");
    spec.secrets = [...new Set([...(Array.isArray(spec.secrets) ? spec.secrets : []), ...flags.secret])];
  }
  if (flags.image !== undefined) {
    if (flags.environment !== undefined || flags.python !== undefined || flags.requirements !== undefined || flags.package.length) {
      throw new CliError("--image brings the job's whole software: it cannot be combined with --environment, --python, --requirements or --package.", "Give --image alone (install more in its Containerfile and `plinth env build` it again), or the Python packages without it.");
    }
    setByFlag(spec, "environment", "environment", { image: flags.image });
  } else if (flags.environment !== undefined) {
    if (flags.python !== undefined || flags.requirements !== undefined || flags.package.length) {
      throw new CliError("--environment names a whole environment: it cannot be combined with --python, --requirements or --package.", "Give --environment alone, or the packages without it; a team admin publishes a new version with more packages (`plinth env publish`).");
    }
    setByFlag(spec, "environment", "environment", flags.environment);
  } else if (flags.python !== undefined || flags.requirements !== undefined || flags.package.length) {
    const environment: Record<string, any> = typeof spec.environment === "object" && spec.environment !== null ? { ...spec.environment } : {};
    if (flags.python !== undefined) setByFlag(environment, "python", "environment.python", flags.python);
    if (flags.requirements !== undefined) setByFlag(environment, "requirements", "environment.requirements", flags.requirements);
    if (flags.package.length) setByFlag(environment, "packages", "environment.packages", [...(Array.isArray(environment.packages) ? environment.packages : []), ...flags.package]);
    spec.environment = environment;
  }
  for (const [flag, items, key, example] of [
    ["--label", flags.label, "labels", "project=vision"],
    ["--input", flags.input, "inputs", "train=iris@v2"],
    ["--output", flags.output, "outputs", "model=out/"],
  ] as const) {
    if (!items.length) continue;
    const given = pairs(items, flag, example);
    fromFlags.push(...Object.keys(given).map((k) => `${key}.${k}`));
    spec[key] = { ...(spec[key] ?? {}), ...given };
  }
  checkJobSpec(spec, { ...(file && { file }), fromFlags });
  return spec;
}

function number(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new CliError(`${flag} takes a number, not '${text}'.`, `For example ${flag} 2.`);
  return n;
}

function pairs(items: readonly string[], flag: string, example = "SEED=42"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new CliError(`${flag} takes KEY=VALUE, not '${item}'.`, `For example ${flag} ${example}.`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
