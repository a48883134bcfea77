import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import type { AuditEvent } from "../audit/spec.ts";
import { ApiClient } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth audit`: who changed what, when and from where. Admins see every event, team admins
// their teams', everyone their own actions.

interface FilterOptions {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
}

const withFilters = (command: Command) =>
  command
    .option("--actor <name>", "only changes made by this person ('me' for yours, 'system' for the platform's own)")
    .option("--action <action>", "only this action (job.cancel), or every action of a kind (job)")
    .option("--target <id-or-name>", "only changes to this object: a job id, a token id, a user name…")
    .option("--since <when>", "from this time on: a duration ago (30m, 12h, 7d) or a date (2026-11-27, 2026-11-27T14:00:00Z)")
    .option("--until <when>", "before this time: a duration ago or a date");

function filterQuery(o: FilterOptions): URLSearchParams {
  const q = new URLSearchParams();
  for (const key of ["actor", "action", "target", "since", "until"] as const) {
    const value = o[key];
    if (value !== undefined) q.set(key, value);
  }
  return q;
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("The audit log: who changed what, when, from where, before and after");

  withFilters(audit.command("ls").description("List changes, newest first"))
    .option("--limit <n>", "how many", "20")
    .option("--cursor <id>", "continue after this event (from the previous page)")
    .option("--json", "print JSON, with each change's before and after")
    .action(async (o: FilterOptions & { limit: string; cursor?: string; json?: boolean }) => {
      const q = filterQuery(o);
      q.set("limit", o.limit);
      if (o.cursor) q.set("cursor", o.cursor);
      const page = await ApiClient.fromEnvironment().request<{ items: AuditEvent[]; nextCursor: string | null }>("GET", `/api/v1/audit?${q}`);
      if (o.json) return printJson(page);
      if (page.items.length === 0) {
        process.stdout.write("No changes recorded that you may see with these filters.\n");
        return;
      }
      printTable(
        ["WHEN", "WHO", "ACTION", "TARGET", "FROM"],
        page.items.map((e) => [`${e.at.slice(0, 19).replace("T", " ")} (${ago(e.at)})`, e.actor.name, e.action, describeTarget(e.target), e.from.address ?? "-"]),
      );
      if (page.nextCursor) process.stdout.write(`more: plinth audit ls --cursor ${page.nextCursor}${q.size > 1 ? " (with the same filters)" : ""}\n`);
      process.stderr.write("Before and after of each change: --json, or `plinth audit export`.\n");
    });

  withFilters(audit.command("export").description("Write every change you may see as JSON lines (one event per line, oldest first)"))
    .option("-o, --output <file>", "write to this file instead of standard output")
    .action(async (o: FilterOptions & { output?: string }) => {
      const q = filterQuery(o);
      const body = await ApiClient.fromEnvironment().stream(`/api/v1/audit/export${q.size ? `?${q}` : ""}`);
      if (!o.output) {
        for await (const chunk of body) process.stdout.write(chunk);
        return;
      }
      let lines = 0;
      const counted = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            for (const byte of chunk) if (byte === 10) lines++;
            controller.enqueue(chunk);
          },
        }),
      );
      await pipeline(Readable.fromWeb(counted as import("node:stream/web").ReadableStream<Uint8Array>), createWriteStream(o.output));
      process.stderr.write(`wrote ${lines} event${lines === 1 ? "" : "s"} to ${o.output}\n`);
    });
}

function describeTarget(t: AuditEvent["target"]): string {
  const label = t.name && t.name !== t.id ? `${t.name}${t.id ? ` (${t.id})` : ""}` : (t.id ?? "");
  return `${t.kind} ${label}`.trim();
}
