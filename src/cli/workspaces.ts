import type { Command } from "commander";
import type { WorkspaceSpecInput, WorkspaceView } from "../workspaces/spec.ts";
import { ApiClient, CliError } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";
import { tunnel } from "./ssh.ts";
import { registerWorkspaceLocal } from "./workspace-local.ts";

// `plinth workspace`: JupyterLab, VS Code and SSH workspaces on the team's machines. They run
// as jobs (the same queue and limits), open under the server's /w/<id>/ and stop when unused.

interface CreateOptions {
  app: string;
  name?: string;
  cpus?: string;
  memory?: string;
  gpus?: string;
  gpuModel?: string;
  env?: string;
  packages?: string;
  python?: string;
  dataset: string[];
  team?: string;
  shared?: boolean;
  idleStop?: string;
  lifetime?: string;
  stopAt?: string;
  wait?: boolean;
  json?: boolean;
}

export function registerWorkspaces(program: Command): void {
  const ws = program.command("workspace").alias("workspaces").description("Workspaces: JupyterLab, VS Code or SSH on the team's CPUs and GPUs, with your home folder kept");

  ws.command("create")
    .description("Create a workspace and start it; prints where to open it")
    .option("--app <app>", "jupyterlab, vscode or ssh", "jupyterlab")
    .option("--name <name>", "what to call it (default: the app's name)")
    .option("--cpus <n>", "CPU cores (default 2)")
    .option("--memory <size>", "memory, e.g. 16G (default 8G)")
    .option("--gpus <n>", "GPUs, given to it alone while it runs (default 0)")
    .option("--gpu-model <pattern>", "which GPUs qualify, e.g. '*A100*'")
    .option("--env <name>", "a named environment of your team, e.g. pytorch")
    .option("--packages <list>", "Python packages, comma-separated, e.g. torch,pandas (JupyterLab is added)")
    .option("--python <version>", "the Python version, e.g. 3.12")
    .option("--dataset <ref>", "a dataset mounted read-only in ~/datasets (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .option("--team <name>", "the team it belongs to (default: your primary team)")
    .option("--shared", "let your team's members open it too")
    .option("--idle-stop <duration>", "stop it after this long unused (at most the team's, 2h by default)")
    .option("--lifetime <duration>", "stop it this long after it starts")
    .option("--stop-at <time>", "stop it at this time (ISO 8601, e.g. 2026-12-01T18:00:00Z)")
    .option("--no-wait", "return at once instead of waiting until it answers")
    .option("--json", "print JSON")
    .action(async (o: CreateOptions) => {
      const client = ApiClient.fromEnvironment();
      const w = await client.request<WorkspaceView>("POST", "/api/v1/workspaces", specFrom(o));
      await finish(client, w, o);
    });

  ws.command("ls")
    .description("List your workspaces (--all: every one you may see)")
    .option("--all", "every workspace you may see; Keepers see all")
    .option("--json", "print JSON")
    .action(async (o: { all?: boolean; json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ items: WorkspaceView[] }>("GET", `/api/v1/workspaces${o.all ? "?all=true" : ""}`);
      if (o.json) return printJson(r);
      printTable(
        ["NAME", "APP", "STATE", "OWNER", "GPUS", "UNUSED", "STARTED"],
        r.items.map((w) => [w.name, w.app, w.state, w.owner, String(w.resources.gpus), w.idleSeconds === null ? "-" : duration(w.idleSeconds), ago(w.startedAt)]),
      );
    });

  ws.command("show")
    .description("A workspace's state, why it waits, how long it has been unused and when it stops")
    .argument("<workspace>", "its name or id")
    .option("--json", "print JSON")
    .action(async (ref: string, o: { json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const w = await client.request<WorkspaceView>("GET", `/api/v1/workspaces/${encodeURIComponent(ref)}`);
      if (o.json) return printJson(w);
      describe(client, w);
    });

  ws.command("start")
    .description("Start a stopped workspace again; your home folder is as you left it")
    .argument("<workspace>", "its name or id")
    .option("--no-wait", "return at once")
    .action(async (ref: string, o: { wait?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const w = await client.request<WorkspaceView>("POST", `/api/v1/workspaces/${encodeURIComponent(ref)}/start`);
      await finish(client, w, o);
    });

  ws.command("stop")
    .description("Stop a workspace: its GPUs go back to the queue; its home folder is kept")
    .argument("<workspace>", "its name or id")
    .action(async (ref: string) => {
      const w = await ApiClient.fromEnvironment().request<WorkspaceView>("POST", `/api/v1/workspaces/${encodeURIComponent(ref)}/stop`);
      process.stderr.write(`Workspace ${w.name} is ${w.state}; start it again with \`plinth workspace start ${w.name}\`.\n`);
    });

  ws.command("rm")
    .description("Delete a stopped workspace (your home folder stays)")
    .argument("<workspace>", "its name or id")
    .action(async (ref: string) => {
      const w = await ApiClient.fromEnvironment().request<WorkspaceView>("DELETE", `/api/v1/workspaces/${encodeURIComponent(ref)}`);
      process.stderr.write(`Deleted workspace ${w.name}; your home folder is kept for the next one.\n`);
    });

  ws.command("open")
    .description("Print the address where a workspace opens in the browser")
    .argument("<workspace>", "its name or id")
    .action(async (ref: string) => {
      const client = ApiClient.fromEnvironment();
      const w = await client.request<WorkspaceView>("GET", `/api/v1/workspaces/${encodeURIComponent(ref)}`);
      if (!w.url) throw new CliError(`Workspace ${w.name} is for SSH only.`, `Connect with \`plinth ssh ${w.name}\`.`);
      process.stdout.write(`${client.baseUrl}${w.url}\n`);
    });

  ws.command("settings")
    .description("A team's idle stop and longest lifetime for workspaces; with options, set them (its admins and Keepers)")
    .argument("<team>", "the team's name")
    .option("--idle-stop <duration>", "e.g. 2h or 45m")
    .option("--max-lifetime <duration>", "e.g. 7d; `none` for no limit")
    .action(async (team: string, o: { idleStop?: string; maxLifetime?: string }) => {
      const client = ApiClient.fromEnvironment();
      const path = `/api/v1/teams/${encodeURIComponent(team)}/workspace-settings`;
      type Settings = { team: string; idleStop: string; maxLifetime: string | null; isDefault: boolean };
      let s = await client.request<Settings>("GET", path);
      if (o.idleStop !== undefined || o.maxLifetime !== undefined) {
        const maxLifetime = o.maxLifetime === undefined ? s.maxLifetime : o.maxLifetime === "none" ? null : o.maxLifetime;
        s = await client.request<Settings>("PUT", path, { idleStop: o.idleStop ?? s.idleStop, maxLifetime });
      }
      process.stdout.write(`${s.team}: idle stop ${s.idleStop}${s.isDefault ? " (the server's default)" : ""}, longest lifetime ${s.maxLifetime ?? "none"}\n`);
    });

  ws.command("tunnel", { hidden: true })
    .description("Carry standard input and output to a workspace's SSH (ssh's ProxyCommand)")
    .argument("<workspace>", "its id")
    .action((ref: string) => tunnel(ref));

  registerWorkspaceLocal(ws);
}

export function specFrom(o: CreateOptions): WorkspaceSpecInput {
  const resources: Record<string, unknown> = {};
  if (o.cpus !== undefined) resources.cpus = number(o.cpus, "--cpus");
  if (o.memory !== undefined) resources.memory = o.memory;
  if (o.gpus !== undefined) resources.gpus = number(o.gpus, "--gpus");
  if (o.gpuModel) resources.gpu = { model: o.gpuModel };
  if (o.env && (o.packages || o.python)) throw new CliError("Give --env or --packages/--python, not both.", "A named environment already fixes its Python and packages.");
  const environment = o.env ?? (o.packages || o.python ? { ...(o.python && { python: o.python }), ...(o.packages && { packages: o.packages.split(",").map((p) => p.trim()).filter(Boolean) }) } : undefined);
  return {
    app: o.app as WorkspaceSpecInput["app"],
    ...(o.name && { name: o.name }),
    ...(Object.keys(resources).length > 0 && { resources: resources as WorkspaceSpecInput["resources"] }),
    ...(environment !== undefined && { environment }),
    ...(o.dataset.length > 0 && { datasets: o.dataset }),
    ...(o.team && { team: o.team }),
    ...(o.shared && { shared: true }),
    ...(o.idleStop && { idleStop: o.idleStop }),
    ...(o.lifetime && { lifetime: o.lifetime }),
    ...(o.stopAt && { stopAt: o.stopAt }),
  };
}

/** Waits until it answers (printing why it waits as that changes), then says how to reach it. */
async function finish(client: ApiClient, first: WorkspaceView, o: { wait?: boolean; json?: boolean }): Promise<void> {
  let w = first;
  let said = "";
  while (o.wait !== false && (w.state === "requested" || w.state === "starting")) {
    const line = w.state === "starting" ? "starting its app…" : (w.message ?? "queued");
    if (line !== said) process.stderr.write(`${w.name}: ${line}\n`);
    said = line;
    await new Promise((r) => setTimeout(r, 500));
    w = await client.request<WorkspaceView>("GET", `/api/v1/workspaces/${encodeURIComponent(w.id)}`);
  }
  if (o.json) return printJson(w);
  if (w.state === "failed") throw new CliError(`Workspace ${w.name} failed: ${w.message ?? "its job ended"}`, `Its job's log says more: \`plinth jobs logs ${w.jobId}\`.`);
  describe(client, w);
}

function describe(client: ApiClient, w: WorkspaceView): void {
  const lines = [`${w.name} (${w.app}) is ${w.state}${w.message ? `: ${w.message}` : ""}`];
  if (w.url && (w.state === "running" || w.state === "idle_warned" || w.state === "starting")) lines.push(`  open:  ${client.baseUrl}${w.url}`);
  if (w.state === "running" || w.state === "idle_warned") lines.push(`  ssh:   plinth ssh ${w.name}   (VS Code: \`plinth config-ssh\`, then connect to plinth-${w.name})`);
  if (w.idleStopAt) lines.push(`  stops if unused until ${w.idleStopAt.slice(0, 16).replace("T", " ")} UTC`);
  if (w.stopAt) lines.push(`  stops at ${w.stopAt.slice(0, 16).replace("T", " ")} UTC`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

function number(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n)) throw new CliError(`${flag} takes a number, not '${text}'.`, `e.g. ${flag} 2`);
  return n;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}
