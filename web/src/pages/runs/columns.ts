// The runs table's chosen columns: `params.lr` and `metrics.acc`, as MLflow's search language
// names them, so that a column is also the key its header sorts by.

export interface Column {
  kind: "params" | "metrics";
  key: string;
}

export const columnId = (c: Column) => `${c.kind}.${c.key}`;

export function parseColumn(id: string): Column | null {
  const m = /^(params|metrics)\.(.+)$/.exec(id);
  return m ? { kind: m[1] as Column["kind"], key: m[2]! } : null;
}

/** A key as MLflow's search language reads it: backquoted unless it is plain letters, digits, `_` and `.`. */
export function searchKey(c: Column): string {
  return /^[A-Za-z_][\w.]*$/.test(c.key) ? `${c.kind}.${c.key}` : `${c.kind}.\`${c.key.replace(/`/g, "")}\``;
}

/** The metrics and params a filter or sort names (`metrics.acc > 0.9`, `-metrics.\`val loss\``). */
export function namedColumns(text: string): Column[] {
  const found: Column[] = [];
  const re = /\b(metrics?|params?|parameters?)\.(?:`([^`]+)`|"([^"]+)"|([A-Za-z_][\w.]*))/g;
  for (const m of text.matchAll(re)) {
    const kind = m[1]!.startsWith("metric") ? "metrics" : "params";
    found.push({ kind, key: (m[2] ?? m[3] ?? m[4])! });
  }
  return dedupe(found);
}

/** Without a choice: the columns the sort and filter name, then the first few metrics and params the page has. */
export function defaultColumns(named: Column[], metricKeys: string[], paramKeys: string[], few = 3): Column[] {
  return dedupe([...named, ...metricKeys.slice(0, few).map((key) => ({ kind: "metrics" as const, key })), ...paramKeys.slice(0, few).map((key) => ({ kind: "params" as const, key }))]);
}

function dedupe(columns: Column[]): Column[] {
  const seen = new Set<string>();
  return columns.filter((c) => !seen.has(columnId(c)) && seen.add(columnId(c)));
}

/** The next sort after a click on a header: descending first for metrics (the best on top), ascending first otherwise, then flipped. */
export function nextSort(current: string, key: string, descendingFirst: boolean): string {
  if (current === key) return `-${key}`;
  if (current === `-${key}`) return key;
  return descendingFirst ? `-${key}` : key;
}
