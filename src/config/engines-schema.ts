import { z } from "zod";

// Settings of the cluster engines Plinth hands jobs to (`executors:`), and the Keeper's rules
// that pick one for a job whose spec names none (`routing:`). The local machine is always the
// executor named `local`.

const absolutePath = z.string().regex(/^\//, "an absolute path");
const executorName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "lower-case letters, digits and -, starting with a letter");

const SlurmExecutorSchema = z
  .strictObject({
    kind: z.literal("slurm").meta({ description: "`slurm`: a Slurm cluster." }),
    teams: z.array(z.string().min(1)).min(1).optional().meta({ description: "Only jobs of these teams may run here (by team name). Unset: every team's." }),
    sharedDir: absolutePath.meta({
      description: "A folder on a file system the compute nodes mount at the same path (NFS, Lustre, BeeGFS): jobs' code, inputs, logs and outputs go through it. Plinth makes jobs/<id> folders in it.",
    }),
    partition: z.string().min(1).optional().meta({ description: "The partition jobs go to. Unset: the cluster's default partition." }),
    account: z.string().min(1).optional().meta({ description: "The Slurm account jobs are charged to. Unset: the submitting user's default account." }),
    gpuOption: z.enum(["gres", "gpus"]).default("gres").meta({ description: "How GPUs are asked for: gres = --gres=gpu[:type]:n (every Slurm); gpus = --gpus=[type:]n (cons_tres)." }),
    gpuTypes: z
      .record(z.string().min(1), z.string().regex(/^[A-Za-z0-9._-]+$/, "a gres type: letters, digits, . _ -"))
      .default({})
      .meta({ description: "GPU models as Plinth specs name them, mapped to the cluster's gres types, e.g. {'A100 80GB': a100}. A job asking for a model not listed is refused." }),
    bin: absolutePath.optional().meta({ description: "The folder holding sbatch, squeue, scancel, sinfo. Unset: found on PATH." }),
    conf: absolutePath.optional().meta({ description: "slurm.conf to use (SLURM_CONF). Unset: the machine's own." }),
    user: z.string().min(1).optional().meta({ description: "The account Plinth submits as, whose jobs squeue lists. Unset: the user Plinth runs as." }),
    plinthUrl: z.url().optional().meta({ description: "Plinth's address as the compute nodes reach it, for jobs' experiment tracking (MLFLOW_TRACKING_URI). Unset: server.publicUrl." }),
    allowRoot: z
      .boolean()
      .default(false)
      .meta({ description: "Let Plinth submit while it runs as root, so that jobs run as root on the nodes. Only for a test cluster on one machine: run Plinth as an ordinary account instead." }),
    containers: z
      .enum(["none", "apptainer", "pyxis"])
      .default("none")
      .meta({ description: "How jobs with an image run on the nodes: apptainer (or singularity) exec, or pyxis's --container-image. none: jobs with an image are refused." }),
    pollInterval: z
      .union([z.string(), z.number().nonnegative()])
      .default("2s")
      .meta({ description: "How often squeue is asked about Plinth's jobs (one call for all of them)." }),
  })
  .meta({ description: "A Slurm cluster reached through its commands on this machine." });

const KubernetesExecutorSchema = z
  .strictObject({
    kind: z.literal("kubernetes").meta({ description: "`kubernetes`: a Kubernetes cluster." }),
    teams: z.array(z.string().min(1)).min(1).optional().meta({ description: "Only jobs of these teams may run here (by team name). Unset: every team's." }),
    kubeconfig: absolutePath.optional().meta({ description: "The kubeconfig file to reach the cluster with. Unset: the in-cluster service account (when Plinth runs in the cluster)." }),
    context: z.string().min(1).optional().meta({ description: "The kubeconfig context to use. Unset: its current context." }),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a namespace name").meta({ description: "The namespace jobs run in; Plinth needs rights in it only." }),
    plinthUrl: z.url().meta({ description: "Plinth's address as pods in the cluster reach it: each job's init container fetches its code and inputs from it." }),
    defaultImage: z.string().min(1).default("docker.io/library/python:3.12-slim").meta({ description: "The image of jobs whose environment names none." }),
    initImage: z.string().min(1).default("docker.io/library/busybox:1.36").meta({ description: "The image of the init container that fetches a job's folder (needs wget and tar)." }),
    gpuModelLabel: z.string().min(1).default("nvidia.com/gpu.product").meta({ description: "The node label that names its GPU model (GPU feature discovery sets this one)." }),
    nodePoolLabel: z.string().min(1).optional().meta({ description: "The node label that names its pool, shown on the cluster page." }),
    nodeSelector: z.record(z.string(), z.string()).default({}).meta({ description: "Labels every job's node must have." }),
    tolerations: z.array(z.record(z.string(), z.unknown())).default([]).meta({ description: "Tolerations added to every job's pod, as Kubernetes writes them." }),
    annotations: z.record(z.string(), z.string()).default({}).meta({ description: "Annotations added to every job's pod." }),
    queue: z
      .discriminatedUnion("kind", [z.strictObject({ kind: z.literal("kueue"), name: z.string().min(1) }), z.strictObject({ kind: z.literal("volcano"), name: z.string().min(1) })])
      .optional()
      .meta({ description: "A queue the cluster already uses: a Kueue LocalQueue, or a Volcano queue." }),
    serviceAccountName: z.string().min(1).optional().meta({ description: "The service account jobs' pods run as. Unset: the namespace's default." }),
    runAsNonRoot: z.boolean().optional().meta({ description: "Refuse to start a job whose image would run it as root (the pods' runAsNonRoot)." }),
    runAsUser: z.number().int().min(0).optional().meta({ description: "The uid jobs' containers run as. Unset: the image's own user." }),
    gpuResource: z.string().min(1).default("nvidia.com/gpu").meta({ description: "The extended resource GPUs are asked for by." }),
    jobRetention: z
      .union([z.string(), z.number().nonnegative()])
      .default("1d")
      .meta({ description: "How long an ended Job is kept in the namespace for inspection (ttlSecondsAfterFinished)." }),
    priorityClassName: z.string().min(1).optional().meta({ description: "The PriorityClass of jobs' pods." }),
  })
  .meta({ description: "A Kubernetes cluster: jobs become batch/v1 Jobs in one namespace." });

export const EngineExecutorSchema = z.discriminatedUnion("kind", [SlurmExecutorSchema, KubernetesExecutorSchema]);

export const ExecutorsSchema = z
  .record(executorName, EngineExecutorSchema)
  .refine((r) => !("local" in r), { message: "`local` is this machine's executor; give the cluster another name" })
  .default({})
  .meta({ description: "Clusters jobs can run on besides this machine, by name: a job spec picks one with `executor: NAME`." });

const RoutingRuleSchema = z
  .strictObject({
    executor: executorName.meta({ description: "Where the matching jobs go: `local` or a name under `executors`." }),
    team: z.string().min(1).optional().meta({ description: "Jobs of this team." }),
    minGpus: z.number().int().min(0).optional().meta({ description: "Jobs asking for at least this many GPUs." }),
    gpuModel: z.string().min(1).optional().meta({ description: "Jobs whose GPU model pattern is exactly this." }),
    whenLocalCannot: z.boolean().optional().meta({ description: "Jobs the local machine could never hold (more GPUs, CPUs or memory than it has)." }),
  })
  .meta({ description: "One rule: every condition given must hold; the first rule that matches picks the executor." });

export const RoutingSchema = z
  .array(RoutingRuleSchema)
  .default([])
  .meta({ description: "How a job whose spec names no executor is placed: the first matching rule names the executor tried first; then this machine, then each cluster in the order of `executors`. The first that could ever run the job takes it." });

export type EngineExecutorConfig = z.output<typeof EngineExecutorSchema>;
export type SlurmExecutorConfig = z.output<typeof SlurmExecutorSchema>;
export type KubernetesExecutorConfig = z.output<typeof KubernetesExecutorSchema>;
export type RoutingRule = z.output<typeof RoutingRuleSchema>;
