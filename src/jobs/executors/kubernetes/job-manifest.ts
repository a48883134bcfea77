import { createHash } from "node:crypto";
import { gpuModelMatches } from "../../scheduler/policy.ts";
import type { EngineJob } from "../engine.ts";

// A Plinth job as a Kubernetes batch/v1 Job and the Secret its variables travel in. The Job
// runs one pod once (backoffLimit 0, restartPolicy Never): retrying is Plinth's decision, never
// Kubernetes'. Every variable comes from the Secret, so none is written in the Job, where anyone
// who may list Jobs would read it. The job's folder is not on a shared file system: an init
// container fetches it from Plinth as a tar into an emptyDir mounted at /work, the working
// directory of the job's container (paths under the job's folder in its variables, such as
// PLINTH_INPUT_<NAME>, are rewritten to /work).

export interface KubernetesSettings {
  /** Plinth's address as pods reach it: the init container fetches the job's folder from there. */
  plinthUrl: string;
  /** The image of jobs that name none. */
  defaultImage: string;
  /** The init container's image: it needs sh, wget and tar (default docker.io/library/busybox:1.36). */
  initImage?: string;
  /** The node label that names a node's GPU model (default nvidia.com/gpu.product, as NVIDIA's feature discovery sets it). */
  gpuModelLabel?: string;
  /** The extended resource GPUs are asked for by (default nvidia.com/gpu). */
  gpuResource?: string;
  /** The node label that names a node's pool; unset: the first of NODE_POOL_LABELS a node has. */
  nodePoolLabel?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Array<Record<string, unknown>>;
  /** Annotations on every job's pod (for admission controllers and the like). */
  annotations?: Record<string, string>;
  /** Pods refuse to start a container whose image runs as root. */
  runAsNonRoot?: boolean;
  runAsUser?: number;
  /** A queue in front of the scheduler: Kueue's LocalQueue, or Volcano's queue. */
  queue?: { kind: "kueue" | "volcano"; name: string };
  serviceAccountName?: string;
  priorityClassName?: string;
  /** How long an ended Job (and its Secret) is kept for inspection (default one day). */
  ttlSecondsAfterFinished?: number;
}

export const DEFAULT_INIT_IMAGE = "docker.io/library/busybox:1.36";
export const DEFAULT_GPU_MODEL_LABEL = "nvidia.com/gpu.product";
/** Node pool labels tried in order when settings name none: Plinth's own, then GKE's, EKS's, AKS's, Karpenter's. */
export const NODE_POOL_LABELS = ["plinth.dev/pool", "cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup", "kubernetes.azure.com/agentpool", "karpenter.sh/nodepool"];
export const MANAGED_BY = { key: "app.kubernetes.io/managed-by", value: "plinth" } as const;
export const JOB_ID_LABEL = "plinth.dev/job-id";
export const WORKDIR_KEY_VARIABLE = "PLINTH_WORKDIR_KEY";
/** The job's folder inside its pod. */
export const POD_WORKDIR = "/work";
/** The job's container, whose logs are followed. */
export const MAIN_CONTAINER = "main";
export const INIT_CONTAINER = "fetch-workdir";

// Fixed: the key and the URL come in through variables, so nothing of the job's is in the script.
const FETCH_SCRIPT = `set -eo pipefail; wget -q -O - --header "Authorization: Bearer $${WORKDIR_KEY_VARIABLE}" "$PLINTH_WORKDIR_URL" | tar -x -C ${POD_WORKDIR}; chmod -R a+rwX ${POD_WORKDIR}`;

/** A job that this engine cannot run as asked, with what to do instead. */
export class KubernetesRefusalError extends Error {
  readonly hint: string;
  constructor(reason: string, hint: string) {
    super(reason);
    this.name = "KubernetesRefusalError";
    this.hint = hint;
  }
}

/** A DNS-1123 label (names of Jobs, Secrets): lowercase, digits and "-", at most 63 characters. */
export function jobName(jobId: string): string {
  const name = `plinth-${jobId.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`.replace(/-+$/, "");
  if (name.length <= 63) return name;
  // Too long to keep whole: a hash of the id keeps two long ids apart.
  return `${name.slice(0, 54).replace(/-+$/, "")}-${createHash("sha256").update(jobId).digest("hex").slice(0, 8)}`;
}

/** A label value: at most 63 of [A-Za-z0-9._-], beginning and ending with a letter or digit; "" when nothing is left. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/**
 * The node label values a GPU model pattern stands for. Plinth's patterns are case-insensitive
 * with `*`; a node selector matches exact values, so the pattern is matched against the models
 * the cluster's nodes have (`models`), and an exact name is kept as written too (for nodes a pool
 * may add later). Throws a KubernetesRefusalError when nothing can be asked for.
 */
export function gpuModelValues(pattern: string, models: string[], label = DEFAULT_GPU_MODEL_LABEL): string[] {
  const matching = [...new Set(models.filter((m) => gpuModelMatches(pattern, m)))];
  const exact = pattern.trim();
  const values = !exact.includes("*") && labelValue(exact) === exact ? [...new Set([exact, ...matching])] : matching;
  if (values.length > 0) return values;
  const known = [...new Set(models)].filter(Boolean);
  throw new KubernetesRefusalError(
    `No node of the Kubernetes cluster has a GPU model matching '${pattern}'${known.length ? ` (its models: ${known.join(", ")})` : ""}.`,
    `Kubernetes selects nodes by the exact value of their ${label} label: name one of the models the cluster has, or leave resources.gpu.model out.`,
  );
}

/**
 * What this engine cannot do for a job, checked before it is submitted, with the cluster's GPU
 * models as its nodes name them (from inventory()); null when it can run it.
 */
export function kubernetesRefusal(job: Pick<EngineJob, "gpus" | "gpuModel"> & { env?: Record<string, string> }, models: string[], settings?: Pick<KubernetesSettings, "gpuModelLabel">): { reason: string; hint: string } | null {
  const badName = Object.keys(job.env ?? {}).find((k) => !/^[-._a-zA-Z0-9]+$/.test(k));
  if (badName !== undefined) return { reason: `The variable name '${badName}' cannot be a key of a Kubernetes Secret.`, hint: "Use letters, digits, '_', '-' and '.' in variable names." };
  if (job.gpus > 0 && job.gpuModel !== undefined && job.gpuModel.trim() !== "*") {
    try {
      gpuModelValues(job.gpuModel, models, settings?.gpuModelLabel);
    } catch (e) {
      if (e instanceof KubernetesRefusalError) return { reason: e.message, hint: e.hint };
      throw e;
    }
  }
  return null;
}

/** The job's labels: Plinth's, its id and its owner's, each made a valid label value. */
export function jobLabels(job: Pick<EngineJob, "jobId" | "owner">): Record<string, string> {
  const labels: Record<string, string> = { [MANAGED_BY.key]: MANAGED_BY.value, [JOB_ID_LABEL]: labelValue(job.jobId) };
  const user = labelValue(job.owner.userName);
  if (user) labels["plinth.dev/user"] = user;
  const team = job.owner.teamId ? labelValue(job.owner.teamId) : "";
  if (team) labels["plinth.dev/team"] = team;
  return labels;
}

/** Paths under the job's folder on Plinth's machine, as the pod sees them. */
function inPod(value: string, workdir: string): string {
  const root = workdir.replace(/\/+$/, "");
  if (value === root) return POD_WORKDIR;
  return value.startsWith(`${root}/`) ? `${POD_WORKDIR}/${value.slice(root.length + 1)}` : value;
}

/** The Secret with the job's variables and the key its init container fetches its folder with. */
export function secretManifest(job: EngineJob, workdirKey: string): Record<string, any> {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(job.env)) data[k] = Buffer.from(inPod(v, job.workdir)).toString("base64");
  data[WORKDIR_KEY_VARIABLE] = Buffer.from(workdirKey).toString("base64");
  return { apiVersion: "v1", kind: "Secret", metadata: { name: jobName(job.jobId), labels: jobLabels(job) }, type: "Opaque", immutable: true, data };
}

/** The batch/v1 Job; `gpuModels` are the node label values its GPU model stands for (gpuModelValues). */
export function jobManifest(job: EngineJob, settings: KubernetesSettings, gpuModels: string[] = []): Record<string, any> {
  const name = jobName(job.jobId);
  const labels = jobLabels(job);
  const image = job.image?.reference ?? settings.defaultImage;
  const quantities: Record<string, string> = { cpu: `${Math.max(1, Math.round(job.cpus * 1000))}m`, memory: String(Math.max(1, Math.round(job.memoryBytes))) };
  const limits: Record<string, string> = { ...quantities };
  if (job.gpus > 0) limits[settings.gpuResource ?? "nvidia.com/gpu"] = String(job.gpus);
  const containerSecurity = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
  const annotations: Record<string, string> = { ...settings.annotations, "plinth.dev/job-name": job.name };
  const queue = settings.queue;
  if (queue?.kind === "volcano") annotations["scheduling.volcano.sh/queue-name"] = queue.name;
  const jobMetaLabels = queue?.kind === "kueue" ? { ...labels, "kueue.x-k8s.io/queue-name": queue.name } : labels;
  const url = `${settings.plinthUrl.replace(/\/+$/, "")}/api/v1/jobs/${encodeURIComponent(job.jobId)}/workdir.tar`;
  const podSpec: Record<string, any> = {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { seccompProfile: { type: "RuntimeDefault" }, ...(settings.runAsNonRoot && { runAsNonRoot: true }), ...(settings.runAsUser !== undefined && { runAsUser: settings.runAsUser }) },
    volumes: [{ name: "work", emptyDir: {} }],
    initContainers: [
      {
        name: INIT_CONTAINER,
        image: settings.initImage ?? DEFAULT_INIT_IMAGE,
        command: ["sh", "-c", FETCH_SCRIPT],
        env: [
          { name: "PLINTH_WORKDIR_URL", value: url },
          { name: WORKDIR_KEY_VARIABLE, valueFrom: { secretKeyRef: { name, key: WORKDIR_KEY_VARIABLE } } },
        ],
        // It needs no root: it only writes into the emptyDir.
        securityContext: { ...containerSecurity, runAsNonRoot: true, runAsUser: settings.runAsUser ?? 65532 },
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
        volumeMounts: [{ name: "work", mountPath: POD_WORKDIR }],
      },
    ],
    containers: [
      {
        name: MAIN_CONTAINER,
        image,
        command: job.argv,
        workingDir: POD_WORKDIR,
        envFrom: [{ secretRef: { name } }],
        resources: { requests: quantities, limits },
        securityContext: containerSecurity,
        volumeMounts: [{ name: "work", mountPath: POD_WORKDIR }],
      },
    ],
  };
  if (settings.nodeSelector) podSpec.nodeSelector = settings.nodeSelector;
  if (settings.tolerations) podSpec.tolerations = settings.tolerations;
  if (settings.serviceAccountName) podSpec.serviceAccountName = settings.serviceAccountName;
  if (settings.priorityClassName) podSpec.priorityClassName = settings.priorityClassName;
  if (queue?.kind === "volcano") podSpec.schedulerName = "volcano";
  if (job.gpus > 0 && gpuModels.length > 0) {
    const match = { key: settings.gpuModelLabel ?? DEFAULT_GPU_MODEL_LABEL, operator: "In", values: gpuModels };
    podSpec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [match] }] } } };
  }
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: jobMetaLabels, annotations: { "plinth.dev/job-name": job.name } },
    spec: {
      backoffLimit: 0,
      ...(job.timeoutMs !== null && { activeDeadlineSeconds: Math.max(1, Math.ceil(job.timeoutMs / 1000)) }),
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished ?? 86_400,
      ...(queue?.kind === "kueue" && { suspend: true }),
      template: { metadata: { labels, annotations }, spec: podSpec },
    },
  };
}
