import type { Command } from "commander";
import { quoteFilterValue } from "../tracking/search/quote-value.ts";
import { ApiClient, CliError } from "./client.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth models`: the model registry — registered models with their versions and aliases,
// each version linked to the run (and so the job) that made it. Models are registered from
// MLflow's client (`mlflow.register_model`, `log_model(registered_model_name=…)`).

interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  source: string;
  run_id?: string;
  description?: string;
  aliases?: string[];
  tags?: Array<{ key: string; value: string }>;
}

interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  latest_versions?: ModelVersion[];
  aliases?: Array<{ alias: string; version: string }>;
}

const MLFLOW = "/api/2.0/mlflow";
const iso = (ms: number) => new Date(ms).toISOString();

/** A name as a quoted value in MLflow's filter language. */
function quoted(name: string): string {
  const value = quoteFilterValue(name);
  if (value !== undefined) return value;
  throw new CliError(`'${name}' holds both kinds of quotes, which a registry search cannot take.`, "`plinth models ls` lists the models by name.");
}

export function registerModels(program: Command): void {
  const models = program.command("models").description("The model registry: registered models, their versions and aliases, and the runs that made them");

  models
    .command("ls")
    .description("Registered models you may read, most recently changed first")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const r = await ApiClient.fromEnvironment().request<{ registered_models?: RegisteredModel[] }>("GET", `${MLFLOW}/registered-models/search?max_results=1000&order_by=${encodeURIComponent("last_updated_timestamp DESC")}`);
      const items = r.registered_models ?? [];
      if (o.json) return printJson({ items });
      if (items.length === 0) {
        process.stderr.write("No registered models. Register one from MLflow: mlflow.register_model(\"runs:/<run id>/model\", \"NAME\").\n");
        return;
      }
      printTable(
        ["NAME", "LATEST", "ALIASES", "UPDATED"],
        items.map((m) => [
          m.name,
          (m.latest_versions ?? []).map((v) => `v${v.version}`).join(", ") || "-",
          (m.aliases ?? []).map((a) => `${a.alias}→v${a.version}`).join(", ") || "-",
          ago(iso(m.last_updated_timestamp)),
        ]),
      );
    });

  models
    .command("show <name>")
    .description("A registered model: its versions, their aliases, and the run and job each came from")
    .option("--json", "print JSON")
    .action(async (name: string, o: { json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const model = (await client.request<{ registered_model: RegisteredModel }>("GET", `${MLFLOW}/registered-models/get?name=${encodeURIComponent(name)}`)).registered_model;
      const found = await client.request<{ model_versions?: ModelVersion[] }>(
        "GET",
        `${MLFLOW}/model-versions/search?max_results=200&filter=${encodeURIComponent(`name = ${quoted(name)}`)}&order_by=${encodeURIComponent("version_number DESC")}`,
      );
      const versions = found.model_versions ?? [];
      // Each version's run says which job made it: one lookup per version shown.
      const jobs = new Map<string, string | null>();
      for (const v of versions.slice(0, 50)) {
        if (!v.run_id || jobs.has(v.run_id)) continue;
        const run = await client.request<{ jobId: string | null }>("GET", `/api/v1/runs/${v.run_id}`).catch(() => null);
        jobs.set(v.run_id, run?.jobId ?? null);
      }
      if (o.json) return printJson({ ...model, versions: versions.map((v) => ({ ...v, jobId: v.run_id ? (jobs.get(v.run_id) ?? null) : null })) });
      process.stdout.write(`Model ${model.name}${model.description ? ` — ${model.description}` : ""}\n  created ${ago(iso(model.creation_timestamp))}, changed ${ago(iso(model.last_updated_timestamp))}\n\n`);
      if (versions.length === 0) {
        process.stdout.write("No versions yet.\n");
        return;
      }
      printTable(
        ["VERSION", "ALIASES", "CREATED", "RUN", "JOB", "SOURCE"],
        versions.map((v) => [
          `v${v.version}`,
          (v.aliases ?? []).join(", ") || "-",
          ago(iso(v.creation_timestamp)),
          v.run_id ? v.run_id.slice(0, 12) : "-",
          (v.run_id && jobs.get(v.run_id)) || "-",
          v.source,
        ]),
      );
      process.stderr.write("`plinth runs show RUN` shows the run a version came from: its params, metrics and data.\n");
    });
}
