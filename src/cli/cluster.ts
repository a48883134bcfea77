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
  executors: Array<{
    name: string;
    kind: string;
    error: string | null;
    nodes: Array<{ name: string; groups: string[]; cpus: number; memoryBytes: number; gpus: Array<{ model: string; count: number }>; state: string; usable: boolean }>;
  }>;
}

export function registerCluster(program: Command): void {
  program
    .command("cluster")
    .description("Show the machines, their CPUs, memory and GPUs (and which job holds each), the queue in run order, and the clusters jobs can also run on")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const c = await ApiClient.fromEnvironment().request<Cluster>("GET", "/api/v1/cluster");
      if (o.json) return printJson(c);
      for (const n of c.nodes) {
        process.stdout.write(`${n.name}: ${n.cpusAllocated}/${n.cpus} CPUs and ${formatBytes(n.memoryAllocated)}/${formatBytes(n.memoryBytes)} in use\n`);
        if (n.gpus.length === 0) process.stdout.write("  no GPUs\n");
        else printTable(["  GPU", "MODEL", "MEMORY", "JOB"], n.gpus.map((g) => [`  ${g.index}`, `${g.model}${g.fake ? " (fake)" : ""}`, formatBytes(g.memoryBytes), g.jobId ?? "free"]));
      }
      if (c.queue.length === 0) process.stdout.write("\nqueue: empty\n");
      else {
        process.stdout.write("\n");
        printTable(
          ["POSITION", "JOB", "EXPECTED START"],
          c.queue.map((q) => [String(q.position), q.jobId, q.expectedStartAt ?? "unknown"]),
        );
      }
      for (const e of c.executors) printClusterExecutor(e);
    });
}

/** A cluster under the server's `executors`: its nodes as the cluster reports them (`--executor NAME` sends jobs there). */
function printClusterExecutor(e: Cluster["executors"][number]): void {
  process.stdout.write(`\n${e.name} (${e.kind}): run jobs there with --executor ${e.name}\n`);
  if (e.error) {
    process.stdout.write(`  its nodes cannot be read now: ${e.error}\n`);
    return;
  }
  if (e.nodes.length === 0) {
    process.stdout.write("  no nodes\n");
    return;
  }
  const gpus = (n: (typeof e.nodes)[number]) => n.gpus.map((g) => `${g.count}${g.model ? ` ${g.model}` : ""}`).join(", ") || "-";
  printTable(
    ["  NODE", e.kind === "slurm" ? "PARTITIONS" : "POOL", "CPUS", "MEMORY", "GPUS", "STATE"],
    e.nodes.map((n) => [`  ${n.name}`, n.groups.join(",") || "-", String(n.cpus), formatBytes(n.memoryBytes), gpus(n), n.usable ? n.state : `${n.state} (not taking jobs)`]),
  );
}
