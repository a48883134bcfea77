import type { FailureReason } from "../../spec.ts";
import type { EngineEnd } from "../engine.ts";
import { INIT_CONTAINER, MAIN_CONTAINER } from "./job-manifest.ts";

// What Kubernetes says of a job's Job and pod, in Plinth's words: waiting (with the scheduler's
// reason), running, or ended with a classified reason. Pure functions of the objects as the
// API gives them, so every mapping is tested from literal objects.

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; signal?: number; reason?: string; message?: string };
}
interface ContainerStatus {
  name: string;
  image?: string;
  state?: ContainerState;
}

/** The fields of a pod that decide a job's phase. */
export interface KubePod {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ name: string; image?: string }>; initContainers?: Array<{ name: string; image?: string }> };
  status?: { phase?: string; reason?: string; message?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

/** The fields of a Job that decide a job's phase. */
export interface KubeJob {
  metadata: { name: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { suspend?: boolean };
  status?: { conditions?: Condition[] };
}

export type KubePhase = { phase: "waiting"; why: string } | { phase: "running"; where: string } | { phase: "ended"; end: EngineEnd } | { phase: "unknown" };

const RETRY_HINT = "Plinth runs it again when its spec allows (`retries`); checkpoints let it resume where it stopped.";
const PULL_ERRORS = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"]);
const CONFIG_ERRORS = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError", "PreStartHookError"]);
const DISRUPTIONS: Record<string, string> = {
  PreemptionByScheduler: "The scheduler preempted it for a pod of higher priority.",
  DeletionByTaintManager: "Its node was tainted (failing or being drained), and Kubernetes removed it.",
  EvictionByEvictionAPI: "It was evicted (the node was drained, or by an eviction request).",
  DeletionByPodGC: "Its node is gone, and Kubernetes removed it.",
  TerminationByKubelet: "Its node stopped it (the node ran short of resources, or is shutting down).",
};

function failed(exitCode: number | null, engineState: string, reason: FailureReason, message: string, hint: string | null = null): KubePhase {
  return { phase: "ended", end: { exitCode, engineState, outcome: { outcome: "failed", reason, message, hint } } };
}

/** A message inside a sentence of ours: without its own final period. */
const clause = (text: string) => text.trim().replace(/[.\s]+$/, "");

const condition = (conditions: Condition[] | undefined, type: string) => conditions?.find((c) => c.type === type && c.status === "True");

/** The Job's own verdict, when it has one: Complete, or Failed (with DeadlineExceeded, BackoffLimitExceeded…). */
export function jobVerdict(job: KubeJob | undefined): { type: "Complete" | "Failed"; reason: string; message: string } | null {
  const conditions = job?.status?.conditions;
  // FailureTarget comes before Failed (Kubernetes 1.31+), while the pod is still being stopped.
  const c = condition(conditions, "Failed") ?? condition(conditions, "FailureTarget");
  if (c) return { type: "Failed", reason: c.reason ?? "", message: c.message ?? "" };
  const done = condition(conditions, "Complete") ?? condition(conditions, "SuccessCriteriaMet");
  return done ? { type: "Complete", reason: done.reason ?? "", message: done.message ?? "" } : null;
}

/**
 * The job's phase from its Job and its pod (either may be unknown: not seen yet, or gone).
 * "unknown" means nothing can be concluded yet, e.g. a pod stopped while its Job's verdict is
 * still to come.
 */
export function phaseOf(job: KubeJob | undefined, pod: KubePod | undefined): KubePhase {
  const verdict = jobVerdict(job);
  const main = pod?.status?.containerStatuses?.find((c) => c.name === MAIN_CONTAINER)?.state?.terminated;
  if (verdict?.type === "Failed" && verdict.reason === "DeadlineExceeded") {
    return failed(main?.exitCode ?? null, "DeadlineExceeded", "time_limit", "It reached its time limit and Kubernetes stopped it.", "Give it a longer `timeout`, or save checkpoints and resume.");
  }
  if (pod) {
    const fromPod = podPhase(pod);
    // A failing pod that is being deleted was stopped by someone (the Job's deadline, a
    // cancel): the Job's verdict says which.
    if (fromPod.phase === "ended" && fromPod.end.outcome.outcome === "failed" && pod.metadata.deletionTimestamp && !verdict && fromPod.end.outcome.reason !== "lost") return { phase: "unknown" };
    if (fromPod.phase !== "unknown") return fromPod;
  }
  if (verdict?.type === "Complete") return { phase: "ended", end: { exitCode: 0, engineState: "Complete", outcome: { outcome: "succeeded" } } };
  if (verdict?.type === "Failed") {
    return failed(null, verdict.reason || "Failed", "lost", `Its pod is gone and Kubernetes reports the Job failed${verdict.message ? `: ${clause(verdict.message)}` : ` (${verdict.reason || "no reason given"})`}.`, RETRY_HINT);
  }
  if (job?.spec?.suspend) {
    const queue = job.metadata.labels?.["kueue.x-k8s.io/queue-name"];
    return { phase: "waiting", why: queue ? `waiting in queue ${queue} (Kueue admits it when its quota allows)` : "waiting: its Job is suspended" };
  }
  if (job && !pod) return { phase: "waiting", why: "waiting for Kubernetes to create its pod" };
  return { phase: "unknown" };
}

/** The phase a pod alone tells. */
export function podPhase(pod: KubePod): KubePhase {
  const s = pod.status ?? {};
  const node = pod.spec?.nodeName ?? "";
  switch (s.phase) {
    case "Running":
      return { phase: "running", where: node ? `${node} (pod ${pod.metadata.name})` : pod.metadata.name };
    case "Succeeded":
      return { phase: "ended", end: { exitCode: 0, engineState: "Succeeded", outcome: { outcome: "succeeded" } } };
    case "Failed":
      return failedPod(pod);
    case "Pending":
    case undefined:
      return pendingPod(pod);
    default:
      // "Unknown": the node stopped answering; the node controller decides in a while.
      return { phase: "unknown" };
  }
}

function pendingPod(pod: KubePod): KubePhase {
  const s = pod.status ?? {};
  for (const c of [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    if (!waiting?.reason) continue;
    const image = c.image ?? [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === c.name)?.image ?? "?";
    const detail = waiting.message ? `: ${clause(waiting.message)}` : "";
    if (PULL_ERRORS.has(waiting.reason)) {
      const which = c.name === INIT_CONTAINER ? "the image that fetches its folder" : "its image";
      return failed(null, waiting.reason, "start_failed", `Kubernetes could not pull ${which}, ${image} (${waiting.reason})${detail}.`, c.name === INIT_CONTAINER ? "Check the Kubernetes executor's initImage, and that the cluster can reach its registry." : "Check the image's name and tag, and that the cluster may pull it (a private registry needs an imagePullSecret on the service account).");
    }
    if (CONFIG_ERRORS.has(waiting.reason)) {
      return failed(null, waiting.reason, "start_failed", `Kubernetes could not start its container (${waiting.reason})${detail}.`, /non-root|runAsNonRoot/i.test(waiting.message ?? "") ? "The image runs as root, which the cluster's settings forbid: use an image with a non-root USER." : "The message above is Kubernetes' own; an administrator of the cluster can tell more.");
    }
  }
  const scheduled = s.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False") {
    if (scheduled.reason === "Unschedulable") return { phase: "waiting", why: `waiting: no node can take it now — ${scheduled.message?.trim() || "the scheduler gave no reason"}` };
    if (scheduled.reason === "SchedulingGated") return { phase: "waiting", why: "waiting: held back from scheduling (a scheduling gate)" };
  }
  if (pod.spec?.nodeName) {
    const fetching = s.initContainerStatuses?.find((c) => c.name === INIT_CONTAINER && !c.state?.terminated);
    return { phase: "waiting", why: fetching ? `starting on ${pod.spec.nodeName}: fetching its folder` : `starting on ${pod.spec.nodeName}` };
  }
  return { phase: "waiting", why: "waiting to be scheduled" };
}

function failedPod(pod: KubePod): KubePhase {
  const s = pod.status ?? {};
  const main = s.containerStatuses?.find((c) => c.name === MAIN_CONTAINER)?.state?.terminated;
  const exitCode = main?.exitCode ?? null;
  const disruption = s.conditions?.find((c) => c.type === "DisruptionTarget" && c.status === "True");
  if (disruption) {
    const why = DISRUPTIONS[disruption.reason ?? ""] ?? `Kubernetes stopped it (${disruption.reason ?? "DisruptionTarget"})${disruption.message ? `: ${clause(disruption.message)}` : ""}.`;
    return failed(exitCode, disruption.reason ?? "DisruptionTarget", "lost", why, RETRY_HINT);
  }
  if (s.reason === "Evicted") return failed(exitCode, "Evicted", "lost", `Its node evicted it${s.message ? `: ${clause(s.message)}` : ""}.`, RETRY_HINT);
  if (s.reason === "DeadlineExceeded") return failed(exitCode, "DeadlineExceeded", "time_limit", "It reached its time limit and Kubernetes stopped it.", "Give it a longer `timeout`, or save checkpoints and resume.");
  const init = s.initContainerStatuses?.find((c) => c.name === INIT_CONTAINER)?.state?.terminated;
  if (init && init.exitCode !== 0) {
    return failed(null, init.reason ?? "Error", "start_failed", `Its folder could not be fetched from Plinth (exit code ${init.exitCode}).`, "The cluster's pods must reach Plinth at the Kubernetes executor's plinthUrl; check that address from a pod.");
  }
  if (main?.reason === "OOMKilled") return failed(exitCode, "OOMKilled", "out_of_memory", "It used more memory than it asked for, and Kubernetes stopped it.", "Ask for more `resources.memory`, or use less: smaller batches, data read in chunks.");
  if (main && main.exitCode > 128) return failed(exitCode, main.reason ?? "Error", "signal", `Killed by signal ${main.exitCode - 128}.`);
  if (main && main.exitCode !== 0) return failed(exitCode, main.reason ?? "Error", "nonzero_exit", `Exited with code ${main.exitCode}.`);
  return failed(exitCode, s.reason ?? "Failed", "lost", `Kubernetes reports its pod failed${s.message ? `: ${clause(s.message)}` : s.reason ? ` (${s.reason})` : ""}.`, RETRY_HINT);
}
