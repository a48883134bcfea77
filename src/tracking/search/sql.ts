// Compiles parsed searches to SQL over the tracking tables, on SQLite and PostgreSQL alike. The
// caller hands over a query on `tracking_runs` (or `tracking_experiments`), unaliased, that it
// has already narrowed (experiments, lifecycle, who may see what) and that selects its columns
// by table (`selectAll("tracking_runs")`); these functions add the search's WHERE, ORDER BY,
// OFFSET and LIMIT.
//
// What MLflow's SQL store does, kept here:
// - a metric clause matches a run's latest value of that metric; NaN satisfies only `!=`, and a
//   run without the metric never matches (not even `!=`); params and tags likewise; ±Infinity
//   are values like any other (MLflow stores them as ±the largest double, Plinth as themselves);
// - user_id is the name of the run's owner, run_name and the tag mlflow.runName the run's name;
// - LIKE is case-sensitive everywhere, ILIKE is not; `%` and `_` are the only wildcards, and
//   nothing escapes them (a backslash is an ordinary character, as on MLflow's SQLite store);
// - order_by keys sort values first, then (metrics) NaN, then runs without the key, whatever
//   the direction; ties fall to start_time DESC (unless ordered by it) and then run_id;
// - experiments sort by creation_time DESC, experiment_id ASC unless told otherwise, with
//   experiment_id DESC as the last tie-breaker.
// Where MLflow's result depends on the database (text order follows the database's collation
// there), Plinth sorts text bytewise on both, so a search answers the same on either.
//
// Each metric, param or tag clause is one `id IN (SELECT run_id ... WHERE key = ? AND value ...)`
// on the (key, value) index; each metric, param or tag order_by key is one LEFT JOIN on the
// (run_id, key) primary key.

import { type Expression, type ExpressionBuilder, expressionBuilder, type OrderByModifiers, type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import type { Dialect } from "../../db/database.ts";
import type { Tables } from "../../db/tables.ts";
import type { ExperimentClause, NumericComparator, RunClause, StringComparator } from "./filter.ts";
import type { ExperimentOrderBy, RunOrderBy } from "./order-by.ts";

/** MLflow's run name lives in the runs table here; its tag is answered from there too. */
export const RUN_NAME_TAG = "mlflow.runName";

export interface Page {
  offset: number;
  /** Rows to fetch: MLflow fetches max_results + 1 to learn whether a next page exists. */
  limit: number;
}

export interface RunSearch extends Page {
  filter: readonly RunClause[];
  orderBy: readonly RunOrderBy[];
}

export interface ExperimentSearch extends Page {
  filter: readonly ExperimentClause[];
  orderBy: readonly ExperimentOrderBy[];
}

type AnyQuery = SelectQueryBuilder<any, any, any>;
type RunsEb = ExpressionBuilder<Tables, "tracking_runs">;
type ExperimentsEb = ExpressionBuilder<Tables, "tracking_experiments">;

/** Adds a run search's filter, order and page to `query`. */
export function searchRuns<TB extends keyof Tables, O>(
  query: SelectQueryBuilder<Tables, TB | "tracking_runs", O>,
  search: RunSearch,
  dialect: Dialect,
): SelectQueryBuilder<Tables, TB | "tracking_runs", O> {
  return page(orderRuns(whereRunFilter(query, search.filter, dialect), search.orderBy, dialect), search);
}

/** Adds an experiment search's filter, order and page to `query`. */
export function searchExperiments<TB extends keyof Tables, O>(
  query: SelectQueryBuilder<Tables, TB | "tracking_experiments", O>,
  search: ExperimentSearch,
  dialect: Dialect,
): SelectQueryBuilder<Tables, TB | "tracking_experiments", O> {
  return page(orderExperiments(whereExperimentFilter(query, search.filter, dialect), search.orderBy, dialect), search);
}

function page<Q>(query: Q, { offset, limit }: Page): Q {
  return (query as AnyQuery).limit(limit).offset(offset) as Q;
}

/**
 * How a metric, param or tag clause finds its runs: `list` gathers the matching runs once from
 * the (key, value) index (best when every run of the experiments is looked at); `probe` asks
 * each run in turn by its (run_id, key) primary key (best when the runs are read in an order
 * and the reading stops at a page).
 */
export type ClauseLookup = "list" | "probe";

/** Every clause of a run filter, AND-ed, as a WHERE on `query`. */
export function whereRunFilter<Q extends SelectQueryBuilder<Tables, any, any>>(query: Q, clauses: readonly RunClause[], dialect: Dialect, lookup: ClauseLookup = "list"): Q {
  if (clauses.length === 0) return query;
  const eb = expressionBuilder<Tables, "tracking_runs">();
  return (query as AnyQuery).where(eb.and(clauses.map((clause) => runCondition(eb, clause, dialect, lookup)))) as Q;
}

/** Every clause of an experiment filter, AND-ed, as a WHERE on `query`. */
export function whereExperimentFilter<Q extends SelectQueryBuilder<Tables, any, any>>(query: Q, clauses: readonly ExperimentClause[], dialect: Dialect): Q {
  if (clauses.length === 0) return query;
  const eb = expressionBuilder<Tables, "tracking_experiments">();
  return (query as AnyQuery).where(eb.and(clauses.map((clause) => experimentCondition(eb, clause, dialect)))) as Q;
}

function runCondition(eb: RunsEb, clause: RunClause, dialect: Dialect, lookup: ClauseLookup): Expression<SqlBool> {
  switch (clause.type) {
    case "attribute":
      if (clause.comparator === "IN") return eb("tracking_runs.id", "in", clause.value);
      if (clause.comparator === "NOT IN") return eb("tracking_runs.id", "not in", clause.value);
      if (clause.key === "start_time" || clause.key === "end_time") return compareNumber(eb.ref(`tracking_runs.${clause.key}`), clause.comparator, clause.value);
      return runTextAttribute(eb, clause as Extract<RunClause, { value: string; type: "attribute" }>, dialect);
    case "metric": {
      const compared = compareNumber(sql.ref<number>("tracking_latest_metrics.value"), clause.comparator, clause.value);
      // NaN is kept as is_nan = 1 (its value column holds a placeholder): it is unequal to
      // everything and satisfies no other comparison.
      const isNan = sql.ref<number>("tracking_latest_metrics.is_nan");
      const condition = clause.comparator === "!=" ? eb.or([compared, eb(isNan, "=", 1)]) : eb.and([compared, eb(isNan, "=", 0)]);
      const runs = eb.selectFrom("tracking_latest_metrics").select("tracking_latest_metrics.run_id").where("tracking_latest_metrics.key", "=", clause.key).where(condition);
      if (lookup === "probe") return eb.exists(runs.whereRef("tracking_latest_metrics.run_id", "=", "tracking_runs.id"));
      return eb("tracking_runs.id", "in", runs);
    }
    default: {
      if (clause.type === "tag" && clause.key === RUN_NAME_TAG) {
        if (!("value" in clause)) return eb("tracking_runs.name", clause.comparator === "IS NULL" ? "is" : "is not", null);
        return compareText(eb.ref("tracking_runs.name"), clause.comparator, clause.value, dialect);
      }
      const table = clause.type === "param" ? "tracking_params" : "tracking_run_tags";
      return keyValueCondition(eb, { table, owner: "run_id", id: "tracking_runs.id" }, clause, dialect, lookup);
    }
  }
}

function runTextAttribute(eb: RunsEb, clause: { key: string; comparator: StringComparator; value: string }, dialect: Dialect): Expression<SqlBool> {
  if (clause.key === "user_id") {
    // MLflow's user_id is the person's name; runs keep the person's id.
    const people = eb.selectFrom("users").select("users.id").where(compareText(sql.ref<string>("users.name"), clause.comparator, clause.value, dialect));
    return eb("tracking_runs.user_id", "in", people);
  }
  const column = RUN_TEXT_COLUMNS[clause.key as keyof typeof RUN_TEXT_COLUMNS];
  return compareText(eb.ref(column), clause.comparator, clause.value, dialect);
}

interface KeyValueTable {
  table: "tracking_params" | "tracking_run_tags" | "tracking_experiment_tags";
  owner: "run_id" | "experiment_id";
  id: "tracking_runs.id" | "tracking_experiments.id";
}

type KeyValueClause = { key: string; comparator: StringComparator; value: string } | { key: string; comparator: "IS NULL" | "IS NOT NULL" };

/** A param or tag clause: the owner has the key (with a matching value), or lacks it. */
function keyValueCondition(eb: ExpressionBuilder<any, any>, { table, owner, id }: KeyValueTable, clause: KeyValueClause, dialect: Dialect, lookup: ClauseLookup = "list"): Expression<SqlBool> {
  const key = sql.ref<string>(`${table}.key`);
  const ownerRef = sql.ref<string>(`${table}.${owner}`);
  if (clause.comparator === "IS NULL") {
    return eb.not(eb.exists(eb.selectFrom(table).select(eb.lit(1).as("one")).where(eb(ownerRef, "=", sql.ref<string>(id))).where(eb(key, "=", clause.key))));
  }
  let owners = eb.selectFrom(table).select(ownerRef.as("owner")).where(eb(key, "=", clause.key));
  if ("value" in clause) owners = owners.where(compareText(sql.ref<string>(`${table}.value`), clause.comparator, clause.value, dialect));
  if (lookup === "probe") return eb.exists(owners.where(eb(ownerRef, "=", sql.ref<string>(id))));
  return sql<SqlBool>`${sql.ref(id)} in ${owners}`;
}

const RUN_TEXT_COLUMNS = {
  run_id: "tracking_runs.id",
  run_name: "tracking_runs.name",
  status: "tracking_runs.status",
  artifact_uri: "tracking_runs.artifact_uri",
} as const;

function experimentCondition(eb: ExperimentsEb, clause: ExperimentClause, dialect: Dialect): Expression<SqlBool> {
  if (clause.type === "tag") return keyValueCondition(eb, { table: "tracking_experiment_tags", owner: "experiment_id", id: "tracking_experiments.id" }, clause, dialect);
  switch (clause.key) {
    case "experiment_id":
      if (clause.comparator === "IN") return eb("tracking_experiments.id", "in", clause.value);
      if (clause.comparator === "NOT IN") return eb("tracking_experiments.id", "not in", clause.value);
      return eb("tracking_experiments.id", clause.comparator === "=" ? "=" : "<>", clause.value);
    case "creation_time":
    case "last_update_time":
      return compareNumber(eb.ref(`tracking_experiments.${clause.key}`), clause.comparator, clause.value);
    case "name":
      return compareText(eb.ref("tracking_experiments.name"), clause.comparator, clause.value, dialect);
  }
}

const NUMERIC_OPERATORS = { "=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<=" } as const;

function compareNumber(column: Expression<number | null>, comparator: NumericComparator, value: number): Expression<SqlBool> {
  const eb = expressionBuilder<Tables, never>();
  // Integer columns would take a fractional or huge parameter as an integer (PostgreSQL refuses it).
  const operand = Number.isSafeInteger(value) ? eb.val(value) : eb.cast<number>(eb.val(value), "double precision");
  return eb(column, NUMERIC_OPERATORS[comparator], operand);
}

function compareText(column: Expression<string | null>, comparator: StringComparator, value: string, dialect: Dialect): Expression<SqlBool> {
  switch (comparator) {
    case "=":
      return sql<SqlBool>`${column} = ${value}`;
    case "!=":
      return sql<SqlBool>`${column} <> ${value}`;
    case "LIKE":
      // SQLite's LIKE ignores ASCII case; its GLOB does not.
      return dialect === "sqlite" ? sql<SqlBool>`${column} glob ${likeToGlob(value)}` : sql<SqlBool>`${column} like ${value} escape ${""}`;
    case "ILIKE":
      return dialect === "sqlite" ? sql<SqlBool>`lower(${column}) like lower(${value})` : sql<SqlBool>`${column} ilike ${value} escape ${""}`;
  }
}

/** A LIKE pattern as a GLOB pattern: `%` and `_` become `*` and `?`, GLOB's own wildcards literal. */
export function likeToGlob(pattern: string): string {
  let glob = "";
  for (const char of pattern) {
    if (char === "%") glob += "*";
    else if (char === "_") glob += "?";
    else if (char === "*" || char === "?" || char === "[") glob += `[${char}]`;
    else glob += char;
  }
  return glob;
}

/** Run order_by keys, then MLflow's tie-breakers (start_time DESC unless ordered by it, run_id). */
export function orderRuns<Q extends SelectQueryBuilder<Tables, any, any>>(query: Q, orderBy: readonly RunOrderBy[], dialect: Dialect): Q {
  const eb = expressionBuilder<Tables, "tracking_runs">();
  let ordered = query as AnyQuery;
  for (const [index, entry] of orderBy.entries()) {
    const direction = textDirection(entry.ascending, dialect);
    if (entry.type === "attribute" || (entry.type === "tag" && entry.key === RUN_NAME_TAG)) {
      const key = entry.type === "attribute" ? entry.key : "run_name";
      const column = runOrderColumn(eb, key);
      if (key === "end_time" || key === "user_id") ordered = ordered.orderBy(missingLast(eb, column));
      ordered = ordered.orderBy(column, key === "start_time" || key === "end_time" ? (entry.ascending ? "asc" : "desc") : direction);
      continue;
    }
    // One outer join per key, on the (run_id, key) primary key: runs without the key stay, last.
    const alias = `search_order_${index}`;
    const table = entry.type === "metric" ? "tracking_latest_metrics" : entry.type === "param" ? "tracking_params" : "tracking_run_tags";
    ordered = ordered.leftJoin(`${table} as ${alias}`, (join) => join.onRef(`${alias}.run_id`, "=", "tracking_runs.id").on(`${alias}.key`, "=", entry.key));
    const value = sql.ref<number | string>(`${alias}.value`);
    if (entry.type === "metric") {
      const isNan = sql.ref<number>(`${alias}.is_nan`);
      ordered = ordered.orderBy(eb.case().when(isNan, "=", 1).then(eb.lit(1)).when(value, "is", null).then(eb.lit(2)).else(eb.lit(0)).end());
      ordered = ordered.orderBy(value, entry.ascending ? "asc" : "desc");
    } else {
      ordered = ordered.orderBy(missingLast(eb, value)).orderBy(value, direction);
    }
  }
  const byStartTime = orderBy.some((entry) => entry.type === "attribute" && entry.key === "start_time");
  if (!byStartTime) ordered = ordered.orderBy("tracking_runs.start_time", "desc");
  return ordered.orderBy("tracking_runs.id", textDirection(true, dialect)) as Q;
}

function runOrderColumn(eb: RunsEb, key: RunOrderBy["key"]): Expression<unknown> {
  switch (key) {
    case "start_time":
    case "end_time":
    case "status":
    case "artifact_uri":
      return eb.ref(`tracking_runs.${key}`);
    case "run_id":
      return eb.ref("tracking_runs.id");
    case "run_name":
      return eb.ref("tracking_runs.name");
    default:
      return eb.selectFrom("users").select("users.name").whereRef("users.id", "=", "tracking_runs.user_id");
  }
}

/** 0 for a value, 1 for none: sorted ascending in either direction, as MLflow does. */
function missingLast(eb: RunsEb, value: Expression<unknown>): Expression<number> {
  return eb.case().when(value as Expression<string>, "is", null).then(eb.lit(1)).else(eb.lit(0)).end();
}

/** Text sorts bytewise on both databases (SQLite's default; PostgreSQL's "C" collation). */
function textDirection(ascending: boolean, dialect: Dialect): OrderByModifiers {
  if (dialect === "sqlite") return ascending ? "asc" : "desc";
  return (item) => (ascending ? item.asc() : item.desc()).collate("C");
}

/** Experiment order_by keys (creation_time DESC, experiment_id ASC when none), then experiment_id DESC. */
export function orderExperiments<Q extends SelectQueryBuilder<Tables, any, any>>(query: Q, orderBy: readonly ExperimentOrderBy[], dialect: Dialect): Q {
  const entries: readonly ExperimentOrderBy[] =
    orderBy.length > 0
      ? orderBy
      : [
          { key: "creation_time", ascending: false },
          { key: "experiment_id", ascending: true },
        ];
  const all = entries.some((entry) => entry.key === "experiment_id") ? entries : [...entries, { key: "experiment_id" as const, ascending: false }];
  let ordered = query as AnyQuery;
  for (const { key, ascending } of all) {
    if (key === "experiment_id") {
      // Experiment ids are decimal strings: shorter is smaller, then digit by digit.
      ordered = ordered.orderBy(sql`length(${sql.ref("tracking_experiments.id")})`, ascending ? "asc" : "desc").orderBy("tracking_experiments.id", textDirection(ascending, dialect));
    } else if (key === "name") ordered = ordered.orderBy("tracking_experiments.name", textDirection(ascending, dialect));
    else ordered = ordered.orderBy(`tracking_experiments.${key}`, ascending ? "asc" : "desc");
  }
  return ordered as Q;
}
