import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ProblemError, fieldErrorsFromZod } from "../core/errors.ts";
import { type Config, ConfigSchema, configJsonSchema } from "./schema.ts";

// Configuration comes from, lowest to highest: defaults, plinth.yaml, PLINTH_* variables,
// command-line flags. Environment names follow the key path: database.url → PLINTH_DATABASE_URL,
// scheduler.maxGpusPerUser → PLINTH_SCHEDULER_MAX_GPUS_PER_USER.

/** Shorter names for settings, beside the ones derived from the key path. */
const ALIASES = new Map<string, string[]>([
  ["PLINTH_STORAGE_S3_ACCESS_KEY_ID", ["storage", "s3", "credentials", "accessKeyId"]],
  ["PLINTH_STORAGE_S3_SECRET_ACCESS_KEY", ["storage", "s3", "credentials", "secretAccessKey"]],
  ["PLINTH_UV", ["environments", "uv"]],
  ["PLINTH_PODMAN", ["environments", "containers", "engine"]],
]);

/** Variables the CLI, the tests and the peer scripts read for themselves; not server configuration. */
const CLIENT_VARIABLES = new Set(["PLINTH_URL", "PLINTH_TOKEN", "PLINTH_BOOTSTRAP_TOKEN", "PLINTH_CONFIG", "PLINTH_TEST_POSTGRES_URL", "PLINTH_DATA_PART_SIZE", "PLINTH_PEERS_CACHE", "PLINTH_PYTHON_CLIENTS", "PLINTH_S3S_FS_BIN", "PLINTH_SEAWEEDFS_BIN"]);

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Names of PLINTH_* variables that match no setting (likely typos). */
  unknownVariables: string[];
  file: string | null;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env.PLINTH_CONFIG;
  const file = explicit ?? (existsSync(resolve(cwd, "plinth.yaml")) ? "plinth.yaml" : undefined);
  let fromFile: Record<string, unknown> = {};
  let filePath: string | null = null;
  if (file) {
    filePath = resolve(cwd, file);
    fromFile = readConfigFile(filePath);
    // A project's plinth.yaml may be a job spec (for `plinth run -f`), not server settings.
    if (isJobSpec(fromFile)) {
      if (explicit) {
        throw new ProblemError({ status: 400, title: "Invalid configuration", code: "invalid-config", detail: `${filePath} is a job spec, not server settings.`, hint: "Run it with `plinth run -f`; server settings look like `server:`, `database:`, `executor:` (see `plinth config schema`)." });
      }
      fromFile = {};
      filePath = null;
    }
  }
  const { values: fromEnv, unknown } = configFromEnv(env);
  const merged = deepMerge(deepMerge(fromFile, fromEnv), opts.overrides ?? {});
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const errors = fieldErrorsFromZod(result.error.issues);
    throw new ProblemError({
      status: 400,
      title: "Invalid configuration",
      code: "invalid-config",
      detail: errors.map((e) => `${e.path}: ${e.message}`).join("; "),
      hint: `Fix the setting in ${filePath ?? "plinth.yaml"} or its PLINTH_* variable. \`plinth config schema\` lists every setting and what it allows.`,
      errors,
    });
  }
  const config = result.data;
  config.dataDir = resolve(cwd, config.dataDir);
  return { config, unknownVariables: unknown, file: filePath };
}

function isJobSpec(data: Record<string, unknown>): boolean {
  return "command" in data || "script" in data;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ProblemError({
      status: 400,
      title: "Configuration file not readable",
      detail: `${path}: ${(err as Error).message}`,
      hint: "Check the path given with --config or PLINTH_CONFIG.",
    });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new ProblemError({ status: 400, title: "Configuration file is not valid YAML", detail: `${path}: ${(err as Error).message}`, hint: "Check indentation and quoting near the line shown." });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ProblemError({ status: 400, title: "Invalid configuration", detail: `${path} must hold a mapping of settings.`, hint: "Start with `server:`, `database:`, `executor:` … — see `plinth config schema`." });
  }
  return data as Record<string, unknown>;
}

interface Leaf {
  path: string[];
  type: string;
}

let leavesCache: Map<string, Leaf> | null = null;

/** Every setting's environment variable name, derived from the JSON Schema so nothing is listed twice. */
export function environmentVariables(): Map<string, Leaf> {
  if (leavesCache) return leavesCache;
  const leaves = new Map<string, Leaf>();
  const root = configJsonSchema() as any;
  const walk = (ref: any, path: string[]) => {
    const node = ref?.$ref ? root.$defs[ref.$ref.split("/").pop()] : ref;
    const objectBranch = node?.type === "object" && node.properties ? node : undefined;
    if (objectBranch) {
      for (const [key, child] of Object.entries<any>(objectBranch.properties)) walk(child, [...path, key]);
      return;
    }
    const types = node?.type ? [node.type] : (node?.anyOf ?? []).map((b: any) => b.type);
    const numeric = types.includes("number") || types.includes("integer");
    const type = types.includes("array") || types.includes("object") ? "json" : numeric ? (types.includes("string") ? "string-or-number" : "number") : types.includes("boolean") ? "boolean" : "string";
    leaves.set(`PLINTH_${path.map(toSnake).join("_")}`, { path, type });
  };
  walk(root, []);
  leavesCache = leaves;
  return leaves;
}

function toSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

function configFromEnv(env: NodeJS.ProcessEnv): { values: Record<string, unknown>; unknown: string[] } {
  const leaves = environmentVariables();
  const values: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("PLINTH_") || raw === undefined || CLIENT_VARIABLES.has(name)) continue;
    const alias = ALIASES.get(name);
    const leaf = alias ? { path: alias, type: "string" } : leaves.get(name);
    if (!leaf) {
      unknown.push(name);
      continue;
    }
    setPath(values, leaf.path, coerce(raw, leaf.type));
  }
  return { values, unknown };
}

function coerce(raw: string, type: string): unknown {
  if (type === "number") return raw.trim() !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  if (type === "string-or-number") return /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
  if (type === "boolean") return raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
  if (type === "json") {
    if (/^\d+$/.test(raw.trim())) return Number(raw);
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    out[key] =
      isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
