import { z } from "zod";
import type { EnvironmentInfo } from "./cache.ts";
import { EnvironmentSpecSchema, requirementLineProblem } from "./spec.ts";

// How a built environment looks from outside (API, CLI --json, portal), and what asks for one
// to be built ahead of the jobs that need it.

export const ENVIRONMENT_KEY = /^[0-9a-f]{64}$/;

export const EnvironmentSchema = z
  .object({
    key: z.string().meta({ description: "A hash of the environment's lock, interpreter and platform." }),
    python: z.string().meta({ description: 'The full Python version, e.g. "3.11.2".' }),
    interpreter: z.string().meta({ description: "The interpreter it is built on, e.g. /usr/bin/python3.11." }),
    packages: z.array(z.string()).meta({ description: "Every package installed, as name==version." }),
    sizeBytes: z.number().meta({ description: "Disk it takes by itself (files shared with uv's cache included)." }),
    created: z.string(),
    lastUsed: z.string().meta({ description: "When a job last started in it (or it was built)." }),
    inUse: z.number().int().meta({ description: "How many running jobs hold it; one in use is never removed." }),
    path: z.string().optional().meta({ description: "Its folder on the server (shown to Keepers only)." }),
  })
  .meta({ id: "Environment" });
export type EnvironmentView = z.infer<typeof EnvironmentSchema>;

export function toEnvironmentView(info: EnvironmentInfo, showPath: boolean): EnvironmentView {
  return {
    key: info.key,
    python: info.pythonVersion,
    interpreter: info.interpreter,
    packages: info.packages,
    sizeBytes: info.sizeBytes,
    created: info.created,
    lastUsed: info.lastUsed,
    inUse: info.inUse,
    ...(showPath && { path: info.path }),
  };
}

/** A job spec's environment without the files of a job's code: a Python and packages. */
export const BuildEnvironmentSchema = z
  .strictObject({
    python: EnvironmentSpecSchema.shape.python,
    packages: z
      .array(z.string().min(1).max(1000))
      .min(1)
      .max(500)
      .meta({ description: 'Packages, one requirement each: ["numpy==2.1.*", "pandas>=2"].' }),
  })
  .superRefine((spec, ctx) => {
    spec.packages.forEach((line, i) => {
      const problem = requirementLineProblem(line);
      if (problem) ctx.addIssue({ code: "custom", path: ["packages", i], message: problem });
    });
  })
  .meta({ id: "BuildEnvironment", description: "An environment to build before a job needs it: the same packages a job spec's environment would name." });

export const BuildStartedSchema = z
  .object({
    key: z.string(),
    built: z.boolean().meta({ description: "Whether it was built already; if not, it is being built now." }),
    python: z.string(),
    packages: z.array(z.string()).meta({ description: "Every package it pins, as name==version." }),
  })
  .meta({ id: "EnvironmentBuildStarted" });
