import { createReadStream, type Dirent, existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createInterface } from "node:readline";
import { parse } from "yaml";
import { CliError } from "./client.ts";
import { existingFolder, localArtifacts, localPathOf } from "./mlflow-local-artifacts.ts";
import { type MetricPoint, type MlflowSource, RUN_STATUS_NAMES, SOURCE_HINT, type SourceExperiment, type SourceRun } from "./mlflow-source-types.ts";

// MLflow's file store (mlflow/store/tracking/file_store.py): `<experiment>/meta.yaml`,
// `<experiment>/tags/<key>`, `<experiment>/<run>/meta.yaml` with `params/`, `metrics/` (a line
// `timestamp value [step]` per point), `tags/` (keys with `/` are folders) and `artifacts/`.
// Deleted experiments are moved to `.trash/`; deleted runs stay, marked in their meta.yaml.

const TRASH = ".trash";
/** Folders inside an experiment that are not runs. */
const NOT_RUNS = new Set(["tags", "datasets", "traces", "models"]);

function readMeta(folder: string): Record<string, unknown> | null {
  const file = join(folder, "meta.yaml");
  if (!existsSync(file)) return null;
  const meta = parse(readFileSync(file, "utf8")) as unknown;
  return typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : null;
}

/** The files below `folder` as keys (relative paths: MLflow writes a key with `/` as folders). */
function keysIn(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return (readdirSync(folder, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) => relative(folder, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

/** Params or tags: a file per key, holding its value. */
function keyValues(folder: string): Array<{ key: string; value: string }> {
  return keysIn(folder).map((key) => ({ key, value: readFileSync(join(folder, key), "utf8") }));
}

/** A value as Python's float() wrote it: `nan`, `inf`, `-inf` or a number. */
function pythonFloat(text: string): number {
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "inf" || lower === "infinity") return Number.POSITIVE_INFINITY;
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function openFileStore(root: string): MlflowSource {
  const folders = new Map<string, string>();
  const experimentFolders = (parent: string) =>
    existsSync(parent)
      ? readdirSync(parent, { withFileTypes: true })
          .filter((e) => e.isDirectory() && e.name !== TRASH && e.name !== "models")
          .map((e) => join(parent, e.name))
      : [];
  return {
    kind: "mlruns",
    label: root,
    async experiments() {
      const found: SourceExperiment[] = [];
      for (const folder of [...experimentFolders(root), ...experimentFolders(join(root, TRASH))]) {
        const meta = readMeta(folder);
        if (!meta || meta.experiment_id === undefined || typeof meta.name !== "string") continue;
        const id = String(meta.experiment_id);
        folders.set(id, folder);
        found.push({ id, name: meta.name, deleted: meta.lifecycle_stage === "deleted" || folder.startsWith(join(root, TRASH)), tags: keyValues(join(folder, "tags")) });
      }
      if (found.length === 0) throw new CliError(`${root} holds no MLflow experiments (no <id>/meta.yaml).`, SOURCE_HINT);
      return found.sort((a, b) => (Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : 1)));
    },
    async runs(experiment) {
      const folder = folders.get(experiment.id)!;
      const runs: SourceRun[] = [];
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (!entry.isDirectory() || NOT_RUNS.has(entry.name)) continue;
        const meta = readMeta(join(folder, entry.name));
        if (!meta || typeof meta.run_id !== "string") continue;
        const tags = keyValues(join(folder, entry.name, "tags"));
        const status = typeof meta.status === "number" ? (RUN_STATUS_NAMES[meta.status] ?? "RUNNING") : String(meta.status ?? "RUNNING");
        runs.push({
          id: meta.run_id,
          experimentId: experiment.id,
          name: typeof meta.run_name === "string" && meta.run_name !== "" ? meta.run_name : (tags.find((t) => t.key === "mlflow.runName")?.value ?? ""),
          status,
          startTime: Number(meta.start_time ?? 0),
          endTime: meta.end_time === null || meta.end_time === undefined ? null : Number(meta.end_time),
          deleted: meta.lifecycle_stage === "deleted",
          params: keyValues(join(folder, entry.name, "params")),
          tags,
        });
      }
      return runs.sort((a, b) => a.startTime - b.startTime);
    },
    async *metrics(run) {
      const folder = join(folders.get(run.experimentId)!, run.id, "metrics");
      for (const key of keysIn(folder)) {
        const lines = createInterface({ input: createReadStream(join(folder, key)), crlfDelay: Infinity });
        for await (const line of lines) {
          const parts = line.trim().split(" ");
          if (parts.length < 2) continue;
          const point: MetricPoint = { key, timestamp: Number(parts[0]), value: pythonFloat(parts[1]!), step: parts.length >= 3 ? Number(parts[2]) : 0 };
          yield point;
        }
      }
    },
    async *artifacts(run) {
      const runFolder = join(folders.get(run.experimentId)!, run.id);
      const meta = readMeta(runFolder);
      const uri = typeof meta?.artifact_uri === "string" ? meta.artifact_uri : "";
      // The folder may have moved since MLflow wrote the URI: the run's own artifacts/ then.
      const folder = existingFolder(localPathOf(uri), join(runFolder, "artifacts"));
      if (folder) yield* localArtifacts(folder);
      else if (uri && localPathOf(uri) === null) process.stderr.write(`Run ${run.id}: artifacts at ${uri} are not read (only local artifacts are); they are left out.\n`);
    },
    async close() {},
  };
}
