import { describe, expect, it } from "vitest";
import { type KubeJob, type KubePod, phaseOf, podPhase } from "../../src/jobs/executors/kubernetes/states.ts";

// How a Kubernetes Job and its pod read in Plinth's words, from objects as the API server
// writes them.

const spec = { nodeName: "gpu-7", containers: [{ name: "main", image: "ghcr.io/lab/train:1" }], initContainers: [{ name: "fetch-workdir", image: "docker.io/library/busybox:1.36" }] };
const pod = (status: KubePod["status"], extra: Partial<KubePod["metadata"]> = {}): KubePod => ({ metadata: { name: "plinth-job-1-abcde", ...extra }, spec, status });
const terminated = (exitCode: number, reason = "Error") => ({ containerStatuses: [{ name: "main", state: { terminated: { exitCode, reason } } }] });
const job = (conditions: NonNullable<KubeJob["status"]>["conditions"] = [], extra: Partial<KubeJob> = {}): KubeJob => ({ metadata: { name: "plinth-job-1", uid: "u1" }, status: { conditions }, ...extra });
const reasonOf = (p: ReturnType<typeof phaseOf>) => (p.phase === "ended" && p.end.outcome.outcome === "failed" ? p.end.outcome.reason : p.phase === "ended" ? "succeeded" : p.phase);

describe("a pod's phase in Plinth's words", () => {
  it("waits with the scheduler's own message when no node can take it", () => {
    const p = pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient nvidia.com/gpu." }] });
    expect(podPhase({ ...p, spec: { containers: spec.containers } })).toEqual({ phase: "waiting", why: "waiting: no node can take it now — 0/1 nodes are available: 1 Insufficient nvidia.com/gpu." });
  });

  it("waits to be scheduled, then starts on its node while its folder is fetched", () => {
    expect(podPhase({ metadata: { name: "p" }, status: { phase: "Pending" } })).toEqual({ phase: "waiting", why: "waiting to be scheduled" });
    const fetching = pod({ phase: "Pending", initContainerStatuses: [{ name: "fetch-workdir", state: { running: {} } }] });
    expect(podPhase(fetching)).toEqual({ phase: "waiting", why: "starting on gpu-7: fetching its folder" });
  });

  it("fails to start, naming the image, when it cannot be pulled", () => {
    const p = pod({ phase: "Pending", containerStatuses: [{ name: "main", image: "ghcr.io/lab/train:1", state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } }] });
    const phase = podPhase(p);
    expect(reasonOf(phase)).toBe("start_failed");
    expect(phase.phase === "ended" && phase.end.outcome.outcome === "failed" && phase.end.outcome.message).toContain("ghcr.io/lab/train:1");
    expect(phase.phase === "ended" && phase.end.engineState).toBe("ImagePullBackOff");
    const init = pod({ phase: "Pending", initContainerStatuses: [{ name: "fetch-workdir", state: { waiting: { reason: "ErrImagePull" } } }] });
    const initPhase = podPhase(init);
    expect(initPhase.phase === "ended" && initPhase.end.outcome.outcome === "failed" && initPhase.end.outcome.message).toContain("busybox");
  });

  it("fails to start on a container configuration error, with a hint for images running as root", () => {
    const p = pod({ phase: "Pending", containerStatuses: [{ name: "main", state: { waiting: { reason: "CreateContainerConfigError", message: "container has runAsNonRoot and image will run as root" } } }] });
    const phase = podPhase(p);
    expect(reasonOf(phase)).toBe("start_failed");
    expect(phase.phase === "ended" && phase.end.outcome.outcome === "failed" && phase.end.outcome.hint).toContain("non-root");
  });

  it("runs on its node", () => {
    expect(podPhase(pod({ phase: "Running" }))).toEqual({ phase: "running", where: "gpu-7 (pod plinth-job-1-abcde)" });
  });

  it("succeeds with exit code 0", () => {
    expect(podPhase(pod({ phase: "Succeeded", ...terminated(0, "Completed") }))).toEqual({ phase: "ended", end: { exitCode: 0, engineState: "Succeeded", outcome: { outcome: "succeeded" } } });
  });

  it("fails with its exit code, by a signal above 128, or out of memory", () => {
    const exit3 = podPhase(pod({ phase: "Failed", ...terminated(3) }));
    expect(exit3).toMatchObject({ phase: "ended", end: { exitCode: 3, engineState: "Error", outcome: { reason: "nonzero_exit", message: "Exited with code 3." } } });
    expect(podPhase(pod({ phase: "Failed", ...terminated(139) }))).toMatchObject({ end: { exitCode: 139, outcome: { reason: "signal", message: "Killed by signal 11." } } });
    expect(podPhase(pod({ phase: "Failed", ...terminated(137, "OOMKilled") }))).toMatchObject({ end: { exitCode: 137, engineState: "OOMKilled", outcome: { reason: "out_of_memory" } } });
  });

  it("is lost when evicted or disrupted, whatever its exit code", () => {
    expect(podPhase(pod({ phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." }))).toMatchObject({ end: { engineState: "Evicted", outcome: { reason: "lost", message: "Its node evicted it: The node was low on resource: memory." } } });
    for (const reason of ["PreemptionByScheduler", "DeletionByTaintManager", "EvictionByEvictionAPI", "TerminationByKubelet"]) {
      const p = pod({ phase: "Failed", conditions: [{ type: "DisruptionTarget", status: "True", reason }], ...terminated(143) });
      const phase = podPhase(p);
      expect(reasonOf(phase)).toBe("lost");
      expect(phase.phase === "ended" && phase.end.engineState).toBe(reason);
      expect(phase.phase === "ended" && phase.end.outcome.outcome === "failed" && phase.end.outcome.hint).toContain("retries");
    }
  });

  it("fails to start when its folder cannot be fetched", () => {
    const p = pod({ phase: "Failed", initContainerStatuses: [{ name: "fetch-workdir", state: { terminated: { exitCode: 1, reason: "Error" } } }] });
    expect(podPhase(p)).toMatchObject({ end: { exitCode: null, outcome: { reason: "start_failed" } } });
  });
});

describe("a Job's phase from the Job and its pod", () => {
  it("reaches its time limit when the Job's deadline passed, whatever its pod says", () => {
    const deadline = job([{ type: "Failed", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" }]);
    expect(phaseOf(deadline, undefined)).toMatchObject({ phase: "ended", end: { exitCode: null, engineState: "DeadlineExceeded", outcome: { reason: "time_limit" } } });
    expect(reasonOf(phaseOf(deadline, pod({ phase: "Failed", ...terminated(143) })))).toBe("time_limit");
    // Kubernetes 1.31+ says FailureTarget first, while the pod is stopped.
    expect(reasonOf(phaseOf(job([{ type: "FailureTarget", status: "True", reason: "DeadlineExceeded" }]), pod({ phase: "Running" })))).toBe("time_limit");
  });

  it("waits for the Job's verdict on a failed pod that is being deleted", () => {
    const stopping = pod({ phase: "Failed", ...terminated(143) }, { deletionTimestamp: "2026-01-01T00:00:00Z" });
    expect(phaseOf(job(), stopping)).toEqual({ phase: "unknown" });
    expect(reasonOf(phaseOf(job([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }]), stopping))).toBe("signal");
  });

  it("succeeds from a Complete Job whose pod is gone, and is lost from a failed one", () => {
    expect(reasonOf(phaseOf(job([{ type: "Complete", status: "True" }]), undefined))).toBe("succeeded");
    expect(phaseOf(job([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }]), undefined)).toMatchObject({
      end: { engineState: "BackoffLimitExceeded", outcome: { reason: "lost", message: "Its pod is gone and Kubernetes reports the Job failed: Job has reached the specified backoff limit." } },
    });
  });

  it("waits in Kueue's queue while suspended, and for its pod once created", () => {
    const suspended = job([], { metadata: { name: "plinth-job-1", labels: { "kueue.x-k8s.io/queue-name": "team-a" } }, spec: { suspend: true } });
    expect(phaseOf(suspended, undefined)).toEqual({ phase: "waiting", why: "waiting in queue team-a (Kueue admits it when its quota allows)" });
    expect(phaseOf(job(), undefined)).toEqual({ phase: "waiting", why: "waiting for Kubernetes to create its pod" });
    expect(phaseOf(undefined, undefined)).toEqual({ phase: "unknown" });
  });

  it("takes the pod's word while the Job has no verdict", () => {
    expect(phaseOf(job(), pod({ phase: "Running" }))).toMatchObject({ phase: "running" });
    expect(reasonOf(phaseOf(job(), pod({ phase: "Failed", ...terminated(137, "OOMKilled") })))).toBe("out_of_memory");
  });
});
