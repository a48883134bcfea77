import type { Logger } from "pino";
import type { CodeBundles } from "./code-bundles.ts";
import { INPUT_HINT } from "./failure.ts";
import { type JobData, noDatasets } from "./job-data.ts";
import type { JobSecrets } from "./job-secrets.ts";
import type { FailureReason, NormalizedJob } from "./spec.ts";

// What every job needs before it starts, wherever it runs: its code unpacked into its folder,
// its inputs in place and output folders made, its secrets and its tracked run's variables.
// The local executor and the cluster engines both start from here.

export interface PreparationDeps {
  bundles: CodeBundles;
  data?: JobData;
  secrets: JobSecrets;
  tracking?: {
    forLaunch(job: { id: string; userId: string; teamId: string | null; name: string; visibility: string; argv: string[]; env: Record<string, string> }): Promise<Record<string, string>>;
  };
  logger: Logger;
}

export interface JobToPrepare {
  id: string;
  job: NormalizedJob;
  userId: string;
  teamId: string | null;
  visibility: string;
  /** The folder it runs in, made by its executor. */
  workdir: string;
}

export interface PreparedJob {
  /** Its whole environment: the tracked run's variables, its spec's, its outputs', its secrets. */
  env: Record<string, string>;
  /** Its inputs' read-only folders on this machine. */
  inputs: Array<{ name: string; dir: string }>;
}

/** Why a job could not be prepared: its failure reason, message and hint. */
export class PreparationFailure extends Error {
  readonly reason: FailureReason;
  readonly hint: string | undefined;

  constructor(reason: FailureReason, message: string, hint?: string) {
    super(message);
    this.reason = reason;
    this.hint = hint;
  }
}

export async function prepareJob(deps: PreparationDeps, p: JobToPrepare): Promise<PreparedJob> {
  const { id, job } = p;
  try {
    if (job.codeBundle) await deps.bundles.materialize(job.codeBundle, p.workdir);
  } catch (err) {
    throw new PreparationFailure("start_failed", `Could not prepare the job's directory: ${(err as Error).message}`);
  }
  let env: Record<string, string> = { ...job.env };
  let inputs: PreparedJob["inputs"] = [];
  if (job.inputs || job.outputs) {
    try {
      if (!deps.data) throw noDatasets();
      const placed = await deps.data.prepare(p.userId, job, p.workdir);
      inputs = placed.inputs;
      env = { ...env, ...placed.env };
    } catch (err) {
      throw new PreparationFailure("input_unavailable", `Could not put the job's inputs in place: ${(err as Error).message}`, INPUT_HINT);
    }
  }
  // Secret values go into the job's environment only: never into the spec, a row or a log.
  if (job.secrets) {
    try {
      env = { ...env, ...(await deps.secrets.forLaunch(id, p.userId, job.secrets, p.teamId)) };
    } catch (err) {
      throw new PreparationFailure("start_failed", `Could not give the job its secrets: ${(err as Error).message}`);
    }
  }
  if (deps.tracking) {
    // A run that cannot be made does not stop the job: it starts untracked, and the log says why.
    try {
      const tracked = await deps.tracking.forLaunch({ id, userId: p.userId, teamId: p.teamId, name: job.name, visibility: p.visibility, argv: job.argv, env: job.env });
      env = { ...tracked, ...env }; // what the job's spec sets itself wins
    } catch (err) {
      deps.logger.warn({ err, jobId: id }, "could not make the job's tracked run; it starts without one");
    }
  }
  return { env, inputs };
}
