import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import type { JobView } from "../jobs/view.ts";
import { ApiClient, CliError } from "./client.ts";
import { uploadCode } from "./code-upload.ts";
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
  estimate?: string;
  retries?: string;
  env: string[];
  label: string[];
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
    .option("--estimate <duration>", "expected run time; short jobs start sooner")
    .option("--retries <n>", "retry this many times if the job is lost")
    .option("-e, --env <KEY=VALUE>", "environment variable (repeatable)", collect, [])
    .option("-l, --label <key=value>", "label (repeatable)", collect, [])
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
  plinth run -f plinth.yaml
  plinth run --detach --json -- ./sweep.sh`,
    )
    .action(async (command: string[], flags: RunFlags) => {
      const spec = buildSpec(command, flags);
      const client = ApiClient.fromEnvironment();
      if (flags.code) {
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

function buildSpec(command: string[], flags: RunFlags): Record<string, any> {
  let spec: Record<string, any> = {};
  if (flags.file) {
    let text: string;
    try {
      text = readFileSync(flags.file, "utf8");
    } catch (err) {
      throw new CliError(`Cannot read ${flags.file}: ${(err as Error).message}`, "Give the path of a plinth.yaml job spec.");
    }
    try {
      spec = parseYaml(text) ?? {};
    } catch (err) {
      throw new CliError(`${flags.file} is not valid YAML: ${(err as Error).message}`, "Check indentation and quoting near the line shown.");
    }
    if (typeof spec !== "object" || Array.isArray(spec)) throw new CliError(`${flags.file} must hold a job spec (a mapping).`, "See docs/reference/job-spec.md.");
  }
  if (command.length) {
    spec.command = command;
    delete spec.script;
  }
  if (!spec.command && !spec.script) {
    throw new CliError("Nothing to run.", "Put the command after --, e.g. `plinth run -- python train.py`, or use -f plinth.yaml.");
  }
  const resources: Record<string, any> = { ...(spec.resources ?? {}) };
  if (flags.gpus !== undefined) resources.gpus = number(flags.gpus, "--gpus");
  if (flags.cpus !== undefined) resources.cpus = number(flags.cpus, "--cpus");
  if (flags.memory !== undefined) resources.memory = flags.memory;
  if (flags.gpuModel !== undefined || flags.gpuMemory !== undefined) {
    resources.gpu = { ...(resources.gpu ?? {}), ...(flags.gpuModel && { model: flags.gpuModel }), ...(flags.gpuMemory && { minMemory: flags.gpuMemory }) };
  }
  if (Object.keys(resources).length) spec.resources = resources;
  if (flags.name !== undefined) spec.name = flags.name;
  if (flags.timeout !== undefined) spec.timeout = flags.timeout;
  if (flags.estimate !== undefined) spec.estimate = flags.estimate;
  if (flags.priority !== undefined) spec.priority = number(flags.priority, "--priority");
  if (flags.retries !== undefined) spec.retries = number(flags.retries, "--retries");
  if (flags.env.length) spec.env = { ...(spec.env ?? {}), ...pairs(flags.env, "--env") };
  if (flags.label.length) spec.labels = { ...(spec.labels ?? {}), ...pairs(flags.label, "--label") };
  return spec;
}

function number(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new CliError(`${flag} takes a number, not '${text}'.`, `For example ${flag} 2.`);
  return n;
}

function pairs(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new CliError(`${flag} takes KEY=VALUE, not '${item}'.`, `For example ${flag} SEED=42.`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
