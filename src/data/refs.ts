import { problems } from "../core/errors.ts";

// Dataset references, as people type them: `[team/]name[@version]`. The version is `vN` or
// `N`, an alias (`latest` when left out, `prod`, any tag), or `sha256:` and at least 12 hex
// digits of the version's digest. The jobs, the CLI, the portal and the S3 endpoint all read
// references through this file.

/** Dataset and tag names: lower-case letters, digits and . _ -, starting with a letter or digit. */
export const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const TEAM_NAME = /^[a-z][a-z0-9._-]{1,63}$/;
const NUMBER = /^v?([0-9]{1,9})$/;
const DIGEST = /^sha256:([0-9a-f]{12,64})$/;
export const LATEST = "latest";

export type VersionSelector = { kind: "number"; number: number } | { kind: "alias"; alias: string } | { kind: "digest"; prefix: string };

export interface DatasetRef {
  /** The team's name; null: look in the person's teams. */
  team: string | null;
  name: string;
  version: VersionSelector;
}

const REF_HINT = "Write a dataset as `name`, `team/name` or `name@version`, where the version is `v3`, an alias such as `latest` or `prod`, or `sha256:` and 12 or more hex digits.";

/** Reads `[team/]name[@version]`; a 400 problem naming what is wrong otherwise. */
export function parseRef(text: string): DatasetRef {
  const at = text.indexOf("@");
  const head = at < 0 ? text : text.slice(0, at);
  const tail = at < 0 ? LATEST : text.slice(at + 1);
  const slash = head.indexOf("/");
  const team = slash < 0 ? null : head.slice(0, slash);
  const name = slash < 0 ? head : head.slice(slash + 1);
  if (team !== null && !TEAM_NAME.test(team)) throw problems.badRequest(`'${shown(text)}': '${shown(team)}' is not a team name.`, REF_HINT);
  if (!DATASET_NAME.test(name)) throw problems.badRequest(`'${shown(text)}': '${shown(name)}' is not a dataset name.`, REF_HINT);
  return { team, name, version: parseVersion(tail) };
}

/** Reads the part after `@`: `v3`, `3`, an alias, or `sha256:<hex>`. */
export function parseVersion(text: string): VersionSelector {
  const number = NUMBER.exec(text);
  if (number) {
    const n = Number(number[1]);
    if (n < 1) throw problems.badRequest(`Version '${shown(text)}' does not exist: versions count from v1.`, REF_HINT);
    return { kind: "number", number: n };
  }
  const digest = DIGEST.exec(text.toLowerCase());
  if (digest) return { kind: "digest", prefix: digest[1]! };
  if (text.startsWith("sha256:")) throw problems.badRequest(`'${shown(text)}' is not a version digest: give 12 to 64 hex digits after 'sha256:'.`, REF_HINT);
  if (!DATASET_NAME.test(text)) throw problems.badRequest(`'${shown(text)}' is not a version: use v3, an alias, or sha256:<hex>.`, REF_HINT);
  return { kind: "alias", alias: text };
}

export function formatVersion(v: VersionSelector): string {
  if (v.kind === "number") return `v${v.number}`;
  if (v.kind === "digest") return `sha256:${v.prefix}`;
  return v.alias;
}

export function formatRef(ref: { team?: string | null; name: string; version?: VersionSelector | number | string }): string {
  const base = ref.team ? `${ref.team}/${ref.name}` : ref.name;
  if (ref.version === undefined) return base;
  const v = typeof ref.version === "number" ? `v${ref.version}` : typeof ref.version === "string" ? ref.version : formatVersion(ref.version);
  return `${base}@${v}`;
}

/** Checks a dataset name; a 400 problem otherwise. */
export function checkDatasetName(name: string): string {
  if (!DATASET_NAME.test(name)) {
    throw problems.badRequest(`'${shown(name)}' is not a dataset name.`, "Use lower-case letters, digits and . _ - (at most 128), starting with a letter or digit: `iris`, `imagenet-2012`.");
  }
  return name;
}

/**
 * Checks a tag (alias) that a person sets: a name, but not `v<digits>` (that reads as a
 * version number) and not `latest`, which always follows the newest version.
 */
export function checkTagName(tag: string): string {
  if (!DATASET_NAME.test(tag) || NUMBER.test(tag) || tag.startsWith("sha256")) {
    throw problems.badRequest(`'${shown(tag)}' cannot be a tag.`, "Use lower-case letters, digits and . _ - starting with a letter (`prod`, `candidate`); `v3` and `3` already mean version 3.");
  }
  if (tag === LATEST) throw problems.badRequest("'latest' always names the newest version; it cannot be set.", "Pick another tag, such as `prod` or `stable`.");
  return tag;
}

function shown(text: string): string {
  const safe = text.replace(/[^\x20-\x7e]/g, "?");
  return safe.length > 80 ? `${safe.slice(0, 80)}…` : safe;
}
