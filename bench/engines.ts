// engines: what Plinth adds to a cluster's own time (issue 11). N trivial jobs through Plinth's
// Slurm executor against the same N with plain sbatch, and through its Kubernetes executor
// against `kubectl create` of the same Jobs, in the same run: total wall time from the first
// submit until every job has ended, as the cluster says it (sbatch, kubectl) or as Plinth says
// it (through Plinth). Both sides submit one job at a time, as a user's loop would.
//
//   eval "$(scripts/start-slurm.sh)"; eval "$(scripts/start-kubernetes.sh)"
//   node bench/engines.ts [--jobs N] [--only slurm|kubernetes]
//
// Ends are read where they are cheapest to read and disturb nothing: for Slurm, the lines the
// cluster appends to its job completion file (jobcomp/filetxt, which scripts/start-slurm.sh
// sets up); for Kubernetes, a watch on the namespace's Jobs (their Complete condition). The same
// readers run beside Plinth, so its figures split into the cluster's own time for Plinth's jobs
// and the time Plinth took to report the last end. Server CPU comes from /proc/<pid>/stat of
// the server process, the clusters' daemons' likewise.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { EngineJob } from "../src/jobs/executors/engine.ts";
import { jobManifest, jobName } from "../src/jobs/executors/kubernetes/job-manifest.ts";
import { connectionFromKubeconfig, KubeClient } from "../src/jobs/executors/kubernetes/kube-client.ts";
import { ResourceWatch } from "../src/jobs/executors/kubernetes/resource-watch.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { cpuSeconds } from "./lib/rss.ts";
import { type BenchServer, freePort, round, startBenchServer } from "./lib/server.ts";

/** Each job's resources, the same on both sides: one CPU and 64 MiB (Plinth asks sbatch for --mem 64M). */
const CPUS = 1;
const MEMORY = "64M";
const MEMORY_BYTES = 64 * 1024 ** 2;
/** How often the bench's own readers look: the jobcomp file, Plinth's job list. */
const LOOK_MS = 100;
const PLINTH_LOOK_MS = 250;
/** Plinth's squeue poll for its Slurm jobs. */
const SLURM_POLL = "1s";
const IMAGE = "docker.io/library/busybox:1.36";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** One measured side: submit time, total time, and where the CPU went meanwhile. */
interface Side {
  /** From the first submit until the last submit was answered. */
  submitS: number;
  /** From the first submit until every job was reported ended. */
  totalS: number;
  /** How the jobs ended, as reported (COMPLETED, succeeded...). */
  ends: Record<string, number>;
  /** CPU seconds of the submitting side: the user's loop (bash and its sbatch/kubectl), or the Plinth server. */
  submitterCpuS: number;
  /** CPU seconds of the cluster's daemons meanwhile. */
  clusterCpuS: number;
  /** Slurm: jobs not ours that ended meanwhile (the test cluster is shared with others' tests). */
  othersJobs?: number;
  /** Kubernetes: when the last Job was marked complete (its pod had ended before: that is `totalS`). */
  jobsCompleteS?: number;
}

interface PlinthSide extends Side {
  /** Slurm: one poll as Plinth makes it, at the end (squeue of every job of the user's Slurm still keeps): its lines and time. */
  pollLines?: number;
  pollMs?: number;
  /** When the cluster itself had ended the last of Plinth's jobs (its jobcomp line, its Job's Complete condition). */
  clusterEndS: number | null;
  /** CPU seconds of this bench process's HTTP client, for scale. */
  clientCpuS: number;
}

function tally(xs: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const x of xs) counts[x] = (counts[x] ?? 0) + 1;
  return counts;
}

/** Sum of CPU seconds of processes that still exist. */
function cpuOf(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += cpuSeconds(pid);
    } catch {
      // gone
    }
  }
  return sum;
}

function pidsFrom(files: string[]): number[] {
  return files.filter((f) => existsSync(f)).map((f) => Number(readFileSync(f, "utf8").trim())).filter((p) => p > 0);
}

/** Runs a bash script (the user's loop) and gathers what it prints; its CPU comes back with it, it being our child. */
function runLoop(script: string): Promise<{ stdout: string; cpuS: number }> {
  const before = cpuSeconds("self", "children");
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, cpuS: cpuSeconds("self", "children") - before });
      else reject(new Error(`${script} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`));
    });
  });
}

/** Polls `done` every `everyMs` until true; throws after `limitMs`. */
async function until(done: () => boolean | Promise<boolean>, everyMs: number, limitMs: number, what: string): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what} after ${Math.round(limitMs / 1000)} s`);
    await sleep(everyMs);
  }
}

/** Plinth's list of its jobs still queued or running is empty. */
async function plinthIdle(server: BenchServer): Promise<boolean> {
  return (await server.api<{ items: unknown[] }>("GET", "/api/v1/jobs?state=queued,starting,running&limit=1")).items.length === 0;
}

/** Every job of the server's, by state (all of them are this bench's). */
async function plinthEnds(server: BenchServer): Promise<Record<string, number>> {
  const states: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ state: string }>; nextCursor: string | null } = await server.api("GET", `/api/v1/jobs?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    states.push(...page.items.map((j) => j.state));
    cursor = page.nextCursor;
  } while (cursor);
  return tally(states);
}

/** Submits n jobs one after another through Plinth's API; their ids. */
async function submitThroughPlinth(server: BenchServer, n: number, executor: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const job = await server.api<{ id: string; executor: string }>("POST", "/api/v1/jobs", { name: `bench-${i}`, command: ["true"], executor, resources: { cpus: CPUS, memory: MEMORY } });
    if (job.executor !== executor) throw new Error(`job ${job.id} went to ${job.executor}, not ${executor}`);
    ids.push(job.id);
  }
  return ids;
}

/** Submits n jobs through Plinth and waits until it reports them all ended: the times, from t0, and the CPU meanwhile. */
async function throughPlinth(server: BenchServer, daemons: number[], n: number, executor: string) {
  const server0 = cpuSeconds(server.pid);
  const daemons0 = cpuOf(daemons);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const ids = await submitThroughPlinth(server, n, executor);
  const submitS = seconds(t0);
  await until(() => plinthIdle(server), PLINTH_LOOK_MS, n * 5_000 + 120_000, `Plinth to report ${n} jobs on ${executor} ended`);
  const totalS = seconds(t0);
  const client = process.cpuUsage(client0);
  return { t0, ids, submitS, totalS, serverCpuS: cpuSeconds(server.pid) - server0, clusterCpuS: cpuOf(daemons) - daemons0, clientCpuS: (client.user + client.system) / 1e6 };
}

// ---- Slurm ---------------------------------------------------------------------------------

interface Slurm {
  bin: string;
  jobcomp: string;
  daemons: number[];
  version: string;
}

function findSlurm(): Slurm | string {
  const bin = process.env.PLINTH_SLURM_BIN;
  if (!bin) return 'PLINTH_SLURM_BIN is not set; start the test cluster with eval "$(scripts/start-slurm.sh)"';
  const config = spawnSync(join(bin, "scontrol"), ["show", "config"], { encoding: "utf8", timeout: 15_000 });
  if (config.status !== 0) return `scontrol does not answer: ${config.stderr?.trim() || config.error?.message}`;
  const setting = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\S+)`, "m").exec(config.stdout)?.[1] ?? "";
  if (setting("JobCompType") !== "jobcomp/filetxt") return `the cluster writes no job completion file (JobCompType is ${setting("JobCompType") || "unset"}; this bench reads ends from jobcomp/filetxt)`;
  const jobcomp = setting("JobCompLoc");
  if (!existsSync(jobcomp)) return `the job completion file ${jobcomp} is not on this machine`;
  const dir = dirname(bin);
  return {
    bin,
    jobcomp,
    daemons: pidsFrom([setting("SlurmctldPidFile"), setting("SlurmdPidFile")].filter(Boolean).map((f) => (existsSync(f) ? f : join(dir, f.split("/").pop()!)))),
    version: setting("SLURM_VERSION"),
  };
}

/** The lines Slurm appends to its job completion file from now on: one per ended job. */
class JobcompTail {
  readonly #path: string;
  #offset: number;
  #rest = "";

  constructor(path: string) {
    this.#path = path;
    this.#offset = statSync(path).size;
  }

  /** Jobs ended since the last read: their names and Slurm's state. */
  read(): Array<{ name: string; state: string }> {
    const fd = openSync(this.#path, "r");
    const chunks: Buffer[] = [];
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let got = readSync(fd, buf, 0, buf.length, this.#offset); got > 0; got = readSync(fd, buf, 0, buf.length, this.#offset)) {
        chunks.push(Buffer.from(buf.subarray(0, got)));
        this.#offset += got;
      }
    } finally {
      closeSync(fd);
    }
    const text = this.#rest + Buffer.concat(chunks).toString("utf8");
    const lines = text.split("\n");
    this.#rest = lines.pop()!;
    return lines.flatMap((line) => {
      const m = / Name=(\S*) JobState=(\S+)/.exec(line);
      return m ? [{ name: m[1]!, state: m[2]! }] : [];
    });
  }
}

/** Reads the jobcomp file every LOOK_MS from now on, noting when each job's line was seen. */
class SlurmEnds {
  readonly #tail: JobcompTail;
  readonly #seen: Array<{ name: string; state: string; at: number }> = [];
  readonly #timer: NodeJS.Timeout;

  constructor(jobcomp: string) {
    this.#tail = new JobcompTail(jobcomp);
    this.#timer = setInterval(() => this.look(), LOOK_MS);
  }

  look(): void {
    const at = performance.now();
    for (const e of this.#tail.read()) this.#seen.push({ ...e, at });
  }

  /** The ends of the jobs `ours` accepts, and when the last was seen. */
  of(ours: (name: string) => boolean): { states: string[]; lastAt: number | null; others: number } {
    const mine = this.#seen.filter((e) => ours(e.name));
    return { states: mine.map((e) => e.state), lastAt: mine.length ? Math.max(...mine.map((e) => e.at)) : null, others: this.#seen.length - mine.length };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/**
 * What else Plinth's Slurm executor gives sbatch (src/jobs/executors/slurm/batch-script.ts).
 * --export NONE has Slurm build the job's environment from a login shell of the user on the node.
 */
const PLINTH_SBATCH_OPTIONS = ["--export", "NONE", "--no-requeue", "--open-mode", "append"];

/** N batch scripts handed to sbatch by a bash loop, one after another, each into its own folder. */
async function sbatchBaseline(slurm: Slurm, root: string, n: number, tag: string, options: string[]): Promise<Side> {
  const dir = join(root, `sbatch-${tag}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "job.sh"), "#!/bin/bash\ntrue\n", { mode: 0o755 });
  const prefix = `bench-${tag}-`;
  writeFileSync(
    join(dir, "submit.sh"),
    [
      "#!/bin/bash",
      "set -e",
      `cd ${dir}`,
      `for i in $(seq 1 ${n}); do`,
      '  mkdir -p "$i"',
      `  ${[join(slurm.bin, "sbatch"), "--parsable", `--job-name "${prefix}$i"`, `--chdir "${dir}/$i"`, `--output "${dir}/$i/output.log"`, `--ntasks 1 --cpus-per-task ${CPUS} --mem ${MEMORY}`, ...options, "job.sh"].join(" ")}`,
      "done",
      "",
    ].join("\n"),
  );
  const ours = (name: string) => name.startsWith(prefix);
  const ends = new SlurmEnds(slurm.jobcomp);
  const daemons0 = cpuOf(slurm.daemons);
  const t0 = performance.now();
  let submitted: string[] = [];
  try {
    const loop = await runLoop(join(dir, "submit.sh"));
    submitted = loop.stdout.trim().split("\n");
    const submitS = seconds(t0);
    await until(() => ends.of(ours).states.length >= n, LOOK_MS, n * 5_000 + 120_000, `${n} sbatch jobs to end`);
    const clusterCpuS = cpuOf(slurm.daemons) - daemons0;
    const { states, lastAt, others } = ends.of(ours);
    return { submitS, totalS: (lastAt! - t0) / 1000, ends: tally(states), submitterCpuS: loop.cpuS, clusterCpuS, othersJobs: others };
  } catch (e) {
    // Ours only: the cluster is shared with others' tests.
    const ids = submitted.map((l) => l.split(";")[0]!).filter((id) => /^\d+$/.test(id));
    if (ids.length) spawnSync(join(slurm.bin, "scancel"), ids);
    throw e;
  } finally {
    ends.stop();
  }
}

/** The same N jobs through Plinth's Slurm executor. */
async function plinthSlurm(slurm: Slurm, root: string, n: number): Promise<PlinthSide> {
  const shared = join(root, "plinth-shared");
  mkdirSync(shared, { recursive: true, mode: 0o755 });
  // The test cluster runs as root, and so do Plinth and the sbatch loop here.
  const config = join(root, "plinth-slurm.yaml");
  writeFileSync(config, ["executors:", "  hpc:", "    kind: slurm", `    sharedDir: ${shared}`, `    bin: ${slurm.bin}`, `    pollInterval: ${SLURM_POLL}`, "    allowRoot: true", ""].join("\n"));
  const server = await startBenchServer({ PLINTH_CONFIG: config, PLINTH_EXECUTOR_SANDBOX: "none" });
  const ends = new SlurmEnds(slurm.jobcomp);
  try {
    const { t0, ids, submitS, totalS, serverCpuS, clusterCpuS, clientCpuS } = await throughPlinth(server, slurm.daemons, n, "hpc");
    const names = new Set(ids.map((id) => `plinth-${id}`));
    const ours = (name: string) => names.has(name);
    // Slurm has ended every one by now; its lines may take a moment to be read.
    await until(() => ends.of(ours).states.length >= n, LOOK_MS, 10_000, "the jobcomp lines of Plinth's jobs").catch(() => {});
    const { states, lastAt, others } = ends.of(ours);
    const p0 = performance.now();
    const poll = execFileSync(join(slurm.bin, "squeue"), ["--noheader", "--states", "all", "--user", userInfo().username, "--format", "%i|%T|%r|%N|%P"], { encoding: "utf8", maxBuffer: 1 << 28 });
    const pollMs = performance.now() - p0;
    return {
      pollLines: poll.trim().split("\n").length,
      pollMs,
      submitS,
      totalS,
      ends: await plinthEnds(server),
      submitterCpuS: serverCpuS,
      clusterCpuS,
      clusterEndS: states.length >= n ? (lastAt! - t0) / 1000 : null,
      othersJobs: others,
      clientCpuS,
    };
  } finally {
    ends.stop();
    await server.stop();
  }
}

// ---- Kubernetes ----------------------------------------------------------------------------

interface Kube {
  kubectl: string;
  kubeconfig: string;
  daemons: number[];
  version: string;
}

function findKubernetes(): Kube | string {
  const kubeconfig = process.env.PLINTH_TEST_KUBECONFIG ?? process.env.KUBECONFIG;
  if (!kubeconfig) return 'PLINTH_TEST_KUBECONFIG is not set; start the test cluster with eval "$(scripts/start-kubernetes.sh)"';
  const kubectl = process.env.PLINTH_TEST_KUBECTL ?? "kubectl";
  const ready = spawnSync(kubectl, ["--kubeconfig", kubeconfig, "get", "--raw", "/readyz"], { encoding: "utf8", timeout: 15_000 });
  if (ready.status !== 0) return `the cluster does not answer: ${ready.stderr?.trim() || ready.error?.message}`;
  // The test cluster's components (kwokctl's pid files beside the kubeconfig): etcd, the API server, the controllers, the scheduler, kwok.
  const pidDir = join(dirname(kubeconfig), "pids");
  const daemons = existsSync(pidDir) ? pidsFrom(readdirSync(pidDir).map((f) => join(pidDir, f))) : [];
  const version = spawnSync(kubectl, ["--kubeconfig", kubeconfig, "version", "-o", "json"], { encoding: "utf8" });
  let server = "?";
  try {
    server = JSON.parse(version.stdout).serverVersion.gitVersion;
  } catch {
    // unknown
  }
  return { kubectl, kubeconfig, daemons, version: server };
}

/**
 * Follows a namespace's pods and Jobs: when each pod ended (phase Succeeded or Failed: the work
 * is over) and when each Job was marked ended (its Complete or Failed condition, which the Job
 * controller sets afterwards), and when the last of each was seen.
 */
class KubeEnds {
  readonly #watches: ResourceWatch<any>[];
  readonly pods = new Map<string, string>();
  readonly jobs = new Map<string, string>();
  lastPodAt: number | null = null;
  lastJobAt: number | null = null;

  constructor(client: KubeClient, namespace: string) {
    const pod = (o: any) => {
      const phase = o?.status?.phase;
      if ((phase !== "Succeeded" && phase !== "Failed") || this.pods.has(o.metadata.name)) return;
      this.pods.set(o.metadata.name, phase);
      this.lastPodAt = performance.now();
    };
    const job = (o: any) => {
      const end = (o?.status?.conditions ?? []).find((c: any) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type;
      if (!end || this.jobs.has(o.metadata.name)) return;
      this.jobs.set(o.metadata.name, end);
      this.lastJobAt = performance.now();
    };
    this.#watches = [
      [`/api/v1/namespaces/${namespace}/pods`, pod],
      [`/apis/batch/v1/namespaces/${namespace}/jobs`, job],
    ].map(([path, see]: any) => {
      const watch = new ResourceWatch<any>({
        client,
        path,
        onEvent: (type, o) => {
          if (type !== "DELETED") see(o);
        },
        onList: (items) => {
          for (const o of items) see(o);
        },
        onVersion: () => {},
      });
      watch.start();
      return watch;
    });
  }

  done(n: number): boolean {
    return this.pods.size >= n && this.jobs.size >= n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#watches.map((w) => w.stop()));
  }
}

const kubectlArgs = (kube: Kube, ...args: string[]) => ["--kubeconfig", kube.kubeconfig, ...args];

function createNamespace(kube: Kube, name: string): void {
  execFileSync(kube.kubectl, kubectlArgs(kube, "create", "namespace", name), { stdio: "ignore" });
}

/**
 * The Job Plinth makes for a job, without what needs the Secret a plain user would not make:
 * the job's variables (envFrom) and the key its init container fetches the job's folder with.
 * The init container stays, so the pod is the same shape; the test cluster runs no containers.
 */
function plainJob(i: number, tag: string): Record<string, any> {
  const job: EngineJob = {
    jobId: `bench-${tag}-${i}`,
    name: `bench-${i}`,
    argv: ["true"],
    env: {},
    workdir: "/work",
    inputs: [],
    cpus: CPUS,
    memoryBytes: MEMORY_BYTES,
    gpus: 0,
    timeoutMs: null,
    priority: 0,
    owner: { userId: "bench", userName: "bench", teamId: null },
  };
  const m = jobManifest(job, { plinthUrl: "http://127.0.0.1:1", defaultImage: IMAGE });
  const pod = m.spec.template.spec;
  delete pod.containers[0].envFrom;
  pod.initContainers[0].env = pod.initContainers[0].env.filter((e: any) => !e.valueFrom);
  m.metadata.name = jobName(job.jobId);
  return m;
}

/**
 * N Job manifests created with kubectl: `loop`, a bash loop of `kubectl create -f` of one file,
 * one after another; `folder`, one `kubectl create -f` of the folder holding all N.
 */
async function kubectlBaseline(kube: Kube, client: KubeClient, root: string, n: number, tag: string, how: "loop" | "folder"): Promise<Side> {
  const namespace = `plinth-bench-${tag}-kubectl-${how}`;
  createNamespace(kube, namespace);
  const dir = join(root, `kubectl-${how}`);
  const jobs = join(dir, "jobs");
  mkdirSync(jobs, { recursive: true });
  for (let i = 1; i <= n; i++) writeFileSync(join(jobs, `job-${i}.json`), JSON.stringify(plainJob(i, tag), null, 2));
  const kubectl = `${kube.kubectl} --kubeconfig ${kube.kubeconfig} -n ${namespace} create -o name -f`;
  const body = how === "loop" ? [`for i in $(seq 1 ${n}); do`, `  ${kubectl} ${jobs}/job-$i.json`, "done"] : [`${kubectl} ${jobs}`];
  writeFileSync(join(dir, "submit.sh"), ["#!/bin/bash", "set -e", ...body, ""].join("\n"));
  const ends = new KubeEnds(client, namespace);
  try {
    const daemons0 = cpuOf(kube.daemons);
    const t0 = performance.now();
    const loop = await runLoop(join(dir, "submit.sh"));
    const submitS = seconds(t0);
    await until(() => ends.done(n), LOOK_MS, n * 5_000 + 120_000, `${n} Jobs created with kubectl (${how}) to complete`);
    return {
      submitS,
      totalS: (ends.lastPodAt! - t0) / 1000,
      jobsCompleteS: (ends.lastJobAt! - t0) / 1000,
      ends: tally([...ends.pods.values()]),
      submitterCpuS: loop.cpuS,
      clusterCpuS: cpuOf(kube.daemons) - daemons0,
    };
  } finally {
    await ends.stop();
  }
}

/** The same N jobs through Plinth's Kubernetes executor, in a namespace of their own. */
async function plinthKubernetes(kube: Kube, client: KubeClient, root: string, n: number, tag: string): Promise<PlinthSide> {
  const namespace = `plinth-bench-${tag}-plinth`;
  createNamespace(kube, namespace);
  const port = await freePort();
  const config = join(root, "plinth-kubernetes.yaml");
  writeFileSync(
    config,
    ["executors:", "  k8s:", "    kind: kubernetes", `    kubeconfig: ${kube.kubeconfig}`, `    namespace: ${namespace}`, `    plinthUrl: http://127.0.0.1:${port}`, `    defaultImage: ${IMAGE}`, ""].join("\n"),
  );
  const server = await startBenchServer({ PLINTH_CONFIG: config, PLINTH_EXECUTOR_SANDBOX: "none" }, { port });
  const ends = new KubeEnds(client, namespace);
  try {
    const { t0, submitS, totalS, serverCpuS, clusterCpuS, clientCpuS } = await throughPlinth(server, kube.daemons, n, "k8s");
    // The Job controller may mark the last Jobs complete a while after Plinth has read their pods' ends.
    await until(() => ends.done(n), LOOK_MS, 60_000, "the Jobs Plinth made to show complete").catch(() => {});
    return {
      submitS,
      totalS,
      ends: await plinthEnds(server),
      submitterCpuS: serverCpuS,
      clusterCpuS,
      clusterEndS: ends.pods.size >= n ? (ends.lastPodAt! - t0) / 1000 : null,
      ...(ends.jobs.size >= n && { jobsCompleteS: (ends.lastJobAt! - t0) / 1000 }),
      clientCpuS,
    };
  } finally {
    await ends.stop();
    await server.stop();
  }
}

// ---- the run -------------------------------------------------------------------------------

/** A line on stderr as each side ends, for long runs. */
function progress<S extends Side>(what: string, s: S): S {
  console.error(`engines: ${what}: ${round(s.totalS, 1)} s (submitted in ${round(s.submitS, 1)} s) ${JSON.stringify(s.ends)}`);
  return s;
}

const r1 = (x: number | null | undefined) => (x === null || x === undefined ? null : round(x, 1));

/** Flat figures: `${engine}${Side}…` for each side, and Plinth's overhead against each baseline (the first is the target's). */
function figures(engine: string, baselines: Record<string, Side>, plinth: PlinthSide): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const side = (name: string, s: Side) => {
    out[`${engine}${name}SubmitS`] = r1(s.submitS);
    out[`${engine}${name}TotalS`] = r1(s.totalS);
    if (s.jobsCompleteS !== undefined) out[`${engine}${name}JobsCompleteS`] = r1(s.jobsCompleteS);
    if (s.othersJobs !== undefined) out[`${engine}${name}OthersJobs`] = s.othersJobs;
    out[`${engine}${name}Ends`] = s.ends;
    out[`${engine}${name}${name === "Plinth" ? "Server" : "Submitter"}CpuS`] = r1(s.submitterCpuS);
    out[`${engine}${name}ClusterCpuS`] = r1(s.clusterCpuS);
  };
  for (const [name, s] of Object.entries(baselines)) side(name, s);
  side("Plinth", plinth);
  out[`${engine}PlinthClusterEndS`] = r1(plinth.clusterEndS);
  out[`${engine}PlinthClientCpuS`] = r1(plinth.clientCpuS);
  if (plinth.pollLines !== undefined) out[`${engine}PlinthPollLines`] = plinth.pollLines;
  if (plinth.pollMs !== undefined) out[`${engine}PlinthPollMs`] = round(plinth.pollMs, 0);
  Object.keys(baselines).forEach((name, i) => {
    out[i === 0 ? `${engine}OverheadPct` : `${engine}OverheadVs${name}Pct`] = round((plinth.totalS / baselines[name]!.totalS - 1) * 100, 1);
  });
  return out;
}

export interface EnginesOptions {
  jobs: number;
  only?: "slurm" | "kubernetes";
  /** Also sbatch with the options Plinth gives it (--export NONE --no-requeue --open-mode append). */
  sbatchAsPlinth?: boolean;
}

export async function benchEngines(o: EnginesOptions): Promise<Record<string, unknown>> {
  const n = o.jobs;
  const root = mkdtempSync(join(tmpdir(), "plinth-engines-bench-"));
  // Plinth runs as root on the test clusters; its job user must be able to pass through.
  chmodSync(root, 0o755);
  const tag = Date.now().toString(36);
  const out: Record<string, unknown> = { bench: "engines", jobs: n, machine: machineLine(describeMachine(root)), loadAverageAtStart: round(loadavg()[0]!, 2) };
  try {
    if (o.only !== "kubernetes") {
      const slurm = findSlurm();
      if (typeof slurm === "string") out.slurmSkipped = slurm;
      else {
        out.slurmVersion = slurm.version;
        const baselines: Record<string, Side> = { Sbatch: progress("sbatch", await sbatchBaseline(slurm, root, n, `${tag}a`, [])) };
        if (o.sbatchAsPlinth) baselines.SbatchAsPlinth = progress("sbatch with Plinth's options", await sbatchBaseline(slurm, root, n, `${tag}b`, PLINTH_SBATCH_OPTIONS));
        Object.assign(out, figures("slurm", baselines, progress("Slurm through Plinth", await plinthSlurm(slurm, root, n))));
      }
    }
    if (o.only !== "slurm") {
      const kube = findKubernetes();
      if (typeof kube === "string") out.kubernetesSkipped = kube;
      else {
        out.kubernetesVersion = kube.version;
        const client = new KubeClient(connectionFromKubeconfig(kube.kubeconfig));
        try {
          const baselines = {
            KubectlLoop: progress("kubectl loop", await kubectlBaseline(kube, client, root, n, tag, "loop")),
            KubectlFolder: progress("kubectl, one call", await kubectlBaseline(kube, client, root, n, tag, "folder")),
          };
          Object.assign(out, figures("kubernetes", baselines, progress("Kubernetes through Plinth", await plinthKubernetes(kube, client, root, n, tag))));
        } finally {
          client.close();
          // The namespaces go with their Jobs, pods and Secrets, in the background.
          for (const side of ["kubectl-loop", "kubectl-folder", "plinth"]) {
            spawnSync(kube.kubectl, kubectlArgs(kube, "delete", "namespace", `plinth-bench-${tag}-${side}`, "--wait=false", "--ignore-not-found"), { stdio: "ignore" });
          }
        }
      }
    }
    out.loadAverageAtEnd = round(loadavg()[0]!, 2);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function summary(r: Record<string, any>): string {
  const lines = [`engines: ${r.jobs} trivial jobs each way, submitted one at a time; ${r.machine}; load average ${r.loadAverageAtStart} → ${r.loadAverageAtEnd}`];
  const cluster = (engine: string, title: string, sides: Record<string, string>) => {
    if (r[`${engine}Skipped`]) return lines.push(`  ${title}: skipped — ${r[`${engine}Skipped`]}`);
    if (r[`${engine}OverheadPct`] === undefined) return;
    lines.push(`  ${title} ${r[`${engine}Version`]}:`);
    for (const [name, label] of Object.entries(sides)) {
      const f = (k: string) => r[`${engine}${name}${k}`];
      if (f("TotalS") === undefined) continue;
      const complete = f("JobsCompleteS") === undefined ? "" : `, every Job marked complete at ${f("JobsCompleteS")} s`;
      const cpu = name === "Plinth" ? `server CPU ${f("ServerCpuS")} s` : `its CPU ${f("SubmitterCpuS")} s`;
      const own = name === "Plinth" ? `; the cluster ended the last at ${r[`${engine}PlinthClusterEndS`] ?? "?"} s` : "";
      const others = f("OthersJobs") ? `; ${f("OthersJobs")} jobs of others ended meanwhile` : "";
      lines.push(`    ${label.padEnd(36)} ${String(f("TotalS")).padStart(7)} s  (submitted in ${f("SubmitS")} s${own}${complete}; ${cpu}, the cluster's ${f("ClusterCpuS")} s; ${JSON.stringify(f("Ends"))}${others})`);
    }
    const first = Object.keys(sides)[0]!;
    const others = Object.keys(sides)
      .slice(1, -1)
      .filter((name) => r[`${engine}OverheadVs${name}Pct`] !== undefined)
      .map((name) => `; against ${sides[name]} ${r[`${engine}OverheadVs${name}Pct`]}%`)
      .join("");
    if (r[`${engine}PlinthPollLines`] !== undefined) lines.push(`    Plinth's squeue poll (every ${SLURM_POLL}) at the end: ${r[`${engine}PlinthPollLines`]} lines, ${r[`${engine}PlinthPollMs`]} ms`);
    lines.push(`    Plinth adds ${r[`${engine}OverheadPct`]}% to ${sides[first]} (target < 10%: ${r[`${engine}OverheadPct`] < 10 ? "met" : "not met"})${others}`);
  };
  cluster("slurm", "Slurm", { Sbatch: "sbatch loop", SbatchAsPlinth: "sbatch loop with Plinth's options", Plinth: "through Plinth" });
  cluster("kubernetes", "Kubernetes", { KubectlLoop: "kubectl create loop", KubectlFolder: "one kubectl create -f of the folder", Plinth: "through Plinth" });
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { jobs: { type: "string" }, only: { type: "string" }, "sbatch-as-plinth": { type: "boolean" } } });
  const jobs = Number(values.jobs ?? process.env.BENCH_ENGINES_JOBS ?? 1000);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a whole number above 0, not ${values.jobs}`);
  if (values.only !== undefined && values.only !== "slurm" && values.only !== "kubernetes") throw new Error("--only is slurm or kubernetes");
  const r = await benchEngines({ jobs, only: values.only as EnginesOptions["only"], sbatchAsPlinth: values["sbatch-as-plinth"] ?? false });
  console.log(summary(r));
  console.log(JSON.stringify(r));
}
