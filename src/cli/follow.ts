import type { JobView } from "../jobs/view.ts";
import type { ApiClient } from "./client.ts";

// Follows a job from the CLI: shows its place in the queue while it waits, streams its output
// while it runs, and returns the final job (following automatic retries).

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

export async function followJob(client: ApiClient, jobId: string, opts: { quiet: boolean }): Promise<JobView> {
  let id = jobId;
  let lastNote = "";
  while (true) {
    let job = id === jobId ? await client.request<JobView>("GET", `/api/v1/jobs/${id}`) : await appeared(client, id);
    while (job.state === "queued") {
      const note = job.executor !== "local"
        ? `queued on ${job.executor}${job.waiting ? `: ${job.waiting.charAt(0).toLowerCase()}${job.waiting.slice(1)}` : ""}`
        : job.queue
          ? `queued: position ${job.queue.position}${job.queue.expectedStartAt ? `, expected to start ${whenText(job.queue.expectedStartAt)}` : ""}`
          : "queued";
      if (!opts.quiet && note !== lastNote) process.stderr.write(`${note}\n`);
      lastNote = note;
      await sleep(500);
      job = await client.request<JobView>("GET", `/api/v1/jobs/${id}`);
    }
    // A job's environment is built, and its inputs put in place, before it runs: the first build
    // of an environment can take a minute, which should not look like a hang.
    for (let waited = 0; job.state === "starting"; waited += 250) {
      if (!opts.quiet && waited === 1000) process.stderr.write(`starting: preparing the job's environment and inputs… (\`plinth jobs logs --environment ${id}\` shows the build)\n`);
      await sleep(250);
      job = await client.request<JobView>("GET", `/api/v1/jobs/${id}`);
    }
    if (!opts.quiet && job.state !== "cancelled") {
      const gpus = job.assignedGpus.length ? ` on GPU ${job.assignedGpus.map((g) => `${g.index} (${g.model})`).join(", ")}` : "";
      const where = job.executor !== "local" ? ` on ${job.executor}${job.node ? ` (node ${job.node})` : ""}` : "";
      process.stderr.write(`running ${job.id}${where}${gpus}\n`);
    }
    const body = await client.stream(`/api/v1/jobs/${id}/logs?follow=true`);
    for await (const chunk of body) process.stdout.write(chunk);
    job = await client.request<JobView>("GET", `/api/v1/jobs/${id}`);
    // Logs end when the job has ended; a moment later the state is recorded.
    for (let i = 0; i < 50 && !TERMINAL.has(job.state); i++) {
      await sleep(100);
      job = await client.request<JobView>("GET", `/api/v1/jobs/${id}`);
    }
    if (job.retriedBy) {
      if (!opts.quiet) process.stderr.write(`${job.state}${job.failure ? `: ${job.failure.message}` : ""} — retrying as ${job.retriedBy}\n`);
      id = job.retriedBy;
      continue;
    }
    return job;
  }
}

export function exitCodeOf(job: JobView): number {
  switch (job.state) {
    case "succeeded":
      return 0;
    case "cancelled":
      return 130;
    case "timed_out":
      return 124;
    default:
      return job.exitCode !== null && job.exitCode !== 0 ? job.exitCode : 1;
  }
}

export function describeEnd(job: JobView): string {
  if (job.state === "succeeded") {
    const line = `succeeded in ${job.durations.runningMs !== null ? `${(job.durations.runningMs / 1000).toFixed(1)}s` : "?"}`;
    return job.warning ? `${line}\nwarning: ${job.warning.message}${job.warning.hint ? `\nhint: ${job.warning.hint}` : ""}` : line;
  }
  const lines = [`${job.state}${job.failure ? `: ${job.failure.message}` : ""}`];
  if (job.failure?.hint) lines.push(`hint: ${job.failure.hint}`);
  return lines.join("\n");
}

/** A retry is named when its job ends and created a moment later (after a timed-out job's processes are gone). */
async function appeared(client: ApiClient, id: string): Promise<JobView> {
  for (let i = 0; ; i++) {
    try {
      return await client.request<JobView>("GET", `/api/v1/jobs/${id}`);
    } catch (err) {
      if (i >= 600 || (err as { problem?: { status?: number } }).problem?.status !== 404) throw err;
      await sleep(100);
    }
  }
}

function whenText(iso: string): string {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (s <= 1) return "now";
  if (s < 90) return `in ${s}s`;
  if (s < 5400) return `in ${Math.round(s / 60)}m`;
  return `in ${(s / 3600).toFixed(1)}h`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
