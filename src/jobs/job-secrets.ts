import type { LogMasks } from "./log-mask.ts";

// What jobs need from the secrets module: a spec names secrets (`secrets: [WANDB_API_KEY]`);
// the values reach only the job's environment, when it starts, and its log is shown masked.

export interface JobSecrets {
  /** At submit: refuses (400, naming them) secrets that do not resolve for the submitter in the job's team. */
  check(userId: string, names: readonly string[], teamId: string | null): Promise<void>;
  /** At launch: the values by name, for the job's environment only. The error names secrets, never values. */
  forLaunch(jobId: string, userId: string, names: readonly string[], teamId: string | null): Promise<Record<string, string>>;
  /** Maskers for jobs' logs. */
  masks: LogMasks;
}
