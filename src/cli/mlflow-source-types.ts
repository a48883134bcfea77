import type { Readable } from "node:stream";

// What `plinth runs import` reads from an MLflow project, whatever keeps it: a file store
// folder (mlruns/), an MLflow SQLite database, or a running MLflow server. Each reader turns
// its layout into these shapes; the importer never looks at the layout itself.

export type SourceKind = "mlruns" | "mlflow-db" | "mlflow-server";

export interface SourceExperiment {
  id: string;
  name: string;
  deleted: boolean;
  tags: Array<{ key: string; value: string }>;
}

export interface SourceRun {
  id: string;
  experimentId: string;
  name: string;
  status: string;
  startTime: number;
  endTime: number | null;
  deleted: boolean;
  params: Array<{ key: string; value: string }>;
  tags: Array<{ key: string; value: string }>;
}

/** A metric point; a value that is not finite is kept as the number (NaN, ±Infinity). */
export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface SourceArtifact {
  /** Below the run's artifact root, with `/` between folders. */
  path: string;
  size: number;
  open(): Promise<Readable>;
}

export interface MlflowSource {
  kind: SourceKind;
  /** Where it was read from, for messages. */
  label: string;
  experiments(): Promise<SourceExperiment[]>;
  /** Every run of the experiment, deleted ones included, oldest first. */
  runs(experiment: SourceExperiment): Promise<SourceRun[]>;
  metrics(run: SourceRun): AsyncIterable<MetricPoint>;
  /** The run's artifacts that can be read (a reader warns on stderr about those it cannot reach). */
  artifacts(run: SourceRun): AsyncIterable<SourceArtifact>;
  close(): Promise<void>;
}

/** MLflow's RunStatus numbers, as the file store writes them in meta.yaml. */
export const RUN_STATUS_NAMES: Record<number, string> = { 1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED" };

export const SOURCE_HINT = "Give an mlruns folder (MLflow's file store), an MLflow SQLite file (mlflow.db), or an MLflow server's address (http://host:5000).";
