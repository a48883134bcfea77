import type { EngineWatcher } from "../engine.ts";
import { JOB_ID_LABEL, jobName, labelValue } from "./job-manifest.ts";
import type { PodLogFollower } from "./pod-logs.ts";
import { type KubeJob, type KubePhase, type KubePod, phaseOf } from "./states.ts";

// What the engine knows of one job it follows: the last word on its Job and its pod, from
// watch events and lists. Objects of an older Job of the same name (a run of the same job
// before) are told apart by the Job's uid; those seen before the uid is known wait for it.

const CONTROLLER_UID = "batch.kubernetes.io/controller-uid";

type What = "pod" | "job";

/** The uid of the Job an object is of: the Job's own, or the one its controller labels a pod with. */
export function jobUidOf(what: What, o: KubeJob | KubePod): string | undefined {
  return what === "job" ? (o as KubeJob).metadata.uid : (o.metadata.labels?.[CONTROLLER_UID] ?? o.metadata.labels?.["controller-uid"]);
}

export class TrackedJob {
  readonly jobId: string;
  readonly name: string;
  /** Its job-id label value, which watch events are routed by. */
  readonly label: string;
  readonly watcher: EngineWatcher;
  uid: string | undefined;
  job: KubeJob | undefined;
  jobGone = false;
  pod: KubePod | undefined;
  podGone = false;
  /** What the watcher was told last ("running", or why it waits). */
  said = "";
  cancelling = false;
  logs: PodLogFollower | undefined;
  #early: Array<{ what: What; type: string; o: KubeJob | KubePod }> = [];

  constructor(jobId: string, watcher: EngineWatcher, uid?: string) {
    this.jobId = jobId;
    this.name = jobName(jobId);
    this.label = labelValue(jobId);
    this.watcher = watcher;
    this.uid = uid;
  }

  /** The Job was made: its uid is known, and what was seen before is sorted now. */
  claim(created: KubeJob & { metadata: { uid: string } }): void {
    this.uid = created.metadata.uid;
    this.job ??= created;
    const early = this.#early;
    this.#early = [];
    for (const e of early) this.apply(e.what, e.type, e.o);
  }

  /** A watch event on its Job or pod. */
  apply(what: What, type: string, o: KubeJob | KubePod): void {
    if (this.uid === undefined) {
      this.#early.push({ what, type, o });
      return;
    }
    if (jobUidOf(what, o) !== this.uid) return;
    if (what === "job") {
      this.job = o as KubeJob;
      this.jobGone = type === "DELETED";
    } else if (type !== "DELETED" || !this.pod || this.pod.metadata.name === o.metadata.name) {
      this.pod = o as KubePod;
      this.podGone = type === "DELETED";
    }
  }

  /** A whole list of Jobs or pods (after 410 Gone): what changed while nobody watched, and what went. */
  listed(what: What, items: Array<KubeJob | KubePod>): void {
    const mine = items.filter((o) => o.metadata.labels?.[JOB_ID_LABEL] === this.label);
    if (this.uid === undefined) {
      for (const o of mine) this.apply(what, "ADDED", o);
      return;
    }
    const found = mine.find((o) => jobUidOf(what, o) === this.uid);
    if (what === "job") {
      if (found) this.job = found as KubeJob;
      this.jobGone = !found && this.job !== undefined;
    } else {
      if (found) this.pod = found as KubePod;
      this.podGone = !found && this.pod !== undefined;
    }
  }

  get podEnded(): boolean {
    return this.pod?.status?.phase === "Succeeded" || this.pod?.status?.phase === "Failed";
  }

  /** Its phase from what is known; a pod that went before it ended is no longer taken at its last word. */
  phase(): KubePhase {
    return phaseOf(this.jobGone ? undefined : this.job, this.podGone && !this.podEnded ? undefined : this.pod);
  }
}
