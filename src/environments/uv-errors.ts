import { ProblemError } from "../core/errors.ts";
import type { UvResult } from "./uv.ts";

// uv's failures, turned into problems that name the package and say what to do. uv's own
// explanation ("Because six==99 … we can conclude that your requirements are unsatisfiable")
// is kept in the detail, trimmed of its drawing characters, since it is usually the best
// account of a conflict there is.

const MAX_EXPLANATION_LINES = 20;
const MAX_EXPLANATION_CHARS = 2000;

/** uv's message without colour codes, box drawing, blank lines or progress chatter. */
export function uvExplanation(stderr: string): string {
  const lines = stderr
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are control characters
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split(/\r?\n/)
    .map((line) => line.replace(/^[\s×╰─▶│├┬┴┼╭╮╯]+/u, "").trimEnd())
    .filter((line) => line !== "" && !/^(Resolved|Prepared|Installed|Uninstalled|Audited|Using (CPython|Python)|Creating virtual environment|Activate with)\b/.test(line));
  let text = lines.slice(0, MAX_EXPLANATION_LINES).join("\n");
  if (lines.length > MAX_EXPLANATION_LINES) text += "\n…";
  return text.length > MAX_EXPLANATION_CHARS ? `${text.slice(0, MAX_EXPLANATION_CHARS)}…` : text;
}

export interface UvFailureContext {
  /** What was being done, e.g. "resolve the environment" or "install the packages". */
  doing: string;
  indexUrl?: string;
}

/** A problem for a failed uv run. */
export function uvFailure(result: UvResult, context: UvFailureContext): ProblemError {
  const index = context.indexUrl ?? "https://pypi.org/simple";
  const explanation = uvExplanation(result.stderr);
  const stated = (detail: string) => (explanation ? `${detail}\n${explanation}` : detail);

  if (result.timedOut) {
    return new ProblemError({ status: 504, title: "Environment took too long", code: "environment-timeout", detail: stated(`uv did not ${context.doing} in time.`), hint: "Large packages can take long to download; try again, or ask a Keeper to raise environments.buildTimeout." });
  }
  const missing = [...result.stderr.matchAll(/\b([A-Za-z0-9][A-Za-z0-9._-]*) was not found in the (?:package registry|provided package locations)/g)].map((m) => m[1]!);
  if (missing.length > 0) {
    const names = unique(missing);
    return new ProblemError({
      status: 422,
      title: names.length === 1 ? `Package ${names[0]} does not exist` : `Packages ${names.join(", ")} do not exist`,
      code: "package-not-found",
      detail: stated(`${names.join(", ")} ${names.length === 1 ? "is" : "are"} not on the package index (${index}).`),
      hint: `Check the spelling of the name${names.length === 1 ? "" : "s"} (the index's page for a package is ${index === "https://pypi.org/simple" ? `https://pypi.org/project/${names[0]}/` : `${index.replace(/\/$/, "")}/${names[0]}/`}).`,
      extra: { packages: names },
    });
  }
  const noVersion = [...result.stderr.matchAll(/there is no version of ([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*([<>=!~][^\s,]*(?:,\s*[<>=!~][^\s,]*)*)?/g)];
  if (noVersion.length > 0) {
    const names = unique(noVersion.map((m) => m[1]!));
    const asked = noVersion.map((m) => `${m[1]}${m[3] ?? ""}`);
    return new ProblemError({
      status: 422,
      title: `No such version of ${names.join(", ")}`,
      code: "package-version-not-found",
      detail: stated(`The package index has no version matching ${unique(asked).join(", ")}.`),
      hint: `Pick a version the index has (for PyPI: https://pypi.org/project/${names[0]}/#history), or loosen the requirement.`,
      extra: { packages: names },
    });
  }
  const noWheels = [...result.stderr.matchAll(/([A-Za-z0-9][A-Za-z0-9._-]*)(?:==\S+)? (?:has no usable wheels|has no wheels with a matching|was not found .*building from source is disabled)/g)].map((m) => m[1]!);
  if (noWheels.length > 0 || /building from source is disabled|--no-build/.test(result.stderr)) {
    const names = unique(noWheels);
    return new ProblemError({
      status: 422,
      title: names.length > 0 ? `${names.join(", ")} would have to be built from source` : "A package would have to be built from source",
      code: "package-needs-source-build",
      detail: stated("No ready-built wheel fits this machine's Python and platform, and this server does not build packages from source."),
      hint: "Pick a version (or a Python) for which the index has a wheel, or ask a Keeper to allow source builds (environments.sourceBuilds).",
      extra: { packages: names },
    });
  }
  if (/No solution found when resolving dependencies|requirements are unsatisfiable/.test(result.stderr)) {
    const names = unique([...result.stderr.matchAll(/you require ([A-Za-z0-9][A-Za-z0-9._-]*)/g)].map((m) => m[1]!));
    return new ProblemError({
      status: 422,
      title: names.length > 0 ? `Conflicting requirements: ${names.join(", ")}` : "Conflicting requirements",
      code: "package-conflict",
      detail: stated("No set of package versions satisfies every requirement."),
      hint: "Loosen or change the versions named above so they fit together.",
      extra: { packages: names },
    });
  }
  if (/[Cc]ouldn't parse requirement|Failed to parse|Expected package name|Expected one of/.test(result.stderr)) {
    return new ProblemError({ status: 422, title: "Invalid requirement", code: "invalid-requirement", detail: stated("A requirement could not be read."), hint: "Write one requirement per line as pip does, e.g. numpy==2.1.3 or pandas>=2." });
  }
  if (/are you offline|[Cc]ould not connect|dns error|error sending request|[Cc]onnection (refused|reset)|operation timed out|Failed to fetch|tcp connect error|Network is unreachable/.test(result.stderr)) {
    return new ProblemError({
      status: 503,
      title: "Package index unreachable",
      code: "package-index-unreachable",
      detail: stated(`Plinth could not reach the package index (${index}) to ${context.doing}.`),
      hint: "Requirements resolved before are still accepted without the index; these are new to this server. Check its network or proxy (HTTPS_PROXY), or ask a Keeper to set environments.indexUrl to a mirror it can reach.",
    });
  }
  return new ProblemError({
    status: 422,
    title: "Environment could not be prepared",
    code: "environment-failed",
    detail: stated(`uv could not ${context.doing} (exit ${result.code ?? result.signal}).`),
    hint: "Read uv's message above; it usually names the package at fault.",
  });
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
