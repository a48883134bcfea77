import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EngineJob } from "../../src/jobs/executors/engine.ts";
import { engineNode, parseQuantity } from "../../src/jobs/executors/kubernetes/inventory.ts";
import { gpuModelValues, jobManifest, jobName, kubernetesRefusal, labelValue, secretManifest } from "../../src/jobs/executors/kubernetes/job-manifest.ts";
import { connectionFromKubeconfig } from "../../src/jobs/executors/kubernetes/kube-client.ts";

// A Plinth job as a Kubernetes Job and Secret, what the engine refuses, nodes as the inventory
// reads them, and kubeconfigs as the client reads them.

const job: EngineJob = {
  jobId: "job_01JABCDEFGHJKMNPQRSTVWXYZ0",
  name: "train; rm -rf / $(id)",
  argv: ["python", "train.py", "--lr", "$HOME 'quoted'"],
  env: { PLINTH_JOB_ID: "job_01JABCDEFGHJKMNPQRSTVWXYZ0", WANDB_API_KEY: "s3cr3t", PLINTH_INPUT_DATA: "/srv/plinth/k8s/jobs/j/work/inputs/data" },
  workdir: "/srv/plinth/k8s/jobs/j/work",
  inputs: [{ name: "data", dir: "/srv/plinth/k8s/jobs/j/work/inputs/data" }],
  cpus: 1.5,
  memoryBytes: 3 * 1024 ** 3,
  gpus: 2,
  gpuModel: "NVIDIA-H100-80GB-HBM3",
  timeoutMs: 90_500,
  priority: 0,
  owner: { userId: "u_1", userName: "Ada Lovelace", teamId: "team/ml" },
};
const settings = { plinthUrl: "https://plinth.example:8080/", defaultImage: "python:3.12-slim", annotations: { "kwok.plinth.dev/outcome": "failed" }, runAsNonRoot: true };

describe("a job as a Kubernetes Job and Secret", () => {
  const manifest = jobManifest(job, settings, ["NVIDIA-H100-80GB-HBM3"]);
  const pod = manifest.spec.template.spec;
  const main = pod.containers[0];

  it("runs once, with its deadline, and is removed a day after it ends", () => {
    expect(manifest.metadata.name).toBe("plinth-job-01jabcdefghjkmnpqrstvwxyz0");
    expect(manifest.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 91, ttlSecondsAfterFinished: 86_400 });
    expect(manifest.spec.suspend).toBeUndefined();
    expect(pod.restartPolicy).toBe("Never");
  });

  it("asks for its resources as requests equal to limits, GPUs of its model", () => {
    expect(main.resources).toEqual({ requests: { cpu: "1500m", memory: String(3 * 1024 ** 3) }, limits: { cpu: "1500m", memory: String(3 * 1024 ** 3), "nvidia.com/gpu": "2" } });
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-H100-80GB-HBM3"] }] }]);
  });

  it("runs its argv without a shell, its variables from the Secret only", () => {
    expect(main.command).toEqual(job.argv);
    expect(main.image).toBe("python:3.12-slim");
    expect(main.envFrom).toEqual([{ secretRef: { name: manifest.metadata.name } }]);
    expect(main.env).toBeUndefined();
    expect(JSON.stringify(manifest)).not.toContain("s3cr3t");
    const secret = secretManifest(job, "k".repeat(64));
    const value = (k: string) => Buffer.from(secret.data[k], "base64").toString();
    expect(value("WANDB_API_KEY")).toBe("s3cr3t");
    expect(value("PLINTH_WORKDIR_KEY")).toBe("k".repeat(64));
    // Paths in the job's folder are where the pod has it.
    expect(value("PLINTH_INPUT_DATA")).toBe("/work/inputs/data");
    expect(secret.immutable).toBe(true);
  });

  it("fetches the job's folder in an init container, with no job data in its script", () => {
    const init = pod.initContainers[0];
    expect(init.image).toBe("docker.io/library/busybox:1.36");
    expect(init.command[2]).toContain('"$PLINTH_WORKDIR_URL"');
    expect(init.command[2]).not.toContain(job.jobId);
    expect(init.env).toEqual([
      { name: "PLINTH_WORKDIR_URL", value: `https://plinth.example:8080/api/v1/jobs/${job.jobId}/workdir.tar` },
      { name: "PLINTH_WORKDIR_KEY", valueFrom: { secretKeyRef: { name: manifest.metadata.name, key: "PLINTH_WORKDIR_KEY" } } },
    ]);
    expect(main.workingDir).toBe("/work");
    expect(init.volumeMounts).toEqual(main.volumeMounts);
  });

  it("is labelled and locked down", () => {
    expect(manifest.spec.template.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "plinth", "plinth.dev/job-id": job.jobId, "plinth.dev/user": "Ada_Lovelace", "plinth.dev/team": "team_ml" });
    expect(manifest.spec.template.metadata.annotations).toMatchObject({ "kwok.plinth.dev/outcome": "failed", "plinth.dev/job-name": job.name });
    expect(main.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("goes through Kueue (suspended, labelled) or Volcano (its scheduler, its queue)", () => {
    const kueue = jobManifest(job, { ...settings, queue: { kind: "kueue", name: "team-a" } });
    expect(kueue.spec.suspend).toBe(true);
    expect(kueue.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("team-a");
    const volcano = jobManifest(job, { ...settings, queue: { kind: "volcano", name: "research" } });
    expect(volcano.spec.template.spec.schedulerName).toBe("volcano");
    expect(volcano.spec.template.metadata.annotations["scheduling.volcano.sh/queue-name"]).toBe("research");
  });

  it("makes names and label values Kubernetes takes", () => {
    expect(jobName("a".repeat(100))).toMatch(/^plinth-a+-[0-9a-f]{8}$/);
    expect(jobName("a".repeat(100)).length).toBeLessThanOrEqual(63);
    expect(labelValue("-émile's team-")).toBe("mile_s_team");
    expect(labelValue("x".repeat(80))).toHaveLength(63);
  });
});

describe("what the Kubernetes engine refuses", () => {
  const models = ["NVIDIA-H100-80GB-HBM3", "NVIDIA-A100-SXM4-40GB"];

  it("turns a GPU model pattern into the node label values it matches", () => {
    expect(gpuModelValues("nvidia-h100-80gb-hbm3", models)).toEqual(["nvidia-h100-80gb-hbm3", "NVIDIA-H100-80GB-HBM3"]);
    expect(gpuModelValues("*a100*", models)).toEqual(["NVIDIA-A100-SXM4-40GB"]);
    expect(gpuModelValues("NVIDIA-L4", models)).toEqual(["NVIDIA-L4"]);
  });

  it("refuses a pattern no node matches and a name no label can hold", () => {
    expect(kubernetesRefusal({ gpus: 1, gpuModel: "*v100*" }, models)?.reason).toContain("NVIDIA-H100-80GB-HBM3, NVIDIA-A100-SXM4-40GB");
    expect(kubernetesRefusal({ gpus: 1, gpuModel: "Tesla V100" }, models)?.hint).toContain("nvidia.com/gpu.product");
    expect(kubernetesRefusal({ gpus: 1, gpuModel: "*" }, [])).toBeNull();
    expect(kubernetesRefusal({ gpus: 0, gpuModel: "*v100*" }, models)).toBeNull();
    expect(kubernetesRefusal({ gpus: 0, env: { "BAD NAME": "x" } }, models)?.reason).toContain("BAD NAME");
  });
});

describe("nodes and kubeconfigs", () => {
  it("reads quantities", () => {
    expect([parseQuantity("3500m"), parseQuantity("256Gi"), parseQuantity("1e3"), parseQuantity("2"), parseQuantity("x")]).toEqual([3.5, 256 * 2 ** 30, 1000, 2, Number.NaN]);
  });

  it("reads a node's resources, GPU model, pool and state", () => {
    const node = { metadata: { name: "n1", labels: { "nvidia.com/gpu.product": "NVIDIA-H100", "cloud.google.com/gke-nodepool": "gpu-pool" } }, spec: { unschedulable: true }, status: { allocatable: { cpu: "31500m", memory: "250Gi", "nvidia.com/gpu": "8" }, conditions: [{ type: "Ready", status: "True" }] } };
    expect(engineNode(node)).toEqual({ name: "n1", groups: ["gpu-pool"], cpus: 31.5, memoryBytes: 250 * 2 ** 30, gpus: [{ model: "NVIDIA-H100", count: 8 }], state: "cordoned", usable: false });
    expect(engineNode({ metadata: { name: "n2" }, status: { conditions: [{ type: "Ready", status: "False" }] } })).toMatchObject({ gpus: [], state: "not-ready", usable: false, groups: [] });
  });

  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a kubeconfig's context, with files relative to it and inline data", () => {
    writeFileSync(join(dir, "ca.crt"), "CA PEM");
    const path = join(dir, "config");
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c1
  cluster: { server: "https://10.0.0.1:6443/", certificate-authority: ca.crt }
- name: c2
  cluster: { server: "https://10.0.0.2:6443", certificate-authority-data: ${Buffer.from("CA2").toString("base64")}, insecure-skip-tls-verify: true }
users:
- name: u1
  user: { token: abc }
- name: u2
  user: { client-certificate-data: ${Buffer.from("CERT").toString("base64")}, client-key-data: ${Buffer.from("KEY").toString("base64")} }
contexts:
- name: a
  context: { cluster: c1, user: u1 }
- name: b
  context: { cluster: c2, user: u2 }
`,
    );
    expect(connectionFromKubeconfig(path)).toEqual({ server: "https://10.0.0.1:6443", ca: "CA PEM", cert: undefined, key: undefined, token: "abc", insecure: false });
    expect(connectionFromKubeconfig(path, "b")).toEqual({ server: "https://10.0.0.2:6443", ca: "CA2", cert: "CERT", key: "KEY", token: undefined, insecure: true });
    expect(() => connectionFromKubeconfig(path, "zz")).toThrow(/no context named "zz"/);
  });
});
