// A run search whose first order_by key is a metric, read in that metric's order from the
// (experiment_id, key, is_nan, value) index of latest values instead of sorting every run of
// the experiments: the database walks the index and stops once the page is full. MLflow sorts
// runs with a value first, then runs whose value is NaN, then runs without the metric, so the
// search reads those three tiers one after the other, each ordered by the remaining keys, and
// the concatenation is exactly what `searchRuns` answers (the tests hold them equal).
//
// Filters are asked of each run read (`probe`), not gathered for all runs first.

import { type ExpressionBuilder, type SelectQueryBuilder, sql } from "kysely";
import type { Dialect } from "../../db/database.ts";
import type { Tables } from "../../db/tables.ts";
import type { TrackingRunsTable } from "../tables.ts";
import type { RunOrderBy } from "./order-by.ts";
import { orderRuns, type RunSearch, whereRunFilter } from "./sql.ts";

/** Runs, narrowed to what the asker may read (experiments, lifecycle, policy), selecting the runs' columns only. */
export type RunsQuery = SelectQueryBuilder<Tables, "tracking_runs", TrackingRunsTable>;
type AnyQuery = SelectQueryBuilder<any, any, any>;
type MetricOrder = { type: "metric"; key: string; ascending: boolean };

/** The first order_by key, when it is a metric: the searches `searchRunsByMetric` takes. */
export function firstMetricOrder(orderBy: readonly RunOrderBy[]): MetricOrder | undefined {
  const first = orderBy[0];
  return first?.type === "metric" ? { type: "metric", key: first.key, ascending: first.ascending } : undefined;
}

/** One tier of the search: its runs, filtered, unordered (for counting), and a page of them in order. */
export interface MetricOrderTier {
  rows(): AnyQuery;
  page(skip: number, need: number): AnyQuery;
}

/** The three tiers of a search ordered by a metric first: runs with a value, with NaN, without the metric. */
export function metricOrderTiers(base: () => RunsQuery, search: RunSearch, dialect: Dialect, experimentIds: readonly string[]): MetricOrderTier[] {
  const first = firstMetricOrder(search.orderBy);
  if (!first) throw new Error("a search ordered by a metric first was expected");
  const rest = search.orderBy.slice(1);
  const filtered = (query: AnyQuery) => whereRunFilter(query, search.filter, dialect, "probe");
  const tier = (rows: () => AnyQuery, ordered: (q: AnyQuery) => AnyQuery): MetricOrderTier => ({
    rows,
    page: (skip, need) => orderRuns(ordered(rows()), rest, dialect).offset(skip).limit(need),
  });
  return [
    tier(
      () => filtered(withLatest(base(), first.key, experimentIds, 0)),
      (q) => q.orderBy("search_first.value", first.ascending ? "asc" : "desc"),
    ),
    tier(
      () => filtered(withLatest(base(), first.key, experimentIds, 1)),
      (q) => q,
    ),
    tier(
      () => filtered(withoutKey(base(), first.key)),
      (q) => q,
    ),
  ];
}

/**
 * The page of a run search ordered by a metric first. `base` makes the narrowed query afresh;
 * `experimentIds` are the experiments it is narrowed to, which the index is read by.
 */
export async function searchRunsByMetric(base: () => RunsQuery, search: RunSearch, dialect: Dialect, experimentIds: readonly string[]): Promise<TrackingRunsTable[]> {
  let skip = search.offset;
  let need = search.limit;
  const out: TrackingRunsTable[] = [];
  for (const tier of metricOrderTiers(base, search, dialect, experimentIds)) {
    const rows: TrackingRunsTable[] = await tier.page(skip, need).execute();
    if (rows.length > 0) {
      out.push(...rows);
      need -= rows.length;
      skip = 0;
    } else if (skip > 0) {
      // The page starts past this tier: skip over all of it.
      const counted = await tier.rows().clearSelect().select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
      skip -= Number(counted.n);
    }
    if (need === 0) break;
  }
  return out;
}

/** The runs with a latest value of `key` that is (nan = 1) or is not NaN, joined as `search_first`. */
function withLatest(query: RunsQuery, key: string, experimentIds: readonly string[], nan: 0 | 1): AnyQuery {
  return (query as AnyQuery)
    .innerJoin("tracking_latest_metrics as search_first", (join) => join.onRef("search_first.run_id", "=", "tracking_runs.id").on("search_first.key", "=", key))
    .where("search_first.experiment_id", "in", experimentIds)
    .where("search_first.is_nan", "=", nan);
}

/** The runs without the metric `key`. */
function withoutKey(query: RunsQuery, key: string): AnyQuery {
  return (query as AnyQuery).where((eb: ExpressionBuilder<Tables, "tracking_runs">) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom("tracking_latest_metrics as search_first")
          .select(eb.lit(1).as("one"))
          .whereRef("search_first.run_id", "=", "tracking_runs.id")
          .where("search_first.key", "=", key),
      ),
    ),
  );
}
