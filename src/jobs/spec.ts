import type { ResolvedImage } from "../environments/containers/images.ts";
import type { ResolvedEnvironment } from "../environments/resolve.ts";
import { EnvironmentSpecSchema } from "../environments/spec.ts";
import { NamedEnvironmentRefSchema, type NamedVersion } from "../environments/named/spec.ts";
import { z } from "zod";
import { parseDuration, parseMemory } from "../core/units.ts";
import { SecretNameSchema } from "../identity/secrets/spec.ts";
import { checkDataSpec, type JobOutput, JobInputsSchema, JobOutputsSchema, normalizeOutputs, type PinnedInput } from "./data-spec.ts";

// The job spec: one zod schema that the API, the CLI, `plinth.yaml`, the portal's form and
// the reference docs all come from.

export const JOB_STATES = ["queued", "starting", "running", "saving", "succeeded", "failed", "cancelled", "timed_out", "lost"] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

export const FAILURE_REASONS = [
  "out_of_memory",
  "time_limit",
  "command_not_found",
  "permission_denied",
  "python_exception",
  "nonzero_exit",
  "signal",
  "cancelled",
  "lost",
  "start_failed",
  "disk_limit",
  "input_unavailable",
  "output_not_saved",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const duration = z
  .union([z.string(), z.number().nonnegative()])
  .refine((v) => parseDuration(v) !== null, { message: "not a duration; write 90s, 30m, 2h or 1h30m (a number means seconds)" })
  .meta({ description: "A duration such as 90s, 30m, 2h or 1h30m; a bare number means seconds." });

const memory = z
  .union([z.string(), z.number().int().nonnegative()])
  .refine((v) => parseMemory(v) !== null, { message: "not an amount of memory; write 512M, 8G or 16Gi (a number means bytes)" })
  .meta({ description: "Memory such as 512M, 8G or 16Gi (binary units); a bare number means bytes." });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names are letters, digits and _, not starting with a digit");

export const ResourcesSchema = z
  .strictObject({
    cpus: z.number().positive().max(1024).default(1).meta({ description: "CPU cores reserved for the job (fractions allowed)." }),
    memory: memory.default("1G"),
    gpus: z.number().int().min(0).max(64).default(0).meta({ description: "Number of whole GPUs, given to the job exclusively." }),
    gpu: z
      .strictObject({
        model: z.string().min(1).max(128).optional().meta({ description: "Pattern the GPU model must match, e.g. '*3090*' or 'RTX 6000 Ada'. Case-insensitive; * matches anything." }),
        minMemory: memory.optional().meta({ description: "Smallest GPU memory acceptable, e.g. 24G." }),
      })
      .optional()
      .meta({ description: "Constraints on which GPUs qualify." }),
  })
  .meta({ description: "What the job needs to run." });

export const RetryPolicySchema = z.union([
  z.number().int().min(0).max(20),
  z.strictObject({
    count: z.number().int().min(0).max(20).default(0),
    on: z.array(z.enum(FAILURE_REASONS)).min(1).default(["lost"]).meta({ description: "Failure reasons that trigger a retry." }),
  }),
]);

export const JobSpecSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@:+-]*$/, "names use letters, digits and . _ - @ : +, starting with a letter or digit")
      .optional()
      .meta({ description: "A name to find the job by; runs with the same name share run-time estimates." }),
    command: z.array(z.string().max(65_536)).min(1).max(4096).optional().meta({ description: "The program and its arguments (argv), run without a shell." }),
    script: z.string().min(1).max(1_000_000).optional().meta({ description: "A bash script, run instead of `command`." }),
    env: z
      .record(envName, z.string().max(131_072).refine((v) => !v.includes("\0"), { message: "a value cannot hold a NUL character; no program's environment can" }))
      .default({})
      .meta({ description: "Environment variables for the job. Whoever may see the job sees these values: put credentials in `secrets`." }),
    secrets: z
      .array(SecretNameSchema)
      .max(100)
      .default([])
      .meta({
        description:
          "Secrets the job gets as environment variables of the same name, e.g. [WANDB_API_KEY]: your own (`plinth secrets set NAME`), or else the job's team's. The spec holds only the names; the values are put into the job's environment when it starts, and a value the job prints is masked with * in its log.",
      }),
    resources: ResourcesSchema.default({ cpus: 1, memory: "1G", gpus: 0 }),
    timeout: duration.optional().meta({ description: "Stop the job after this long (state timed_out)." }),
    retries: RetryPolicySchema.default(0).meta({ description: "How often to retry, and on which failure reasons. A number N means N retries when the job is lost." }),
    priority: z.number().int().min(-100).max(100).default(0).meta({ description: "Higher runs sooner; -100 to 100." }),
    labels: z.record(z.string().min(1).max(63), z.string().max(256)).default({}),
    estimate: duration.optional().meta({ description: "Expected run time; short jobs are started sooner." }),
    team: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: "The team the job belongs to; one of yours where you are a member or admin. Left out: your primary team." }),
    visibility: z
      .enum(["private", "team", "public"])
      .default("team")
      .meta({
        description:
          "Who may see the job, its spec (env values included) and its log: `private` you and the admins, `team` (the default) everyone in its team, `public` everyone signed in. Put credentials in `secrets`, never in `env`.",
      }),
    code: z
      .strictObject({ bundle: z.string().regex(/^[0-9a-f]{64}$/, "a bundle is a sha256 hex digest") })
      .optional()
      .meta({ description: "Code bundle uploaded with `plinth run`; unpacked into the job's working directory." }),
    inputs: JobInputsSchema.optional(),
    outputs: JobOutputsSchema.optional(),
    executor: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, "an executor's name: lower-case letters, digits and -")
      .optional()
      .meta({ description: "Where the job runs: `local` (this server's machine) or a cluster the server names under `executors` (`plinth cluster` lists them). Unset: the server's routing rules choose." }),
    environment: z
      .union([NamedEnvironmentRefSchema, EnvironmentSpecSchema])
      .optional()
      .meta({ description: "The Python environment the job runs in: a named environment of its team (`pytorch`, `pytorch@3`), or its Python and packages." }),
  })
  .superRefine((spec, ctx) => {
    if (!spec.command && !spec.script) {
      ctx.addIssue({ code: "custom", path: ["command"], message: "give either `command` (argv) or `script`" });
    }
    if (spec.command && spec.script) {
      ctx.addIssue({ code: "custom", path: ["script"], message: "give `command` or `script`, not both" });
    }
    spec.secrets.forEach((name, i) => {
      if (spec.secrets.indexOf(name) !== i) ctx.addIssue({ code: "custom", path: ["secrets", i], message: `${name} is named twice` });
      else if (name in spec.env) ctx.addIssue({ code: "custom", path: ["secrets", i], message: `${name} is also in env; a variable comes from one or the other` });
    });
    checkDataSpec(spec, ctx);
  })
  .meta({ id: "JobSpec", description: "What to run, with which resources and policies." });

export type JobSpecInput = z.input<typeof JobSpecSchema>;
export type JobSpec = z.output<typeof JobSpecSchema>;

/** Resource request in plain units, as the scheduler and executors see it. */
export interface ResourceRequest {
  cpus: number;
  memoryBytes: number;
  gpus: number;
  gpuModel?: string;
  gpuMinMemoryBytes?: number;
}

export interface NormalizedJob {
  name: string;
  argv: string[];
  env: Record<string, string>;
  resources: ResourceRequest;
  timeoutMs: number | null;
  estimateMs: number | null;
  priority: number;
  labels: Record<string, string>;
  retry: { count: number; on: FailureReason[] };
  codeBundle: string | null;
  /** Names of the secrets put into its environment at launch (absent in jobs from before secrets). */
  secrets?: string[];
  /** Dataset versions it reads, fixed at submit (absent when it reads none). */
  inputs?: PinnedInput[];
  /** Folders saved as dataset versions when it succeeds (absent when none). */
  outputs?: JobOutput[];
  /** Its Python environment, pinned at submit (absent when it names none). */
  environment?: ResolvedEnvironment;
  /** The named environment version it was pinned from (absent when the spec gave its packages). */
  namedEnvironment?: NamedVersion;
  /** Its container image, pinned at submit to the image's id (absent when it names none). */
  image?: ResolvedImage;
  /** The workspace whose session it is (absent for other jobs); see src/workspaces. */
  workspace?: WorkspaceSession;
}

/** A workspace session's job: its owner's home folder on this machine, where it shows inside, and the login name there. */
export interface WorkspaceSession {
  id: string;
  home: string;
  homeTarget: string;
  login: string;
  /** Host folders its app needs, mounted read-only where they are (code-server). */
  readOnly?: string[];
}

export function normalizeSpec(spec: JobSpec): NormalizedJob {
  const argv = spec.command ?? ["bash", "-c", spec.script!];
  const retry = typeof spec.retries === "number" ? { count: spec.retries, on: ["lost" as FailureReason] } : spec.retries;
  const outputs = normalizeOutputs(spec.outputs);
  return {
    name: spec.name ?? defaultName(argv, spec.script !== undefined),
    argv,
    env: spec.env,
    resources: {
      cpus: spec.resources.cpus,
      memoryBytes: parseMemory(spec.resources.memory)!,
      gpus: spec.resources.gpus,
      ...(spec.resources.gpu?.model !== undefined && { gpuModel: spec.resources.gpu.model }),
      ...(spec.resources.gpu?.minMemory !== undefined && { gpuMinMemoryBytes: parseMemory(spec.resources.gpu.minMemory)! }),
    },
    timeoutMs: spec.timeout === undefined ? null : parseDuration(spec.timeout),
    estimateMs: spec.estimate === undefined ? null : parseDuration(spec.estimate),
    priority: spec.priority,
    labels: spec.labels,
    retry: { count: retry.count, on: retry.on },
    codeBundle: spec.code?.bundle ?? null,
    ...(spec.secrets.length > 0 && { secrets: spec.secrets }),
    ...(outputs && { outputs }),
  };
}

function defaultName(argv: string[], isScript: boolean): string {
  if (isScript) return "script";
  const program = argv[0]!.split("/").pop() || "job";
  // `python train.py` is better named by its script than by "python".
  const first = /^(python\d?(\.\d+)?|bash|sh|node|Rscript|julia)$/.test(program) && argv[1] && !argv[1].startsWith("-") ? argv[1].split("/").pop()! : program;
  return first.replace(/[^A-Za-z0-9._@:+-]/g, "_").replace(/^[^A-Za-z0-9]+/, "") .slice(0, 128) || "job";
}
