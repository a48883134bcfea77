import type { FailureReason } from "../../spec.ts";

// What Slurm says of a job, in Plinth's words: its state mapped to Plinth's lifecycle and
// failure reasons, and why a pending job waits, in plain words (squeue's reason codes are for
// administrators: "Resources", "QOSMaxGRESPerUser", "ReqNodeNotAvail").

/** Where a Slurm job is in Plinth's lifecycle. */
export type SlurmPhase =
  | { phase: "waiting"; why: string }
  | { phase: "running" }
  | { phase: "ended"; outcome: "succeeded" }
  | { phase: "ended"; outcome: "failed"; reason: FailureReason; message: string; hint: string | null };

/** The pieces of a job's record that decide its phase (squeue or `scontrol show job`). */
export interface SlurmJobState {
  /** JobState, e.g. PENDING, RUNNING, COMPLETED, OUT_OF_MEMORY (a trailing "+" and flags are dropped). */
  state: string;
  /** Reason, e.g. Resources, Priority, None. */
  reason: string;
  /** ExitCode as "code:signal", e.g. "1:0", "0:9"; absent while it runs. */
  exitCode?: string;
  partition?: string;
  /** What it asked for, for the waiting message: e.g. 2 GPUs. */
  gpus?: number;
}

const RUNNING = new Set(["RUNNING", "CONFIGURING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING"]);
const WAITING = new Set(["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SUSPENDED", "STOPPED", "RESV_DEL_HOLD", "SPECIAL_EXIT"]);

export function phaseOf(job: SlurmJobState): SlurmPhase {
  const state = job.state.replace(/[+\s].*$/, "").toUpperCase();
  if (RUNNING.has(state)) return { phase: "running" };
  if (WAITING.has(state)) return { phase: "waiting", why: waitingWords(job) };
  const [code, signal] = (job.exitCode ?? "0:0").split(":").map(Number) as [number, number];
  const failed = (reason: FailureReason, message: string, hint: string | null = null): SlurmPhase => ({ phase: "ended", outcome: "failed", reason, message, hint });
  switch (state) {
    case "COMPLETED":
      return code === 0 ? { phase: "ended", outcome: "succeeded" } : failed("nonzero_exit", `Exited with code ${code}.`);
    case "FAILED":
      if (signal) return failed("signal", `Killed by signal ${signal}.`);
      return failed("nonzero_exit", `Exited with code ${code}.`);
    case "TIMEOUT":
      return failed("time_limit", "It reached its time limit and Slurm stopped it.", "Give it a longer `timeout` (within the partition's time limit, which the cluster's administrators set), or save checkpoints and resume. Slurm counts time limits in whole minutes.");
    case "OUT_OF_MEMORY":
      return failed("out_of_memory", "It used more memory than it asked for, and Slurm stopped it.", "Ask for more `resources.memory`, or use less: smaller batches, data read in chunks.");
    case "CANCELLED":
      return failed("cancelled", job.reason && job.reason !== "None" ? `Cancelled on the cluster (${job.reason}).` : "Cancelled on the cluster.", "Someone cancelled it with scancel, or an administrator did; run it again if it was not meant.");
    case "NODE_FAIL":
    case "BOOT_FAIL":
      return failed("lost", `The node it ran on failed (${state.toLowerCase().replace("_", " ")}).`, "Plinth retries it when its spec allows (`retries`); the cluster's administrators know which node.");
    case "PREEMPTED":
      return failed("lost", "Slurm preempted it for a job of higher priority.", "Plinth retries it when its spec allows (`retries`); checkpoints let it resume where it stopped.");
    case "DEADLINE":
      return failed("time_limit", "Its deadline passed before it could finish.", null);
    default:
      return failed("lost", `Slurm reports it as ${state}.`, null);
  }
}

/**
 * Why a pending job waits, in plain words. The codes are squeue's (`%r`); those not listed are
 * shown as Slurm writes them.
 */
export function waitingWords(job: Pick<SlurmJobState, "reason" | "partition" | "gpus">): string {
  const partition = job.partition ? ` on partition ${job.partition}` : "";
  const gpus = job.gpus ? `${job.gpus} GPU${job.gpus === 1 ? "" : "s"}` : "free CPUs and memory";
  // squeue writes some reasons with spaces, scontrol with underscores.
  const reason = job.reason.replace(/^\((.*)\)$/, "$1").replaceAll(" ", "_");
  if (reason === "Resources") return `waiting for ${gpus}${partition}`;
  if (reason === "Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved_for_jobs_in_higher_priority_partitions") return `waiting: the nodes it needs are down, drained or reserved${partition}`;
  if (reason === "Priority") return `waiting behind jobs of higher priority${partition}`;
  if (reason === "None" || reason === "") return `waiting to be scheduled${partition}`;
  if (reason === "BeginTime") return "waiting for its start time";
  if (reason === "Dependency") return "waiting for the jobs it depends on";
  if (reason.startsWith("JobHeld")) return "held: released when the cluster's administrators (or its owner) release it";
  if (reason === "PartitionDown" || reason === "PartitionInactive") return `waiting: partition${partition || ""} is down`;
  if (reason === "PartitionTimeLimit") return `waiting: its time limit is longer than partition${partition} allows; it will not start unless the limit changes`;
  if (reason === "PartitionNodeLimit") return `waiting: it asks for more nodes than partition${partition} allows`;
  if (reason.startsWith("ReqNodeNotAvail") || reason === "NodeDown") return `waiting: the nodes it needs are down, drained or reserved${partition}`;
  if (/^(QOS|Assoc)(Grp|Max).*GRES/.test(reason)) return "waiting: your account's GPU limit on the cluster is reached";
  if (/^(QOS|Assoc)(Grp|Max).*(Jobs|Submit)/.test(reason)) return "waiting: your account's limit of running jobs on the cluster is reached";
  if (/^(QOS|Assoc)(Grp|Max).*(CPU|Mem|Node)/.test(reason)) return "waiting: your account's CPU or memory limit on the cluster is reached";
  if (reason.startsWith("Reservation")) return "waiting for a reservation (maintenance, or one it needs)";
  if (reason === "BadConstraints" || reason === "InvalidAccount" || reason === "InvalidQOS") return `waiting, and it cannot start as asked: ${reason}`;
  return `waiting (${job.reason.replace(/^\((.*)\)$/, "$1")})`;
}
