import { formatVersion, parseRef } from "../data/refs.ts";
import { CliError } from "./client.ts";

// Dataset references as typed on the command line (`iris`, `vision/iris@v3`, `iris@prod`),
// read by the same parser the server uses, and the API paths they lead to.

export interface CliRef {
  name: string;
  /** From `team/name`, else from --team; undefined: the server looks in the person's teams. */
  team: string | undefined;
  /** The version as the API takes it: `v3`, an alias, `sha256:…`; `latest` when none was given. */
  version: string;
  /** Whether the reference named a version (`rm iris` and `rm iris@v2` differ). */
  hasVersion: boolean;
}

export function readRef(text: string, team?: string): CliRef {
  const ref = parseRef(text.trim());
  if (ref.team && team && ref.team !== team) {
    throw new CliError(`'${text}' names team ${ref.team}, but --team says ${team}.`, "Give the team once: either `team/name` or --team.");
  }
  return { name: ref.name, team: ref.team ?? team, version: formatVersion(ref.version), hasVersion: text.includes("@") };
}

/** A reference that must not name a version (`push --name`, `tag --rm`). */
export function readName(text: string, team?: string): CliRef {
  const ref = readRef(text, team);
  if (ref.hasVersion) throw new CliError(`'${text}' names a version; here only the dataset's name goes.`, `Write '${text.slice(0, text.indexOf("@"))}'.`);
  return ref;
}

export function datasetPath(name: string): string {
  return `/api/v1/datasets/${encodeURIComponent(name)}`;
}

/** `?team=…&key=value` for the parameters that are set. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** The path of one file of a version: each folder name encoded on its own, the slashes kept. */
export function filePath(ref: { name: string; team?: string | undefined }, version: string, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${datasetPath(ref.name)}/versions/${encodeURIComponent(version)}/files/${encoded}${query({ team: ref.team })}`;
}

/** `team/name@v3`, or `name@v3` when the team goes without saying. */
export function shownRef(name: string, version: number | string, team?: string): string {
  return `${team ? `${team}/` : ""}${name}@${typeof version === "number" ? `v${version}` : version}`;
}
