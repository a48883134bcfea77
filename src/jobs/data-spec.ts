import { posix } from "node:path";
import { z } from "zod";
import { ProblemError } from "../core/errors.ts";
import { ExpectationsSchema } from "../data/expectation-spec.ts";
import { checkTagName, DATASET_NAME, parseRef } from "../data/refs.ts";

// A job's inputs and outputs: datasets it reads by name (made available read-only before it
// starts) and folders it writes that become new dataset versions when it succeeds. Part of
// the job spec (spec.ts); how a job sees them is in docs/how-to/use-data-in-jobs.md.

const IO_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
export const MAX_INPUTS = 32;
export const MAX_OUTPUTS = 32;

const ioName = z
  .string()
  .regex(IO_NAME, "names are lower-case letters, digits, _ and -, starting with a letter (at most 63)")
  .meta({ description: "The input's or output's name; the job finds its folder in PLINTH_INPUT_<NAME> or PLINTH_OUTPUT_<NAME>." });

const refText = z
  .string()
  .min(1)
  .max(300)
  .superRefine(refusing((text) => problemOf(() => parseRef(text))))
  .meta({ description: "A dataset reference: `name`, `team/name`, `name@v3`, `name@prod` or `name@sha256:<hex>`; without a version, the latest." });

export const JobInputSchema = z
  .union([
    refText,
    z.strictObject({
      dataset: refText,
      expect: ExpectationsSchema.optional().meta({
        description: "Rules the version's tables must meet for this job (besides the dataset's own); a job that breaks them is refused at submit.",
      }),
    }),
  ])
  .meta({ description: "A dataset version the job reads: a reference (`iris@v2`), or `{dataset, expect}`." });

const outputPath = z
  .string()
  .min(1)
  .max(512)
  .superRefine(refusing(pathProblem))
  .meta({ description: "A folder relative to the job's working directory, e.g. `out/`." });

export const JobOutputSchema = z
  .union([
    outputPath,
    z.strictObject({
      path: outputPath,
      dataset: z
        .string()
        .regex(DATASET_NAME, "dataset names are lower-case letters, digits and . _ -, starting with a letter or digit")
        .optional()
        .meta({ description: "The dataset (in the job's team) that gets the new version; the output's name when left out." }),
      tag: z
        .string()
        .min(1)
        .max(128)
        .superRefine(refusing((tag) => problemOf(() => checkTagName(tag))))
        .optional()
        .meta({ description: "A tag the new version gets, such as `candidate`." }),
    }),
  ])
  .meta({ description: "A folder the job writes, saved as a new version of a dataset when the job succeeds: a path (`out/`), or `{path, dataset, tag}`." });

export const JobInputsSchema = z
  .record(ioName, JobInputSchema)
  .refine((r) => Object.keys(r).length <= MAX_INPUTS, { message: `at most ${MAX_INPUTS} inputs` })
  .meta({ description: "Datasets the job reads, by name: each is made available read-only before the job starts, its folder in PLINTH_INPUT_<NAME>. The version is fixed when the job is submitted." });

export const JobOutputsSchema = z
  .record(ioName, JobOutputSchema)
  .refine((r) => Object.keys(r).length <= MAX_OUTPUTS, { message: `at most ${MAX_OUTPUTS} outputs` })
  .meta({ description: "Folders the job writes, by name: when it succeeds each becomes a new version of a dataset in the job's team. PLINTH_OUTPUT_<NAME> holds the folder's path." });

/** An input as pinned at submit: the version `ref` meant then, whatever its alias says later. */
export interface PinnedInput {
  name: string;
  ref: string;
  datasetId: string;
  dataset: string;
  team: string;
  version: number;
  versionId: string;
}

/** An output as the job will save it. */
export interface JobOutput {
  name: string;
  /** Normalised, relative to the working directory, no trailing slash. */
  path: string;
  dataset: string;
  tag?: string;
}

export type JobInputs = z.output<typeof JobInputsSchema>;
export type JobOutputs = z.output<typeof JobOutputsSchema>;

export function inputRef(input: z.output<typeof JobInputSchema>): string {
  return typeof input === "string" ? input : input.dataset;
}

export function normalizeOutputs(outputs: JobOutputs | undefined): JobOutput[] | undefined {
  const entries = Object.entries(outputs ?? {});
  if (entries.length === 0) return undefined;
  return entries.map(([name, o]) => {
    const spec = typeof o === "string" ? { path: o } : o;
    return { name, path: normalizePath(spec.path), dataset: spec.dataset ?? name, ...(spec.tag !== undefined && { tag: spec.tag }) };
  });
}

/** The variable a job finds an input's (or output's) folder in: `train-set` → PLINTH_INPUT_TRAIN_SET. */
export function dataEnvName(kind: "input" | "output", name: string): string {
  return `PLINTH_${kind.toUpperCase()}_${name.toUpperCase().replaceAll("-", "_")}`;
}

/** Checks what one field cannot see alone: names that give the same variable, outputs inside each other, env that would be overwritten. */
export function checkDataSpec(spec: { inputs?: JobInputs; outputs?: JobOutputs; env: Record<string, string> }, ctx: z.RefinementCtx): void {
  for (const kind of ["input", "output"] as const) {
    const names = Object.keys((kind === "input" ? spec.inputs : spec.outputs) ?? {});
    const seen = new Map<string, string>();
    for (const name of names) {
      const variable = dataEnvName(kind, name);
      const other = seen.get(variable);
      if (other !== undefined) ctx.addIssue({ code: "custom", path: [`${kind}s`, name], message: `'${name}' and '${other}' would both be ${variable}; rename one` });
      seen.set(variable, name);
      if (variable in spec.env) ctx.addIssue({ code: "custom", path: ["env", variable], message: `${variable} is set by Plinth for ${kind} '${name}'; remove it from env` });
    }
  }
  const outputs = normalizeOutputs(spec.outputs) ?? [];
  for (const [i, a] of outputs.entries()) {
    if (pathProblem(a.path)) continue;
    for (const b of outputs.slice(i + 1)) {
      if (pathProblem(b.path)) continue;
      if (a.path === b.path || b.path.startsWith(`${a.path}/`) || a.path.startsWith(`${b.path}/`)) {
        ctx.addIssue({ code: "custom", path: ["outputs", b.name], message: `its folder ${b.path} overlaps output '${a.name}' (${a.path}); give each output a folder of its own` });
      }
    }
  }
  const datasets = new Map<string, string>();
  for (const o of outputs) {
    const other = datasets.get(o.dataset);
    if (other !== undefined) ctx.addIssue({ code: "custom", path: ["outputs", o.name], message: `outputs '${other}' and '${o.name}' would both write dataset ${o.dataset}; one version per dataset and job` });
    datasets.set(o.dataset, o.name);
  }
}

function normalizePath(text: string): string {
  return posix.normalize(text).replace(/\/+$/, "");
}

function pathProblem(text: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(text)) return "a path cannot hold control characters";
  if (text.startsWith("/") || /^[A-Za-z]:[\\/]/.test(text)) return "give a folder relative to the job's working directory, e.g. out/";
  if (text.split(/[\\/]/).includes("..")) return "a path cannot go up with '..'; name a folder inside the job's working directory";
  const normal = normalizePath(text);
  if (normal === "." || normal === "") return "name a folder inside the job's working directory, e.g. out/, not the directory itself";
  return null;
}

/** A zod check that reports what `problem` finds wrong with a value. */
function refusing(problem: (value: string) => string | null): (value: string, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    const found = problem(value);
    if (found) ctx.addIssue({ code: "custom", message: found });
  };
}

/** The detail of the problem `check` throws, or null when it passes. */
function problemOf(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (err) {
    if (err instanceof ProblemError) return err.problem.detail ?? err.message;
    throw err;
  }
}

// ---- how a job's data looks from outside (job detail, lineage) ------------------------------

export const JobInputViewSchema = z
  .object({
    name: z.string(),
    ref: z.string().meta({ description: "The reference as written in the spec." }),
    dataset: z.string(),
    team: z.string(),
    version: z.number().int().meta({ description: "The version the reference meant when the job was submitted; retries read the same." }),
    versionId: z.string(),
  })
  .meta({ id: "JobInput" });

export const JobOutputViewSchema = z
  .object({
    name: z.string(),
    path: z.string().meta({ description: "The folder, relative to the job's working directory." }),
    dataset: z.string(),
    tag: z.string().nullable(),
    team: z.string().nullable(),
    version: z.number().int().nullable().meta({ description: "The version it was saved as; null until saved (or when you may not read it)." }),
    versionId: z.string().nullable(),
  })
  .meta({ id: "JobOutput" });

export const LineageEntrySchema = z
  .object({
    name: z.string().meta({ description: "The input's or output's name in the job spec." }),
    datasetId: z.string(),
    dataset: z.string(),
    team: z.string(),
    version: z.number().int(),
    versionId: z.string(),
  })
  .meta({ id: "LineageEntry" });

export const JobLineageSchema = z
  .object({ inputs: z.array(LineageEntrySchema), outputs: z.array(LineageEntrySchema) })
  .meta({ id: "JobLineage", description: "The dataset versions a job read and the ones it produced." });

export type JobInputView = z.infer<typeof JobInputViewSchema>;
export type JobOutputView = z.infer<typeof JobOutputViewSchema>;
export type JobLineage = z.infer<typeof JobLineageSchema>;
