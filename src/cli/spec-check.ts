import { stringify } from "yaml";
import type { z } from "zod";
import { type FieldError, joinPath, ProblemError, unionBranchIssues } from "../core/errors.ts";
import { editDistance, isCloseSpelling } from "../core/spelling.ts";
import { JobSpecSchema } from "../jobs/spec.ts";
import type { SpecFile } from "./spec-file.ts";

// Checks a job spec on this machine before any code is hashed or uploaded, and words each
// problem for the person who wrote the file: where it is, the key they probably meant, the
// list form of a command written as one string.

/** Fields `plinth run` fills in itself; never suggested. */
const INTERNAL_FIELDS = new Set(["code"]);

interface SpecIssue {
  path: PropertyKey[];
  /** The problem is the key itself (unknown), not its value. */
  atKey: boolean;
  message: string;
}

/**
 * Throws a problem listing every issue of `spec`, each at its place in `file` (`plinth.yaml:3:5`)
 * unless a flag or the command after `--` set it (`fromFlags` holds those paths, dotted).
 */
export function checkJobSpec(spec: Record<string, unknown>, opts: { file?: SpecFile; fromFlags: ReadonlyArray<string> }): void {
  const result = JobSpecSchema.safeParse(spec);
  if (result.success) return;
  const issues = unionBranchIssues(result.error.issues).flatMap((issue) => explain(issue, spec));
  let inFile = false;
  const errors: FieldError[] = issues.map((issue) => {
    const dotted = joinPath("", issue.path);
    const byFlag = opts.fromFlags.some((f) => dotted === f || dotted.startsWith(`${f}.`) || dotted.startsWith(`${f}[`));
    if (!opts.file || byFlag) return { path: dotted, message: issue.message };
    inFile = true;
    return { path: `${opts.file.locate(issue.path, { key: issue.atKey })}: ${dotted}`, message: issue.message };
  });
  // In the order of the file, as an editor lists them; a flag's problem (no line) first.
  const line = (e: FieldError) => (/:(\d+):(\d+): /.exec(e.path) ?? [0, 0, 0]).slice(1).map(Number) as [number, number];
  errors.sort((a, b) => line(a)[0] - line(b)[0] || line(a)[1] - line(b)[1]);
  throw new ProblemError({
    status: 400,
    title: inFile ? `${opts.file!.path} is not a valid job spec` : "The job spec is not valid",
    code: "invalid-job-spec",
    hint: `Nothing was uploaded or submitted. Fix the ${inFile ? "lines" : "values"} shown; ${inFile ? "docs/reference/job-spec.md describes every field (`plinth config schema --job` prints them for editors)" : "`plinth run --help` lists the flags"}.`,
    errors,
  });
}

function explain(issue: z.core.$ZodIssue, spec: Record<string, unknown>): SpecIssue[] {
  const path = [...issue.path];
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...path, key], atKey: true, message: unknownKey(path, key, valueAt(spec, [...path, key])) }));
  }
  const value = valueAt(spec, path);
  const last = path.at(-1);
  if (issue.code === "invalid_type") {
    if (last === "command" && path.length === 1 && typeof value === "string") return [{ path, atKey: false, message: commandAsText(value) }];
    if (last === "script" && path.length === 1 && Array.isArray(value)) return [{ path, atKey: false, message: scriptAsList(value) }];
    if (path[0] === "command" && typeof last === "number" && issue.expected === "string") {
      return [{ path, atKey: false, message: `arguments are text: write it in quotes, ${JSON.stringify(String(value))}` }];
    }
    // `gpu: 1` next to a `gpus` that takes a number meant `gpus`.
    if (typeof last === "string") {
      const meant = closeKeys(path.slice(0, -1), last, value).find((c) => c.path.length === path.length && c.name !== last && c.schema.safeParse(value).success);
      if (meant) return [{ path, atKey: true, message: `${issue.message}; did you mean \`${meant.name}\`?` }];
    }
  }
  return [{ path, atKey: false, message: issue.message }];
}

function unknownKey(parent: PropertyKey[], key: string, value: unknown): string {
  const [best] = closeKeys(parent, key, value);
  if (best && best.path.length === parent.length + 1) return `unknown field; did you mean \`${best.name}\`?`;
  const home = `\`${String(best?.path.at(-2))}:\``;
  if (best) return best.name === key ? `\`${key}\` belongs under ${home}` : `unknown field here; did you mean \`${best.name}\` under ${home}?`;
  const fields = fieldsAt(parent);
  return `unknown field; the fields here are ${fields.map((f) => `\`${f}\``).join(", ")}`;
}

interface KeyCandidate {
  name: string;
  path: PropertyKey[];
  schema: z.ZodType;
}

/**
 * Keys spelled close to `key`, at `parent` or one level below it (a top-level `gpus:` belongs
 * under `resources:`), best first: those that accept `value`, then those at `parent`, then the
 * closest spelling.
 */
function closeKeys(parent: PropertyKey[], key: string, value: unknown): KeyCandidate[] {
  const candidates: KeyCandidate[] = [];
  for (const name of fieldsAt(parent)) {
    const path = [...parent, name];
    candidates.push({ name, path, schema: schemaAt(path)! });
    for (const child of fieldsAt(path)) candidates.push({ name: child, path: [...path, child], schema: schemaAt([...path, child])! });
  }
  const accepts = (c: KeyCandidate) => (value === undefined || c.schema.safeParse(value).success ? 0 : 1);
  return candidates
    .filter((c) => isCloseSpelling(key, c.name))
    .sort((a, b) => accepts(a) - accepts(b) || a.path.length - b.path.length || editDistance(key, a.name) - editDistance(key, b.name));
}

function commandAsText(text: string): string {
  const words = text.trim().split(/\s+/);
  if (/[|&;<>$`*()'"\\]/.test(text)) {
    return `\`command\` is a list: the program and its arguments, run without a shell. This one uses shell syntax, so write it as a script instead: script: ${JSON.stringify(text.trim())}`;
  }
  return `\`command\` is a list: the program and its arguments. Write it as: command: ${flowList(words)}`;
}

function scriptAsList(items: unknown[]): string {
  const words = items.map(String);
  return `\`script\` is one piece of text, run with bash. For a program and its arguments, write: command: ${flowList(words)}`;
}

/** A YAML list on one line, quoting only what YAML would read as something other than text. */
function flowList(words: string[]): string {
  return stringify(words, { collectionStyle: "flow" }).trim().replace(/^\[ /, "[").replace(/ \]$/, "]");
}

function valueAt(spec: Record<string, unknown>, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = spec;
  for (const part of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[part] : undefined;
  return v;
}

/** The field names of the object schema at `path`, or none when it is not an object. */
function fieldsAt(path: PropertyKey[]): string[] {
  const schema = objectOption(unwrap(schemaAt(path)));
  return schema?.def.type === "object" ? Object.keys((schema as z.ZodObject).shape).filter((k) => !INTERNAL_FIELDS.has(k)) : [];
}

function schemaAt(path: ReadonlyArray<PropertyKey>): z.ZodType | undefined {
  let schema: z.ZodType | undefined = JobSpecSchema;
  for (const part of path) {
    const s: z.ZodType | undefined = unwrap(schema);
    if (!s) return undefined;
    const def = s.def as { type: string; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[] };
    if (def.type === "object") schema = (s as z.ZodObject).shape[String(part)] as z.ZodType | undefined;
    else if (def.type === "record") schema = def.valueType;
    else if (def.type === "array") schema = def.element;
    else if (def.type === "union") {
      const option = def.options!.map(unwrap).find((o) => o?.def.type === "object" && String(part) in (o as z.ZodObject).shape);
      schema = option && ((option as z.ZodObject).shape[String(part)] as z.ZodType);
    } else return undefined;
  }
  return schema;
}

/** A field that is a name or an object (`environment`) has the object's fields. */
function objectOption(schema: z.ZodType | undefined): z.ZodType | undefined {
  if (schema?.def.type !== "union") return schema;
  return (schema.def as unknown as { options: z.ZodType[] }).options.map(unwrap).find((o) => o?.def.type === "object");
}

/** Looks through default/optional wrappers to the schema that describes the value. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s && ["default", "optional", "nullable", "prefault", "readonly"].includes(s.def.type)) s = (s.def as unknown as { innerType: z.ZodType }).innerType;
  return s;
}
