// The left side of a search clause or an order_by key, `entity.key` or a bare attribute name,
// read as MLflow reads it: the entity type before the first dot (`metrics`, `params`, `tags`,
// `attributes` and their other spellings), the key after it with one pair of quotes or
// backticks taken off (`metrics.\`my metric\``, `params."a b"`, `tags.mlflow.runName`).

import { invalidParameter } from "../mlflow-error.ts";
import { pyStr } from "./python-text.ts";

export type EntityType = "metric" | "param" | "tag" | "attribute";

export interface Identifier {
  type: EntityType;
  key: string;
}

// MLflow's spellings of each entity type. MLflow also searches runs by the datasets they used
// (`datasets.name`); Plinth keeps no dataset inputs on runs, so that entity type is refused as
// MLflow refuses any other unknown one.
const RUN_ENTITY_TYPES: Record<string, EntityType> = {
  metric: "metric",
  metrics: "metric",
  parameter: "param",
  parameters: "param",
  param: "param",
  params: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attr: "attribute",
  attributes: "attribute",
  run: "attribute",
};
const RUN_ENTITY_NAMES = "['metric', 'parameter', 'tag', 'attribute']";
const EXPERIMENT_ENTITY_TYPES: Record<string, EntityType> = { attribute: "attribute", tag: "tag", tags: "tag" };

/** Attribute names a run filter accepts, MLflow's aliases for start_time and run_name included. */
export const RUN_SEARCH_ATTRIBUTES = [
  "run_id",
  "run_name",
  "status",
  "user_id",
  "artifact_uri",
  "start_time",
  "end_time",
  "created",
  "Created",
  "run name",
  "Run name",
  "Run Name",
] as const;
/** Attribute names a run order_by accepts (the spaced run-name aliases are filter-only, as in MLflow). */
export const RUN_ORDER_ATTRIBUTES = ["run_id", "run_name", "status", "user_id", "artifact_uri", "start_time", "end_time", "created", "Created"] as const;
export const EXPERIMENT_ATTRIBUTES = ["name", "experiment_id", "creation_time", "last_update_time"] as const;

/** MLflow's names for the same attribute, mapped to the one Plinth compiles. */
export function canonicalRunAttribute(key: string): string {
  if (key === "created" || key === "Created") return "start_time";
  if (key === "run name" || key === "Run name" || key === "Run Name") return "run_name";
  return key;
}

/** How MLflow's messages print a set of names: `{'a', 'b'}`. */
export const pySet = (names: readonly string[]): string => `{${names.map(pyStr).join(", ")}}`;

const isQuoted = (text: string, quote: string): boolean => text.length >= 2 && text.startsWith(quote) && text.endsWith(quote);
const trimBackticks = (text: string): string => (isQuoted(text, "`") ? text.slice(1, -1) : text);
const stripQuotes = (text: string): string => (isQuoted(text, "'") || isQuoted(text, '"') ? text.slice(1, -1) : text);

function splitIdentifier(text: string): [string | undefined, string] {
  const dot = text.indexOf(".");
  return dot === -1 ? [undefined, text] : [text.slice(0, dot), text.slice(dot + 1)];
}

function checkAttribute(identifier: Identifier, validKeys: readonly string[]): Identifier {
  if (identifier.type === "attribute" && !validKeys.includes(identifier.key)) {
    throw invalidParameter(`Invalid attribute key '${identifier.key}' specified. Valid keys are '${pySet(validKeys)}'`);
  }
  return identifier;
}

/** A run search identifier; `validKeys` is the attribute list of a filter or of an order_by. */
export function runIdentifier(text: string, validKeys: readonly string[]): Identifier {
  const [entity, rawKey] = splitIdentifier(text);
  let type: EntityType = "attribute";
  if (entity !== undefined) {
    const name = trimBackticks(entity);
    const known = Object.hasOwn(RUN_ENTITY_TYPES, name) ? RUN_ENTITY_TYPES[name] : undefined;
    if (!known) throw invalidParameter(`Invalid entity type '${name}'. Valid values are ${RUN_ENTITY_NAMES}`);
    type = known;
  }
  return checkAttribute({ type, key: trimBackticks(stripQuotes(rawKey)) }, validKeys);
}

/** An experiment search identifier: attributes and tags only, spelt exactly `attribute.`, `tag.` or `tags.`. */
export function experimentIdentifier(text: string, validKeys: readonly string[]): Identifier {
  const [entity, rawKey] = splitIdentifier(text);
  let type: EntityType = "attribute";
  if (entity !== undefined) {
    const known = Object.hasOwn(EXPERIMENT_ENTITY_TYPES, entity) ? EXPERIMENT_ENTITY_TYPES[entity] : undefined;
    if (!known) throw invalidParameter(`Invalid entity type '${entity}'. Valid entity types are ('attribute', 'tag', 'tags')`);
    type = known;
  }
  return checkAttribute({ type, key: trimBackticks(stripQuotes(rawKey)) }, validKeys);
}

/** A quoted value's text: `'x'` and `"x"` give x (nothing inside is unescaped, as in MLflow). */
export function quotedValue(text: string): string {
  if (isQuoted(text, "'") || isQuoted(text, '"')) return text.slice(1, -1);
  throw invalidParameter(
    `Parameter value is either not quoted or unidentified quote types used for string value ${text}. Use either single or double quotes.`,
  );
}
