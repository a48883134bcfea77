import type { Dialect } from "../db/database.ts";
import type { DB } from "../db/database.ts";
import { visibleWhere } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import type { Experiments } from "./experiments.ts";
import { invalidParameter } from "./mlflow-error.ts";
import { parseExperimentFilter, parseRunFilter } from "./search/filter.ts";
import { parseExperimentOrderBy, parseRunOrderBy } from "./search/order-by.ts";
import { firstMetricOrder, type RunsQuery, searchRunsByMetric } from "./search/metric-order.ts";
import { nextPageToken, parsePageToken } from "./search/page-token.ts";
import { searchExperiments, searchRuns } from "./search/sql.ts";
import type { TrackingExperimentsTable, TrackingRunsTable } from "./tables.ts";

// Searching runs and experiments as MLflow's SearchRuns and SearchExperiments do — filter
// strings, order_by, view types, max_results and page tokens — over exactly what the person
// may read: the one policy's SQL condition narrows the query before the search is added.

/** MLflow's largest page for either search. */
export const SEARCH_MAX_RESULTS = 50_000;
export const SEARCH_DEFAULT_RESULTS = 1000;

export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
const VIEW_TYPES: readonly ViewType[] = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"];

export interface SearchRequest {
  filter?: unknown;
  orderBy?: unknown;
  maxResults?: unknown;
  pageToken?: unknown;
  viewType?: unknown;
}

export class TrackingSearch {
  readonly #db: DB;
  readonly #dialect: Dialect;
  readonly #experiments: Experiments;

  constructor(o: { db: DB; dialect: Dialect; experiments: Experiments }) {
    this.#db = o.db;
    this.#dialect = o.dialect;
    this.#experiments = o.experiments;
  }

  async runs(actor: Principal, experimentIds: unknown, req: SearchRequest): Promise<{ runs: TrackingRunsTable[]; nextPageToken?: string }> {
    const ids = await this.#visibleExperiments(actor, experimentIds);
    const filter = parseRunFilter(text(req.filter, "filter"));
    const orderBy = parseRunOrderBy(list(req.orderBy));
    const max = maxResults(req.maxResults);
    const offset = parsePageToken(optionalText(req.pageToken, "page_token"));
    if (ids.length === 0) return { runs: [] };
    const view = viewType(req.viewType);
    const visible = visibleWhere(actor, { owner: "tracking_runs.user_id", team: "tracking_runs.team_id", visibility: "tracking_runs.visibility" });
    const narrowed = (): RunsQuery => {
      const query = withView(this.#db.selectFrom("tracking_runs").selectAll("tracking_runs").where("tracking_runs.experiment_id", "in", ids), view, "tracking_runs.lifecycle_stage");
      return visible ? query.where(visible) : query;
    };
    const search = { filter, orderBy, offset, limit: max + 1 };
    const rows = firstMetricOrder(orderBy) ? await searchRunsByMetric(narrowed, search, this.#dialect, ids) : await searchRuns(narrowed(), search, this.#dialect).execute();
    const next = nextPageToken(offset, max, rows.length);
    return { runs: rows.slice(0, max), ...(next && { nextPageToken: next }) };
  }

  async experiments(actor: Principal, req: SearchRequest): Promise<{ experiments: TrackingExperimentsTable[]; nextPageToken?: string }> {
    const filter = parseExperimentFilter(text(req.filter, "filter"));
    const orderBy = parseExperimentOrderBy(list(req.orderBy));
    const max = maxResults(req.maxResults);
    const offset = parsePageToken(optionalText(req.pageToken, "page_token"));
    let query = this.#db.selectFrom("tracking_experiments").selectAll("tracking_experiments");
    query = withView(query, viewType(req.viewType), "tracking_experiments.lifecycle_stage");
    // An experiment is read by its team's members (viewers too) and whoever made it.
    if (actor.role !== "admin") {
      const teams = Object.keys(actor.teams);
      query = query.where((eb) => eb.or([eb("tracking_experiments.created_by", "=", actor.userId), ...(teams.length > 0 ? [eb("tracking_experiments.team_id", "in", teams)] : [])]));
    }
    const rows = await searchExperiments(query, { filter, orderBy, offset, limit: max + 1 }, this.#dialect).execute();
    const next = nextPageToken(offset, max, rows.length);
    return { experiments: rows.slice(0, max), ...(next && { nextPageToken: next }) };
  }

  /** The experiments of these ids the person may read ("0" is their Default); the others do not exist for them. */
  async #visibleExperiments(actor: Principal, ids: unknown): Promise<string[]> {
    if (ids === undefined || ids === null) return [];
    const given = Array.isArray(ids) ? ids : [ids];
    const out: string[] = [];
    for (const id of given) {
      if (typeof id !== "string") throw invalidParameter(`Invalid value ${JSON.stringify(id)} for parameter 'experiment_ids': give experiment ids as strings.`);
      const experiment = await this.#experiments.readable(actor, id).catch(() => null);
      if (experiment) out.push(experiment.id);
    }
    return out;
  }
}

function withView<Q extends { where: (...args: any[]) => Q }>(query: Q, view: ViewType, column: string): Q {
  if (view === "ALL") return query;
  return query.where(column, "=", view === "ACTIVE_ONLY" ? "active" : "deleted");
}

function viewType(value: unknown): ViewType {
  if (value === undefined || value === null || value === "") return "ACTIVE_ONLY";
  if (typeof value === "string" && (VIEW_TYPES as readonly string[]).includes(value)) return value as ViewType;
  throw invalidParameter(`Invalid value ${JSON.stringify(value)} for parameter 'view_type': one of ${VIEW_TYPES.join(", ")}.`);
}

function maxResults(value: unknown): number {
  if (value === undefined || value === null || value === "") return SEARCH_DEFAULT_RESULTS;
  const n = typeof value === "string" && /^\d{1,10}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw invalidParameter(`Invalid value for request parameter max_results. It must be a positive integer, but got value ${String(value).slice(0, 30)}`);
  if (n > SEARCH_MAX_RESULTS) throw invalidParameter(`Invalid value for request parameter max_results. It must be at most ${SEARCH_MAX_RESULTS}, but got value ${n}`);
  return n;
}

function text(value: unknown, name: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw invalidParameter(`Invalid value ${JSON.stringify(value)?.slice(0, 50)} for parameter '${name}': expected a string.`);
  return value;
}

function optionalText(value: unknown, name: string): string | undefined {
  return value === undefined || value === null ? undefined : text(value, name);
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => text(v, "order_by"));
}
