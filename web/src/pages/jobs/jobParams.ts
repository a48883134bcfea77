import type { paths } from "../../api/schema";

// The job list's state lives in the URL, so a filtered view can be bookmarked and shared.
export type ListQuery = NonNullable<paths["/api/v1/jobs"]["get"]["parameters"]["query"]>;
export type Sort = NonNullable<ListQuery["sort"]>;
export type Order = NonNullable<ListQuery["order"]>;

export const JOB_STATES = ["queued", "starting", "running", "saving", "succeeded", "failed", "cancelled", "timed_out", "lost"] as const;
export const PAGE_SIZES = ["25", "50", "100"];

export interface ListView {
  states: string[];
  user: string;
  name: string;
  labels: string[];
  sort: Sort;
  order: Order;
  limit: number;
  cursor: string;
}

/** The filters' values when none is set. */
export const NO_FILTERS = { states: [], user: "", name: "", labels: [] } satisfies Partial<ListView>;

export function hasFilters(v: ListView): boolean {
  return v.states.length > 0 || v.user !== "" || v.name !== "" || v.labels.length > 0;
}

export function readView(params: URLSearchParams): ListView {
  const sort = params.get("sort");
  return {
    states: (params.get("state") ?? "").split(",").filter((s) => (JOB_STATES as readonly string[]).includes(s)),
    user: params.get("user") ?? "",
    name: params.get("name") ?? "",
    labels: params.getAll("label").filter((l) => l.includes("=")),
    sort: sort === "name" || sort === "state" ? sort : "created",
    order: params.get("order") === "asc" ? "asc" : "desc",
    limit: PAGE_SIZES.includes(params.get("limit") ?? "") ? Number(params.get("limit")) : 50,
    cursor: params.get("cursor") ?? "",
  };
}

export function writeView(v: ListView): URLSearchParams {
  const p = new URLSearchParams();
  if (v.states.length) p.set("state", v.states.join(","));
  if (v.user) p.set("user", v.user);
  if (v.name) p.set("name", v.name);
  for (const l of v.labels) p.append("label", l);
  if (v.sort !== "created") p.set("sort", v.sort);
  if (v.order !== "desc") p.set("order", v.order);
  if (v.limit !== 50) p.set("limit", String(v.limit));
  if (v.cursor) p.set("cursor", v.cursor);
  return p;
}

export function toQuery(v: ListView): ListQuery {
  return {
    ...(v.states.length && { state: v.states.join(",") }),
    ...(v.user && { user: v.user }),
    ...(v.name && { name: v.name }),
    ...(v.labels.length && { label: v.labels }),
    sort: v.sort,
    order: v.order,
    limit: v.limit,
    ...(v.cursor && { cursor: v.cursor }),
  };
}
