import type { Command } from "commander";
import { formatBytes } from "../core/units.ts";
import { ApiClient } from "./client.ts";
import { printJson, printTable } from "./output.ts";

interface Cluster {
  nodes: Array<{
    name: string;
    cpus: number;
    memoryBytes: number;
    cpusAllocated: number;
    memoryAllocated: number;
    gpus: Array<{ index: number; model: string; memoryBytes: number; fake: boolean; jobId: string | null }>;
  }>;
  queue: Array<{ jobId: string; position: number; expectedStartAt: string | null }>;
}

export function registerCluster(program: Command): void {
  program
    .command("cluster")
    .description("Show the machines, their CPUs, memory and GPUs (and which job holds each), and the queue in run order")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const c = await ApiClient.fromEnvironment().request<Cluster>("GET", "/api/v1/cluster");
      if (o.json) return printJson(c);
      for (const n of c.nodes) {
        process.stdout.write(`${n.name}: ${n.cpusAllocated}/${n.cpus} CPUs and ${formatBytes(n.memoryAllocated)}/${formatBytes(n.memoryBytes)} in use\n`);
        if (n.gpus.length === 0) process.stdout.write("  no GPUs\n");
        else printTable(["  GPU", "MODEL", "MEMORY", "JOB"], n.gpus.map((g) => [`  ${g.index}`, `${g.model}${g.fake ? " (fake)" : ""}`, formatBytes(g.memoryBytes), g.jobId ?? "free"]));
      }
      if (c.queue.length === 0) {
        process.stdout.write("\nqueue: empty\n");
        return;
      }
      process.stdout.write("\n");
      printTable(
        ["POSITION", "JOB", "EXPECTED START"],
        c.queue.map((q) => [String(q.position), q.jobId, q.expectedStartAt ?? "unknown"]),
      );
    });
}
