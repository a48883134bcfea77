import { type Expression, type SqlBool, sql } from "kysely";
import type { Dialect } from "../../db/database.ts";
import { invalidParameter } from "../mlflow-error.ts";
import { likeToGlob } from "../search/sql.ts";

// The filter language of MLflow's registry and logged-model searches: AND-ed comparisons such as
// `name = 'iris' AND tags.\`mlflow.prompt.is_prompt\` != 'true'`, `version_number > 2`,
// `run_id IN ('a', 'b')` or `source_run_id = '…' AND params.C = '0.5'`. Each search names its
// attributes in a Grammar; comparisons are checked against it with MLflow's messages, then
// compiled to SQL by the search's store.

export type Entity = "attribute" | "tag" | "param" | "metric";
export type Comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: string | number | string[];
}

export interface Grammar {
  /** Attribute keys and whether they hold text or numbers. */
  attributes: Readonly<Record<string, "text" | "number">>;
  /** The entity prefixes the search takes (`tags.x`, `params.x`…). */
  entities: Readonly<Record<string, Entity>>;
  /** Attributes that take IN / NOT IN lists. */
  lists: readonly string[];
}

const TEXT_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE"];
const NUMBER_COMPARATORS: readonly Comparator[] = ["=", "!=", "<", "<=", ">", ">="];

type Token = { kind: "word"; text: string } | { kind: "string"; text: string } | { kind: "number"; text: string } | { kind: "op"; text: string } | { kind: "list"; items: Token[] };

/** Parses `filter` into clauses the grammar allows; an empty filter is no clause. */
export function parseFilter(filter: unknown, grammar: Grammar): Clause[] {
  if (filter === undefined || filter === null || filter === "") return [];
  if (typeof filter !== "string") throw invalidParameter("Invalid value for parameter 'filter': expected a string.");
  const tokens = tokenize(filter);
  const clauses: Clause[] = [];
  let i = 0;
  while (i < tokens.length) {
    const left = tokens[i++];
    const first = tokens[i++];
    if (left?.kind !== "word" || !first) throw invalidClause(filter);
    let comparator = first.kind === "op" ? first.text : first.kind === "word" ? first.text.toUpperCase() : "";
    if (comparator === "NOT" && tokens[i]?.kind === "word" && (tokens[i] as { text: string }).text.toUpperCase() === "IN") {
      comparator = "NOT IN";
      i++;
    }
    if (comparator === "<>") comparator = "!=";
    const right = tokens[i++];
    if (!right || !isComparator(comparator)) throw invalidClause(filter);
    clauses.push(checkClause(left.text, comparator, right, grammar));
    if (i < tokens.length) {
      const and = tokens[i++];
      if (and?.kind !== "word" || and.text.toUpperCase() !== "AND" || i >= tokens.length) throw invalidClause(filter);
    }
  }
  return clauses;
}

function isComparator(text: string): text is Comparator {
  return ["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"].includes(text);
}

const invalidClause = (filter: string) =>
  invalidParameter(`Invalid clause(s) in filter string: '${filter.slice(0, 300)}'. Filters are comparisons joined by AND, such as name = 'my-model' AND tags.stage != 'old'.`);

function checkClause(identifier: string, comparator: Comparator, right: Token, grammar: Grammar): Clause {
  const dot = identifier.indexOf(".");
  let entity: Entity = "attribute";
  let key = identifier;
  if (dot >= 0) {
    const prefix = identifier.slice(0, dot);
    const found = grammar.entities[prefix];
    if (!found) throw invalidParameter(`Invalid entity type '${prefix}'. Valid entity types are ${pyTuple(Object.keys(grammar.entities))}`);
    entity = found;
    key = unquote(identifier.slice(dot + 1));
  }
  if (entity === "attribute") {
    const kind = grammar.attributes[key];
    if (!kind) throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${pySet(Object.keys(grammar.attributes))}'`);
    if (kind === "number") return numberClause(entity, key, comparator, right);
    if (comparator === "IN" || comparator === "NOT IN") {
      if (!grammar.lists.includes(key)) throw invalidParameter(`Invalid comparator for attribute: ${comparator}`);
      if (right.kind !== "list" || right.items.length === 0 || right.items.some((t) => t.kind !== "string")) {
        throw invalidParameter("While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.");
      }
      return { entity, key, comparator, value: right.items.map((t) => (t as { text: string }).text) };
    }
  }
  if (entity === "metric") return numberClause(entity, key, comparator, right);
  if (!TEXT_COMPARATORS.includes(comparator)) throw invalidParameter(`Invalid comparator for ${entity}: ${comparator}`);
  if (right.kind !== "string") throw invalidParameter(`Expected a quoted string value for ${entity === "attribute" ? "attributes" : `${entity}s`} (e.g. 'my-value'). Got value ${describe(right)}`);
  return { entity, key, comparator, value: right.text };
}

function numberClause(entity: Entity, key: string, comparator: Comparator, right: Token): Clause {
  if (!NUMBER_COMPARATORS.includes(comparator)) throw invalidParameter(`Invalid comparator for attribute ${key}: ${comparator}`);
  const text = right.kind === "number" || right.kind === "string" ? right.text.trim() : "";
  const value = Number(text);
  if (text === "" || !Number.isFinite(value) || (entity === "attribute" && !Number.isSafeInteger(value))) {
    throw invalidParameter(`Invalid value for numeric ${entity === "metric" ? "metric" : "attribute"} '${key}': ${describe(right)}`);
  }
  return { entity, key, comparator, value };
}

function describe(token: Token): string {
  return token.kind === "list" ? `(${token.items.map(describe).join(", ")})` : token.kind === "string" ? `'${token.text}'` : token.text;
}

function unquote(key: string): string {
  const q = key[0];
  return (q === "`" || q === '"') && key.length >= 2 && key.endsWith(q) ? key.slice(1, -1) : key;
}

const pyTuple = (items: string[]) => `(${items.map((i) => `'${i}'`).join(", ")})`;
const pySet = (items: string[]) => `{${items.map((i) => `'${i}'`).join(", ")}}`;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const stack: Token[][] = [tokens];
  let i = 0;
  const fail = (what: string) => invalidParameter(`Invalid filter '${text.slice(0, 300)}': ${what} at character ${i + 1}.`);
  const quoted = (quote: string): string => {
    let out = "";
    for (i++; i < text.length; i++) {
      const c = text[i]!;
      if (c === "\\" && i + 1 < text.length) out += text[++i];
      else if (c === quote && text[i + 1] === quote) out += text[++i];
      else if (c === quote) {
        i++;
        return out;
      } else out += c;
    }
    throw fail("an unclosed quote");
  };
  while (i < text.length) {
    const c = text[i]!;
    const top = stack.at(-1)!;
    if (/\s|,/.test(c)) {
      if (c === "," && stack.length === 1) throw fail("a comma outside a list");
      i++;
    } else if (c === "(") {
      const list: Token = { kind: "list", items: [] };
      top.push(list);
      stack.push(list.items);
      i++;
    } else if (c === ")") {
      if (stack.length === 1) throw fail("an unmatched ')'");
      stack.pop();
      i++;
    } else if (c === "'" || c === '"') {
      top.push({ kind: "string", text: quoted(c) });
    } else if (/[=!<>]/.test(c)) {
      const op = /^(<=|>=|!=|<>|=|<|>)/.exec(text.slice(i))?.[0];
      if (!op) throw fail(`'${c}'`);
      top.push({ kind: "op", text: op });
      i += op.length;
    } else if (/[-+\d]/.test(c) && /^[-+]?\d/.test(text.slice(i))) {
      const n = /^[-+]?\d+(\.\d*)?([eE][-+]?\d+)?/.exec(text.slice(i))![0];
      top.push({ kind: "number", text: n });
      i += n.length;
    } else if (/[A-Za-z_]/.test(c)) {
      // A name, dotted, whose part after a dot may be quoted: tags.`my tag`, tags."my tag".
      let word = "";
      while (i < text.length) {
        const d = text[i]!;
        if (/[\w.]/.test(d)) word += text[i++];
        else if ((d === "`" || d === '"') && word.endsWith(".")) word += d + quoted(d) + d;
        else break;
      }
      top.push({ kind: "word", text: word });
    } else if (c === "`") {
      top.push({ kind: "word", text: quoted(c) });
    } else {
      throw fail(`'${c}'`);
    }
  }
  if (stack.length > 1) throw fail("an unclosed '('");
  return tokens;
}

/** A text comparison as MLflow makes it: LIKE is case-sensitive on both databases, ILIKE is not. */
export function compareText(column: Expression<string | null>, comparator: Comparator, value: string | string[], dialect: Dialect): Expression<SqlBool> {
  switch (comparator) {
    case "IN":
    case "NOT IN": {
      const items = Array.isArray(value) ? value : [value];
      return comparator === "IN" ? sql<SqlBool>`${column} in (${sql.join(items)})` : sql<SqlBool>`${column} not in (${sql.join(items)})`;
    }
    case "LIKE":
      // SQLite's LIKE ignores ASCII case; its GLOB does not.
      return dialect === "sqlite" ? sql<SqlBool>`${column} glob ${likeToGlob(String(value))}` : sql<SqlBool>`${column} like ${String(value)} escape ''`;
    case "ILIKE":
      return dialect === "sqlite" ? sql<SqlBool>`lower(${column}) like lower(${String(value)})` : sql<SqlBool>`${column} ilike ${String(value)} escape ''`;
    case "!=":
      return sql<SqlBool>`${column} <> ${String(value)}`;
    default:
      return sql<SqlBool>`${column} = ${String(value)}`;
  }
}

/** A numeric comparison on an integer column. */
export function compareNumber(column: Expression<number | null>, comparator: Comparator, value: number): Expression<SqlBool> {
  const op = comparator === "!=" ? "<>" : comparator;
  if (!NUMBER_COMPARATORS.includes(comparator)) throw invalidParameter(`Invalid comparator ${comparator} for a number.`);
  return sql<SqlBool>`${column} ${sql.raw(op)} ${value}`;
}
