import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import type { it } from "vitest";
import { describeWithPeer } from "./describe-with-peer.ts";
import { REPO } from "./platform.ts";

// A real Kubernetes API server, controller manager and scheduler with one node simulated by
// kwok (scripts/start-kubernetes.sh, from the programs scripts/peers/kubernetes.sh builds
// once). .ci/run starts it and sets PLINTH_TEST_KUBECONFIG and PLINTH_TEST_KUBECTL. Elsewhere
// the tests start it themselves when the programs are built (it stays up for the next run;
// `scripts/start-kubernetes.sh --stop` ends it), and otherwise are skipped and counted; in CI
// a missing cluster fails loudly. Only these variables are read, never KUBECONFIG, so the
// tests cannot reach a cluster of the developer's own.
//
// Pods on the node run, then succeed; annotations make one end otherwise (see
// scripts/kubernetes/kwok.yaml): KWOK_OUTCOME set to "failed" (with KWOK_EXIT_CODE, and
// optionally reason and message), "oom-killed" or "running"; KWOK_RUN_FOR sets how long it runs.

export const KUBECONFIG_VARIABLE = "PLINTH_TEST_KUBECONFIG";
export const KUBECTL_VARIABLE = "PLINTH_TEST_KUBECTL";
/** The simulated node: 32 CPUs, 256Gi of memory, 4 nvidia.com/gpu. */
export const TEST_KUBE_NODE = "plinth-gpu-0";
export const TEST_KUBE_NODE_GPUS = 4;
/** The annotation that chooses how a pod ends: "failed", "oom-killed" or "running". */
export const KWOK_OUTCOME = "kwok.plinth.dev/outcome";
/** With KWOK_OUTCOME "failed": the containers' exit code (default 1). */
export const KWOK_EXIT_CODE = "kwok.plinth.dev/exit-code";
/** How long a pod runs before it ends, as a Go duration ("1s" when absent). */
export const KWOK_RUN_FOR = "kwok.plinth.dev/run-for";

const BUILD_SCRIPT = join(REPO, "scripts/peers/kubernetes.sh");
const START_SCRIPT = join(REPO, "scripts/start-kubernetes.sh");

export interface TestKubernetes {
  /** The cluster's kubeconfig (an admin's client certificate, the API server on 127.0.0.1). */
  kubeconfig: string;
  /** A kubectl of the cluster's version. */
  kubectl: string;
}

let found: { kube: TestKubernetes | undefined; reason: string } | undefined;

/** kubectl's arguments for the test cluster; its discovery cache stays beside the kubeconfig. */
const kubectlArgs = (kube: TestKubernetes, args: string[]) => ["--kubeconfig", kube.kubeconfig, "--cache-dir", join(dirname(kube.kubeconfig), "cache"), ...args];

/** Why the API server does not answer, or "" when it is ready. */
function unanswered(kube: TestKubernetes): string {
  const r = spawnSync(kube.kubectl, kubectlArgs(kube, ["get", "--raw", "/readyz"]), { encoding: "utf8", timeout: 15_000 });
  if (r.error) return `${kube.kubectl} cannot run: ${r.error.message}`;
  if (r.status !== 0) return `the API server does not answer: ${r.stderr.trim().split("\n").pop()}`;
  return "";
}

/** Starts the cluster with scripts/start-kubernetes.sh and reads the variables it prints. */
function start(): { kube: TestKubernetes | undefined; reason: string } {
  const r = spawnSync("bash", [START_SCRIPT], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) return { kube: undefined, reason: `scripts/start-kubernetes.sh failed: ${r.stderr.trim().split("\n").slice(-3).join(" / ")}` };
  const exported = new Map([...r.stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
  const kubeconfig = exported.get(KUBECONFIG_VARIABLE);
  const kubectl = exported.get(KUBECTL_VARIABLE);
  if (!kubeconfig || !kubectl) return { kube: undefined, reason: `scripts/start-kubernetes.sh printed no ${KUBECONFIG_VARIABLE} and ${KUBECTL_VARIABLE}: ${r.stdout.trim()}` };
  const kube = { kubeconfig, kubectl };
  const why = unanswered(kube);
  return why ? { kube: undefined, reason: why } : { kube, reason: "" };
}

function locate(): { kube: TestKubernetes | undefined; reason: string } {
  const kubeconfig = process.env[KUBECONFIG_VARIABLE];
  const kubectl = process.env[KUBECTL_VARIABLE];
  if (kubeconfig && kubectl) {
    const kube = { kubeconfig, kubectl };
    const why = unanswered(kube);
    return why ? { kube: undefined, reason: `${KUBECONFIG_VARIABLE} is ${kubeconfig}, but ${why}` } : { kube, reason: "" };
  }
  if (process.env.CI === "true") return { kube: undefined, reason: `${KUBECONFIG_VARIABLE} and ${KUBECTL_VARIABLE} are not set` };
  const built = spawnSync("bash", [BUILD_SCRIPT, "--if-present"], { encoding: "utf8" });
  if (built.status === 3) return { kube: undefined, reason: "scripts/peers/kubernetes.sh has not built Kubernetes, etcd and kwok" };
  if (built.status !== 0) return { kube: undefined, reason: `${BUILD_SCRIPT} --if-present failed: ${built.stderr.trim()}` };
  return start();
}

/** The test cluster, started here if need be, or undefined (outside CI) when there is none. */
export function testKubernetes(): TestKubernetes | undefined {
  found ??= locate();
  if (!found.kube && process.env.CI === "true") {
    throw new Error(
      `The Kubernetes tests need the test cluster, and ${found.reason}. .ci/run builds it with scripts/peers/kubernetes.sh, starts it with scripts/start-kubernetes.sh and exports the ${KUBECONFIG_VARIABLE} and ${KUBECTL_VARIABLE} it prints: eval "$(scripts/start-kubernetes.sh)".`,
    );
  }
  return found.kube;
}

/** A describe block for tests that need the Kubernetes test cluster; without it (outside CI) they are skipped and counted. */
export function describeWithKubernetes(name: string, factory: (ctx: { kube: TestKubernetes; test: typeof it }) => void): void {
  const peer = {
    value: testKubernetes(),
    missing: `the Kubernetes test cluster cannot be used (${found?.reason})`,
    install: "run scripts/peers/kubernetes.sh once (about 5 minutes; it needs Go 1.26)",
    timeoutMs: 60_000,
  };
  describeWithPeer(name, peer, ({ peer: kube, test }) => factory({ kube, test }));
}

/** Runs kubectl on the test cluster and returns what it printed; throws when it fails. */
export function kubectl(kube: TestKubernetes, args: string[], input?: string): string {
  const r = spawnSync(kube.kubectl, kubectlArgs(kube, args), { encoding: "utf8", timeout: 60_000, input });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (exit code ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** kubectl with `-o json`, parsed. */
export function kubectlJson<T = Record<string, unknown>>(kube: TestKubernetes, args: string[]): T {
  return JSON.parse(kubectl(kube, [...args, "-o", "json"])) as T;
}

/** kubectl run in the background (a watch), with what it prints so far; stop() ends it. */
export function kubectlWatch(kube: TestKubernetes, args: string[]): { output: () => string; stop: () => void } {
  const child = spawn(kube.kubectl, kubectlArgs(kube, args), { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  return { output: () => output, stop: () => child.kill() };
}
