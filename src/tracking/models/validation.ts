import { invalidParameter } from "../mlflow-error.ts";
import { checkKey } from "../validation.ts";

// MLflow's rules for the names, versions, aliases and tags of logged and registered models
// (mlflow/utils/validation.py), with its messages, so that code moving from an MLflow server
// meets the same answers.

export const MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000;
export const MAX_ALIAS_LENGTH = 255;
/** MLflow's database keeps 256 characters of a registered model's name. */
export const MAX_MODEL_NAME_LENGTH = 256;
export const MAX_DATASET_NAME_LENGTH = 500;
export const MAX_DATASET_DIGEST_LENGTH = 36;
export const MAX_DATASET_SOURCE_LENGTH = 65_535;
export const MAX_DATASET_SCHEMA_LENGTH = 1_048_575;
export const MAX_DATASET_PROFILE_LENGTH = 16_777_215;
export const MAX_INPUT_TAG_KEY_LENGTH = 255;
export const MAX_INPUT_TAG_VALUE_LENGTH = 500;

const missing = (name: string) => invalidParameter(`Missing value for required parameter '${name}'.`);
export const tooLong = (what: string, limit: number) => invalidParameter(`'${what}' exceeds the maximum length of ${limit} characters`);

/** Whether a name would read as another path (`a/../b`, `./a`, `/a`): Python's posixpath.normpath differs from it. */
function notUniqueAsPath(name: string): boolean {
  if (name.startsWith("/")) return true;
  const parts = name.split("/");
  return name === "" || parts.some((p) => p === "." || p === "..") || (parts.length > 1 && parts.some((p) => p === ""));
}

/** A registered model's name (`parameter` says which request field held it). */
export function checkModelName(name: unknown, parameter = "name"): string {
  if (typeof name !== "string" || name.trim() === "") throw missing(parameter);
  if (name.includes("/") || name.includes(":")) throw invalidParameter(`Invalid model name '${name.slice(0, 300)}'. Names cannot contain '/' or ':'.`);
  if (notUniqueAsPath(name)) {
    throw invalidParameter(`Invalid value '${name.slice(0, 300)}' for parameter '${parameter}' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`);
  }
  if (name.length > MAX_MODEL_NAME_LENGTH) throw tooLong(parameter, MAX_MODEL_NAME_LENGTH);
  return name;
}

/** A logged model's name; none is fine (a random one is given). */
export function checkLoggedModelName(name: unknown): string | undefined {
  if (name === undefined || name === null || name === "") return undefined;
  const bad = ["/", ":", ".", "%", '"', "'"];
  if (typeof name !== "string" || bad.some((c) => name.includes(c)) || name.length > MAX_MODEL_NAME_LENGTH) {
    throw invalidParameter(
      `Invalid model name (${JSON.stringify(String(name).slice(0, 300))}) provided. Model name must be a non-empty string of at most ${MAX_MODEL_NAME_LENGTH} characters and cannot contain the following characters: ${bad.join(" ")}`,
    );
  }
  return name;
}

/** A version number as MLflow reads it: a string or number holding a whole number. */
export function checkVersion(version: unknown): number {
  const text = typeof version === "number" ? String(version) : typeof version === "string" ? version.trim() : "";
  if (version === undefined || version === null || version === "") throw missing("version");
  if (!/^[+-]?\d{1,15}$/.test(text)) throw invalidParameter(`Parameter 'version' must be an integer, got '${String(version).slice(0, 100)}'.`);
  return Number(text);
}

/** An alias a version may be given: not `latest`, not `v<number>` (both name versions already). */
export function checkAlias(alias: unknown, opts: { forSetting: boolean }): string {
  if (typeof alias !== "string" || alias === "") throw invalidParameter("Registered model alias name cannot be empty.");
  if (!/^[\w-]*$/u.test(alias)) throw invalidParameter(`Invalid alias name: '${alias.slice(0, 300)}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  if (alias.length > MAX_ALIAS_LENGTH) throw tooLong("Registered model alias name", MAX_ALIAS_LENGTH);
  if (opts.forSetting && alias.toLowerCase() === "latest") throw invalidParameter("'latest' alias name (case insensitive) is reserved.");
  if (opts.forSetting && /^[vV]\d+$/.test(alias)) throw invalidParameter(`Version alias name '${alias}' is reserved.`);
  return alias;
}

/** A tag of a registered model, a model version or a logged model. */
export function checkRegistryTag(tag: { key?: unknown; value?: unknown }): { key: string; value: string } {
  const key = checkKey("tag", tag.key);
  const value = tag.value ?? "";
  if (typeof value !== "string") throw invalidParameter(`The value of tag '${key}' must be a string, not ${JSON.stringify(value)?.slice(0, 50)}.`);
  if (value.length > MAX_REGISTRY_TAG_VALUE_LENGTH) throw tooLong("value", MAX_REGISTRY_TAG_VALUE_LENGTH);
  return { key, value };
}

/** A description: text, or nothing. */
export function checkDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null;
  if (typeof description !== "string") throw invalidParameter("Invalid value for parameter 'description': expected a string.");
  if (description.length > 100_000) throw tooLong("description", 100_000);
  return description;
}
