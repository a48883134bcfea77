import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { DB, Dialect } from "../../db/database.ts";
import type { Tables } from "../../db/tables.ts";
import { visibleWhere } from "../../identity/policy.ts";
import type { Principal } from "../../identity/service.ts";
import type { Experiments } from "../experiments.ts";
import { invalidParameter } from "../mlflow-error.ts";
import { type Clause, compareNumber, compareText, type Grammar, parseFilter } from "./filter.ts";
import type { TrackingLoggedModelsTable } from "./tables.ts";

// MLflow's SearchLoggedModels: the logged models of some experiments that the person may read,
// filtered by attributes, tags and params, in the order asked (newest first by default), a page
// at a time with MLflow's page tokens (which repeat the question, so a token is only good for it).

export const LOGGED_MODEL_GRAMMAR: Grammar = {
  attributes: {
    name: "text",
    model_id: "text",
    model_type: "text",
    status: "text",
    source_run_id: "text",
    creation_timestamp: "number",
    creation_time: "number",
    last_updated_timestamp: "number",
    last_updated_time: "number",
  },
  entities: { attribute: "attribute", attributes: "attribute", attr: "attribute", tag: "tag", tags: "tag", param: "param", params: "param", parameter: "param", parameters: "param", metric: "metric", metrics: "metric" },
  lists: [],
};

const COLUMNS = {
  name: "name",
  model_id: "id",
  model_type: "model_type",
  status: "status",
  source_run_id: "source_run_id",
  creation_timestamp: "creation_time",
  creation_time: "creation_time",
  last_updated_timestamp: "last_update_time",
  last_updated_time: "last_update_time",
} as const;

const DEFAULT_MAX_RESULTS = 100;
const MAX_RESULTS = 1000;

const NO_METRICS = "Plinth does not keep logged models' metrics yet: filter and order logged models by their attributes, tags and params.";

interface OrderBy {
  field: keyof typeof COLUMNS;
  ascending: boolean;
}

export interface LoggedModelQuery {
  experimentIds: unknown;
  filter?: unknown;
  datasets?: unknown;
  orderBy?: unknown;
  maxResults?: unknown;
  pageToken?: unknown;
}

export interface LoggedModelSearchDeps {
  db: DB;
  dialect: Dialect;
  experiments: Experiments;
}

export async function searchLoggedModels(deps: LoggedModelSearchDeps, actor: Principal, q: LoggedModelQuery): Promise<{ models: TrackingLoggedModelsTable[]; nextPageToken?: string }> {
  if (!Array.isArray(q.experimentIds) || q.experimentIds.length === 0 || q.experimentIds.some((id) => typeof id !== "string")) {
    throw invalidParameter("Missing value for required parameter 'experiment_ids': give a list of experiment ids.");
  }
  const filter = typeof q.filter === "string" && q.filter !== "" ? q.filter : null;
  const clauses = parseFilter(filter, LOGGED_MODEL_GRAMMAR);
  if (clauses.some((c) => c.entity === "metric") || (Array.isArray(q.datasets) && q.datasets.length > 0)) throw invalidParameter(NO_METRICS);
  const orderBy = parseOrderBy(q.orderBy);
  const maxResults = q.maxResults === undefined || q.maxResults === null || q.maxResults === 0 ? DEFAULT_MAX_RESULTS : Number(q.maxResults);
  if (!Number.isSafeInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
    throw invalidParameter(`Invalid value ${JSON.stringify(q.maxResults)} for parameter 'max_results': a whole number from 1 to ${MAX_RESULTS}.`);
  }
  const experimentIds = q.experimentIds as string[];
  const token = { experiment_ids: experimentIds, filter_string: filter, order_by: q.orderBy ?? null };
  const offset = readToken(q.pageToken, token);
  const experiments = await Promise.all(experimentIds.map((id) => deps.experiments.readable(actor, id)));

  const visible = visibleWhere(actor, { owner: "tracking_logged_models.created_by", team: "tracking_logged_models.team_id", visibility: "tracking_logged_models.visibility" });
  let query = deps.db
    .selectFrom("tracking_logged_models")
    .selectAll()
    .where(
      "experiment_id",
      "in",
      experiments.map((e) => e.id),
    )
    .where("lifecycle_stage", "=", "active")
    .where((eb) => eb.and([...(visible ? [visible(eb)] : []), ...clauses.map((c) => condition(eb, c, deps.dialect))]));
  for (const o of orderBy) query = query.orderBy(COLUMNS[o.field], o.ascending ? "asc" : "desc");
  if (!orderBy.some((o) => COLUMNS[o.field] === "creation_time")) query = query.orderBy("creation_time", "desc");
  if (!orderBy.some((o) => o.field === "model_id")) query = query.orderBy("id", "asc");
  const rows = await query.offset(offset).limit(maxResults + 1).execute();
  return {
    models: rows.slice(0, maxResults),
    ...(rows.length > maxResults && { nextPageToken: Buffer.from(JSON.stringify({ ...token, offset: offset + maxResults })).toString("base64") }),
  };
}

function condition(eb: ExpressionBuilder<Tables, "tracking_logged_models">, clause: Clause, dialect: Dialect): Expression<SqlBool> {
  if (clause.entity === "attribute") {
    const column = sql.ref(`tracking_logged_models.${COLUMNS[clause.key as keyof typeof COLUMNS]}`);
    return typeof clause.value === "number" ? compareNumber(column as Expression<number>, clause.comparator, clause.value) : compareText(column as Expression<string>, clause.comparator, clause.value, dialect);
  }
  const table = clause.entity === "tag" ? "tracking_logged_model_tags" : "tracking_logged_model_params";
  return eb.exists(
    eb
      .selectFrom(table)
      .select(sql.lit(1).as("one"))
      .whereRef(`${table}.model_id`, "=", "tracking_logged_models.id")
      .where(`${table}.key`, "=", clause.key)
      .where((inner) => compareText(inner.ref(`${table}.value`), clause.comparator, clause.value as string, dialect)),
  );
}

/** MLflow's order_by: a list of {field_name, ascending}. */
function parseOrderBy(value: unknown): OrderBy[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidParameter("`order_by` must be a list of dictionaries.");
  return value.map((entry): OrderBy => {
    if (typeof entry !== "object" || entry === null) throw invalidParameter("`order_by` must be a list of dictionaries.");
    const { field_name: field, ascending = true } = entry as { field_name?: unknown; ascending?: unknown };
    if (typeof field !== "string") throw invalidParameter("`field_name` in the `order_by` clause must be specified.");
    if (field.startsWith("metrics.")) throw invalidParameter(NO_METRICS);
    if (!(field.trim() in COLUMNS)) throw invalidParameter(`Invalid order by field name: ${field}.`);
    if (typeof ascending !== "boolean") throw invalidParameter(`Value of \`ascending\` in the \`order_by\` clause must be a boolean, got ${typeof ascending} for field ${field}.`);
    return { field: field.trim() as keyof typeof COLUMNS, ascending };
  });
}

/** The offset a page token holds, when it was made for the same question. */
function readToken(pageToken: unknown, question: { experiment_ids: string[]; filter_string: string | null; order_by: unknown }): number {
  if (pageToken === undefined || pageToken === null || pageToken === "") return 0;
  let token: Record<string, unknown>;
  try {
    token = JSON.parse(Buffer.from(String(pageToken), "base64").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw invalidParameter(`Invalid page token: ${String(pageToken).slice(0, 100)}.`);
  }
  const offset = token?.offset ?? 0;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) throw invalidParameter(`Invalid page token: ${String(pageToken).slice(0, 100)}.`);
  for (const key of ["experiment_ids", "filter_string", "order_by"] as const) {
    if (JSON.stringify(token[key] ?? null) !== JSON.stringify(question[key] ?? null)) {
      throw invalidParameter(`The page token was made for another search: its ${key} differs from this request's. Ask for the first page again without a token.`);
    }
  }
  return offset;
}
