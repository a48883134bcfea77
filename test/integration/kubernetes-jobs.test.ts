import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { describeWithKubernetes, KWOK_OUTCOME, KWOK_RUN_FOR, kubectl, kubectlJson, TEST_KUBE_NODE } from "../helpers/kubernetes.ts";
import { freePort, makeApi, spawnServer, waitForJob } from "../helpers/platform.ts";

// Plinth with the Kubernetes test cluster (a real API server, kwok playing the node) as
// executors: a job sent there becomes a Job whose pod kwok runs, and its end comes back; a pod
// fetches its folder from Plinth with its own key only; a pod no node can take waits with the
// scheduler's words; an OOM-killed pod is out_of_memory; a cancel deletes the Job; and a job
// running while Plinth is killed is followed again. Each executor sets annotations that steer
// kwok (executors' `annotations` setting), so each plays one way a pod can go. kwok runs no
// processes: what a job prints is not checked here.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithKubernetes("jobs on Kubernetes through Plinth", ({ kube, test }) => {
  const root = mkdtempSync(join(tmpdir(), "plinth-kube-jobs-"));
  chmodSync(root, 0o755);
  const dataDir = join(root, "data");
  const namespace = `plinth-jobs-${process.pid}`;
  const children: ChildProcess[] = [];
  let api: ReturnType<typeof makeApi>;
  let port: number;
  const start = async () => {
    children.push(await spawnServer({ dataDir, port, env: { PLINTH_CONFIG: join(root, "plinth.yaml") } }));
  };
  const jobsIn = () => kubectlJson<{ items: Array<{ metadata: { name: string; labels: Record<string, string> } }> }>(kube, ["-n", namespace, "get", "jobs"]).items;

  beforeAll(async () => {
    kubectl(kube, ["create", "namespace", namespace]);
    kubectl(kube, ["-n", namespace, "wait", "--for=create", "serviceaccount/default", "--timeout=30s"]);
    port = await freePort();
    api = makeApi(`http://127.0.0.1:${port}`);
    const executor = (annotations: Record<string, string>, extra: string[] = []) => [
      "    kind: kubernetes",
      `    kubeconfig: ${kube.kubeconfig}`,
      `    namespace: ${namespace}`,
      `    plinthUrl: http://127.0.0.1:${port}`,
      `    annotations: ${JSON.stringify(annotations)}`,
      ...extra,
    ];
    writeFileSync(
      join(root, "plinth.yaml"),
      [
        "executors:",
        "  k8s:",
        ...executor({}),
        "  k8s-slow:",
        ...executor({ [KWOK_RUN_FOR]: "8s" }),
        "  k8s-forever:",
        ...executor({ [KWOK_OUTCOME]: "running" }),
        "  k8s-oom:",
        ...executor({ [KWOK_OUTCOME]: "oom-killed" }),
        "  k8s-nowhere:",
        ...executor({}, ['    nodeSelector: {"plinth.dev/pool": "none"}']),
        "",
      ].join("\n"),
    );
    await start();
  }, 120_000);
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    kubectl(kube, ["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
    rmSync(root, { recursive: true, force: true });
  });

  test("a GPU job becomes a Job on the cluster, runs on its node and succeeds", async () => {
    const submitted = await api("POST", "/api/v1/jobs", { command: ["python", "train.py"], executor: "k8s", resources: { gpus: 1 } });
    expect(submitted.status).toBe(201);
    const done = await waitForJob(api, submitted.body.id, undefined, 60_000);
    expect(done).toMatchObject({ state: "succeeded", executor: "k8s" });
    expect(done.node).toContain(TEST_KUBE_NODE);
    const job = jobsIn().find((j) => j.metadata.name === done.engineId);
    expect(job?.metadata.labels["app.kubernetes.io/managed-by"]).toBe("plinth");
  });

  test("a pod fetches its job's folder from Plinth with its own key until it starts, and nobody else can", async () => {
    // A pod no node takes stays before its init container: its key is still good.
    const job = (await api("POST", "/api/v1/jobs", { command: ["sleep", "1"], executor: "k8s-nowhere" })).body;
    for (let i = 0; i < 100 && !(await api("GET", `/api/v1/jobs/${job.id}`)).body.engineId; i++) await sleep(100);
    const secrets = kubectlJson<{ items: Array<{ data?: Record<string, string> }> }>(kube, ["-n", namespace, "get", "secrets"]).items;
    const keys = secrets.map((s) => s.data?.PLINTH_WORKDIR_KEY).filter((k): k is string => k !== undefined).map((k) => Buffer.from(k, "base64").toString());
    const url = `http://127.0.0.1:${port}/api/v1/jobs/${job.id}/workdir.tar`;
    const statuses = await Promise.all(keys.map(async (key) => ({ key, res: await fetch(url, { headers: { authorization: `Bearer ${key}` } }) })));
    const mine = statuses.find((s) => s.res.status === 200);
    expect(mine, "one key is this job's").toBeDefined();
    const listing = execFileSync("tar", ["-t"], { input: Buffer.from(await mine!.res.arrayBuffer()) }).toString();
    expect(listing).toMatch(/^\.\/$/m);
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url, { headers: { authorization: `Bearer ${"0".repeat(64)}` } })).status).toBe(404);
    // A member's own token is no key to a pod's folder.
    expect((await api("GET", `/api/v1/jobs/${job.id}/workdir.tar`)).status).toBe(404);
    expect((await api("POST", `/api/v1/jobs/${job.id}/cancel`)).status).toBe(200);
    await waitForJob(api, job.id, undefined, 30_000);
    // Its end revokes the key.
    let after = 200;
    for (let i = 0; i < 50 && after === 200; i++) {
      after = (await fetch(url, { headers: { authorization: `Bearer ${mine!.key}` } })).status;
      if (after === 200) await sleep(100);
    }
    expect(after).toBe(404);
  });

  test("a pod no node can take waits with the scheduler's words; cancelling deletes its Job", async () => {
    const job = (await api("POST", "/api/v1/jobs", { command: ["true"], executor: "k8s-nowhere" })).body;
    let waiting: string | null = null;
    for (let i = 0; i < 100 && !waiting?.includes("node"); i++) {
      waiting = (await api("GET", `/api/v1/jobs/${job.id}`)).body.waiting;
      await sleep(200);
    }
    expect(waiting).toMatch(/node/i);
    const engineId = (await api("GET", `/api/v1/jobs/${job.id}`)).body.engineId;
    expect((await api("POST", `/api/v1/jobs/${job.id}/cancel`)).status).toBe(200);
    expect((await waitForJob(api, job.id, undefined, 30_000)).state).toBe("cancelled");
    for (let i = 0; i < 50 && jobsIn().some((j) => j.metadata.name === engineId); i++) await sleep(200);
    expect(jobsIn().some((j) => j.metadata.name === engineId)).toBe(false);
  });

  test("an OOM-killed pod is out_of_memory, with a hint", async () => {
    const job = (await api("POST", "/api/v1/jobs", { command: ["python", "big.py"], executor: "k8s-oom", resources: { memory: "2G" } })).body;
    const done = await waitForJob(api, job.id, undefined, 60_000);
    expect(done).toMatchObject({ state: "failed", failure: { reason: "out_of_memory" } });
    expect(done.failure.hint).toMatch(/memory/);
  });

  test("what Kubernetes cannot do is refused at submit with its reason", async () => {
    const python = await api("POST", "/api/v1/jobs", { command: ["python", "-c", "1"], executor: "k8s", environment: { python: "3.11" } });
    expect(python.status).toBe(422);
    expect(python.body.detail).toMatch(/Python environment Plinth builds/);
    const outputs = await api("POST", "/api/v1/jobs", { command: ["true"], executor: "k8s", outputs: { model: "out/" } });
    expect(outputs.status).toBe(422);
    const tooMany = await api("POST", "/api/v1/jobs", { command: ["true"], executor: "k8s", resources: { gpus: 5 } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.detail).toMatch(/5 GPUs on one node; the largest node has 4/);
  });

  test("the cluster page shows the node with its GPUs", async () => {
    const k8s = (await api("GET", "/api/v1/cluster")).body.executors.find((e: { name: string }) => e.name === "k8s");
    expect(k8s).toMatchObject({ kind: "kubernetes", error: null });
    expect(k8s.nodes.find((n: { name: string }) => n.name === TEST_KUBE_NODE)).toMatchObject({ usable: true, gpus: [{ count: 4 }] });
  });

  test("after Plinth is killed, a job running on the cluster is followed again and its end recorded", async () => {
    const job = (await api("POST", "/api/v1/jobs", { command: ["sleep", "8"], executor: "k8s-slow" })).body;
    await waitForJob(api, job.id, ["running"], 60_000);
    const server = children.at(-1)!;
    server.kill("SIGKILL");
    await new Promise((r) => server.once("exit", r));
    await start();
    expect((await api("GET", `/api/v1/jobs/${job.id}`)).body.state).toBe("running");
    expect((await waitForJob(api, job.id, undefined, 60_000)).state).toBe("succeeded");
  });
});
