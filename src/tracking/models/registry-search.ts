import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { DB, Dialect } from "../../db/database.ts";
import type { Tables } from "../../db/tables.ts";
import { visibleWhere } from "../../identity/policy.ts";
import type { Principal } from "../../identity/service.ts";
import { invalidParameter } from "../mlflow-error.ts";
import { nextPageToken, parsePageToken } from "../search/page-token.ts";
import { type Clause, compareNumber, compareText, type Grammar, parseFilter } from "./filter.ts";
import type { TrackingModelVersionsTable, TrackingRegisteredModelsTable } from "./tables.ts";

// MLflow's SearchRegisteredModels and SearchModelVersions over what the person may read, with
// its filters, orders, limits and page tokens. As in MLflow, prompts (registered models tagged
// mlflow.prompt.is_prompt = 'true') are left out unless the filter asks for them.

const PROMPT_TAG = "mlflow.prompt.is_prompt";
const TAG_ENTITIES = { attribute: "attribute", tag: "tag", tags: "tag" } as const;

export const REGISTERED_MODEL_GRAMMAR: Grammar = { attributes: { name: "text" }, entities: TAG_ENTITIES, lists: ["name"] };
export const MODEL_VERSION_GRAMMAR: Grammar = {
  attributes: { name: "text", version_number: "number", run_id: "text", source_path: "text" },
  entities: TAG_ENTITIES,
  lists: ["name", "run_id"],
};

const MODEL_ORDER = { name: "tracking_registered_models.name", timestamp: "tracking_registered_models.last_update_time", last_updated_timestamp: "tracking_registered_models.last_update_time", creation_timestamp: "tracking_registered_models.creation_time" } as const;
const VERSION_ORDER = {
  name: "tracking_registered_models.name",
  version_number: "tracking_model_versions.version",
  creation_timestamp: "tracking_model_versions.creation_time",
  last_updated_timestamp: "tracking_model_versions.last_update_time",
} as const;

interface Page {
  filter?: unknown;
  orderBy?: unknown;
  maxResults?: unknown;
  pageToken?: unknown;
}

export class RegistrySearch {
  readonly #db: DB;
  readonly #dialect: Dialect;

  constructor(o: { db: DB; dialect: Dialect }) {
    this.#db = o.db;
    this.#dialect = o.dialect;
  }

  async registeredModels(actor: Principal, page: Page): Promise<{ models: TrackingRegisteredModelsTable[]; nextPageToken?: string }> {
    const maxResults = limit(page.maxResults, 100, 1000);
    const clauses = withoutPrompts(parseFilter(page.filter, REGISTERED_MODEL_GRAMMAR));
    const order = orderBy(page.orderBy, MODEL_ORDER, "name");
    const offset = parsePageToken(tokenText(page.pageToken));
    let query = this.#db
      .selectFrom("tracking_registered_models")
      .selectAll("tracking_registered_models")
      .where((eb) => this.#matching(eb, actor, clauses, "model"));
    for (const [column, direction] of order) query = query.orderBy(sql.ref(column), direction);
    const rows = await query.offset(offset).limit(maxResults + 1).execute();
    return { models: rows.slice(0, maxResults), ...pageAfter(offset, maxResults, rows.length) };
  }

  async modelVersions(actor: Principal, page: Page): Promise<{ versions: Array<{ model: TrackingRegisteredModelsTable; version: TrackingModelVersionsTable }>; nextPageToken?: string }> {
    const maxResults = limit(page.maxResults, 10_000, 200_000);
    const clauses = withoutPrompts(parseFilter(page.filter, MODEL_VERSION_GRAMMAR));
    const order = orderBy(page.orderBy ?? ["last_updated_timestamp DESC", "name ASC", "version_number DESC"], VERSION_ORDER, "name", "version_number");
    const offset = parsePageToken(tokenText(page.pageToken));
    let query = this.#db
      .selectFrom("tracking_model_versions")
      .innerJoin("tracking_registered_models", "tracking_registered_models.id", "tracking_model_versions.registered_model_id")
      .selectAll("tracking_model_versions")
      .where("tracking_model_versions.deleted", "=", 0)
      .where((eb) => this.#matching(eb, actor, clauses, "version"));
    for (const [column, direction] of order) query = query.orderBy(sql.ref(column), direction);
    const rows = await query.offset(offset).limit(maxResults + 1).execute();
    const models = new Map<string, TrackingRegisteredModelsTable>();
    const ids = [...new Set(rows.map((r) => r.registered_model_id))];
    if (ids.length > 0) for (const m of await this.#db.selectFrom("tracking_registered_models").selectAll().where("id", "in", ids).execute()) models.set(m.id, m);
    const versions = rows.slice(0, maxResults).map((version) => ({ model: models.get(version.registered_model_id)!, version }));
    return { versions, ...pageAfter(offset, maxResults, rows.length) };
  }

  /** What the person may read, that the filter's clauses match, prompts left out unless asked for. */
  #matching(eb: ExpressionBuilder<Tables, "tracking_registered_models">, actor: Principal, filter: { clauses: Clause[]; excludePrompts: boolean }, of: "model" | "version"): Expression<SqlBool> {
    const visible = visibleWhere(actor, { owner: "tracking_registered_models.created_by", team: "tracking_registered_models.team_id", visibility: "tracking_registered_models.visibility" });
    return eb.and([...(visible ? [visible(eb)] : []), ...filter.clauses.map((c) => this.#condition(c, of)), ...(filter.excludePrompts ? [notPrompt] : [])]);
  }

  #condition(clause: Clause, of: "model" | "version"): Expression<SqlBool> {
    if (clause.entity === "tag") {
      const owner = of === "model" ? sql`t.registered_model_id = tracking_registered_models.id` : sql`t.registered_model_id = tracking_model_versions.registered_model_id and t.version = tracking_model_versions.version`;
      const table = sql.table(of === "model" ? "tracking_registered_model_tags" : "tracking_model_version_tags");
      return sql<SqlBool>`exists (select 1 from ${table} as t where ${owner} and t.key = ${clause.key} and ${compareText(sql.ref("t.value"), clause.comparator, clause.value as string, this.#dialect)})`;
    }
    const column = {
      name: "tracking_registered_models.name",
      version_number: "tracking_model_versions.version",
      run_id: "tracking_model_versions.run_id",
      source_path: "tracking_model_versions.source",
    }[clause.key];
    if (!column) throw invalidParameter(`Invalid attribute name: ${clause.key}`);
    if (typeof clause.value === "number") return compareNumber(sql.ref(column), clause.comparator, clause.value);
    return compareText(sql.ref(column), clause.comparator, clause.value, this.#dialect);
  }
}

/** Leaves out the prompt tag's clauses; says whether prompts are to be left out of the answer. */
function withoutPrompts(clauses: Clause[]): { clauses: Clause[]; excludePrompts: boolean } {
  const prompt = clauses.find((c) => c.entity === "tag" && c.key === PROMPT_TAG);
  const askedFor = prompt !== undefined && typeof prompt.value === "string" && ((prompt.comparator === "=" && prompt.value.toLowerCase() === "true") || (prompt.comparator === "!=" && prompt.value.toLowerCase() === "false"));
  if (askedFor) return { clauses, excludePrompts: false };
  return { clauses: clauses.filter((c) => !(c.entity === "tag" && c.key === PROMPT_TAG)), excludePrompts: true };
}

const notPrompt = sql<SqlBool>`not exists (select 1 from tracking_registered_model_tags as p where p.registered_model_id = tracking_registered_models.id and p.key = ${PROMPT_TAG} and p.value = 'true')`;


function limit(value: unknown, byDefault: number, most: number): number {
  const n = value === undefined || value === null || value === "" ? byDefault : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw invalidParameter(`Invalid value for max_results. It must be a positive integer, but got ${String(value).slice(0, 30)}`);
  if (n > most) throw invalidParameter(`Invalid value for request parameter max_results. It must be at most ${most}, but got value ${n}`);
  return n;
}

function tokenText(token: unknown): string | undefined {
  return token === undefined || token === null ? undefined : String(token);
}

function pageAfter(offset: number, maxResults: number, fetched: number): { nextPageToken?: string } {
  const token = nextPageToken(offset, maxResults, fetched);
  return token ? { nextPageToken: token } : {};
}

/**
 * MLflow's order_by strings ("name", "version_number DESC") to columns, each key once, and the
 * tie-breakers (`name` ascending; `version_number` descending for versions) after them.
 */
function orderBy<K extends string>(value: unknown, columns: Record<K, string>, ...tieBreakers: K[]): Array<[string, "asc" | "desc"]> {
  const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  const out: Array<[string, "asc" | "desc"]> = [];
  const seen = new Set<string>();
  for (const entry of list) {
    const match = typeof entry === "string" ? /^\s*(?:attribute\.)?(\w+)(?:\s+(ASC|DESC))?\s*$/i.exec(entry) : null;
    const column = match ? columns[match[1] as K] : undefined;
    if (!match || !column) throw invalidParameter(`Invalid order by key '${String(entry).slice(0, 100)}' specified. Valid keys are '${Object.keys(columns).join("', '")}', each followed by ASC or DESC.`);
    if (seen.has(column)) throw invalidParameter(`\`order_by\` contains duplicate fields: ${JSON.stringify(list)}`);
    seen.add(column);
    out.push([column, match[2]?.toUpperCase() === "DESC" ? "desc" : "asc"]);
  }
  for (const key of tieBreakers) if (!seen.has(columns[key])) out.push([columns[key], key === "version_number" ? "desc" : "asc"]);
  return out;
}
