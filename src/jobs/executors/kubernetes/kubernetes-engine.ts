import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { Engine, EngineEnd, EngineJob, EngineJobPaths, EngineNode, EngineWatcher } from "../engine.ts";
import { engineNode, type KubeNode } from "./inventory.ts";
import { gpuModelValues, JOB_ID_LABEL, jobManifest, jobName, type KubernetesSettings, KubernetesRefusalError, labelValue, MANAGED_BY, POD_WORKDIR, secretManifest } from "./job-manifest.ts";
import { isNotFound, type KubeClient, KubeError } from "./kube-client.ts";
import { PodLogFollower } from "./pod-logs.ts";
import { ResourceWatch } from "./resource-watch.ts";
import type { KubeJob, KubePod } from "./states.ts";
import { jobUidOf, TrackedJob } from "./tracked-job.ts";
import { WatchVersions } from "./watch-versions.ts";
import { stagingPaths, type WorkdirHandout } from "./workdir-handout.ts";

// Jobs on a Kubernetes cluster: each becomes a batch/v1 Job with one pod and a Secret for its
// variables (job-manifest.ts); Kubernetes schedules and runs it. Two watches for the whole
// engine, on Jobs and on pods that carry Plinth's label, follow every job at once: events, not
// polls, so the cost is in proportion to what changes. The last resourceVersion of each is
// kept in the staging folder (at most once a second), so after a restart the watches take up
// where they stopped; when the API server no longer has that version, everything is listed again
// and compared. A running pod's log is followed into the job's log on this machine.

export interface KubernetesEngineOptions {
  client: KubeClient;
  namespace: string;
  /** A folder on Plinth's machine: jobs/<id>/work (the job's folder), jobs/<id>/output.log, jobs/<id>/state. */
  stagingDir: string;
  settings: KubernetesSettings;
  /** Issues the keys pods fetch their job's folder with; the same one serves the workdir route. */
  handout: WorkdirHandout;
  logger?: { warn(msg: string): void };
}

const JOB_FILE = "kubernetes-job.json";
const END_FILE = "end.json";

export class KubernetesEngine implements Engine {
  readonly kind = "kubernetes" as const;
  readonly #o: KubernetesEngineOptions;
  /** Tracked jobs by their job-id label value. */
  readonly #tracked = new Map<string, TrackedJob>();
  #watches: ResourceWatch<any>[] | null = null;
  readonly #versions: WatchVersions;

  constructor(o: KubernetesEngineOptions) {
    this.#o = o;
    this.#versions = new WatchVersions(o.stagingDir, o.client.server, o.namespace, (msg) => o.logger?.warn(msg));
  }

  paths(jobId: string) {
    return stagingPaths(this.#o.stagingDir, jobId);
  }

  async prepare(jobId: string): Promise<EngineJobPaths> {
    const p = this.paths(jobId);
    await mkdir(p.workdir, { recursive: true });
    await mkdir(p.stateDir, { recursive: true, mode: 0o700 });
    await chmod(p.stateDir, 0o700);
    // seenAs: where the pod has the folder (EngineJobPaths.seenAs), for paths given to the job.
    const paths = { workdir: p.workdir, logPath: p.logPath, seenAs: POD_WORKDIR };
    return paths;
  }

  #api(kind: "jobs" | "secrets" | "pods", name?: string): string {
    const group = kind === "jobs" ? "/apis/batch/v1" : "/api/v1";
    return `${group}/namespaces/${this.#o.namespace}/${kind}${name ? `/${name}` : ""}`;
  }

  async submit(job: EngineJob, watcher: EngineWatcher): Promise<string> {
    await this.prepare(job.jobId);
    const p = this.paths(job.jobId);
    // Inputs' folders are given relative to the job's folder, or as paths on this machine.
    const outside = job.inputs.find((i) => relative(p.workdir, resolve(p.workdir, i.dir)).startsWith(".."));
    if (outside) throw new KubernetesRefusalError(`The input ${outside.name} is not in the job's folder, which is all its pod receives.`, "Put the job's inputs in its folder before submitting it to Kubernetes.");
    let gpuModels: string[] = [];
    if (job.gpus > 0 && job.gpuModel !== undefined && job.gpuModel.trim() !== "*") {
      // Without the right to list nodes, an exact model name is still asked for as written.
      const nodes = await this.inventory().catch((e) => {
        if (e instanceof KubeError && e.status === 403) return [];
        throw e;
      });
      const models = nodes.flatMap((n) => n.gpus.map((g) => g.model));
      gpuModels = gpuModelValues(job.gpuModel, models, this.#o.settings.gpuModelLabel);
    }
    const key = await this.#o.handout.issue(job.jobId);
    const t = this.#track(job.jobId, watcher);
    const name = jobName(job.jobId);
    try {
      await this.#ensureWatching();
      await rm(join(p.stateDir, END_FILE), { force: true });
      const created = await this.#create(job, key, gpuModels);
      await writeFile(join(p.stateDir, JOB_FILE), JSON.stringify({ name, uid: created.metadata.uid, namespace: this.#o.namespace }), { mode: 0o600 });
      t.claim(created);
      this.#evaluate(t);
      return name;
    } catch (e) {
      this.#tracked.delete(t.label);
      await this.#o.handout.revoke(job.jobId);
      await this.#remove(name);
      throw e;
    }
  }

  /** The Secret, then the Job, then the Secret owned by the Job so that deleting the Job deletes it. */
  async #create(job: EngineJob, key: string, gpuModels: string[]): Promise<KubeJob & { metadata: { uid: string } }> {
    const name = jobName(job.jobId);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#o.client.post(this.#api("secrets"), secretManifest(job, key));
        const created = await this.#o.client.post(this.#api("jobs"), jobManifest(job, this.#o.settings, gpuModels));
        await this.#o.client.patch(this.#api("secrets", name), { metadata: { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid: created.metadata.uid }] } });
        return created;
      } catch (e) {
        // A Job of the same name from an earlier run of this job (kept after it ended): removed, then made again.
        if (!(e instanceof KubeError && e.status === 409) || attempt > 0) throw e;
        await this.#remove(name);
      }
    }
  }

  /** Deletes the Job and its Secret and waits (up to 30 seconds) until the Job is gone. */
  async #remove(name: string): Promise<void> {
    const background = { propagationPolicy: "Background" };
    await this.#o.client.delete(this.#api("jobs", name), background).catch(() => {});
    await this.#o.client.delete(this.#api("secrets", name)).catch(() => {});
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      // Gone, or the API cannot say (unreachable): no use waiting.
      const there = await this.#o.client.get(this.#api("jobs", name)).then(() => true, () => false);
      if (!there) return;
    }
  }

  async resume(job: Pick<EngineJob, "jobId" | "gpus">, watcher: EngineWatcher): Promise<boolean> {
    const { stateDir } = this.paths(job.jobId);
    const saved = await readFile(join(stateDir, JOB_FILE), "utf8").then((t) => JSON.parse(t) as { name: string; uid: string }, () => null);
    if (!saved) return false;
    const end = await readFile(join(stateDir, END_FILE), "utf8").then((t) => JSON.parse(t) as EngineEnd, () => null);
    if (end) {
      // It ended before the restart; the watcher may not have heard it.
      queueMicrotask(() => watcher.ended(end));
      return true;
    }
    const t = this.#track(job.jobId, watcher, saved.uid);
    await this.#ensureWatching();
    const found = await this.#o.client.get<KubeJob>(this.#api("jobs", saved.name)).catch((e) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    const pods = await this.#o.client.get<{ items: KubePod[] }>(`${this.#api("pods")}?labelSelector=${encodeURIComponent(`${JOB_ID_LABEL}=${labelValue(job.jobId)}`)}`);
    // What the watch has told meanwhile is newer than these answers.
    if (!t.job && !t.jobGone) {
      if (found && found.metadata.uid === saved.uid) t.job = found;
      else t.jobGone = true;
    }
    t.pod ??= pods.items.find((p) => jobUidOf("pod", p) === saved.uid);
    this.#evaluate(t);
    return true;
  }

  async cancel(jobId: string): Promise<void> {
    const name = jobName(jobId);
    const t = this.#tracked.get(labelValue(jobId));
    if (t) t.cancelling = true;
    await this.#o.client.delete(this.#api("jobs", name), { propagationPolicy: "Background" }).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
    if (t) this.#evaluate(t);
  }

  async inventory(): Promise<EngineNode[]> {
    const nodes = await this.#o.client.get<{ items: KubeNode[] }>("/api/v1/nodes");
    return nodes.items.map((n) => engineNode(n, this.#o.settings));
  }

  async close(): Promise<void> {
    const watches = this.#watches;
    this.#watches = null;
    await Promise.all([...(watches ?? []).map((w) => w.stop()), ...[...this.#tracked.values()].map((t) => t.logs?.stop())]);
    this.#tracked.clear();
    // Kept only from watches that ran: an engine that never watched has nothing newer to say.
    if (watches) await this.#versions.save();
  }

  #track(jobId: string, watcher: EngineWatcher, uid?: string): TrackedJob {
    const t = new TrackedJob(jobId, watcher, uid);
    this.#tracked.set(t.label, t);
    return t;
  }

  async #ensureWatching(): Promise<void> {
    if (this.#watches) return;
    this.#watches = [];
    const versions = await this.#versions.load();
    const selector = `labelSelector=${encodeURIComponent(`${MANAGED_BY.key}=${MANAGED_BY.value}`)}`;
    for (const kind of ["pods", "jobs"] as const) {
      const watch = new ResourceWatch<any>({
        client: this.#o.client,
        path: `${this.#api(kind)}?${selector}`,
        resourceVersion: versions[kind],
        onEvent: (type, o) => this.#route(kind, type, o),
        onList: (items) => this.#relisted(kind, items),
        onVersion: (v) => this.#versions.seen(kind, v),
        logger: this.#o.logger,
      });
      this.#watches.push(watch);
      watch.start();
    }
  }

  #route(kind: "pods" | "jobs", type: string, o: KubeJob | KubePod): void {
    const t = this.#tracked.get(o.metadata?.labels?.[JOB_ID_LABEL] ?? "");
    if (!t) return;
    t.apply(kind === "pods" ? "pod" : "job", type, o);
    this.#evaluateFromWatch(t);
  }

  /** A watcher that throws must not stop the watch (it would read the same event again and again). */
  #evaluateFromWatch(t: TrackedJob): void {
    try {
      this.#evaluate(t);
    } catch (e) {
      this.#o.logger?.warn(`following job ${t.jobId} failed: ${(e as Error).message}`);
    }
  }

  #relisted(kind: "pods" | "jobs", items: Array<KubeJob | KubePod>): void {
    for (const t of this.#tracked.values()) {
      t.listed(kind === "pods" ? "pod" : "job", items);
      this.#evaluateFromWatch(t);
    }
  }

  #evaluate(t: TrackedJob): void {
    if (this.#tracked.get(t.label) !== t) return;
    if (t.cancelling) {
      // Cancelled: said once the pod is gone or stopped (or there never was one).
      if (!t.pod || t.podGone || t.podEnded) this.#end(t, { exitCode: null, engineState: "Deleted", outcome: { outcome: "failed", reason: "cancelled", message: "Cancelled.", hint: null } });
      return;
    }
    const phase = t.phase();
    if (phase.phase === "ended") {
      this.#end(t, phase.end);
      // A pod that cannot start would wait forever: its Job goes (with its Secret).
      if (phase.end.outcome.outcome === "failed" && phase.end.outcome.reason === "start_failed") void this.#remove(t.name);
    } else if (t.jobGone) {
      this.#end(t, { exitCode: null, engineState: "Deleted", outcome: { outcome: "failed", reason: "lost", message: "Its Job was deleted on the cluster before it ended.", hint: "Someone deleted it (kubectl delete job), or the namespace went; Plinth runs it again when its spec allows (`retries`)." } });
    } else if (phase.phase === "waiting" && t.said !== phase.why) {
      t.said = phase.why;
      t.watcher.waiting(phase.why);
    } else if (phase.phase === "running" && t.said !== "running") {
      t.said = "running";
      t.watcher.running(phase.where);
      // Its folder has been fetched: the key is of no more use.
      this.#revoke(t.jobId);
      this.#followLogs(t);
    }
  }

  #followLogs(t: TrackedJob): void {
    if (t.logs || !t.pod) return;
    const { logPath, stateDir } = this.paths(t.jobId);
    t.logs = new PodLogFollower({ client: this.#o.client, namespace: this.#o.namespace, pod: t.pod.metadata.name, logPath, positionPath: join(stateDir, "log-position"), logger: this.#o.logger });
    t.logs.start();
  }

  #end(t: TrackedJob, end: EngineEnd): void {
    this.#tracked.delete(t.label);
    const { stateDir } = this.paths(t.jobId);
    this.#revoke(t.jobId);
    // The job's variables are of no more use: they do not stay on the cluster while its Job is kept.
    this.#o.client.delete(this.#api("secrets", t.name)).catch(() => {});
    // The log is read out before the end is told, so the log is whole when the job shows ended.
    const logs = t.logs?.finish() ?? Promise.resolve();
    void logs
      .then(() => writeFile(join(stateDir, END_FILE), JSON.stringify(end), { mode: 0o600 }))
      .catch((e) => this.#o.logger?.warn(`could not keep how job ${t.jobId} ended: ${e.message}`))
      .then(() => t.watcher.ended(end))
      .catch((e) => this.#o.logger?.warn(`telling that job ${t.jobId} ended failed: ${e.message}`));
  }

  #revoke(jobId: string): void {
    this.#o.handout.revoke(jobId).catch((e) => this.#o.logger?.warn(`could not revoke the folder key of job ${jobId}: ${e.message}`));
  }
}
