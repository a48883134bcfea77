import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { ProblemError } from "../core/errors.ts";
import { ResolutionMemo } from "./resolution-memo.ts";
import { chooseInterpreter, type Interpreter, type InterpreterChoice } from "./interpreters.ts";
import { type EnvironmentSpec, namesPackages, requirementLineProblem, requirementLines } from "./spec.ts";
import { indexArgs, runUv, type UvSettings } from "./uv.ts";
import { uvFailure } from "./uv-errors.ts";

// Resolution, at submit time: the spec's requirements become a lock in which every package,
// dependencies included, is pinned to one version (`uv pip compile`), for the very interpreter
// the environment will be built on. The environment's key is a hash of that lock, the
// interpreter and the platform, so any two jobs that would get the same packages share one
// environment, however their requirements were worded.

/** Increase to give every environment a new key (when the build itself changes). */
const KEY_FORMAT = 1;
const MAX_REQUIREMENTS_FILE = 1024 * 1024;

export interface PinnedPackage {
  name: string;
  version: string;
}

export interface ResolvedEnvironment {
  /** sha256 (hex) of the lock, the interpreter and the platform. */
  key: string;
  python: Interpreter;
  /** `name==version` lines, sorted; what the environment is built from. */
  lock: string;
  packages: PinnedPackage[];
  /**
   * The spec named no packages: the job runs with the interpreter itself (a conda
   * environment stays usable as it is) and there is nothing to build.
   */
  bare: boolean;
}

export interface ResolveOptions extends InterpreterChoice {
  /** How uv runs; asked for only when there are packages to resolve. */
  uv: () => UvSettings;
  /** The job's code folder, for `requirements` and `project`. */
  codeDir?: string;
  timeoutMs: number;
  /** Resolutions kept: reused while recent, and when the index cannot be reached. */
  memo?: ResolutionMemo<ResolvedEnvironment>;
}

export async function resolveEnvironment(spec: EnvironmentSpec, opts: ResolveOptions): Promise<ResolvedEnvironment> {
  const python = await chooseInterpreter(spec.python, opts);
  if (!namesPackages(spec)) return { key: environmentKey("", python), python, lock: "", packages: [], bare: true };
  const uv = opts.uv();
  const requirements = spec.project !== undefined ? await projectRequirements(spec.project, uv, opts) : requirementsOf(spec, opts.codeDir);
  const input = ResolutionMemo.inputKey({ format: KEY_FORMAT, requirements, python, indexUrl: uv.indexUrl ?? null, sourceBuilds: uv.sourceBuilds });
  const kept = await opts.memo?.recall(input);
  if (kept?.fresh) return kept.resolved;
  const result = await runUv(uv, {
    args: ["pip", "compile", "-", "--python", python.path, "--no-header", "--no-annotate", "--quiet", ...indexArgs(uv)],
    stdin: requirements,
    timeoutMs: opts.timeoutMs,
  });
  if (result.code !== 0) {
    const failure = uvFailure(result, { doing: "resolve the environment", indexUrl: uv.indexUrl });
    // Without the index, what these requirements resolved to before still stands.
    if (kept && failure.problem.type.endsWith("/package-index-unreachable")) return kept.resolved;
    throw failure;
  }
  const { lock, packages } = normaliseLock(result.stdout);
  const resolved: ResolvedEnvironment = { key: environmentKey(lock, python), python, lock, packages, bare: false };
  await opts.memo?.remember(input, resolved);
  return resolved;
}

export function environmentKey(lock: string, python: Interpreter): string {
  const identity = { format: KEY_FORMAT, lock, interpreter: python.path, version: python.version, implementation: python.implementation, platform: python.platform, arch: process.arch };
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex");
}

/** The compiled lock as sorted `name==version` lines, and the packages it pins. */
export function normaliseLock(compiled: string): { lock: string; packages: PinnedPackage[] } {
  const packages: PinnedPackage[] = [];
  for (const raw of compiled.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    const pinned = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;]+)/.exec(line);
    if (!pinned) throw new ProblemError({ status: 500, title: "Unexpected lock from uv", code: "environment-lock", detail: `uv pip compile gave the line "${line}", which pins no version.`, hint: "Report this with the environment's requirements; it is a bug in Plinth." });
    packages.push({ name: pinned[1]!.toLowerCase().replace(/[-_.]+/g, "-"), version: pinned[2]! });
  }
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { lock: packages.map((p) => `${p.name}==${p.version}\n`).join(""), packages };
}

/** The requirements file's lines, then the inline packages, each checked. */
function requirementsOf(spec: EnvironmentSpec, codeDir: string | undefined): string {
  const lines: string[] = [];
  if (spec.requirements !== undefined) {
    const file = codeFile(codeDir, spec.requirements, "requirements");
    for (const { text, line } of requirementLines(readSmallFile(file, spec.requirements))) {
      const problem = requirementLineProblem(text);
      if (problem) throw invalidRequirement(`${spec.requirements} line ${line}: ${problem}.`, `environment.requirements`);
      lines.push(text);
    }
  }
  for (const [i, text] of (spec.packages ?? []).entries()) {
    const problem = requirementLineProblem(text);
    if (problem) throw invalidRequirement(`"${text}": ${problem}.`, `environment.packages[${i}]`);
    lines.push(text.trim());
  }
  return lines.map((l) => `${l}\n`).join("");
}

/** A uv project's locked packages (`uv export --frozen`: the lock file as it is, no resolving). */
async function projectRequirements(project: string, uv: UvSettings, opts: ResolveOptions): Promise<string> {
  const dir = codeFile(opts.codeDir, project, "project");
  for (const name of ["pyproject.toml", "uv.lock"]) {
    if (!existsSync(join(dir, name))) {
      throw new ProblemError({
        status: 422,
        title: `No ${name} in the project`,
        code: "environment-project",
        detail: `environment.project is "${project}", but ${project === "." ? "the code folder" : project} has no ${name}.`,
        hint: name === "uv.lock" ? "Run `uv lock` in the project and send uv.lock with the code." : "Point environment.project at the folder that holds pyproject.toml and uv.lock.",
        errors: [{ path: "environment.project", message: `no ${name}` }],
      });
    }
  }
  const result = await runUv(uv, {
    args: ["export", "--frozen", "--format", "requirements.txt", "--no-hashes", "--no-header", "--no-annotate", "--no-emit-project", "--no-emit-workspace", "--quiet"],
    cwd: dir,
    timeoutMs: opts.timeoutMs,
  });
  if (result.code !== 0) throw uvFailure(result, { doing: "read the project's uv.lock", indexUrl: uv.indexUrl });
  const lines = requirementLines(result.stdout);
  for (const { text } of lines) {
    const problem = requirementLineProblem(text);
    if (problem) throw invalidRequirement(`uv.lock: ${problem}.`, "environment.project");
  }
  return lines.map((l) => `${l.text}\n`).join("");
}

/** A path in the code folder, which must stay inside it once links are followed. */
function codeFile(codeDir: string | undefined, relative: string, field: string): string {
  if (!codeDir) throw invalidRequirement(`environment.${field} names a path in the job's code, but the job has no code folder.`, `environment.${field}`);
  const root = realpathSync(codeDir);
  const path = join(root, relative);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new ProblemError({ status: 422, title: `${relative} not found`, code: "environment-file-missing", detail: `environment.${field} is "${relative}", which is not in the job's code.`, hint: "Check the path: it is relative to the job's code folder.", errors: [{ path: `environment.${field}`, message: "not found" }] });
  }
  if (real !== root && !real.startsWith(root + sep)) throw invalidRequirement(`environment.${field} leads outside the job's code folder.`, `environment.${field}`);
  return real;
}

function readSmallFile(path: string, shown: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw invalidRequirement(`${shown} is not a file.`, "environment.requirements");
  const size = st.size;
  if (size > MAX_REQUIREMENTS_FILE) throw invalidRequirement(`${shown} is ${size} bytes; a requirements file may have at most 1 MiB.`, "environment.requirements");
  return readFileSync(path, "utf8");
}

function invalidRequirement(detail: string, path: string): ProblemError {
  return new ProblemError({
    status: 422,
    title: "Invalid environment",
    code: "invalid-environment",
    detail,
    hint: "List packages from the package index, one per line, e.g. numpy==2.1.3 or pandas>=2.",
    errors: [{ path, message: detail }],
  });
}
