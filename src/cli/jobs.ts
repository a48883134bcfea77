import type { Command } from "commander";
import { formatBytes, formatDuration } from "../core/units.ts";
import type { JobDetailView, JobView } from "../jobs/view.ts";
import { ApiClient } from "./client.ts";
import { describeEnd, exitCodeOf } from "./follow.ts";
import { ago, printJson, printTable } from "./output.ts";

export function registerJobs(program: Command, exit: (code: number) => void): void {
  const jobs = program.command("jobs").description("List, inspect, follow, cancel and retry jobs");

  jobs
    .command("ls")
    .description("List jobs, newest first")
    .option("-s, --state <states>", "comma-separated states, e.g. queued,running")
    .option("-u, --user <name>", "only this user's jobs ('me' for yours)")
    .option("-n, --name <name>", "only jobs with this name")
    .option("-l, --label <key=value>", "only jobs with this label (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .option("--limit <n>", "how many", "20")
    .option("--cursor <id>", "continue after this job id (from the previous page)")
    .option("--json", "print JSON")
    .action(async (o: { state?: string; user?: string; name?: string; label: string[]; limit: string; cursor?: string; json?: boolean }) => {
      const q = new URLSearchParams();
      if (o.state) q.set("state", o.state);
      if (o.user) q.set("user", o.user);
      if (o.name) q.set("name", o.name);
      for (const l of o.label) q.append("label", l);
      q.set("limit", o.limit);
      if (o.cursor) q.set("cursor", o.cursor);
      const page = await ApiClient.fromEnvironment().request<{ items: JobView[]; nextCursor: string | null }>("GET", `/api/v1/jobs?${q}`);
      if (o.json) return printJson(page);
      if (page.items.length === 0) {
        process.stdout.write("No jobs yet. Try: plinth run -- echo hello\n");
        return;
      }
      printTable(
        ["ID", "NAME", "STATE", "SUBMITTED", "RAN", "GPUS", "REASON"],
        page.items.map((j) => [
          j.id,
          j.name,
          j.state === "queued" && j.queue ? `queued #${j.queue.position}` : j.executor !== "local" ? `${j.state} on ${j.executor}` : j.state,
          ago(j.createdAt),
          j.durations.runningMs !== null ? formatDuration(j.durations.runningMs) : j.startedAt ? "running" : "-",
          String(j.resources.gpus),
          j.failure?.reason ?? (j.heldBy ? `held: ${heldShort(j.heldBy)}` : ""),
        ]),
      );
      if (page.nextCursor) process.stdout.write(`more: plinth jobs ls --cursor ${page.nextCursor}\n`);
    });

  jobs
    .command("show")
    .description("Show a job: spec, resources, GPUs, timeline and why it failed")
    .argument("<id>")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const job = await ApiClient.fromEnvironment().request<JobDetailView>("GET", `/api/v1/jobs/${encodeURIComponent(id)}`);
      if (o.json) return printJson(job);
      const r = job.resources;
      const lines = [
        `${job.id}  ${job.name}`,
        `state:     ${job.state}${job.queue ? ` (position ${job.queue.position}${job.queue.expectedStartAt ? `, expected start ${job.queue.expectedStartAt}` : ""})` : ""}`,
        job.heldBy ? `waiting:   ${job.heldBy.message}` : "",
        job.waiting ? `waiting:   ${job.waiting}` : "",
        job.executor !== "local" ? `executor:  ${job.executor}${job.engineId ? ` (its id there: ${job.engineId})` : ""}${job.node ? `, node ${job.node}` : ""}` : "",
        `command:   ${JSON.stringify(job.spec.command ?? ["bash", "-c", job.spec.script])}`,
        `resources: ${r.cpus} CPU, ${formatBytes(r.memoryBytes)}, ${r.gpus} GPU${r.gpuModel ? ` matching '${r.gpuModel}'` : ""}`,
        job.assignedGpus.length ? `gpus:      ${job.assignedGpus.map((g) => `${g.index} ${g.model} (${g.uuid})`).join(", ")}` : "",
        job.environment ? `env:       ${environmentLine(job.environment)}` : "",
        `attempt:   ${job.attempt}${job.retryOf ? ` (retry of ${job.retryOf})` : ""}${job.retriedBy ? `, retried as ${job.retriedBy}` : ""}`,
        `timeline:  queued ${fmt(job.durations.queuedMs)} → starting ${fmt(job.durations.startingMs)} → running ${fmt(job.durations.runningMs)}`,
        job.exitCode !== null || job.signal ? `exit:      ${job.exitCode ?? "-"}${job.signal ? ` (signal ${job.signal})` : ""}` : "",
        job.peakMemoryBytes ? `peak mem:  ${formatBytes(job.peakMemoryBytes)}` : "",
        ...job.inputs.map((i, n) => `${n === 0 ? "inputs:   " : "          "} ${i.name} = ${i.team}/${i.dataset}@v${i.version}${i.ref.endsWith(`@v${i.version}`) ? "" : ` (${i.ref} at submit)`}`),
        ...job.outputs.map(
          (o, n) => `${n === 0 ? "outputs:  " : "          "} ${o.name} = ${o.path}/ → ${o.version !== null ? `${o.team}/${o.dataset}@v${o.version}` : `${o.dataset} (${job.state === "saving" ? "being saved" : ["queued", "starting", "running"].includes(job.state) ? "saved when the job succeeds" : "not saved"})`}${o.tag ? ` tag ${o.tag}` : ""}`,
        ),
      ].filter(Boolean);
      process.stdout.write(`${lines.join("\n")}\n`);
      if (job.warning) {
        process.stdout.write(`\nwarning: ${job.warning.message}\n`);
        if (job.warning.hint) process.stdout.write(`hint: ${job.warning.hint}\n`);
      }
      if (job.failure) {
        process.stdout.write(`\n${job.failure.reason}: ${job.failure.message}\n`);
        if (job.failure.hint) process.stdout.write(`hint: ${job.failure.hint}\n`);
        if (job.failure.logTail) process.stdout.write(`\nlast lines of output:\n${indent(job.failure.logTail)}\n`);
      }
      process.stdout.write("\nevents:\n");
      for (const e of job.events) process.stdout.write(`  ${e.at}  ${e.from ?? "-"} → ${e.to}\n`);
    });

  jobs
    .command("logs")
    .description("Print a job's output; -f follows it until the job ends")
    .argument("<id>")
    .option("-f, --follow", "keep printing as the job writes")
    .option("--tail <lines>", "start at the last <lines> lines; the server reads only those")
    .option("--environment", "print what preparing the job's Python environment printed instead")
    .action(async (id: string, o: { follow?: boolean; tail?: string; environment?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      if (o.environment) {
        for await (const chunk of await client.stream(`/api/v1/jobs/${encodeURIComponent(id)}/environment-log`)) process.stdout.write(chunk);
        return;
      }
      const tail = o.tail === undefined ? "" : `&tail=${encodeURIComponent(o.tail)}`;
      const body = await client.stream(`/api/v1/jobs/${encodeURIComponent(id)}/logs?follow=${o.follow ? "true" : "false"}${tail}`);
      for await (const chunk of body) process.stdout.write(chunk);
    });

  jobs
    .command("cancel")
    .description("Cancel a job: SIGTERM to all its processes, SIGKILL after the grace period")
    .argument("<id...>")
    .option("--json", "print JSON")
    .action(async (ids: string[], o: { json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const done: JobView[] = [];
      for (const id of ids) done.push(await client.request<JobView>("POST", `/api/v1/jobs/${encodeURIComponent(id)}/cancel`));
      if (o.json) return printJson(done);
      for (const j of done) process.stdout.write(`cancelled ${j.id}\n`);
    });

  jobs
    .command("retry")
    .description("Run a finished job again (a new job with the same spec)")
    .argument("<id>")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const job = await ApiClient.fromEnvironment().request<JobView>("POST", `/api/v1/jobs/${encodeURIComponent(id)}/retry`);
      if (o.json) return printJson(job);
      process.stdout.write(`${job.id}\n`);
    });

  jobs
    .command("wait")
    .description("Wait for a job to end; exits with its exit code")
    .argument("<id>")
    .action(async (id: string) => {
      const client = ApiClient.fromEnvironment();
      const body = await client.stream(`/api/v1/jobs/${encodeURIComponent(id)}/logs?follow=true&offset=${Number.MAX_SAFE_INTEGER}`);
      for await (const _ of body) {
        // drain until the job ends
      }
      let job = await client.request<JobView>("GET", `/api/v1/jobs/${encodeURIComponent(id)}`);
      for (let i = 0; i < 50 && ["running", "starting"].includes(job.state); i++) {
        await new Promise((r) => setTimeout(r, 100));
        job = await client.request<JobView>("GET", `/api/v1/jobs/${encodeURIComponent(id)}`);
      }
      process.stderr.write(`${describeEnd(job)}\n`);
      exit(exitCodeOf(job));
    });
}

/** "Python 3.11.2, 3 packages (environment 1a2b3c4d5e6f)"; an interpreter used as it is, by its path. */
export function environmentLine(env: NonNullable<JobDetailView["environment"]>): string {
  const named = env.named ? `${env.named.name}@${env.named.version}: ` : "";
  if (env.image) return `${named}image ${env.image.reference} (${env.image.id.slice(0, 12)})`;
  const count = env.packages.length;
  if (count === 0) return `Python ${env.python} (${env.interpreter}), no packages added`;
  return `${named}Python ${env.python}, ${count} package${count === 1 ? "" : "s"} (environment ${env.key.slice(0, 12)})`;
}

const fmt = (ms: number | null) => (ms === null ? "-" : formatDuration(ms));
const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

const QUOTA_WORDS: Record<NonNullable<JobView["heldBy"]>["quota"], string> = { gpus: "GPUs", runningJobs: "running jobs", gpuHours: "GPU-hours" };

/** Which quota holds a job, in a few words for a table: "team vision GPUs 4/4". */
function heldShort(h: NonNullable<JobView["heldBy"]>): string {
  const who = h.scope.kind === "team" ? `team ${h.scope.name ?? h.scope.id}` : (h.scope.name ?? "per-person limit");
  return `${who} ${QUOTA_WORDS[h.quota]} ${h.used}/${h.limit}`;
}
