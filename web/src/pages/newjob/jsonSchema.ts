// The slice of JSON Schema (draft 2020-12, as zod writes it) that the job form reads.
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

export type SpecValue = Record<string, unknown>;

export function getAt(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Sets a value at a dotted path, dropping empty values and emptied objects so the spec stays minimal. */
export function setAt(value: SpecValue, path: string, next: unknown): SpecValue {
  const [head, ...rest] = path.split(".");
  const out: SpecValue = { ...value };
  if (rest.length === 0) {
    if (isEmpty(next)) delete out[head!];
    else out[head!] = next;
    return out;
  }
  const child = setAt((out[head!] as SpecValue) ?? {}, rest.join("."), next);
  if (Object.keys(child).length === 0) delete out[head!];
  else out[head!] = child;
  return out;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

/** The branches of anyOf/oneOf, or the schema itself. */
export function branches(s: JsonSchema): JsonSchema[] {
  return s.anyOf ?? s.oneOf ?? [s];
}

export function typeOf(s: JsonSchema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
}

export function humanize(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}
