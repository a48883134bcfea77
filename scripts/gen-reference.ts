// Writes the reference documentation under docs/reference/ from the code itself, so it can
// never disagree with it:
//
//   job-spec.md       every field of the job spec (z.toJSONSchema of JobSpecSchema)
//   configuration.md  every server setting and its PLINTH_* variable (ConfigSchema)
//   cli.md            every command and option of the `plinth` program (commander)
//   job-lifecycle.md  the job state machine (JOB_TRANSITIONS) and the failure reasons
//   workspace-*.md    the workspace spec and lifecycle (scripts/reference/workspaces.ts)
//
// The JSON Schema walking they share is in scripts/reference/json-schema.ts.
// Run it with `npm run docs:reference`. test/unit/reference-docs.test.ts regenerates the files
// in memory and fails when a committed one differs.

import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { Document, isSeq, stringify as toYaml } from "yaml";
import { z } from "zod";
import { exitCodeOf } from "../src/cli/follow.ts";
import { createProgram } from "../src/cli/program.ts";
import { environmentVariables } from "../src/config/load.ts";
import { EngineExecutorSchema } from "../src/config/engines-schema.ts";
import { ConfigSchema, configJsonSchema } from "../src/config/schema.ts";
import type { ExitInfo } from "../src/jobs/executors/executor.ts";
import { explainFailure, INPUT_HINT } from "../src/jobs/failure.ts";
import { JOB_TRANSITIONS } from "../src/jobs/lifecycle.ts";
import { FAILURE_REASONS, type FailureReason, JOB_STATES, type JobState, JobSpecSchema, TERMINAL_STATES } from "../src/jobs/spec.ts";
import type { JobView } from "../src/jobs/view.ts";
import { checkExampleCovers, deref, describeText, describeType, type Field, fields, GENERATED, inlineValue, type Schema, table } from "./reference/json-schema.ts";
import { workspaceReferenceDocs } from "./reference/workspaces.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

// ---------------------------------------------------------------------------------------------
// Job spec

/** A complete job file. Fields left out, and why; the generator fails if any other is missing. */
const JOB_EXAMPLE = {
  name: "train-resnet",
  command: ["python", "train.py", "--epochs", "20"],
  env: { DATA_DIR: "data", SEED: "42" },
  secrets: ["WANDB_API_KEY"],
  team: "vision",
  visibility: "team",
  resources: { cpus: 4, memory: "16G", gpus: 1, gpu: { model: "*3090*", minMemory: "24G" } },
  timeout: "6h",
  estimate: "2h",
  retries: { count: 2, on: ["lost", "out_of_memory"] },
  priority: 10,
  labels: { project: "vision", experiment: "baseline" },
  inputs: { train: "imagenet-subset@v3", annotations: { dataset: "vision/annotations@prod", expect: { columns: { image: "string", label: "integer" }, nonNull: ["label"] } } },
  outputs: { model: "checkpoints/", metrics: { path: "metrics/", dataset: "resnet-metrics", tag: "candidate" } },
  environment: { python: "3.11", requirements: "requirements.txt", packages: ["wandb>=0.18"] },
};
const JOB_EXAMPLE_OMITS: Record<string, string> = {
  script: "it is the alternative to `command`: give one or the other",
  code: "`plinth run` fills it in after uploading your directory",
  "code.bundle": "part of `code`",
  "environment.project": "the alternative to `requirements` and `packages`: a uv project's pyproject.toml and uv.lock",
  "environment.image": "the alternative to Python and packages: a container image on the server, given alone",
  executor: "left out, the server's routing rules choose; `executor: hpc` sends the job to the cluster the server names `hpc` (`plinth cluster` lists them)",
};

function jobSpecDoc(): string {
  const root = z.toJSONSchema(JobSpecSchema, { io: "input" }) as Schema;
  const spec = deref(root, root);
  const all = fields(root, spec);
  checkExampleCovers(
    "job spec",
    all.map((f) => f.path),
    JOB_EXAMPLE,
    JOB_EXAMPLE_OMITS,
  );
  const parsed = JobSpecSchema.safeParse(JOB_EXAMPLE);
  if (!parsed.success) throw new Error(`the job spec example is invalid: ${parsed.error.message}`);

  const rows = all.map((f) => [`\`${f.path}\``, describeType(root, f.node) + (f.required ? " (required)" : ""), inlineValue(f.node.default), describeText(root, f.node)]);
  return [
    GENERATED,
    "",
    "# Job spec reference",
    "",
    spec.description ? `${spec.description} A job spec is what \`plinth run\` sends to the server: its flags build one, and \`plinth run -f job.yaml\` reads one from a YAML or JSON file (flags given beside \`-f\` override the file). The API takes the same spec as JSON in \`POST /api/v1/jobs\`.` : "",
    "",
    "Give exactly one of `command` and `script`. Every other field is optional. Unknown fields are refused, so a typo is reported instead of ignored.",
    "",
    "## Example",
    "",
    "```yaml",
    `# job.yaml — run it with: plinth run -f job.yaml\n${jobExampleYaml()}`,
    "```",
    "",
    "## Fields",
    "",
    table(["Field", "Type", "Default", "Description"], rows),
    "",
    "## Units",
    "",
    "- **Memory** (`resources.memory`, `resources.gpu.minMemory`): a number with a unit — `512M`, `8G`, `16Gi`, `1T`. `K`, `M`, `G`, `T` and `Ki`, `Mi`, `Gi`, `Ti` are binary (1G = 1024³ bytes); `KB`, `MB`, `GB`, `TB` are decimal. A bare number means bytes.",
    "- **Durations** (`timeout`, `estimate`): `90s`, `30m`, `2h`, `1h30m`, `1d`, `500ms`. A bare number means seconds.",
    "- **GPU model patterns** (`resources.gpu.model`): compared with the whole model name, ignoring case; `*` matches any text. `'*3090*'` matches `NVIDIA GeForce RTX 3090`; `'3090'` alone does not.",
    "",
    "## Inputs and outputs",
    "",
    "An input is a dataset reference (`iris`, `vision/iris`, `iris@v2`, `iris@prod`, `iris@sha256:3f2a…`; without a version, the latest) or an object: `dataset` (the reference) and `expect` (rules its tables must meet for this job: `columns` with their types, `nonNull`, `rows: {min, max}`, `sameColumnsAs: {dataset, except}`, and `files`, a glob of the files they apply to). The version is fixed at submit, and a job whose inputs do not exist or break their expectations is refused then, with every problem named. The job finds each input read-only in the folder `$PLINTH_INPUT_<NAME>` (the name upper-cased, `-` as `_`).",
    "",
    "An output is a folder relative to the job's working directory (`out/`) or an object: `path`, `dataset` (a dataset of the job's team; the output's name when left out) and `tag`. Plinth makes the folder before the job starts and gives its path in `$PLINTH_OUTPUT_<NAME>`; when the job succeeds, each folder is saved as the dataset's next version (state `saving`). [Use data in jobs](../how-to/use-data-in-jobs.md) shows both at work.",
    "",
    "## Retry reasons",
    "",
    `\`retries.on\` takes failure reasons: ${FAILURE_REASONS.map((r) => `\`${r}\``).join(", ")}. [Job lifecycle](job-lifecycle.md) says what each one means.`,
    "",
    "## In your editor",
    "",
    "`plinth config schema --job` prints this spec as JSON Schema. Save it (for example as `job.schema.json`) and point your editor's YAML support at it to get completion and checking while you write job files.",
    "",
  ].join("\n");
}

/** The example as YAML, with short lists written on one line as people write them. */
function jobExampleYaml(): string {
  const doc = new Document(JOB_EXAMPLE);
  for (const p of [["command"], ["retries", "on"]]) {
    const node = doc.getIn(p, true);
    if (isSeq(node)) node.flow = true;
  }
  return doc.toString().trimEnd();
}

// ---------------------------------------------------------------------------------------------
// Server configuration

/** A complete plinth.yaml. Settings left out, and why; the generator fails if any other is missing. */
const CONFIG_EXAMPLE = {
  dataDir: "/srv/plinth",
  server: { host: "0.0.0.0", port: 8420, publicUrl: "http://gpu-box.lab.example.org:8420", bodyLimit: "10M" },
  database: { url: "postgres://plinth:secret@db.lab.example.org:5432/plinth" },
  executor: { kind: "local", sandbox: "auto", cpus: 30, memory: "120G", fakeGpus: 0, cancelGracePeriod: "30s", memoryLimit: "auto", readOnlyPaths: ["/opt/conda"], jobUser: "nobody", maxProcesses: 4096, jobDiskLimit: "100G", diskReserve: "5G" },
  executors: {
    hpc: { kind: "slurm", sharedDir: "/shared/plinth", partition: "gpu", account: "ml-lab", gpuOption: "gres", gpuTypes: { "A100 80GB": "a100" }, containers: "apptainer", pollInterval: "2s" },
    k8s: { kind: "kubernetes", kubeconfig: "/etc/plinth/kubeconfig", namespace: "plinth-jobs", plinthUrl: "http://gpu-box.lab.example.org:8420", defaultImage: "docker.io/library/python:3.12-slim" },
  },
  routing: [
    { executor: "hpc", whenLocalCannot: true },
    { executor: "k8s", team: "vision", minGpus: 1, gpuModel: "NVIDIA-A100-SXM4-80GB" },
  ],
  scheduler: { maxGpusPerUser: 2, maxRunningJobsPerUser: 10, fairShareHalfLife: "1h", defaultDuration: "10m" },
  tracking: { systemMetricsInterval: "10s" },
  workspaces: { idleStop: "2h", gpuBusyPercent: 10, homeQuota: "50GiB", sshd: "/usr/sbin/sshd", checkInterval: "30s", codeServer: "/opt/plinth/code-server-4.139.1" },
  environments: { uv: "/opt/uv/bin/uv", maxSize: "100GiB", indexUrl: "https://pypi.lab.example.org/simple", buildTimeout: "30m", sourceBuilds: false, containers: { engine: "/usr/bin/podman", config: "/etc/plinth/containers.conf", buildNetwork: true, builds: "members" } },
  log: { level: "info" },
  secrets: { keyFile: "/etc/plinth/secrets.key", previousKeyFiles: ["/etc/plinth/secrets-2025.key"] },
  storage: {
    s3: { endpoint: "http://minio.lab.example.org:9000", bucket: "plinth", region: "us-east-1", prefix: "plinth/", forcePathStyle: true },
    cacheSize: "200GiB",
    gcGracePeriod: "24h",
    gcInterval: "1h",
    presignExpiry: "1h",
  },
  auth: {
    oidc: {
      issuer: "https://keycloak.lab.example.org/realms/lab",
      name: "Lab SSO",
      clientId: "plinth",
      clientSecretFile: "/etc/plinth/oidc-client-secret",
      scopes: ["openid", "profile", "email", "groups"],
      usernameClaim: "preferred_username",
      groupsClaim: "groups",
      teams: { "vision-lab": { team: "vision", role: "member" }, "plinth-keepers": { platformRole: "admin" } },
      createUsers: true,
    },
  },
};

/** Each kind of cluster under `executors.<name>`: its settings, set in plinth.yaml only. */
function clusterSettingsDoc(): string[] {
  const out: string[] = [];
  for (const kind of ["slurm", "kubernetes"] as const) {
    const variant = EngineExecutorSchema.options.find((o) => o.shape.kind.value === kind)!;
    const root = z.toJSONSchema(variant, { io: "input" }) as Schema;
    const guide = kind === "slurm" ? "../how-to/connect-a-slurm-cluster.md" : "../how-to/connect-kubernetes.md";
    out.push(`## \`executors.<name>\` with \`kind: ${kind}\``, "", `${root.description ?? ""} Set in plinth.yaml only; [the guide](${guide}) explains each setting with examples.`, "");
    const rows = fields(root, deref(root, root)).map((f) => [`\`${f.path}\``, describeType(root, f.node) + (f.required ? " (required)" : ""), inlineValue(f.node.default) || (f.required ? "" : "unset"), describeText(root, f.node)]);
    out.push(table(["Setting", "Type", "Default", "Description"], rows), "");
  }
  return out;
}

function configurationDoc(): string {
  const root = configJsonSchema() as Schema;
  const top = deref(root, root);
  const variables = environmentVariables();
  const byPath = new Map<string, string>([...variables].map(([name, leaf]) => [leaf.path.join("."), name]));
  const all = fields(root, top);
  // Settings with a variable, and the fields of list items (set in plinth.yaml only).
  const leaves = all.filter((f) => byPath.has(f.path) || f.path.includes("[]"));
  checkExampleCovers(
    "configuration",
    leaves.map((f) => f.path),
    CONFIG_EXAMPLE,
    {
      "executor.fakeGpus[].model": "the example runs on real GPUs",
      "executor.fakeGpus[].memory": "the example runs on real GPUs",
      "secrets.key": "a key belongs in a file of its own (keyFile), not in plinth.yaml",
      "secrets.previousKeys": "previous keys too belong in files (previousKeyFiles)",
      "auth.oidc.clientSecret": "the example keeps it in clientSecretFile",
      "storage.s3.credentials.accessKeyId": "the example takes the bucket's key from PLINTH_STORAGE_S3_ACCESS_KEY_ID",
      "storage.s3.credentials.secretAccessKey": "the example takes the bucket's key from PLINTH_STORAGE_S3_SECRET_ACCESS_KEY",
    },
  );
  const parsed = ConfigSchema.safeParse(CONFIG_EXAMPLE);
  if (!parsed.success) throw new Error(`the configuration example is invalid: ${parsed.error.message}`);
  const unmatched = [...byPath.keys()].filter((p) => !all.some((f) => f.path === p));
  if (unmatched.length) throw new Error(`variables without a schema field: ${unmatched.join(", ")}`);

  const sections = new Map<string, Field[]>();
  for (const f of leaves) {
    const group = f.path.includes(".") ? f.path.split(".")[0]! : "";
    sections.set(group, [...(sections.get(group) ?? []), f]);
  }
  const out: string[] = [
    GENERATED,
    "",
    "# Server configuration reference",
    "",
    "Every setting of the Plinth server (`plinth up`), with the environment variable that sets it. Settings come from, lowest to highest: the defaults below, a `plinth.yaml` file, `PLINTH_*` environment variables, and `plinth up`'s own flags (`--data-dir`, `--host`, `--port`).",
    "",
    "`plinth up` reads `plinth.yaml` from the folder it is started in, or the file named by `--config` or `PLINTH_CONFIG`. `plinth config show` prints the configuration it would use there, and `plinth config env` lists the variables. A wrong value stops the server at start and names the setting; a `PLINTH_*` variable that matches no setting is reported as a warning in the server's log.",
    "",
    "## Example plinth.yaml",
    "",
    "```yaml",
    toYaml(CONFIG_EXAMPLE).trimEnd(),
    "```",
    "",
  ];
  for (const [group, list] of sections) {
    const groupField = all.find((f) => f.path === group);
    out.push(`## ${group ? `\`${group}\`` : "Top level"}`, "");
    if (groupField?.node.description) out.push(groupField.node.description, "");
    out.push(
      table(
        ["Setting", "Variable", "Type", "Default", "Description"],
        list.map((f) => [`\`${f.path}\``, byPath.has(f.path) ? `\`${byPath.get(f.path)}\`` : "plinth.yaml only", describeType(root, f.node) + (f.required ? " (required)" : ""), inlineValue(f.node.default) || (f.required ? "" : "unset"), describeText(root, f.node)]),
      ),
      "",
    );
  }
  out.push(...clusterSettingsDoc(), "");
  out.push(
    "## Values in environment variables",
    "",
    "Numbers are written as they are (`PLINTH_SERVER_PORT=9000`); durations and sizes as in the file (`PLINTH_EXECUTOR_CANCEL_GRACE_PERIOD=30s`). A setting that takes a count or a list, such as `executor.fakeGpus`, takes the count in its variable (`PLINTH_EXECUTOR_FAKE_GPUS=2`); write the list form in `plinth.yaml`.",
    "",
  );
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// CLI

/** The `plinth` program as src/main.ts runs it (src/cli/program.ts builds it for both). */
function buildProgram(): Command {
  return createProgram(() => {});
}

/** A table whose last column, Default, is left out when no row has one. */
function optionalDefaults(headers: string[], rows: string[][]): string {
  return rows.some((r) => r[2]) ? table([...headers, "Default"], rows) : table(headers, rows.map((r) => r.slice(0, 2)));
}

function helpExtra(cmd: Command): string {
  let full = "";
  cmd.configureOutput({ writeOut: (s) => (full += s), writeErr: (s) => (full += s), getOutHelpWidth: () => 100 });
  cmd.outputHelp();
  const base = cmd.helpInformation();
  return full.startsWith(base) ? full.slice(base.length).trim() : "";
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function commandDoc(cmd: Command, depth: number, out: string[]): void {
  const help = cmd.createHelp();
  const full = commandPath(cmd);
  const args = help.visibleArguments(cmd);
  const opts = help.visibleOptions(cmd).filter((o) => o.long !== "--help");
  const subs = help.visibleCommands(cmd).filter((c) => c.name() !== "help");
  out.push(`${"#".repeat(depth)} \`${full}\``, "");
  if (cmd.description()) out.push(`${cmd.description()}.`.replace(/\.\.$/, "."), "");
  if (subs.length === 0) {
    out.push("```text", help.commandUsage(cmd), "```", "");
  }
  if (args.length) {
    const term = (a: (typeof args)[number]) => `${a.required ? "<" : "["}${a.name()}${a.variadic ? "..." : ""}${a.required ? ">" : "]"}`;
    out.push(optionalDefaults(["Argument", "Description"], args.map((a) => [`\`${term(a)}\``, a.description || "", a.defaultValue !== undefined ? inlineValue(a.defaultValue) : ""])), "");
  }
  if (opts.length && subs.length === 0) {
    const shown = (v: unknown, negate: boolean) => v !== undefined && !negate && !(Array.isArray(v) && v.length === 0);
    out.push(optionalDefaults(["Option", "Description"], opts.map((o) => [`\`${o.flags}\``, o.description || "", shown(o.defaultValue, o.negate) ? inlineValue(o.defaultValue) : ""])), "");
  }
  const extra = helpExtra(cmd);
  if (extra) out.push("```text", extra, "```", "");
  for (const sub of subs) commandDoc(sub, Math.min(depth + 1, 4), out);
}

async function cliDoc(): Promise<string> {
  const program = buildProgram();
  const help = program.createHelp();
  const top = help.visibleCommands(program).filter((c) => c.name() !== "help");
  const out: string[] = [
    GENERATED,
    "",
    "# CLI reference",
    "",
    `${program.description()} Every command prints its own help with \`--help\`, e.g. \`plinth run --help\`; \`plinth --version\` prints the version.`,
    "",
    "Commands that talk to a server use the one `plinth login` saved (in `~/.config/plinth/credentials.json`, or under `$XDG_CONFIG_HOME`), or `PLINTH_URL` and `PLINTH_TOKEN` when those are set.",
    "",
    "## Commands",
    "",
  ];
  const list = (cmds: Command[]): void => {
    for (const c of cmds) {
      const subs = c.createHelp().visibleCommands(c).filter((s) => s.name() !== "help");
      if (subs.length === 0) out.push(`- [\`${commandPath(c)}\`](#${anchor(commandPath(c))}) — ${c.description()}`);
      else list(subs);
    }
  };
  list(top);
  out.push("");
  for (const c of top) commandDoc(c, 2, out);

  const states: JobState[] = ["succeeded", "failed", "timed_out", "cancelled", "lost"];
  const sample = (state: JobState, exitCode: number | null) => exitCodeOf({ state, exitCode } as JobView);
  out.push(
    "## Exit codes",
    "",
    "`plinth run` (without `--detach`) and `plinth jobs wait` end with the job's outcome:",
    "",
    table(
      ["Job ended", "Exit code"],
      states.map((s) => [`\`${s}\``, s === "failed" ? `the job's own exit code (${sample("failed", 3)} for a job that exited with 3), or ${sample("failed", null)} when it had none` : String(sample(s, null))]),
    ),
    "",
    "Every command exits with 2 when it could not do what was asked — a usage mistake, a refused request, an unreachable server — after printing `error:` with what went wrong and, where there is one, `hint:` with what to do.",
    "",
  );
  return out.join("\n");
}

/** GitHub's heading anchor for a heading made of `text` in backticks. */
function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");
}

// ---------------------------------------------------------------------------------------------
// Job lifecycle

const STATE_MEANINGS: Record<JobState, string> = {
  queued: "Accepted and waiting for resources. The queue policy decides the order; `plinth jobs ls` shows its position. A job on a cluster (`executor: hpc`) is submitted to the cluster's scheduler at once and waits in its queue, with the reason in words (\"waiting for 2 GPUs on partition gpu\"); it goes straight to running when the cluster starts it, or to failed or lost when it could not be submitted or the cluster lost it.",
  starting: "Resources are assigned (GPUs, CPUs, memory) and the job's directory and code are being prepared.",
  running: "The process runs. Its output streams to `plinth jobs logs -f`; a time limit counts from here.",
  saving: "The process succeeded and the job's `outputs` are being saved as new dataset versions (only jobs with outputs pass through here). It cannot be cancelled now; it ends as succeeded, or as failed with `output_not_saved`. A server that stops meanwhile finishes the saving when it starts again.",
  succeeded: "The program exited with code 0.",
  failed: "The program exited with another code, was killed, ran out of memory or could not start. The job carries a reason and a hint.",
  cancelled: "Someone cancelled it. A running job gets SIGTERM and, after the grace period, SIGKILL.",
  timed_out: "It ran longer than its `timeout` and was stopped like a cancelled job.",
  lost: "The server stopped while the job was starting or running, and when it came back the job's process was gone without a recorded exit status.",
};

function exit(partial: Partial<ExitInfo>): ExitInfo {
  return { exitCode: null, signal: null, outOfMemory: false, startError: null, peakMemoryBytes: null, ...partial };
}

const TRACEBACK = [
  "epoch 1: loading data/train.csv",
  "Traceback (most recent call last):",
  '  File "train.py", line 12, in <module>',
  '    y = df["label"]',
  "KeyError: 'label'",
].join("\n");

/** For each reason: when it happens, and what a user sees — computed by the real code where it classifies, described where the server decides. */
const REASONS: Record<FailureReason, { state: JobState; when: string; example: () => { message: string; hint: string | null } }> = {
  out_of_memory: {
    state: "failed",
    when: "The job used more memory than `resources.memory` (the kernel's or Plinth's memory limit stopped it), Python raised MemoryError, or the GPU ran out of memory (CUDA out of memory).",
    // The service classifies without the limit and, when that gives no hint, names the limit itself.
    example: () => {
      const e = explainFailure({ exit: exit({ signal: "SIGKILL", outOfMemory: true }), timedOut: false, cancelled: false, logTail: "" });
      return { message: e.message, hint: e.hint ?? "It had 4.0 GiB; ask for more with --memory." };
    },
  },
  time_limit: {
    state: "timed_out",
    when: "The job ran longer than its `timeout`.",
    example: () => ({ message: "Stopped after 2h, its time limit.", hint: "Give it more time with --timeout (e.g. --timeout 4h), or save checkpoints so a retry can resume." }),
  },
  command_not_found: {
    state: "failed",
    when: "The program (the first word of the command) does not exist on the machine that runs the job, or is not in your uploaded code.",
    example: () =>
      explainFailure({ exit: exit({ startError: { reason: "command_not_found", message: "pyhton: command not found (PATH=/usr/local/bin:/usr/bin:/bin)" } }), timedOut: false, cancelled: false, logTail: "" }),
  },
  permission_denied: {
    state: "failed",
    when: "The program exists but is not executable (a script without `chmod +x`).",
    example: () => explainFailure({ exit: exit({ startError: { reason: "permission_denied", message: "./run.sh: permission denied (not executable)" } }), timedOut: false, cancelled: false, logTail: "" }),
  },
  python_exception: {
    state: "failed",
    when: "The job's log ends with a Python traceback. The message is the exception line; the hint depends on the exception (missing module, missing column, missing file…).",
    example: () => explainFailure({ exit: exit({ exitCode: 1 }), timedOut: false, cancelled: false, logTail: TRACEBACK }),
  },
  nonzero_exit: {
    state: "failed",
    when: "The program exited with a code other than 0 and nothing more specific was recognised. The message quotes its last line of output.",
    example: () => explainFailure({ exit: exit({ exitCode: 3 }), timedOut: false, cancelled: false, logTail: "step 400: loss is nan, stopping\n" }),
  },
  signal: {
    state: "failed",
    when: "The process was killed by a signal — a crash in native code (SIGSEGV, SIGBUS, SIGABRT), or a kill from outside Plinth.",
    example: () => explainFailure({ exit: exit({ signal: "SIGSEGV" }), timedOut: false, cancelled: false, logTail: "" }),
  },
  cancelled: {
    state: "cancelled",
    when: "Someone cancelled the job (`plinth jobs cancel`, Ctrl-C during `plinth run`, or the portal).",
    example: () => ({ message: "Cancelled by alice.", hint: null }),
  },
  lost: {
    state: "lost",
    when: "The server stopped while the job was running, and on restart its process was gone with no exit status recorded. Jobs still running are re-attached instead; jobs that ended while the server was down get their real outcome.",
    example: () => ({
      message: "The server stopped while the job was running, and its process was gone when it came back.",
      hint: "Run it again with `plinth jobs retry`; add `retries: 1` to retry lost jobs automatically.",
    }),
  },
  start_failed: {
    state: "failed",
    when: "Plinth could not prepare the job's directory or start its process (a full disk, an unreadable code bundle).",
    example: () => ({ message: "Could not prepare the job's directory: ENOSPC: no space left on device", hint: "Check that the command exists and the data directory is writable; the server log has details." }),
  },
  input_unavailable: {
    state: "failed",
    when: "An input's dataset version could not be put in place before the job started (the version was removed while the job waited, or the disk is full). Inputs that do not exist or break their expectations are refused at submit instead.",
    example: () => ({ message: "Could not put the job's inputs in place: vision/iris@v2 (input 'train') was removed, or its owner may no longer read it", hint: INPUT_HINT }),
  },
  output_not_saved: {
    state: "failed",
    when: "The program succeeded, but an output folder could not be saved as a dataset version: the folder is missing or holds no files, the team's storage quota is full, or the files break the dataset's expectations. The job's log ends with a line for each output that was saved.",
    example: () => ({ message: "Output 'model': the folder out ($PLINTH_OUTPUT_MODEL) holds no files.", hint: "Write the job's results into $PLINTH_OUTPUT_<NAME>; `plinth jobs retry` runs it again." }),
  },
  disk_limit: {
    state: "failed",
    when: "The job's folder and log grew past its disk allowance (`executor.jobDiskLimit`), or the disk that holds Plinth's data fell below its reserve (`executor.diskReserve`) and this job held the most. Plinth stopped it before the disk filled up.",
    example: () =>
      explainFailure({
        exit: exit({
          signal: "SIGKILL",
          stopped: {
            reason: "disk_limit",
            message: "Stopped: its folder and log held 21.3 GiB, more than its disk allowance of 20.0 GiB.",
            hint: "Write large outputs somewhere meant for them, delete temporary files as you go, or ask a keeper to raise executor.jobDiskLimit in plinth.yaml.",
          },
        }),
        timedOut: false,
        cancelled: false,
        logTail: "",
      }),
  },
};

export function lifecycleDiagram(): string {
  const lines = ["stateDiagram-v2", "    [*] --> queued"];
  for (const from of JOB_STATES) for (const to of JOB_TRANSITIONS[from]) lines.push(`    ${from} --> ${to}`);
  for (const s of JOB_STATES) if (TERMINAL_STATES.has(s)) lines.push(`    ${s} --> [*]`);
  return lines.join("\n");
}

function lifecycleDoc(): string {
  for (const r of FAILURE_REASONS) if (!REASONS[r]) throw new Error(`failure reason ${r} has no description in scripts/gen-reference.ts`);
  for (const s of JOB_STATES) if (!STATE_MEANINGS[s]) throw new Error(`job state ${s} has no description in scripts/gen-reference.ts`);
  const next = (s: JobState) => (JOB_TRANSITIONS[s].length ? JOB_TRANSITIONS[s].map((t) => `\`${t}\``).join(", ") : "— (final)");
  return [
    GENERATED,
    "",
    "# Job lifecycle",
    "",
    "Every job moves through these states, and only along these arrows. Each change is written to the database, with an event and its time, before Plinth acts on it (starts the process, sends the signal), so after a crash the record says what was decided. `plinth jobs show <id>` lists a job's events.",
    "",
    "```mermaid",
    lifecycleDiagram(),
    "```",
    "",
    "## States",
    "",
    table(
      ["State", "What it means", "Can become"],
      JOB_STATES.map((s) => [`\`${s}\``, STATE_MEANINGS[s], next(s)]),
    ),
    "",
    "A job in a final state never changes again. `plinth jobs retry <id>` runs its spec again as a new job (its `attempt` is one higher and it points back to the original); a `retries` policy in the spec does the same automatically for the reasons it lists.",
    "",
    "## Failure reasons",
    "",
    "A job that did not succeed carries a reason, a one-line message and, where Plinth can tell, a hint saying what to do. `plinth run` prints them when the job ends; `plinth jobs show <id>` prints them with the last lines of the job's output; `plinth jobs ls` shows the reason in its last column. Where the reason comes from how the process ended, the example below is produced by the same code that classifies real jobs; the others show what the server writes when it decides.",
    "",
    table(
      ["Reason", "State", "When", "Example message", "Example hint"],
      FAILURE_REASONS.map((r) => {
        const d = REASONS[r];
        const e = d.example();
        return [`\`${r}\``, `\`${d.state}\``, d.when, e.message, e.hint ?? "—"];
      }),
    ),
    "",
    "[Why jobs fail](../explanation/why-jobs-fail.md) walks through each reason with what to do about it.",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

/** The generated files, by path relative to the repository root. */
export async function referenceDocs(): Promise<Map<string, string>> {
  return new Map([
    ["docs/reference/job-spec.md", jobSpecDoc()],
    ["docs/reference/configuration.md", configurationDoc()],
    ["docs/reference/cli.md", await cliDoc()],
    ["docs/reference/job-lifecycle.md", lifecycleDoc()],
    ...workspaceReferenceDocs(),
  ]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of await referenceDocs()) {
    writeFileSync(path.join(ROOT, file), text);
    console.log(`wrote ${file}`);
  }
}
