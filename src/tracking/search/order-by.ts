// MLflow's order_by entries for run and experiment searches: `metrics.acc DESC`,
// `params.\`learning rate\``, `start_time ASC`, `name`. Each entry is one key and an optional
// direction, read as MLflow reads it and refused with MLflow's messages.

import { invalidParameter } from "../mlflow-error.ts";
import { parseStatements } from "./grouping.ts";
import {
  canonicalRunAttribute,
  EXPERIMENT_ATTRIBUTES,
  type EntityType,
  experimentIdentifier,
  type Identifier,
  RUN_ORDER_ATTRIBUTES,
  runIdentifier,
} from "./identifiers.ts";
import { pyRepr } from "./python-text.ts";

export type RunOrderAttribute = "run_id" | "run_name" | "status" | "user_id" | "artifact_uri" | "start_time" | "end_time";
export type ExperimentOrderAttribute = (typeof EXPERIMENT_ATTRIBUTES)[number];

/** One order_by entry of a run search; `created` is given as start_time. */
export type RunOrderBy =
  | { type: "attribute"; key: RunOrderAttribute; ascending: boolean }
  | { type: Exclude<EntityType, "attribute">; key: string; ascending: boolean };

export interface ExperimentOrderBy {
  key: ExperimentOrderAttribute;
  ascending: boolean;
}

/** Parses a run search's order_by list; a key named twice (`created` and `start_time` count as one) is refused. */
export function parseRunOrderBy(list: readonly string[]): RunOrderBy[] {
  const seen = new Set<string>();
  return list.map((entry) => {
    const { type, key, ascending } = parseEntry(entry, (text) => runIdentifier(text, RUN_ORDER_ATTRIBUTES));
    const canonical = type === "attribute" ? canonicalRunAttribute(key) : key;
    const field = `${type}\u0000${canonical}`;
    // MLflow answers this one with INTERNAL_ERROR; it is the client's mistake, so Plinth says INVALID_PARAMETER_VALUE.
    if (seen.has(field)) throw invalidParameter(`\`order_by\` contains duplicate fields: ${pyRepr([...list])}`);
    seen.add(field);
    return type === "attribute" ? { type, key: canonical as RunOrderAttribute, ascending } : { type, key: canonical, ascending };
  });
}

/** Parses an experiment search's order_by list: attributes only. */
export function parseExperimentOrderBy(list: readonly string[]): ExperimentOrderBy[] {
  return list.map((entry) => {
    const { type, key, ascending } = parseEntry(entry, (text) => experimentIdentifier(text, EXPERIMENT_ATTRIBUTES));
    if (type !== "attribute") throw invalidParameter(`Invalid order_by entity: ${type}`);
    return { key: key as ExperimentOrderAttribute, ascending };
  });
}

function parseEntry(entry: string, identifier: (text: string) => Identifier): Identifier & { ascending: boolean } {
  const unparsable = () => invalidParameter(`Invalid order_by clause '${entry}'. Could not be parsed.`);
  const statements = parseStatements(entry, `Error on parsing order_by clause '${entry}'`);
  if (statements.length !== 1) throw unparsable();
  const nodes = statements[0]!;
  const first = nodes[0]!;
  const last = nodes.at(-1)!;
  let text: string;
  // The entry must be one identifier (its direction grouped in), or the word `timestamp`, which
  // MLflow lets through here for model searches and then refuses as an unknown key.
  if (nodes.length === 1 && first.kind === "identifier") text = first.text;
  else if (first.kind === "builtin" && first.text === "timestamp" && nodes.length === 1) text = "timestamp";
  else if (first.kind === "builtin" && first.text === "timestamp" && last.kind === "order" && nodes.slice(1, -1).every((node) => node.kind === "whitespace")) {
    text = `timestamp ${last.text}`;
  } else throw unparsable();

  const words = shellSplit(text.replaceAll("`", '"'));
  if (words === undefined || words.length > 2) throw unparsable();
  let ascending = true;
  if (words.length === 2) {
    const direction = words[1]!.toLowerCase();
    if (direction !== "asc" && direction !== "desc") throw invalidParameter(`Invalid ordering key in order_by clause '${entry}'.`);
    ascending = direction === "asc";
    text = words[0]!;
  }
  return { ...identifier(text.trim()), ascending };
}

const BLANKS = " \t\r\n";

/**
 * POSIX shell-style word splitting (Python's shlex.split), which MLflow uses to take the
 * direction off an order_by entry. Undefined for an unclosed quote or a trailing backslash.
 */
export function shellSplit(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) word += text[++i];
      else word += char;
    } else if (BLANKS.includes(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "\\") {
      if (i + 1 >= text.length) return undefined;
      word = (word ?? "") + text[++i];
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= "";
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== undefined) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}
