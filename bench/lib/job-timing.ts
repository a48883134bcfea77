import { TERMINAL_STATES } from "../../src/jobs/spec.ts";
import type { BenchServer } from "./server.ts";

// A job's times as its own events record them (the server's wall clock, in milliseconds),
// measured from the moment the client sent it. Client and server share the machine and its
// clock, so polling for the end adds nothing to the figures.

export interface JobEvent {
  from: string | null;
  to: string;
  at: string;
  detail: Record<string, any> | null;
}

export interface JobDetail {
  id: string;
  state: string;
  events: JobEvent[];
}

export interface JobTiming {
  id: string;
  /** The submit request's round trip (an environment is resolved in it). */
  submitMs: number;
  /** The `starting` event to the `running` event. */
  startMs: number;
  /** Sent to the `succeeded` event. */
  totalMs: number;
  /** The running event's environment: { key, built, seconds }, when the job has one. */
  environment?: { key: string; built: boolean; seconds: number };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Submits a job; the client's clock when it was sent, and its id. */
export async function submit(server: BenchServer, spec: unknown): Promise<{ id: string; sentAt: number; submitMs: number }> {
  const sentAt = Date.now();
  const { id } = await server.api<{ id: string }>("POST", "/api/v1/jobs", spec);
  return { id, sentAt, submitMs: Date.now() - sentAt };
}

/** Waits for a job's end; throws with its log's tail unless it succeeded. */
export async function waitSucceeded(server: BenchServer, id: string, pollMs = 10): Promise<JobDetail> {
  while (true) {
    const job = await server.api<JobDetail>("GET", `/api/v1/jobs/${id}`);
    if (TERMINAL_STATES.has(job.state as never)) {
      if (job.state === "succeeded") return job;
      const log = await server.api<string>("GET", `/api/v1/jobs/${id}/logs?tail=20`).catch(() => "");
      throw new Error(`job ${id} ended ${job.state}: ${JSON.stringify(job.events.at(-1))}\n${log}`);
    }
    await sleep(pollMs);
  }
}

export function timingOf(job: JobDetail, sentAt: number, submitMs: number): JobTiming {
  const at = (to: string) => {
    const event = job.events.find((e) => e.to === to);
    if (!event) throw new Error(`job ${job.id} has no ${to} event`);
    return Date.parse(event.at);
  };
  const environment = job.events.find((e) => e.to === "running")?.detail?.environment;
  return { id: job.id, submitMs, startMs: at("running") - at("starting"), totalMs: at("succeeded") - sentAt, ...(environment && { environment }) };
}

/** One job from submit to its end, nothing else running meanwhile. */
export async function timedJob(server: BenchServer, spec: unknown): Promise<JobTiming> {
  const sent = await submit(server, spec);
  return timingOf(await waitSucceeded(server, sent.id), sent.sentAt, sent.submitMs);
}
