import { invalidParameter } from "./mlflow-error.ts";
import type { MetricPoint, RunWrites } from "./store.ts";

// MLflow's limits on what a run may log, with its messages (mlflow/utils/validation.py), so
// that code moving from an MLflow server meets the same rules. A batch is checked whole
// before anything of it is written.

export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_RUN_NAME_LENGTH = 250;

/** Letters, digits, _ - . space : and / ; no `..` path part and no leading slash (MLflow's rule). */
const KEY = /^[\w\-. :/]*$/u;

export function checkKey(kind: "metric" | "param" | "tag", key: unknown): string {
  if (typeof key !== "string" || key === "") throw invalidParameter(`Missing value for required parameter 'key'. See the API docs for more information about request parameters.`);
  // MLflow's own messages, word for word: clients and people search for them.
  if (!KEY.test(key)) {
    throw invalidParameter(`Invalid value ${JSON.stringify(key.slice(0, 300))} for parameter 'name' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`);
  }
  if (key.startsWith("/") || key.split("/").some((part) => part === "..")) {
    throw invalidParameter(`Invalid value ${JSON.stringify(key.slice(0, 300))} for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to ${JSON.stringify(key.slice(0, 300))}`);
  }
  if (key.length > MAX_ENTITY_KEY_LENGTH) throw invalidParameter(`'${capitalize(kind)} key' exceeds the maximum length of ${MAX_ENTITY_KEY_LENGTH} characters`);
  return key;
}

function checkValue(kind: "param" | "tag", key: string, value: unknown): string {
  if (typeof value !== "string") throw invalidParameter(`The value of ${kind} '${key}' must be a string, not ${JSON.stringify(value)?.slice(0, 50)}.`);
  const limit = kind === "param" ? MAX_PARAM_VAL_LENGTH : MAX_TAG_VAL_LENGTH;
  if (value.length > limit) {
    throw invalidParameter(`${capitalize(kind)} value '${value.slice(0, 100)}…' had length ${value.length}, which exceeded length limit of ${limit}`);
  }
  return value;
}

export function checkParam(p: { key?: unknown; value?: unknown }): { key: string; value: string } {
  const key = checkKey("param", p.key);
  return { key, value: checkValue("param", key, p.value ?? "") };
}

export function checkTag(t: { key?: unknown; value?: unknown }): { key: string; value: string } {
  const key = checkKey("tag", t.key);
  return { key, value: checkValue("tag", key, t.value ?? "") };
}

/** A metric point as a client sends it; value may be NaN or ±Infinity, step defaults to 0. */
export function checkMetric(m: { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown }, now: number): MetricPoint {
  const key = checkKey("metric", m.key);
  const value = typeof m.value === "string" && /^[-+]?(NaN|Infinity)$/.test(m.value) ? Number(m.value) : m.value;
  if (typeof value !== "number") {
    throw invalidParameter(`Got invalid value ${JSON.stringify(m.value)?.slice(0, 100)} for metric '${key}' (timestamp=${String(m.timestamp)}). Please specify value as a valid double (64-bit floating point)`);
  }
  const timestamp = m.timestamp === undefined || m.timestamp === null ? now : wholeNumber(m.timestamp, `timestamp of metric '${key}'`);
  const step = m.step === undefined || m.step === null ? 0 : wholeNumber(m.step, `step of metric '${key}'`);
  return { key, value, timestamp, step };
}

export function wholeNumber(value: unknown, what: string): number {
  const n = typeof value === "string" && /^-?\d{1,18}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw invalidParameter(`Invalid value ${JSON.stringify(value)?.slice(0, 50)} for ${what}: expected a whole number (int64).`);
  return n;
}

/** A log-batch request's limits, all checked before anything is written. */
export function checkBatch(batch: { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] }, now: number): RunWrites {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  if (metrics.length > MAX_METRICS_PER_BATCH) {
    throw invalidParameter(`A batch logging request can contain at most ${MAX_METRICS_PER_BATCH} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`);
  }
  for (const [list, name] of [[params, "params"], [tags, "tags"]] as const) {
    if (list.length > MAX_PARAMS_TAGS_PER_BATCH) {
      throw invalidParameter(`A batch logging request can contain at most ${MAX_PARAMS_TAGS_PER_BATCH} ${name}. Got ${list.length} ${name}. Please split up ${name} across multiple requests and try again.`);
    }
  }
  const total = metrics.length + params.length + tags.length;
  if (total > MAX_ENTITIES_PER_BATCH) {
    throw invalidParameter(`A batch logging request can contain at most ${MAX_ENTITIES_PER_BATCH} total metrics, params, and tags. Got ${total} total. Please split up across multiple requests and try again.`);
  }
  const checkedParams = params.map((p) => checkParam(p as { key?: unknown; value?: unknown }));
  const seen = new Map<string, string>();
  for (const p of checkedParams) {
    const before = seen.get(p.key);
    if (before !== undefined && before !== p.value) {
      throw invalidParameter(`Duplicate parameter keys have been submitted: [${p.key}]. Please ensure the request contains only one param value per param key.`);
    }
    seen.set(p.key, p.value);
  }
  return {
    metrics: metrics.map((m) => checkMetric(m as Record<string, unknown>, now)),
    params: checkedParams,
    tags: tags.map((t) => checkTag(t as { key?: unknown; value?: unknown })),
  };
}

export function checkExperimentName(name: unknown): string {
  if (typeof name !== "string" || name.trim() === "") throw invalidParameter("Invalid experiment name: '" + String(name ?? "") + "'. Experiment name must be a non-empty string.");
  if (name.length > MAX_EXPERIMENT_NAME_LENGTH) throw invalidParameter(`Experiment name '${name.slice(0, 100)}…' had length ${name.length}, which exceeded length limit of ${MAX_EXPERIMENT_NAME_LENGTH}`);
  return name;
}

export function checkRunName(name: string): string {
  if (name.length > MAX_RUN_NAME_LENGTH) throw invalidParameter(`Run name '${name.slice(0, 100)}…' had length ${name.length}, which exceeded length limit of ${MAX_RUN_NAME_LENGTH}`);
  return name;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
