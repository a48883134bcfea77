import { z } from "zod";

// The shapes of Plinth's own tracking API (/api/v1/experiments, /api/v1/runs): what the CLI
// and the portal read. MLflow's clients use MLflow's API (src/tracking/mlflow/) instead.

export const ExperimentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    team: z.string().meta({ description: "The team's name." }),
    lifecycle: z.enum(["active", "deleted"]),
    createdBy: z.string().meta({ description: "The name of the person who made it." }),
    createdAt: z.string(),
    updatedAt: z.string(),
    tags: z.record(z.string(), z.string()),
  })
  .meta({ id: "Experiment", description: "An experiment: a team's set of runs." });

/** A metric's latest point; `value` is null for NaN, and ±Infinity is given as "Infinity" / "-Infinity". */
export const MetricValueSchema = z.object({
  value: z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])]),
  step: z.number().int(),
  timestamp: z.number().int(),
});

export const RunSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    experimentId: z.string(),
    user: z.string(),
    status: z.enum(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]),
    lifecycle: z.enum(["active", "deleted"]),
    startTime: z.string(),
    endTime: z.string().nullable(),
    jobId: z.string().nullable().meta({ description: "The job that made the run, if a job did." }),
    params: z.record(z.string(), z.string()),
    metrics: z.record(z.string(), MetricValueSchema).meta({ description: "Each metric's latest point." }),
    tags: z.record(z.string(), z.string()),
  })
  .meta({ id: "RunSummary", description: "A run with its params, latest metrics and tags." });

export const RunListSchema = z.object({
  items: z.array(RunSummarySchema),
  next: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last." }),
});

export const RunDetailSchema = RunSummarySchema.extend({
  experiment: z.object({ id: z.string(), name: z.string(), team: z.string() }),
  artifactUri: z.string(),
  artifacts: z.array(z.object({ path: z.string(), isDir: z.boolean(), size: z.number().int().optional() })).meta({ description: "The files and folders at the top of the run's artifacts." }),
}).meta({ id: "RunDetail" });

export const MetricHistorySchema = z
  .object({
    runId: z.string(),
    metrics: z.record(z.string(), z.array(MetricValueSchema)).meta({ description: "Each metric asked for: its points in step order." }),
    thinned: z.array(z.string()).meta({ description: "The keys whose history was longer than their share, answered as points evenly spread over it." }),
  })
  .meta({ id: "MetricHistory" });
