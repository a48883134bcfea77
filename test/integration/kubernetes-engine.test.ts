import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { EngineEnd, EngineJob, EngineWatcher } from "../../src/jobs/executors/engine.ts";
import { type KubernetesSettings, KubernetesRefusalError } from "../../src/jobs/executors/kubernetes/job-manifest.ts";
import { connectionFromKubeconfig, KubeClient } from "../../src/jobs/executors/kubernetes/kube-client.ts";
import { KubernetesEngine } from "../../src/jobs/executors/kubernetes/kubernetes-engine.ts";
import { watchVersionsFile } from "../../src/jobs/executors/kubernetes/watch-versions.ts";
import { WorkdirHandout } from "../../src/jobs/executors/kubernetes/workdir-handout.ts";
import { describeWithPeer } from "../helpers/describe-with-peer.ts";
import { describeWithKubernetes, KWOK_EXIT_CODE, KWOK_OUTCOME, KWOK_RUN_FOR, kubectl, kubectlJson, TEST_KUBE_NODE, TEST_KUBE_NODE_GPUS } from "../helpers/kubernetes.ts";

// The Kubernetes engine against a real API server, controller manager and scheduler, with
// kwok playing the node (scripts/start-kubernetes.sh): what it creates, and how each way a job
// can go reaches its watcher. Pods' annotations (from the engine's settings) steer kwok.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watcher that keeps what it is told, in order. */
function recorder() {
  const said: string[] = [];
  let end: EngineEnd | null = null;
  const watcher: EngineWatcher = {
    waiting: (why) => said.push(`waiting: ${why}`),
    running: (where) => said.push(`running: ${where}`),
    ended: (e) => {
      said.push(`ended: ${e.engineState}`);
      end = e;
    },
  };
  return {
    watcher,
    said,
    async until(what: (said: string[]) => boolean, timeoutMs = 30_000): Promise<void> {
      for (const deadline = Date.now() + timeoutMs; !what(said); await sleep(50)) {
        if (Date.now() > deadline) throw new Error(`not seen in ${timeoutMs} ms; the watcher was told: ${JSON.stringify(said)}`);
      }
    },
    async end(timeoutMs = 30_000): Promise<EngineEnd> {
      await this.until(() => end !== null, timeoutMs);
      return end!;
    },
  };
}

describeWithKubernetes("the Kubernetes engine", ({ kube, test }) => {
  const namespace = `engine-${randomBytes(4).toString("hex")}`;
  const staging = mkdtempSync(join(tmpdir(), "kube-engine-"));
  const handout = new WorkdirHandout(staging);
  const warnings: string[] = [];
  const engines: KubernetesEngine[] = [];
  let client: KubeClient;

  beforeAll(() => {
    kubectl(kube, ["create", "namespace", namespace]);
    kubectl(kube, ["-n", namespace, "wait", "--for=create", "serviceaccount/default", "--timeout=30s"]);
    client = new KubeClient(connectionFromKubeconfig(kube.kubeconfig));
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    client?.close();
    kubectl(kube, ["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
    rmSync(staging, { recursive: true, force: true });
  });

  /** Waits until the object is gone from the namespace (the garbage collector works in the background). */
  async function gone(kind: "job" | "secret", name: string): Promise<void> {
    for (const deadline = Date.now() + 20_000; kubectl(kube, ["-n", namespace, "get", kind, name, "--ignore-not-found"]).trim() !== ""; await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`${kind} ${name} is still there`);
    }
  }

  function engine(annotations: Record<string, string> = {}, settings: Partial<KubernetesSettings> = {}): KubernetesEngine {
    const e = new KubernetesEngine({
      client,
      namespace,
      stagingDir: staging,
      settings: { plinthUrl: "http://plinth.invalid:8080", defaultImage: "plinth.invalid/job:1", annotations, ...settings },
      handout,
      logger: { warn: (msg) => warnings.push(msg) },
    });
    engines.push(e);
    return e;
  }

  async function job(e: KubernetesEngine, over: Partial<EngineJob> = {}): Promise<EngineJob> {
    const jobId = `job_${randomBytes(6).toString("hex")}`;
    const paths = await e.prepare(jobId);
    writeFileSync(join(paths.workdir, "train.py"), "print('hi')\n");
    return { jobId, name: "train", argv: ["python", "train.py"], env: { PLINTH_JOB_ID: jobId, API_TOKEN: "tok-s3cr3t" }, workdir: paths.workdir, inputs: [], cpus: 1, memoryBytes: 1024 ** 3, gpus: 0, timeoutMs: null, priority: 0, owner: { userId: "u_1", userName: "ada", teamId: "team_ml" }, ...over };
  }

  test("submits a Job and a Secret as specified, and the job succeeds", async () => {
    const e = engine({ [KWOK_RUN_FOR]: "2s" });
    const j = await job(e, { gpus: 2, gpuModel: "nvidia-h100-80gb-hbm3", timeoutMs: 600_000 });
    const r = recorder();
    const name = await e.submit(j, r.watcher);
    const created = kubectlJson<any>(kube, ["-n", namespace, "get", "job", name]);
    const secret = kubectlJson<any>(kube, ["-n", namespace, "get", "secret", name]);
    const pod = created.spec.template.spec;
    expect(created.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 86_400 });
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.containers[0].envFrom).toEqual([{ secretRef: { name } }]);
    expect(JSON.stringify(created)).not.toContain("tok-s3cr3t");
    expect(Buffer.from(secret.data.API_TOKEN, "base64").toString()).toBe("tok-s3cr3t");
    expect(secret.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Job", name, uid: created.metadata.uid })]);
    expect(pod.containers[0].resources.limits["nvidia.com/gpu"]).toBe("2");
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]).toEqual({ key: "nvidia.com/gpu.product", operator: "In", values: ["nvidia-h100-80gb-hbm3", "NVIDIA-H100-80GB-HBM3"] });
    expect(pod.initContainers[0].name).toBe("fetch-workdir");
    expect(created.spec.template.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "plinth", "plinth.dev/job-id": j.jobId, "plinth.dev/user": "ada", "plinth.dev/team": "team_ml" });
    const end = await r.end();
    expect(end).toEqual({ exitCode: 0, engineState: "Succeeded", outcome: { outcome: "succeeded" } });
    expect(r.said.findIndex((s) => s.startsWith(`running: ${TEST_KUBE_NODE}`))).toBeGreaterThanOrEqual(0);
    // The key is of no use once the pod has started.
    expect(readFileSync(join(staging, "jobs", j.jobId, "state", "end.json"), "utf8")).toContain("Succeeded");
    expect(existsSync(join(staging, "jobs", j.jobId, "state", "workdir-key.sha256"))).toBe(false);
    // Its variables do not stay on the cluster once it has ended.
    await gone("secret", name);
    // kwok keeps no logs: said once, quietly.
    await r.until(() => warnings.some((w) => w.includes("not available from Kubernetes")));
  });

  test("reports a failure with its exit code", async () => {
    const e = engine({ [KWOK_OUTCOME]: "failed", [KWOK_EXIT_CODE]: "3" });
    const r = recorder();
    // Inputs copied into the job's folder, named relative to it, go along.
    await e.submit(await job(e, { inputs: [{ name: "data", dir: ".inputs/data" }] }), r.watcher);
    expect(await r.end()).toEqual({ exitCode: 3, engineState: "Error", outcome: { outcome: "failed", reason: "nonzero_exit", message: "Exited with code 3.", hint: null } });
  });

  test("runs a job again under the same id: the ended Job it left is replaced", async () => {
    const failing = engine({ [KWOK_OUTCOME]: "failed" });
    const first = recorder();
    const j = await job(failing);
    await failing.submit(j, first.watcher);
    expect((await first.end()).outcome).toMatchObject({ reason: "nonzero_exit" });
    const again = recorder();
    const e = engine();
    await e.submit(j, again.watcher);
    expect(await again.end()).toMatchObject({ exitCode: 0, outcome: { outcome: "succeeded" } });
    expect(again.said.filter((s) => s.startsWith("ended"))).toEqual(["ended: Succeeded"]);
  });

  test("reports an OOM-killed pod as out of memory", async () => {
    const e = engine({ [KWOK_OUTCOME]: "oom-killed" });
    const r = recorder();
    await e.submit(await job(e), r.watcher);
    expect(await r.end()).toMatchObject({ exitCode: 137, engineState: "OOMKilled", outcome: { reason: "out_of_memory" } });
  });

  test("says in the scheduler's words why a job asking for 8 GPUs waits, and cancels it", async () => {
    const e = engine();
    const r = recorder();
    const j = await job(e, { gpus: 2 * TEST_KUBE_NODE_GPUS });
    const name = await e.submit(j, r.watcher);
    await r.until((s) => s.some((x) => x.startsWith("waiting: waiting: no node can take it now — ") && x.includes("nvidia.com/gpu")));
    await e.cancel(j.jobId);
    expect(await r.end()).toMatchObject({ exitCode: null, outcome: { reason: "cancelled" } });
    expect(kubectl(kube, ["-n", namespace, "get", "job", name, "--ignore-not-found"]).trim()).toBe("");
  });

  test("stops a job at its time limit", async () => {
    const e = engine({ [KWOK_OUTCOME]: "running" });
    const r = recorder();
    await e.submit(await job(e, { timeoutMs: 2000 }), r.watcher);
    expect(await r.end()).toMatchObject({ engineState: "DeadlineExceeded", outcome: { reason: "time_limit" } });
    expect(r.said[0]).toMatch(/^(waiting|running)/);
  });

  /** A job submitted and seen running. */
  async function running(annotations: Record<string, string>) {
    const e = engine(annotations);
    const r = recorder();
    const j = await job(e);
    const name = await e.submit(j, r.watcher);
    await r.until((s) => s.some((x) => x.startsWith("running:")));
    return { e, r, j, name };
  }

  /** A job seen running, then its engine closed (Plinth stopping) while it runs on. */
  async function runThenClose(runFor: string) {
    const { e, r: before, j } = await running({ [KWOK_RUN_FOR]: runFor });
    await e.close();
    return { j, before };
  }

  test("cancels a running job: its Job and Secret go", async () => {
    const { e, r, j, name } = await running({ [KWOK_OUTCOME]: "running" });
    await e.cancel(j.jobId);
    expect(await r.end()).toEqual({ exitCode: null, engineState: "Deleted", outcome: { outcome: "failed", reason: "cancelled", message: "Cancelled.", hint: null } });
    await gone("secret", name);
    await e.cancel(j.jobId); // again: nothing to do
  });


  test("follows a job again after a restart, from the watch's saved version", async () => {
    const { j, before } = await runThenClose("6s");
    const saved = JSON.parse(readFileSync(join(staging, watchVersionsFile(client.server, namespace)), "utf8"));
    expect(saved.pods).toMatch(/^\d+$/);
    expect(before.said.some((s) => s.startsWith("ended"))).toBe(false);
    const second = engine();
    const after = recorder();
    expect(await second.resume({ jobId: j.jobId, gpus: 0 }, after.watcher)).toBe(true);
    expect(await after.end()).toMatchObject({ exitCode: 0, outcome: { outcome: "succeeded" } });
    expect(await second.resume({ jobId: "job_neverhere", gpus: 0 }, recorder().watcher)).toBe(false);
    // Its end is kept: a later resume tells it again.
    const again = recorder();
    expect(await second.resume({ jobId: j.jobId, gpus: 0 }, again.watcher)).toBe(true);
    expect((await again.end()).engineState).toBe("Succeeded");
  });

  test("lists again when the saved version is too old (410 Gone), and still sees the end", async () => {
    const { j } = await runThenClose("5s");
    // A version long compacted away, as after a long stop.
    writeFileSync(join(staging, watchVersionsFile(client.server, namespace)), JSON.stringify({ pods: "1", jobs: "1" }));
    const second = engine();
    const after = recorder();
    expect(await second.resume({ jobId: j.jobId, gpus: 0 }, after.watcher)).toBe(true);
    expect(await after.end()).toMatchObject({ exitCode: 0, outcome: { outcome: "succeeded" } });
    await after.until(() => Number(JSON.parse(readFileSync(join(staging, watchVersionsFile(client.server, namespace)), "utf8")).pods) > 1);
    expect(warnings.filter((w) => w.startsWith("watching"))).toEqual([]);
  });

  test("reports a job as lost when its Job is deleted behind Plinth's back", async () => {
    const { r, name } = await running({ [KWOK_OUTCOME]: "running" });
    kubectl(kube, ["-n", namespace, "delete", "job", name, "--cascade=background", "--wait=false"]);
    expect(await r.end()).toMatchObject({ exitCode: null, engineState: "Deleted", outcome: { reason: "lost", message: "Its Job was deleted on the cluster before it ended." } });
  });

  test("puts a job in Kueue's queue: labelled, suspended until admitted", async () => {
    const e = engine({}, { queue: { kind: "kueue", name: "team-a" } });
    const r = recorder();
    const j = await job(e);
    const name = await e.submit(j, r.watcher);
    const created = kubectlJson<any>(kube, ["-n", namespace, "get", "job", name]);
    expect(created.spec.suspend).toBe(true);
    expect(created.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("team-a");
    await r.until((s) => s.includes("waiting: waiting in queue team-a (Kueue admits it when its quota allows)"));
    await e.cancel(j.jobId);
    expect((await r.end()).outcome).toMatchObject({ reason: "cancelled" });
  });

  const madeFor = (j: EngineJob) => kubectl(kube, ["-n", namespace, "get", "jobs,secrets", "-l", `plinth.dev/job-id=${j.jobId}`, "-o", "name"]).trim();

  test("refuses a GPU model no node has and inputs outside the job's folder, creating nothing", async () => {
    const e = engine();
    const j = await job(e, { gpus: 1, gpuModel: "*V100*" });
    await expect(e.submit(j, recorder().watcher)).rejects.toBeInstanceOf(KubernetesRefusalError);
    expect(madeFor(j)).toBe("");
    const elsewhere = await job(e, { inputs: [{ name: "data", dir: "/srv/elsewhere/data" }] });
    await expect(e.submit(elsewhere, recorder().watcher)).rejects.toThrow(/not in the job's folder/);
    expect(madeFor(elsewhere)).toBe("");
  });

  test("deletes the Secret when the Job cannot be made", async () => {
    const e = engine({}, { tolerations: [{ key: "x", operator: "Sometimes" }] });
    const j = await job(e);
    await expect(e.submit(j, recorder().watcher)).rejects.toMatchObject({ status: 422 });
    expect(madeFor(j)).toBe("");
    expect(existsSync(join(staging, "jobs", j.jobId, "state", "workdir-key.sha256"))).toBe(false);
  });

  test("ends a job whose image cannot be pulled as start_failed, and deletes its Job", async () => {
    // kwok pulls nothing: the pod is kept off the node and given the status a kubelet would write.
    const e = engine({}, { nodeSelector: { "plinth.dev/pool": "none" } });
    const r = recorder();
    const j = await job(e);
    const name = await e.submit(j, r.watcher);
    await r.until((s) => s.some((x) => x.startsWith("waiting: waiting: no node can take it now")));
    const pod = kubectl(kube, ["-n", namespace, "get", "pods", "-l", `plinth.dev/job-id=${j.jobId}`, "-o", "jsonpath={.items[0].metadata.name}"]);
    const waiting = { reason: "ImagePullBackOff", message: 'Back-off pulling image "plinth.invalid/job:1"' };
    const status = { containerStatuses: [{ name: "main", image: "plinth.invalid/job:1", imageID: "", ready: false, restartCount: 0, state: { waiting } }] };
    kubectl(kube, ["-n", namespace, "patch", "pod", pod, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
    const end = await r.end();
    expect(end).toMatchObject({ exitCode: null, engineState: "ImagePullBackOff", outcome: { reason: "start_failed" } });
    expect(end.outcome.outcome === "failed" && end.outcome.message).toContain("plinth.invalid/job:1");
    await gone("job", name);
  });

  test("runs with a service account's token and only the namespace's rights: an exact GPU model is asked for without listing nodes", async () => {
    const rules = [
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "get", "patch", "delete"] },
    ];
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "plinth" }, rules };
    const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "plinth" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "plinth" }, subjects: [{ kind: "ServiceAccount", name: "plinth", namespace }] };
    kubectl(kube, ["-n", namespace, "create", "serviceaccount", "plinth"]);
    kubectl(kube, ["-n", namespace, "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [role, binding] }));
    const token = kubectl(kube, ["-n", namespace, "create", "token", "plinth"]).trim();
    const admin = connectionFromKubeconfig(kube.kubeconfig);
    const limited = new KubeClient({ server: admin.server, ca: admin.ca, token });
    const e = new KubernetesEngine({ client: limited, namespace, stagingDir: staging, settings: { plinthUrl: "http://plinth.invalid:8080", defaultImage: "plinth.invalid/job:1" }, handout });
    engines.push(e);
    await expect(e.inventory()).rejects.toMatchObject({ status: 403 });
    const r = recorder();
    const name = await e.submit(await job(e, { gpus: 1, gpuModel: "NVIDIA-H100-80GB-HBM3" }), r.watcher);
    const affinity = kubectlJson<any>(kube, ["-n", namespace, "get", "job", name]).spec.template.spec.affinity;
    expect(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(["NVIDIA-H100-80GB-HBM3"]);
    expect(await r.end()).toMatchObject({ exitCode: 0, outcome: { outcome: "succeeded" } });
    await e.close();
    limited.close();
  });

  test("lists the node with its 4 GPUs", async () => {
    const nodes = await engine().inventory();
    expect(nodes.find((n) => n.name === TEST_KUBE_NODE)).toMatchObject({ cpus: 32, memoryBytes: 256 * 1024 ** 3, gpus: [{ model: "NVIDIA-H100-80GB-HBM3", count: TEST_KUBE_NODE_GPUS }], state: "ready", usable: true });
  });
});

// What kwok cannot show: a real container's log, and a real GPU node. PLINTH_KUBECONFIG_REAL
// names a real cluster's kubeconfig (its current context; namespace PLINTH_KUBE_REAL_NAMESPACE,
// default "default"), and PLINTH_KUBE_REAL_PLINTH_URL the address at which that cluster's pods
// reach this machine (its port is listened on here), where the job's folder is served.
const real = process.env.PLINTH_KUBECONFIG_REAL && process.env.PLINTH_KUBE_REAL_PLINTH_URL ? { kubeconfig: process.env.PLINTH_KUBECONFIG_REAL, plinthUrl: process.env.PLINTH_KUBE_REAL_PLINTH_URL } : undefined;
describeWithPeer(
  "the Kubernetes engine on a real cluster",
  { value: real, missing: "PLINTH_KUBECONFIG_REAL and PLINTH_KUBE_REAL_PLINTH_URL are not both set", install: "set them to a real cluster's kubeconfig and the address its pods reach this machine at", timeoutMs: 300_000 },
  ({ peer, test }) => {
    async function realEngine(run: (e: KubernetesEngine, staging: string) => Promise<void>): Promise<void> {
      const staging = mkdtempSync(join(tmpdir(), "kube-real-"));
      const handout = new WorkdirHandout(staging);
      const client = new KubeClient(connectionFromKubeconfig(peer.kubeconfig));
      // The job's folder, served as Plinth's route does: the job's key, then the tar.
      const server = createServer((req, res) => {
        const m = /^\/api\/v1\/jobs\/([\w-]+)\/workdir\.tar$/.exec(req.url ?? "");
        const key = /^Bearer (\w+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
        void (async () => {
          if (!m || !(await handout.verify(m[1]!, key))) return res.writeHead(404).end();
          res.writeHead(200, { "content-type": "application/x-tar" });
          (await handout.tarStream(m[1]!)).pipe(res);
        })();
      });
      await new Promise<void>((r) => server.listen(Number(new URL(peer.plinthUrl).port), r));
      const image = process.env.PLINTH_KUBE_REAL_IMAGE ?? "docker.io/library/busybox:1.36";
      const e = new KubernetesEngine({ client, namespace: process.env.PLINTH_KUBE_REAL_NAMESPACE ?? "default", stagingDir: staging, settings: { plinthUrl: peer.plinthUrl, defaultImage: image }, handout });
      try {
        await run(e, staging);
      } finally {
        await e.close();
        client.close();
        server.close();
        rmSync(staging, { recursive: true, force: true });
      }
    }
    const realJob = (jobId: string, workdir: string, argv: string[], gpus = 0): EngineJob => ({ jobId, name: "real", argv, env: { GREETING: "hello" }, workdir, inputs: [], cpus: 0.1, memoryBytes: 64 * 1024 ** 2, gpus, timeoutMs: 180_000, priority: 0, owner: { userId: "u", userName: "u", teamId: null } });

    test("fetches the job's folder and follows a real pod's log into the job's log (needs real pod logs)", () =>
      realEngine(async (e) => {
        const jobId = `job_${randomBytes(6).toString("hex")}`;
        const paths = await e.prepare(jobId);
        writeFileSync(join(paths.workdir, "run.sh"), 'echo "$GREETING from $(pwd)"; sleep 2; cat note.txt\n');
        writeFileSync(join(paths.workdir, "note.txt"), "two\n");
        const r = recorder();
        await e.submit(realJob(jobId, paths.workdir, ["sh", "run.sh"]), r.watcher);
        expect(await r.end(240_000)).toMatchObject({ exitCode: 0, outcome: { outcome: "succeeded" } });
        expect(readFileSync(paths.logPath, "utf8")).toBe("hello from /work\ntwo\n");
      }));

    test("runs a job on a real GPU node (needs a real GPU node)", () =>
      realEngine(async (e) => {
        const gpuNodes = (await e.inventory()).filter((n) => n.gpus.length > 0 && n.usable);
        expect(gpuNodes.length).toBeGreaterThan(0);
        const jobId = `job_${randomBytes(6).toString("hex")}`;
        const paths = await e.prepare(jobId);
        const r = recorder();
        await e.submit(realJob(jobId, paths.workdir, ["sh", "-c", "echo gpu"], 1), r.watcher);
        expect(await r.end(240_000)).toMatchObject({ exitCode: 0 });
      }));
  },
);
