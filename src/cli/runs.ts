import type { Command } from "commander";
import { ApiClient, CliError } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth runs`: tracked runs (every job is one; MLflow's clients make others) — list them
// with MLflow's filters and a sort, show one, and compare a few side by side.

type MetricValue = { value: number | "NaN" | "Infinity" | "-Infinity"; step: number; timestamp: number };

interface RunSummary {
  id: string;
  name: string;
  experimentId: string;
  user: string;
  status: string;
  lifecycle: string;
  startTime: string;
  endTime: string | null;
  jobId: string | null;
  params: Record<string, string>;
  metrics: Record<string, MetricValue>;
  tags: Record<string, string>;
}

interface RunDetail extends RunSummary {
  experiment: { id: string; name: string; team: string };
  artifactUri: string;
  artifacts: Array<{ path: string; isDir: boolean; size?: number }>;
}

/** A metric value in four significant digits; NaN and infinities as words. */
export function formatMetric(v: MetricValue["value"] | undefined): string {
  if (v === undefined) return "-";
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** A long param or tag value cut to fit a table (the whole is in --json). */
function clip(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function duration(r: RunSummary): string {
  const end = r.endTime ? Date.parse(r.endTime) : Date.now();
  const s = Math.max(0, Math.round((end - Date.parse(r.startTime)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** The metrics named by `--sort` and `--filter` first, then the rest, at most `max` columns. */
function metricColumns(runs: RunSummary[], hints: string, max: number): string[] {
  const all = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].filter((k) => !k.startsWith("system/")).sort();
  const named = all.filter((k) => hints.includes(`metrics.${k}`) || hints.includes(`metrics.\`${k}\``));
  return [...named, ...all.filter((k) => !named.includes(k))].slice(0, max);
}

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("Tracked runs: every job is one, and MLflow's clients log others — list, show and compare them");

  runs
    .command("ls")
    .description("Runs you may read, newest first; filter and sort as MLflow's search_runs does")
    .option("-e, --experiment <name-or-id>", "only this experiment's runs")
    .option("--filter <filter>", `MLflow's filter language, e.g. "metrics.acc > 0.9 and params.lr = '0.01'"`)
    .option("--sort <keys>", "comma-separated keys, '-' in front for descending, e.g. -metrics.acc")
    .option("--deleted", "deleted runs instead of live ones")
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print JSON")
    .action(async (o: { experiment?: string; filter?: string; sort?: string; deleted?: boolean; limit: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: o.limit, ...(o.experiment && { experiment: o.experiment }), ...(o.filter && { filter: o.filter }), ...(o.sort && { sort: o.sort }), ...(o.deleted && { view: "deleted" }) });
      const r = await ApiClient.fromEnvironment().request<{ items: RunSummary[]; next: string | null }>("GET", `/api/v1/runs?${query}`);
      if (o.json) return printJson(r);
      if (r.items.length === 0) {
        process.stderr.write("No runs. A job's run appears when it starts; `plinth run -- python train.py` makes one.\n");
        return;
      }
      const metrics = metricColumns(r.items, `${o.sort ?? ""} ${o.filter ?? ""}`, 4);
      printTable(
        ["RUN", "NAME", "STATUS", "STARTED", "TOOK", ...metrics.map((m) => m.toUpperCase())],
        r.items.map((x) => [x.id.slice(0, 12), x.name, x.status.toLowerCase(), ago(x.startTime), duration(x), ...metrics.map((m) => formatMetric(x.metrics[m]?.value))]),
      );
      if (r.next) process.stderr.write(`More runs: add --limit ${Number(o.limit) * 2}, or narrow with --filter.\n`);
    });

  runs
    .command("show <run>")
    .description("A run: its status, job, params, latest metrics, tags and artifacts")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const r = await fetchRun(id);
      if (o.json) return printJson(r);
      const lines = [
        `Run ${r.id} (${r.name})`,
        `  experiment  ${r.experiment.name} (${r.experiment.id}), team ${r.experiment.team}`,
        `  status      ${r.status.toLowerCase()}, started ${ago(r.startTime)}, took ${duration(r)}`,
        `  by          ${r.user}${r.jobId ? `, job ${r.jobId} (plinth jobs show ${r.jobId})` : ""}`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      section("Params", Object.entries(r.params).map(([k, v]) => [k, clip(v)]));
      section(
        "Metrics (latest)",
        Object.entries(r.metrics).map(([k, m]) => [k, `${formatMetric(m.value)}  (step ${m.step})`]),
      );
      section(
        "Tags",
        Object.entries(r.tags)
          .filter(([k]) => !k.startsWith("mlflow."))
          .map(([k, v]) => [k, clip(v)]),
      );
      section(
        "Artifacts",
        r.artifacts.map((a) => [a.isDir ? `${a.path}/` : a.path, a.size === undefined ? "" : `${a.size} bytes`]),
      );
    });

  runs
    .command("compare <runs...>")
    .description("Runs side by side: params and latest metrics, rows that differ marked with *")
    .option("--all", "also the rows where every run agrees")
    .option("--json", "print JSON")
    .action(async (ids: string[], o: { all?: boolean; json?: boolean }) => {
      if (ids.length < 2) throw new CliError("Compare at least two runs.", "For example `plinth runs compare 3f2a9c 81d0be`; `plinth runs ls` lists run ids.");
      const found = await Promise.all(ids.map(fetchRun));
      if (o.json) return printJson(found);
      const rows: string[][] = [];
      const add = (label: string, values: string[]) => {
        const differs = new Set(values).size > 1;
        if (differs || o.all) rows.push([differs ? "*" : "", label, ...values]);
      };
      for (const k of [...new Set(found.flatMap((r) => Object.keys(r.params)))].sort()) add(`params.${k}`, found.map((r) => clip(r.params[k] ?? "-", 30)));
      for (const k of [...new Set(found.flatMap((r) => Object.keys(r.metrics)))].sort()) add(`metrics.${k}`, found.map((r) => formatMetric(r.metrics[k]?.value)));
      add("status", found.map((r) => r.status.toLowerCase()));
      if (rows.length === 0) {
        process.stdout.write("The runs agree on every param and metric (add --all to see them).\n");
        return;
      }
      printTable(["", "", ...found.map((r) => `${r.name} (${r.id.slice(0, 8)})`)], rows);
    });

  runs
    .command("import <source>")
    .description("Bring an MLflow project's experiments and runs into Plinth: an mlruns folder, an MLflow SQLite file, or an MLflow server's address")
    .option("--into-team <team>", "create new experiments in this team (default: your primary team)")
    .option("--artifacts <folder>", "for an MLflow database: the folder its server kept artifacts in (--artifacts-destination)")
    .option("--include-deleted", "also deleted runs and experiments (imported as deleted)")
    .option("--dry-run", "only count what would be imported")
    .option("--json", "print the summary as JSON")
    .action(async (source: string, o: { intoTeam?: string; artifacts?: string; includeDeleted?: boolean; dryRun?: boolean; json?: boolean }) => {
      const { importRuns } = await import("./runs-import.ts");
      await importRuns(source, o);
    });
}

/** A run by its id or a unique start of it (as `plinth runs ls` shows them). */
async function fetchRun(id: string): Promise<RunDetail> {
  const client = ApiClient.fromEnvironment();
  if (!/^[0-9a-f]{4,32}$/.test(id)) throw new CliError(`'${id}' is not a run id.`, "Run ids are hexadecimal; `plinth runs ls` lists them (the first 12 digits are enough).");
  let full = id;
  if (id.length < 32) {
    const all = await client.request<{ items: RunSummary[] }>("GET", `/api/v1/runs?limit=10000&view=all&filter=${encodeURIComponent(`attributes.run_id LIKE '${id}%'`)}`);
    const matches = all.items.filter((r) => r.id.startsWith(id));
    if (matches.length === 0) throw new CliError(`No run starting with ${id}.`, "`plinth runs ls` lists the runs you may read.");
    if (matches.length > 1) throw new CliError(`More than one run starts with ${id}: ${matches.map((r) => r.id.slice(0, 12)).join(", ")}.`, "Give more digits of the id.");
    full = matches[0]!.id;
  }
  return client.request<RunDetail>("GET", `/api/v1/runs/${full}`);
}

function section(title: string, rows: Array<[string, string]> | string[][]): void {
  if (rows.length === 0) return;
  process.stdout.write(`\n${title}\n`);
  const width = Math.max(...rows.map((r) => (r[0] ?? "").length));
  for (const [k, v] of rows) process.stdout.write(`  ${(k ?? "").padEnd(width)}  ${v ?? ""}\n`);
}
