// What the reference generators share: walking a JSON Schema made by z.toJSONSchema into its
// fields, describing each field's type in words, Markdown tables, and the check that an
// example file covers every field. scripts/gen-reference.ts and its neighbours here use them.

export const GENERATED = "<!-- Generated from the code by scripts/gen-reference.ts. Do not edit: run `npm run docs:reference`. -->";

// ---------------------------------------------------------------------------------------------
// JSON Schema walking

export type Schema = Record<string, any>;

export interface Field {
  path: string;
  node: Schema;
  required: boolean;
}

export function deref(root: Schema, node: Schema): Schema {
  if (typeof node?.$ref === "string") {
    const name = node.$ref.split("/").pop()!;
    const target = root.$defs?.[name];
    if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
    // Keywords written beside a $ref (default, description) win over the target's.
    const { $ref: _ref, ...beside } = node;
    return { ...deref(root, target), ...beside };
  }
  return node;
}

/** The branch of a node with named properties: the node itself, one of its anyOf branches, or (marked `[]`) its list items. */
function objectBranch(root: Schema, node: Schema): { obj: Schema; list: boolean } | null {
  const n = deref(root, node);
  for (const b of [n, ...(n.anyOf ?? [])]) {
    const d = deref(root, b);
    if (d.type === "object" && d.properties) return { obj: d, list: false };
    const items = d.type === "array" && d.items ? deref(root, d.items) : null;
    if (items?.type === "object" && items.properties) return { obj: items, list: true };
  }
  return null;
}

/** Every field in document order, parents before their children, with dotted paths (`a.b`, and `a[].b` inside lists). */
export function fields(root: Schema, node: Schema, prefix = ""): Field[] {
  const branch = objectBranch(root, node);
  if (!branch) return [];
  const out: Field[] = [];
  const required = new Set<string>(branch.obj.required ?? []);
  const base = branch.list ? `${prefix}[]` : prefix;
  for (const [key, child] of Object.entries<Schema>(branch.obj.properties)) {
    const p = base ? `${base}.${key}` : key;
    out.push({ path: p, node: deref(root, child), required: required.has(key) });
    out.push(...fields(root, child, p));
  }
  return out;
}

function range(n: Schema): string {
  const lo = n.minimum ?? (n.exclusiveMinimum !== undefined ? `> ${n.exclusiveMinimum}` : undefined);
  const hi = n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER ? n.maximum : undefined;
  if (lo !== undefined && hi !== undefined) return typeof lo === "string" ? `${lo}, at most ${hi}` : `${lo} to ${hi}`;
  if (lo !== undefined) return typeof lo === "string" ? lo : lo === 0 ? "0 or more" : `at least ${lo}`;
  if (hi !== undefined) return `at most ${hi}`;
  return "";
}

/** A plural noun for the items of a list or the values of a map. */
function plural(root: Schema, node: Schema): string {
  const n = deref(root, node);
  if (n.enum) return `values from ${n.enum.map((v: unknown) => `\`${v}\``).join(", ")}`;
  if (n.anyOf) return [...new Set(n.anyOf.map((b: Schema) => plural(root, b)))].join(" or ");
  return n.type === "object" ? "objects" : n.type ? `${n.type}s` : "values";
}

export function describeType(root: Schema, node: Schema): string {
  const n = deref(root, node);
  if (n.anyOf) {
    const parts = [...new Set(n.anyOf.map((b: Schema) => describeType(root, b)))];
    return parts.join(" or ");
  }
  if (n.enum) return `one of ${n.enum.map((v: unknown) => `\`${v}\``).join(", ")}`;
  switch (n.type) {
    case "string": {
      const notes: string[] = [];
      if (n.minLength !== undefined && n.maxLength !== undefined) notes.push(`${n.minLength}–${n.maxLength} characters`);
      else if (n.maxLength !== undefined) notes.push(`up to ${n.maxLength} characters`);
      if (n.format) notes.push(n.format.toUpperCase());
      return notes.length ? `string (${notes.join(", ")})` : "string";
    }
    case "integer":
    case "number": {
      const r = range(n);
      return r ? `${n.type} (${r})` : n.type;
    }
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const count = n.minItems ? ` (at least ${n.minItems})` : "";
      return `list of ${plural(root, n.items ?? {})}${count}`;
    }
    case "object":
      if (n.properties) return "object";
      if (n.additionalProperties) return `map of names to ${plural(root, n.additionalProperties)}`;
      return "object";
    default:
      return "any";
  }
}

export function describeText(root: Schema, node: Schema): string {
  const n = deref(root, node);
  const parts: string[] = [];
  if (n.description) parts.push(n.description);
  const pattern = n.pattern ?? n.propertyNames?.pattern;
  if (pattern) parts.push(`${n.pattern ? "Must match" : "Names must match"} \`${pattern}\`.`);
  return parts.join(" ") || "—";
}

export function inlineValue(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return `\`${value}\``;
  return `\`${JSON.stringify(value)}\``;
}

/** Markdown table cell: no pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n+/g, " ");
}

export function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

/** Every leaf path of a plain value, as dotted strings. */
function valuePaths(value: unknown, prefix = ""): string[] {
  // A list of objects (routing rules) covers the fields its items give, as `list[].field`.
  if (Array.isArray(value)) return [prefix, ...value.filter((v) => v !== null && typeof v === "object" && !Array.isArray(v)).flatMap((v) => valuePaths(v, `${prefix}[]`).filter((p) => p !== `${prefix}[]`))];
  if (value === null || typeof value !== "object") return [prefix];
  const out = [prefix].filter(Boolean);
  for (const [k, v] of Object.entries(value)) out.push(...valuePaths(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

/** Fails unless the example gives every schema path, or `omits` says why it leaves one out. */
export function checkExampleCovers(what: string, schemaPaths: string[], example: unknown, omits: Record<string, string>, file = "scripts/gen-reference.ts"): void {
  const present = new Set(valuePaths(example));
  // Children of free-form maps (env, labels) are the example's own names, not schema fields.
  const missing = schemaPaths.filter((p) => !present.has(p) && !(p in omits));
  if (missing.length) throw new Error(`the ${what} example in ${file} lacks ${missing.join(", ")}: add them, or list them as deliberately left out`);
}
