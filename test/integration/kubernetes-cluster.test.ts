import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import { describeWithKubernetes, KWOK_EXIT_CODE, KWOK_OUTCOME, kubectl, kubectlJson, kubectlWatch, TEST_KUBE_NODE, TEST_KUBE_NODE_GPUS } from "../helpers/kubernetes.ts";

// The Kubernetes test cluster that the Kubernetes executor's tests run against
// (scripts/start-kubernetes.sh), checked on its own: its node offers GPUs, a Job's pod runs and
// succeeds and the Job completes, annotations make a pod fail or be OOM-killed, and a pod that
// asks for more GPUs than the node has stays Pending as unschedulable.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pod {
  status: {
    phase: string;
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: { state: { terminated?: { exitCode: number; reason: string } } }[];
  };
}

interface Node {
  metadata: { name: string };
  status: { capacity: Record<string, string>; conditions: { type: string; status: string }[] };
}

/** A pod manifest whose one container is never really run: kwok plays its life. */
function pod(name: string, annotations: Record<string, string>, resources: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, annotations },
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "plinth.invalid/job:1", resources: { limits: resources } }] },
  });
}

describeWithKubernetes("the Kubernetes test cluster", ({ kube, test }) => {
  const namespace = `smoke-${randomBytes(4).toString("hex")}`;
  const inNamespace = (args: string[]) => ["-n", namespace, ...args];

  beforeAll(() => {
    kubectl(kube, ["create", "namespace", namespace]);
    // Pods are admitted only once the namespace's default service account exists.
    kubectl(kube, inNamespace(["wait", "--for=create", "serviceaccount/default", "--timeout=30s"]));
  });
  afterAll(() => {
    kubectl(kube, ["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
  });

  test("has a Ready node with nvidia.com/gpu capacity", () => {
    const nodes = kubectlJson<{ items: Node[] }>(kube, ["get", "nodes"]).items;
    const node = nodes.find((n) => n.metadata.name === TEST_KUBE_NODE);
    expect(node?.status.capacity["nvidia.com/gpu"]).toBe(String(TEST_KUBE_NODE_GPUS));
    expect(node?.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(kubectl(kube, ["get", "nodes"])).toMatch(new RegExp(`^${TEST_KUBE_NODE}\\s+Ready\\b`, "m"));
  });

  test("runs a Job's pod to success and completes the Job", async () => {
    const watch = kubectlWatch(kube, inNamespace(["get", "pods", "-l", "batch.kubernetes.io/job-name=hello", "--watch", "-o", "jsonpath={.status.phase}{'\\n'}"]));
    try {
      const job = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "hello" },
        spec: {
          backoffLimit: 0,
          template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "plinth.invalid/job:1", command: ["echo", "hello"], resources: { limits: { "nvidia.com/gpu": "1" } } }] } },
        },
      };
      kubectl(kube, inNamespace(["apply", "-f", "-"]), JSON.stringify(job));
      kubectl(kube, inNamespace(["wait", "--for=condition=Complete", "job/hello", "--timeout=30s"]));
      // The watch's output is read between the synchronous kubectl calls only.
      for (const deadline = Date.now() + 10_000; !watch.output().includes("Succeeded") && Date.now() < deadline; ) await sleep(50);
    } finally {
      watch.stop();
    }
    const pods = kubectlJson<{ items: Pod[] }>(kube, inNamespace(["get", "pods", "-l", "batch.kubernetes.io/job-name=hello"])).items;
    expect(pods).toHaveLength(1);
    expect(pods[0]!.status.phase).toBe("Succeeded");
    expect(pods[0]!.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    // The watch saw it run before it succeeded.
    const phases = watch.output().split("\n").filter(Boolean);
    expect(phases.indexOf("Running")).toBeGreaterThanOrEqual(0);
    expect(phases.lastIndexOf("Succeeded")).toBeGreaterThan(phases.indexOf("Running"));
  });

  test("fails a pod annotated to fail, with its exit code", () => {
    kubectl(kube, inNamespace(["apply", "-f", "-"]), pod("fails", { [KWOK_OUTCOME]: "failed", [KWOK_EXIT_CODE]: "3" }));
    kubectl(kube, inNamespace(["wait", "--for=jsonpath={.status.phase}=Failed", "pod/fails", "--timeout=30s"]));
    const failed = kubectlJson<Pod>(kube, inNamespace(["get", "pod", "fails"]));
    expect(failed.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
  });

  test("OOM-kills a pod annotated so", () => {
    kubectl(kube, inNamespace(["apply", "-f", "-"]), pod("oom", { [KWOK_OUTCOME]: "oom-killed" }));
    kubectl(kube, inNamespace(["wait", "--for=jsonpath={.status.phase}=Failed", "pod/oom", "--timeout=30s"]));
    const killed = kubectlJson<Pod>(kube, inNamespace(["get", "pod", "oom"]));
    expect(killed.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
  });

  test("leaves a pod asking for more GPUs than the node has Pending as unschedulable", () => {
    kubectl(kube, inNamespace(["apply", "-f", "-"]), pod("too-big", {}, { "nvidia.com/gpu": String(TEST_KUBE_NODE_GPUS + 1) }));
    kubectl(kube, inNamespace(["wait", "--for=jsonpath={.status.conditions[?(@.type=='PodScheduled')].reason}=Unschedulable", "pod/too-big", "--timeout=30s"]));
    const pending = kubectlJson<Pod>(kube, inNamespace(["get", "pod", "too-big"]));
    expect(pending.status.phase).toBe("Pending");
    expect(pending.status.conditions?.find((c) => c.type === "PodScheduled")).toMatchObject({ status: "False", reason: "Unschedulable" });
  });
});
