import ignore from "ignore";
import { ProblemError } from "../core/errors.ts";
import type { Expectations, Violation } from "./expectation-spec.ts";
import type { ColumnProfile, ColumnType, TableProfile } from "./tabular/types.ts";

// Expectations checked against the stored profiles of a version's tables: no bytes are read,
// so a job's inputs are checked at submit in milliseconds. Every broken rule is one
// Violation naming the file, the column and the rule, with a hint that says what to do.
//
// - `files` selects tables the way a .gitignore line selects files: `*.csv` matches at any
//   depth, `train/**` everything under train/, `/a.csv` only at the top; case-sensitive.
// - Types: `any` takes every type; `number` integer or float; `float` also takes integer and
//   `timestamp` also takes date (narrower types the same values fit). In a CSV or TSV file,
//   where every value is text, `string` takes every type, and a column with no value at all
//   fits any type; in Parquet the declared type must fit.
// - `sameColumnsAs`: each table is compared with one table of the other dataset: the one at
//   the same path, else the one with the same file name, else the first (by path) that the
//   rules' `files` select, else its only table. Its columns (but `except`) must be present
//   with a type of the same family (integer and float are numbers, date and timestamp times).

export interface ExpectationFile {
  path: string;
  profile: TableProfile | null;
}

export interface ExpectationContext {
  /** The job input being checked: named in each violation and in the hints. */
  input?: string;
  /** The dataset checked, as a reference (`iris@v3`), for hints that suggest another version. */
  dataset?: string;
  /** The version `sameColumnsAs.dataset` names, already resolved by the caller; null when it cannot be read. */
  reference?: { ref: string; files: ExpectationFile[] } | null;
}

const TABLE_WORDS = "CSV, TSV or Parquet file";
const MAX_LISTED = 20;

/** Every rule of `exp` that the version's tables break; none when all hold. */
export function checkExpectations(files: ExpectationFile[], exp: Expectations, ctx: ExpectationContext = {}): Violation[] {
  const columns = Object.entries(exp.columns ?? {});
  const nonNull = exp.nonNull ?? [];
  const hasRows = exp.rows && (exp.rows.min !== undefined || exp.rows.max !== undefined);
  if (columns.length === 0 && nonNull.length === 0 && !hasRows && !exp.sameColumnsAs) return [];

  const out: Violation[] = [];
  const add = (v: Omit<Violation, "input">) => out.push(ctx.input === undefined ? v : { input: ctx.input, ...v });
  const tables = files.filter((f): f is { path: string; profile: TableProfile } => f.profile !== null);
  const selected = tables.filter(globMatcher(exp.files));
  if (selected.length === 0) {
    add(noTable(exp.files, tables, ctx));
    return out;
  }
  const fix = fixWord(ctx);
  for (const { path, profile } of selected) {
    const byName = new Map(profile.columns.map((c) => [c.name, c]));
    const missing = new Set<string>();
    for (const [name, expected] of columns) {
      const column = byName.get(name);
      if (!column) {
        missing.add(name);
        add({
          file: path,
          column: name,
          rule: "columns",
          message: `${path} has no column '${name}'${nearName(name, profile.columns)}.`,
          hint: `${fix.add(`the column '${name}'`, path)}, or remove '${name}' from columns in the ${fix.rules}.`,
        });
      } else if (!typeFits(expected, column, profile)) {
        add({
          file: path,
          column: name,
          rule: "type",
          message: `${path}: column '${name}' holds ${typeWords(column.type)}; the expectations ask for ${typeWords(expected)}.`,
          hint: `${typeHint(name, expected, profile)}, or expect '${column.type}' (or 'any') for '${name}' in the ${fix.rules}.`,
        });
      }
    }
    for (const name of nonNull) {
      const column = byName.get(name);
      if (!column) {
        if (!missing.has(name)) {
          add({
            file: path,
            column: name,
            rule: "nonNull",
            message: `${path} has no column '${name}'${nearName(name, profile.columns)}, which nonNull lists.`,
            hint: `${fix.add(`the column '${name}'`, path)}, or remove '${name}' from nonNull in the ${fix.rules}.`,
          });
        }
      } else if (column.nulls > 0) {
        add({
          file: path,
          column: name,
          rule: "nonNull",
          message: `${path}: column '${name}' has ${count(column.nulls, "missing value")} (of ${count(profile.rows, "row")}); nonNull allows none.`,
          hint: `Fill in or drop the rows where '${name}' is empty or NA (pandas: df.dropna(subset=['${name}'])), or remove '${name}' from nonNull in the ${fix.rules}.`,
        });
      }
    }
    const { min, max } = exp.rows ?? {};
    if ((min !== undefined && profile.rows < min) || (max !== undefined && profile.rows > max)) {
      const bound = min !== undefined && profile.rows < min ? `at least ${count(min, "row")}` : `at most ${count(max ?? 0, "row")}`;
      add({
        file: path,
        rule: "rows",
        message: `${path} has ${count(profile.rows, "row")}; the expectations ask for ${bound}.`,
        hint: `${fix.version}, or change rows in the ${fix.rules}.`,
      });
    }
    if (exp.sameColumnsAs) {
      for (const v of compareWith(path, profile, exp, ctx)) add(v);
    }
  }
  return out;
}

function noTable(pattern: string, tables: ExpectationFile[], ctx: ExpectationContext): Omit<Violation, "input"> {
  const fix = fixWord(ctx);
  const here = tables.length === 0 ? `it has no ${TABLE_WORDS}` : `its tables are ${list(tables.map((t) => t.path))}`;
  return {
    file: pattern,
    rule: "noTable",
    message: `No ${TABLE_WORDS} matches '${pattern}' (${here}), so the expectations cannot be checked.`,
    hint: `${fix.table}, or change files in the ${fix.rules} to match one of its tables.`,
  };
}

/** How hints word the fix: in the job's input, or in the dataset pushed. */
function fixWord(ctx: ExpectationContext): { add: (what: string, path: string) => string; rules: string; version: string; table: string } {
  if (ctx.input !== undefined) {
    const show = ctx.dataset ? `plinth data show ${ctx.dataset.replace(/@.*$/, "")}` : "plinth data show NAME";
    return {
      add: () => `Use a version that has it (${show} lists them)`,
      rules: `expectations of the dataset or of the input '${ctx.input}'`,
      version: `Use a version that fits (${show} lists them)`,
      table: `Use a version with such a table (${show} lists them)`,
    };
  }
  return { add: (what, path) => `Add ${what} to ${path}`, rules: "dataset's expectations", version: "Push a version that fits", table: "Push the table with this version" };
}

/** `expected` accepts a column of this profile (see the rules at the top). */
function typeFits(expected: ColumnType | "number" | "any", column: ColumnProfile, table: TableProfile): boolean {
  const actual = column.type;
  if (expected === "any" || expected === actual) return true;
  const text = table.format !== "parquet";
  if (text && (expected === "string" || (table.rows > 0 && column.nulls >= table.rows) || table.rows === 0)) return true;
  if (expected === "number" || expected === "float") return actual === "integer" || actual === "float";
  if (expected === "timestamp") return actual === "date";
  return false;
}

function typeHint(name: string, expected: ColumnType | "number" | "any", table: TableProfile): string {
  if (table.format === "parquet") return `Write '${name}' as ${typeWords(expected)}`;
  return `Make every value of '${name}' ${typeWords(expected)} (empty cells and NA are missing values and fit any type)`;
}

const TYPE_WORDS: Record<ColumnType | "number" | "any", string> = {
  integer: "integers",
  float: "numbers (float)",
  number: "numbers",
  boolean: "booleans (true/false)",
  string: "text",
  date: "dates (YYYY-MM-DD)",
  timestamp: "timestamps (ISO 8601)",
  binary: "binary values",
  other: "nested values (lists, structs, maps)",
  any: "any values",
};

function typeWords(type: ColumnType | "number" | "any"): string {
  return `${TYPE_WORDS[type]} (${type})`;
}

const FAMILY: Record<ColumnType, string> = { integer: "number", float: "number", date: "time", timestamp: "time", boolean: "boolean", string: "string", binary: "binary", other: "other" };

function compareWith(path: string, profile: TableProfile, exp: Expectations, ctx: ExpectationContext): Array<Omit<Violation, "input">> {
  const same = exp.sameColumnsAs;
  if (!same) return [];
  const ref = ctx.reference;
  if (!ref) {
    return [
      {
        file: path,
        rule: "sameColumnsAs",
        message: `${path} cannot be compared with '${same.dataset}': that dataset cannot be found or read.`,
        hint: `Check the reference with plinth data show ${same.dataset.replace(/@.*$/, "")}, or change sameColumnsAs.dataset.`,
      },
    ];
  }
  const other = referenceTable(path, exp.files, ref.files);
  if (!other) {
    const tables = ref.files.filter((f) => f.profile !== null).map((f) => f.path);
    return [
      {
        file: path,
        rule: "sameColumnsAs",
        message:
          tables.length === 0
            ? `${path} cannot be compared with ${ref.ref}: it has no ${TABLE_WORDS}.`
            : `${path} cannot be compared with ${ref.ref}: it has several tables (${list(tables)}) and none at the same path or with the same name.`,
        hint: tables.length === 0 ? "Point sameColumnsAs.dataset at the dataset the model was trained on." : `Name the table as in ${ref.ref}, or narrow files in the expectations.`,
      },
    ];
  }
  const out: Array<Omit<Violation, "input">> = [];
  const except = new Set(same.except);
  const byName = new Map(profile.columns.map((c) => [c.name, c]));
  const where = `${ref.ref}'s ${other.path}`;
  for (const wanted of other.profile.columns) {
    if (except.has(wanted.name)) continue;
    const column = byName.get(wanted.name);
    if (!column) {
      out.push({
        file: path,
        column: wanted.name,
        rule: "sameColumnsAs",
        message: `${path} has no column '${wanted.name}'${nearName(wanted.name, profile.columns)}, which ${where} has.`,
        hint: `Add '${wanted.name}' to ${path} (what reads it was made with it), or list it in sameColumnsAs.except.`,
      });
      continue;
    }
    const refIsEmpty = other.profile.format !== "parquet" && other.profile.rows > 0 && wanted.nulls >= other.profile.rows;
    if (!refIsEmpty && FAMILY[wanted.type] !== FAMILY[column.type] && !typeFits(wanted.type, column, profile)) {
      out.push({
        file: path,
        column: wanted.name,
        rule: "sameColumnsAs",
        message: `${path}: column '${wanted.name}' holds ${typeWords(column.type)}, but in ${where} it holds ${typeWords(wanted.type)}.`,
        hint: `${typeHint(wanted.name, wanted.type, profile)}, as in ${ref.ref}, or list '${wanted.name}' in sameColumnsAs.except.`,
      });
    }
  }
  return out;
}

/** The reference's table to compare `path` with (see the rules at the top), or null. */
function referenceTable(path: string, pattern: string, files: ExpectationFile[]): { path: string; profile: TableProfile } | null {
  const tables = files.filter((f): f is { path: string; profile: TableProfile } => f.profile !== null).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  return (
    tables.find((t) => t.path === path) ??
    tables.find((t) => base(t.path) === base(path)) ??
    tables.find(globMatcher(pattern)) ??
    (tables.length === 1 ? tables[0] : null)
  );
}

/** A test of paths against a .gitignore-style pattern. */
export function globMatcher(pattern: string): (file: { path: string }) => boolean {
  const matcher = ignore({ ignorecase: false }).add(pattern);
  return ({ path }) => {
    try {
      return matcher.ignores(path);
    } catch {
      return false;
    }
  };
}

/** ` (it has 'Label')` when a column differs from `name` only in case or spaces. */
function nearName(name: string, columns: ColumnProfile[]): string {
  const key = name.trim().toLowerCase();
  const near = columns.find((c) => c.name.trim().toLowerCase() === key);
  return near ? ` (it has '${near.name}')` : "";
}

function count(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

function list(items: string[]): string {
  return items.length <= 5 ? items.join(", ") : `${items.slice(0, 5).join(", ")} and ${items.length - 5} more`;
}

/** Violations as the `detail` of a problem: one line each, the input first when there is one. */
export function formatViolations(violations: Violation[]): string {
  const line = (v: Violation) => (v.input === undefined ? v.message : `Input '${v.input}': ${v.message}`);
  if (violations.length === 1) return line(violations[0]);
  const shown = violations.slice(0, MAX_LISTED).map((v) => `- ${line(v)}`);
  if (violations.length > MAX_LISTED) shown.push(`- and ${violations.length - MAX_LISTED} more`);
  return [`${violations.length} expectations are not met:`, ...shown].join("\n");
}

/** A version as the data service resolves it: its files with their profiles. */
export interface ResolvedTables {
  dataset: { name: string; teamName: string };
  version: { number: number };
  files: ExpectationFile[];
}

/**
 * checkExpectations for the data service: resolves `sameColumnsAs.dataset` through `resolve`
 * (as the person checking may read it); one that cannot be found or read is a violation,
 * not an error.
 */
export async function checkExpectationsResolving(
  files: ExpectationFile[],
  exp: Expectations,
  ctx: { input?: string; dataset?: string; resolve: (ref: string) => Promise<ResolvedTables> },
): Promise<Violation[]> {
  let reference: ExpectationContext["reference"] = null;
  if (exp.sameColumnsAs) {
    try {
      const resolved = await ctx.resolve(exp.sameColumnsAs.dataset);
      reference = { ref: `${resolved.dataset.teamName}/${resolved.dataset.name}@v${resolved.version.number}`, files: resolved.files };
    } catch (error) {
      if (!(error instanceof ProblemError && (error.status === 404 || error.status === 409))) throw error;
    }
  }
  return checkExpectations(files, exp, { input: ctx.input, dataset: ctx.dataset, reference });
}
