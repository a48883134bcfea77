import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CliError } from "./client.ts";
import { existingFolder, localArtifacts, localPathOf } from "./mlflow-local-artifacts.ts";
import { type MlflowSource, SOURCE_HINT, type SourceExperiment, type SourceRun } from "./mlflow-source-types.ts";

// An MLflow SQLite database (its SQLAlchemy schema: experiments, experiment_tags, runs, params,
// metrics, tags), opened read-only. MLflow keeps a NaN metric as value 0 with is_nan set.
// Artifacts are read where the run's artifact_uri points on this machine, or, for a server's
// `mlflow-artifacts:/…` URIs, below the folder given as --artifacts (its --artifacts-destination).

type Row = Record<string, string | number | null>;

export function openSqliteSource(file: string, artifactsFolder: string | undefined): MlflowSource {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
    db.prepare("SELECT experiment_id, name, lifecycle_stage FROM experiments LIMIT 1").all();
    db.prepare("SELECT run_uuid FROM runs LIMIT 1").all();
  } catch (err) {
    throw new CliError(`${file} is not an MLflow database: ${(err as Error).message}.`, SOURCE_HINT);
  }
  const pairs = (sql: string, id: string | number) => (db.prepare(sql).all(id) as Row[]).map((r) => ({ key: String(r.key), value: String(r.value ?? "") }));
  let warned = false;
  return {
    kind: "mlflow-db",
    label: file,
    async experiments() {
      const rows = db.prepare("SELECT experiment_id, name, lifecycle_stage FROM experiments ORDER BY experiment_id").all() as Row[];
      return rows.map(
        (r): SourceExperiment => ({
          id: String(r.experiment_id),
          name: String(r.name),
          deleted: r.lifecycle_stage === "deleted",
          tags: pairs("SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key", Number(r.experiment_id)),
        }),
      );
    },
    async runs(experiment) {
      const rows = db.prepare("SELECT run_uuid, name, status, start_time, end_time, lifecycle_stage FROM runs WHERE experiment_id = ? ORDER BY start_time, run_uuid").all(Number(experiment.id)) as Row[];
      return rows.map(
        (r): SourceRun => ({
          id: String(r.run_uuid),
          experimentId: experiment.id,
          name: String(r.name ?? ""),
          status: String(r.status ?? "RUNNING"),
          startTime: Number(r.start_time ?? 0),
          endTime: r.end_time === null ? null : Number(r.end_time),
          deleted: r.lifecycle_stage === "deleted",
          params: pairs("SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key", String(r.run_uuid)),
          tags: pairs("SELECT key, value FROM tags WHERE run_uuid = ? ORDER BY key", String(r.run_uuid)),
        }),
      );
    },
    async *metrics(run) {
      const rows = db.prepare("SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY key, step, timestamp").iterate(run.id) as Iterable<Row>;
      for (const r of rows) yield { key: String(r.key), value: r.is_nan ? Number.NaN : Number(r.value), timestamp: Number(r.timestamp), step: Number(r.step ?? 0) };
    },
    async *artifacts(run) {
      const uri = String((db.prepare("SELECT artifact_uri FROM runs WHERE run_uuid = ?").get(run.id) as Row | undefined)?.artifact_uri ?? "");
      const served = /^mlflow-artifacts:(\/\/[^/]*)?\/(.*)$/.exec(uri);
      const folder = served ? (artifactsFolder ? existingFolder(join(artifactsFolder, served[2]!)) : null) : existingFolder(localPathOf(uri));
      if (folder) {
        yield* localArtifacts(folder);
        return;
      }
      if (served && !artifactsFolder && !warned) {
        warned = true;
        process.stderr.write(`Runs keep their artifacts on the MLflow server (${uri}): give its artifacts folder (--artifacts-destination) as --artifacts to carry them over.\n`);
      }
    },
    async close() {
      db.close();
    },
  };
}
