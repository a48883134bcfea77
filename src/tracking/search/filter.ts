// MLflow's search filter language for runs and experiments: `metrics.acc > 0.9 AND
// params.lr = '0.01' AND tags.\`my tag\` LIKE 'x%' AND attributes.run_id IN ('a', 'b')`.
// Parsed as MLflow 3 parses it — what it accepts, what it refuses and the messages it refuses
// with (clients show them) — into typed clauses that sql.ts compiles. MLflow checks a filter in
// two passes, the syntax and values of every clause first, then each clause's comparator, and
// the first error wins; the same order is kept here.

import { invalidParameter } from "../mlflow-error.ts";
import { type Node, parseStatements } from "./grouping.ts";
import {
  canonicalRunAttribute,
  EXPERIMENT_ATTRIBUTES,
  experimentIdentifier,
  type Identifier,
  pySet,
  quotedValue,
  RUN_SEARCH_ATTRIBUTES,
  runIdentifier,
} from "./identifiers.ts";
import { literalEval, PySyntaxError, type PyTuple, type PyValue, pyFloat, pyIntFromString, pyRepr, pyStr } from "./python-text.ts";

export type NumericComparator = "=" | "!=" | ">" | ">=" | "<" | "<=";
export type StringComparator = "=" | "!=" | "LIKE" | "ILIKE";
export type ListComparator = "IN" | "NOT IN";
export type PresenceComparator = "IS NULL" | "IS NOT NULL";

export type RunStringAttribute = "run_id" | "run_name" | "status" | "user_id" | "artifact_uri";
export type RunNumericAttribute = "start_time" | "end_time";

/** One AND-ed clause of a run filter. Aliases are resolved: `created` is start_time, `Run name` is run_name. */
export type RunClause =
  | { type: "attribute"; key: RunStringAttribute; comparator: StringComparator; value: string }
  | { type: "attribute"; key: "run_id"; comparator: ListComparator; value: string[] }
  | { type: "attribute"; key: RunNumericAttribute; comparator: NumericComparator; value: number }
  | { type: "metric"; key: string; comparator: NumericComparator; value: number }
  | { type: "param" | "tag"; key: string; comparator: StringComparator; value: string }
  | { type: "param" | "tag"; key: string; comparator: PresenceComparator };

/** One AND-ed clause of an experiment filter; experiment ids are canonical decimal strings. */
export type ExperimentClause =
  | { type: "attribute"; key: "name"; comparator: StringComparator; value: string }
  | { type: "attribute"; key: "experiment_id"; comparator: "=" | "!="; value: string }
  | { type: "attribute"; key: "experiment_id"; comparator: ListComparator; value: string[] }
  | { type: "attribute"; key: "creation_time" | "last_update_time"; comparator: NumericComparator; value: number }
  | { type: "tag"; key: string; comparator: StringComparator; value: string }
  | { type: "tag"; key: string; comparator: PresenceComparator };

type Value = { kind: "text"; text: string } | { kind: "number"; number: number; float: boolean } | { kind: "list"; items: string[] } | { kind: "none" };

interface Comparison extends Identifier {
  /** As written (`like`, `NOT IN`): runs compare it upper-cased, experiments as written, as MLflow does. */
  comparator: string;
  value: Value;
}

// The comparator sets MLflow's messages print.
const NUMERIC_COMPARATORS = ["=", "!=", ">", ">=", "<", "<="];
const PARAM_COMPARATORS = ["=", "!=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL"];
const STRING_ATTRIBUTE_COMPARATORS = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];
const STRING_COMPARATORS = ["=", "!=", "LIKE", "ILIKE"];
const PRESENCE = ["IS NULL", "IS NOT NULL"];

const MLFLOW_TYPE_NAMES = { metric: "metric", param: "parameter", tag: "tag", attribute: "attribute" } as const;

/** What differs between the run and the experiment grammar. */
interface Grammar {
  identifier(text: string): Identifier;
  numericAttributes: readonly string[];
  listAttribute: string;
  quoteInvalidClauses: boolean;
  presenceError(identifier: Identifier): string;
}

const RUN_GRAMMAR: Grammar = {
  identifier: (text) => runIdentifier(text, RUN_SEARCH_ATTRIBUTES),
  numericAttributes: ["start_time", "end_time", "created", "Created"],
  listAttribute: "run_id",
  quoteInvalidClauses: true,
  presenceError: ({ type, key }) => `IS NULL / IS NOT NULL is only supported for tags and params, not for '${MLFLOW_TYPE_NAMES[type]}' '${key}'`,
};

const EXPERIMENT_GRAMMAR: Grammar = {
  identifier: (text) => experimentIdentifier(text, EXPERIMENT_ATTRIBUTES),
  numericAttributes: ["creation_time", "last_update_time"],
  listAttribute: "experiment_id",
  quoteInvalidClauses: false,
  presenceError: ({ key }) => `IS NULL / IS NOT NULL is only supported for tags, not for attribute '${key}'`,
};

/** Parses a run filter; an empty or blank filter matches every run. */
export function parseRunFilter(filter: string): RunClause[] {
  return parseComparisons(filter, RUN_GRAMMAR).map(toRunClause);
}

/** Parses an experiment filter; an empty or blank filter matches every experiment. */
export function parseExperimentFilter(filter: string): ExperimentClause[] {
  return parseComparisons(filter, EXPERIMENT_GRAMMAR).map(toExperimentClause);
}

function parseComparisons(filter: string, grammar: Grammar): Comparison[] {
  if (filter.trim() === "") return [];
  const statements = parseStatements(filter, `Error on parsing filter '${filter}'`);
  if (statements.length > 1) {
    throw invalidParameter(`Search filter contained multiple expression ${pyStr(filter)}. Provide AND-ed expression list.`);
  }
  const nodes = joinListComparisons(statements[0]!);
  const invalid = nodes.filter((node) => node.kind !== "comparison" && !keyword(node, "AND"));
  if (invalid.length > 0) {
    const texts = invalid.map((node) => (grammar.quoteInvalidClauses ? `'${node.text}'` : node.text));
    throw invalidParameter(`Invalid clause(s) in filter string: ${texts.join(", ")}`);
  }
  return nodes.filter((node) => node.kind === "comparison").map((node) => comparisonOf(node.parts!, grammar));
}

const keyword = (node: Node | undefined, word: string): boolean => node?.kind === "keyword" && node.text.toUpperCase() === word;
const synthetic = (parts: Node[]): Node => ({ kind: "comparison", text: parts.map((part) => part.text).join(""), parts });

/**
 * `x IN (...)`, `x NOT IN (...)`, `x IS NULL` and `x IS NOT NULL` are not comparisons to the SQL
 * parser; MLflow joins them into comparisons afterwards, scanning the non-blank nodes in steps
 * of three or four. This keeps its scan as it is, blind spots included.
 */
function joinListComparisons(statement: Node[]): Node[] {
  const nodes = statement.filter((node) => node.kind !== "whitespace");
  const joined: Node[] = [];
  let i = 0;
  while (i < nodes.length) {
    if (nodes.length - i < 3) {
      joined.push(...nodes.slice(i));
      break;
    }
    const [first, second, third, fourth] = nodes.slice(i, i + 4) as [Node, Node, Node, Node | undefined];
    if (first.kind !== "identifier") {
      joined.push(first);
      i += 1;
      continue;
    }
    if (keyword(second, "IN") && third.kind === "parenthesis") {
      joined.push(synthetic([first, second, third]));
      i += 3;
    } else if (keyword(second, "IS") && keyword(third, "NULL")) {
      joined.push(synthetic([first, { kind: "keyword", text: "IS NULL" }]));
      i += 3;
    } else if (keyword(second, "IS") && third.kind === "keyword" && third.text.toUpperCase() === "NOT NULL") {
      joined.push(synthetic([first, { kind: "keyword", text: "IS NOT NULL" }]));
      i += 3;
    } else if (fourth === undefined) {
      joined.push(first, second, third);
      break;
    } else if (keyword(second, "NOT") && keyword(third, "IN") && fourth.kind === "parenthesis") {
      joined.push(synthetic([first, { kind: "keyword", text: "NOT IN" }, fourth]));
      i += 4;
    } else {
      joined.push(first, second, third, fourth);
      i += 4;
    }
  }
  return joined;
}

function comparisonOf(parts: Node[], grammar: Grammar): Comparison {
  if (parts.length === 2 && PRESENCE.includes(parts[1]!.text.toUpperCase())) {
    const identifier = grammar.identifier(parts[0]!.text);
    if (identifier.type !== "tag" && identifier.type !== "param") throw invalidParameter(grammar.presenceError(identifier));
    return { ...identifier, comparator: parts[1]!.text.toUpperCase(), value: { kind: "none" } };
  }
  if (parts.length !== 3) throw invalidParameter(`Invalid comparison clause. Expected 3 tokens found ${parts.length}`);
  const [left, comparator, right] = parts as [Node, Node, Node];
  if (left.kind !== "identifier") throw invalidParameter(`Invalid comparison clause. Expected 'Identifier' found '${left.text}'`);
  const identifier = grammar.identifier(left.text);
  return { ...identifier, comparator: comparator.text, value: clauseValue(identifier, right, grammar) };
}

const isNumberNode = (node: Node): boolean => node.kind === "integer" || node.kind === "float";
const numberOf = (node: Node): Value => ({ kind: "number", number: Number(node.text), float: node.kind === "float" });

function clauseValue({ type, key }: Identifier, node: Node, grammar: Grammar): Value {
  if (type === "metric") {
    if (!isNumberNode(node)) throw invalidParameter(`Expected numeric value type for metric. Found ${node.text}`);
    return numberOf(node);
  }
  if (node.kind === "string" || node.kind === "identifier") {
    if (type !== "attribute" || !grammar.numericAttributes.includes(key)) return { kind: "text", text: quotedValue(node.text) };
  }
  if (type === "param" || type === "tag") {
    throw invalidParameter(`Expected a quoted string value for ${MLFLOW_TYPE_NAMES[type]} (e.g. 'my-value'). Got value ${node.text}`);
  }
  if (grammar.numericAttributes.includes(key)) {
    if (!isNumberNode(node)) throw invalidParameter(`Expected numeric value type for numeric attribute: ${key}. Found ${node.text}`);
    return numberOf(node);
  }
  if (node.kind === "parenthesis") {
    if (key !== grammar.listAttribute) {
      throw invalidParameter(`Only ['${grammar.listAttribute}'] attributes support comparison with a list of quoted string values.`);
    }
    return { kind: "list", items: listOf(node.text) };
  }
  throw invalidParameter(`Expected a quoted string value for attributes. Got value ${node.text}`);
}

/** `('a', 'b')` read as the Python literal MLflow reads it as. */
function listOf(text: string): string[] {
  let parsed: ReturnType<typeof literalEval>;
  try {
    parsed = literalEval(text);
  } catch (error) {
    if (!(error instanceof PySyntaxError)) throw error;
    throw invalidParameter("While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.");
  }
  const items: PyValue[] = typeof parsed === "object" && parsed !== null && "tuple" in parsed ? (parsed as PyTuple).tuple : [parsed];
  if (items.length === 0) throw invalidParameter("While parsing a list in the query, expected a non-empty list of string values, but got empty list");
  if (!items.every((item): item is string => typeof item === "string")) {
    throw invalidParameter(
      `While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ${pyRepr({ tuple: items })}`,
    );
  }
  return items as string[];
}

function checkComparator(comparator: string, allowed: readonly string[], listed: readonly string[], closingQuote: boolean): void {
  if (!allowed.includes(comparator)) throw invalidParameter(`Invalid comparator '${comparator}' not one of '${pySet(listed)}${closingQuote ? "'" : ""}`);
}

// MLflow would hand a list to `=` (and a single value to IN) on to the database, which fails;
// here it is refused with a message instead.
function listMismatch(key: string, comparator: string): Error {
  return invalidParameter(`Only IN and NOT IN compare ${key} with a list of quoted string values; got '${comparator}'.`);
}

function toRunClause(comparison: Comparison): RunClause {
  const comparator = comparison.comparator.toUpperCase();
  const { type, value } = comparison;
  if (type === "attribute") {
    const key = canonicalRunAttribute(comparison.key);
    if (key === "start_time" || key === "end_time") {
      checkComparator(comparator, NUMERIC_COMPARATORS, STRING_ATTRIBUTE_COMPARATORS, false);
      return { type, key, comparator: comparator as NumericComparator, value: (value as { number: number }).number };
    }
    checkComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, STRING_ATTRIBUTE_COMPARATORS, true);
    const isList = comparator === "IN" || comparator === "NOT IN";
    if (isList !== (value.kind === "list")) throw listMismatch(key, comparator);
    if (value.kind === "list") return { type, key: "run_id", comparator: comparator as ListComparator, value: value.items };
    return { type, key: key as RunStringAttribute, comparator: comparator as StringComparator, value: (value as { text: string }).text };
  }
  if (type === "metric") {
    checkComparator(comparator, NUMERIC_COMPARATORS, NUMERIC_COMPARATORS, false);
    return { type, key: comparison.key, comparator: comparator as NumericComparator, value: (value as { number: number }).number };
  }
  checkComparator(comparator, PARAM_COMPARATORS, PARAM_COMPARATORS, type === "param");
  if (value.kind === "none") return { type, key: comparison.key, comparator: comparator as PresenceComparator };
  return { type, key: comparison.key, comparator: comparator as StringComparator, value: (value as { text: string }).text };
}

function experimentId(text: string): string {
  const id = pyIntFromString(text);
  if (id === undefined) throw invalidParameter(`Invalid experiment ID '${text}'. Experiment ID must be a valid integer.`);
  return id.toString();
}

function toExperimentClause(comparison: Comparison): ExperimentClause {
  // Unlike runs, MLflow checks experiment comparators as written: `name like 'a%'` is refused.
  const { type, key, comparator, value } = comparison;
  if (type === "tag") {
    if (value.kind === "none") return { type, key, comparator: comparator as PresenceComparator };
    if (!STRING_COMPARATORS.includes(comparator)) throw invalidParameter(`Invalid comparator for tag: ${comparator}`);
    return { type, key, comparator: comparator as StringComparator, value: (value as { text: string }).text };
  }
  if (key === "experiment_id") {
    if (!["=", "!=", "IN", "NOT IN"].includes(comparator)) throw invalidParameter(`Invalid comparator for experiment_id: ${comparator}`);
    const isList = comparator === "IN" || comparator === "NOT IN";
    if (value.kind === "list") {
      const ids = value.items.map(experimentId);
      if (!isList) throw listMismatch(key, comparator);
      return { type: "attribute", key, comparator: comparator as ListComparator, value: ids };
    }
    const id = experimentId((value as { text: string }).text);
    if (isList) throw listMismatch(key, comparator);
    return { type: "attribute", key, comparator: comparator as "=" | "!=", value: id };
  }
  if (key === "creation_time" || key === "last_update_time") {
    checkComparator(comparator, NUMERIC_COMPARATORS, STRING_ATTRIBUTE_COMPARATORS, false);
    const number = value as { number: number; float: boolean };
    if (number.float) throw invalidParameter(`Invalid value for numeric attribute '${key}': ${pyStr(pyFloat(number.number))}`);
    return { type: "attribute", key, comparator: comparator as NumericComparator, value: number.number };
  }
  checkComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, STRING_ATTRIBUTE_COMPARATORS, true);
  if (!STRING_COMPARATORS.includes(comparator)) throw invalidParameter(`Invalid comparator for string attribute: ${comparator}`);
  return { type: "attribute", key: "name", comparator: comparator as StringComparator, value: (value as { text: string }).text };
}
