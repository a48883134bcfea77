import { ApiClient, CliError } from "./client.ts";
import { openSource } from "./mlflow-source.ts";
import type { MetricPoint, MlflowSource, SourceExperiment, SourceRun } from "./mlflow-source-types.ts";
import { printJson } from "./output.ts";

// `plinth runs import <source>`: an MLflow project's experiments and runs — params, tags,
// every metric point, artifacts — written into Plinth through its MLflow REST API, as the
// person running it. Each new run carries `plinth.imported_from` = `<kind>:<old run id>`, so
// an import started again skips what arrived whole. A run is tagged `plinth.importing` until
// its last write; one left so by an interrupted import is deleted and imported again.

export const IMPORTED_FROM = "plinth.imported_from";
const IMPORTING = "plinth.importing";
const METRICS_PER_BATCH = 1000;
const PARAMS_TAGS_PER_BATCH = 100;
/** Tags the new run gets from its creation (run_name, parent) or that only Plinth's import sets. */
const SET_AT_CREATION = new Set(["mlflow.runName", "mlflow.parentRunId", IMPORTED_FROM, IMPORTING]);

export interface ImportOptions {
  intoTeam?: string;
  includeDeleted?: boolean;
  dryRun?: boolean;
  json?: boolean;
  artifacts?: string;
}

export interface ImportSummary {
  source: string;
  kind: string;
  dryRun: boolean;
  experiments: number;
  runs: number;
  metricPoints: number;
  artifactFiles: number;
  artifactBytes: number;
  skipped: { alreadyImported: number; deletedRuns: number; deletedExperiments: number };
}

type Mlflow = <T = Record<string, unknown>>(method: "GET" | "POST", endpoint: string, body?: unknown) => Promise<T>;

export async function importRuns(sourceText: string, o: ImportOptions): Promise<void> {
  // Signed in before the source is read: a long read should not end in "not signed in".
  const client = o.dryRun ? undefined : ApiClient.fromEnvironment();
  const source = await openSource(sourceText, { artifacts: o.artifacts });
  try {
    const summary = await importAll(source, client, o);
    if (o.json) return printJson(summary);
    const s = summary.skipped;
    process.stdout.write(
      `${summary.dryRun ? "Would import" : "Imported"} from ${summary.source}: ${summary.experiments} experiments, ${summary.runs} runs, ${summary.metricPoints} metric points, ` +
        `${summary.artifactFiles} artifacts (${summary.artifactBytes} bytes).\n` +
        `Skipped: ${s.alreadyImported} runs imported before, ${s.deletedRuns} deleted runs, ${s.deletedExperiments} deleted experiments${s.deletedRuns + s.deletedExperiments > 0 && !o.includeDeleted ? " (--include-deleted brings them too)" : ""}.\n`,
    );
  } finally {
    await source.close();
  }
}

async function importAll(source: MlflowSource, client: ApiClient | undefined, o: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = { source: source.label, kind: source.kind, dryRun: Boolean(o.dryRun), experiments: 0, runs: 0, metricPoints: 0, artifactFiles: 0, artifactBytes: 0, skipped: { alreadyImported: 0, deletedRuns: 0, deletedExperiments: 0 } };
  const plan: Array<{ experiment: SourceExperiment; runs: SourceRun[] }> = [];
  for (const experiment of await source.experiments()) {
    const runs = await source.runs(experiment);
    // MLflow makes its Default experiment itself; left empty, it is nothing to carry over.
    if (experiment.id === "0" && runs.length === 0) continue;
    if (experiment.deleted && !o.includeDeleted) {
      summary.skipped.deletedExperiments++;
      summary.skipped.deletedRuns += runs.length;
      continue;
    }
    const kept = runs.filter((r) => o.includeDeleted || !r.deleted);
    summary.skipped.deletedRuns += runs.length - kept.length;
    plan.push({ experiment, runs: kept });
  }
  const total = plan.reduce((n, p) => n + p.runs.length, 0);
  process.stderr.write(`${o.dryRun ? "Counting" : "Importing"} ${total} runs in ${plan.length} experiments from ${source.label}\n`);
  let done = 0;
  const mlflow: Mlflow | undefined = client && (async (method, endpoint, body) => client.request(method, `/api/2.0/mlflow${endpoint}`, body));
  for (const { experiment, runs } of plan) {
    summary.experiments++;
    const target = mlflow && (await targetExperiment(client!, mlflow, experiment, o.intoTeam));
    const earlier = mlflow && target ? await importedBefore(mlflow, target.id, source.kind) : new Map<string, string>();
    for (const r of runs) {
      done++;
      if (earlier.has(r.id)) {
        summary.skipped.alreadyImported++;
        continue;
      }
      if (!mlflow || !target) await countRun(source, r, summary);
      else earlier.set(r.id, await importRun(source, client!, mlflow, target.id, r, earlier, summary));
      process.stderr.write(`  ${done}/${total} runs  ${experiment.name} / ${r.name || r.id}\n`);
    }
    if (mlflow && target && experiment.deleted && target.lifecycle === "active") await mlflow("POST", "/experiments/delete", { experiment_id: target.id });
  }
  return summary;
}

/** The Plinth experiment a source experiment's runs go into: one of its name (in the team asked for), or a new one. */
async function targetExperiment(client: ApiClient, mlflow: Mlflow, e: SourceExperiment, team: string | undefined): Promise<{ id: string; lifecycle: string }> {
  const listed = await client.request<{ items: Array<{ id: string; name: string; team: string; lifecycle: string }> }>("GET", `/api/v1/experiments?${new URLSearchParams({ q: e.name.slice(0, 200), view: "all", limit: "1000" })}`);
  let same = listed.items.filter((x) => x.name === e.name && (team === undefined || x.team === team));
  if (same.length > 1) {
    // As MLflow's clients find it by name: the person's primary team first.
    const named = await mlflow<{ experiment: { experiment_id: string } }>("GET", `/experiments/get-by-name?${new URLSearchParams({ experiment_name: e.name })}`).catch(() => undefined);
    same = same.filter((x) => x.id === named?.experiment.experiment_id).concat(same).slice(0, 1);
  }
  const found = same[0];
  if (found) {
    if (found.lifecycle === "active") return found;
    if (!e.deleted) {
      throw new CliError(`Experiment '${e.name}' is deleted in Plinth, so its runs cannot be imported into it.`, `Restore it (MLflow's client: mlflow.tracking.MlflowClient().restore_experiment("${found.id}")), or rename the MLflow experiment, then import again.`);
    }
    // A deleted experiment imported with --include-deleted: open it for the runs, then delete it again.
    await mlflow("POST", "/experiments/restore", { experiment_id: found.id });
    return { id: found.id, lifecycle: "active" };
  }
  if (e.name === "Default" && team === undefined) {
    const own = await mlflow<{ experiment: { experiment_id: string } }>("GET", "/experiments/get-by-name?experiment_name=Default");
    return { id: own.experiment.experiment_id, lifecycle: "active" };
  }
  const tags = [...e.tags.filter((t) => t.key !== "plinth.team"), ...(team ? [{ key: "plinth.team", value: team }] : [])];
  const created = await mlflow<{ experiment_id: string }>("POST", "/experiments/create", { name: e.name, tags });
  return { id: created.experiment_id, lifecycle: "active" };
}

/** Old run id → new run id for the runs an earlier import brought whole; half-imported ones are deleted. */
async function importedBefore(mlflow: Mlflow, experimentId: string, kind: string): Promise<Map<string, string>> {
  const search = async (key: string) => {
    const found: Array<{ id: string; from: string; stage: string }> = [];
    let token: string | undefined;
    do {
      const page = await mlflow<{ runs?: Array<{ info: { run_id: string; lifecycle_stage: string }; data?: { tags?: Array<{ key: string; value: string }> } }>; next_page_token?: string }>("POST", "/runs/search", {
        experiment_ids: [experimentId],
        filter: `tags."${key}" LIKE '${kind}:%'`,
        run_view_type: "ALL",
        max_results: 1000,
        ...(token && { page_token: token }),
      });
      for (const r of page.runs ?? []) found.push({ id: r.info.run_id, stage: r.info.lifecycle_stage, from: r.data?.tags?.find((t) => t.key === key)?.value.slice(kind.length + 1) ?? "" });
      token = page.next_page_token;
    } while (token);
    return found;
  };
  for (const partial of await search(IMPORTING)) if (partial.stage === "active") await mlflow("POST", "/runs/delete", { run_id: partial.id });
  return new Map((await search(IMPORTED_FROM)).map((r) => [r.from, r.id]));
}

async function importRun(source: MlflowSource, client: ApiClient, mlflow: Mlflow, experimentId: string, r: SourceRun, mapped: Map<string, string>, summary: ImportSummary): Promise<string> {
  const from = `${source.kind}:${r.id}`;
  const parent = r.tags.find((t) => t.key === "mlflow.parentRunId")?.value;
  const created = await mlflow<{ run: { info: { run_id: string; artifact_uri: string } } }>("POST", "/runs/create", {
    experiment_id: experimentId,
    ...(r.name && { run_name: r.name }),
    start_time: r.startTime,
    tags: [{ key: IMPORTING, value: from }, ...(parent ? [{ key: "mlflow.parentRunId", value: mapped.get(parent) ?? parent }] : [])],
  });
  const id = created.run.info.run_id;
  // mlflow.user is kept as the source wrote it: the person who logged the run, not who imported it.
  const tags = r.tags.filter((t) => !SET_AT_CREATION.has(t.key));
  for (let i = 0; i < Math.max(r.params.length, tags.length); i += PARAMS_TAGS_PER_BATCH) {
    await mlflow("POST", "/runs/log-batch", { run_id: id, params: r.params.slice(i, i + PARAMS_TAGS_PER_BATCH), tags: tags.slice(i, i + PARAMS_TAGS_PER_BATCH) });
  }
  let batch: MetricPoint[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await mlflow("POST", "/runs/log-batch", { run_id: id, metrics: batch.map((m) => ({ ...m, value: mlflowNumber(m.value) })) });
    summary.metricPoints += batch.length;
    batch = [];
  };
  for await (const point of source.metrics(r)) {
    batch.push(point);
    if (batch.length === METRICS_PER_BATCH) await flush();
  }
  await flush();
  const root = created.run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, "");
  for await (const artifact of source.artifacts(r)) {
    const path = `${root}/${artifact.path}`.split("/").map(encodeURIComponent).join("/");
    await client.putBytes(`/api/2.0/mlflow-artifacts/artifacts/${path}`, await artifact.open(), artifact.size);
    summary.artifactFiles++;
    summary.artifactBytes += artifact.size;
  }
  await mlflow("POST", "/runs/update", { run_id: id, status: r.status, ...(r.endTime !== null && { end_time: r.endTime }) });
  await mlflow("POST", "/runs/set-tag", { run_id: id, key: IMPORTED_FROM, value: from });
  await mlflow("POST", "/runs/delete-tag", { run_id: id, key: IMPORTING });
  if (r.deleted) await mlflow("POST", "/runs/delete", { run_id: id });
  summary.runs++;
  return id;
}

/** What importing the run would carry, without writing anything (--dry-run). */
async function countRun(source: MlflowSource, r: SourceRun, summary: ImportSummary): Promise<void> {
  for await (const _ of source.metrics(r)) summary.metricPoints++;
  for await (const a of source.artifacts(r)) {
    summary.artifactFiles++;
    summary.artifactBytes += a.size;
  }
  summary.runs++;
}

/** A metric value as MLflow's JSON writes one that is not finite. */
function mlflowNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}
