import { spawn } from "node:child_process";
import { readdirSync, realpathSync, statSync } from "node:fs";
import { basename, join, sep } from "node:path";
import { ProblemError } from "../core/errors.ts";

// The Pythons environments are built on. A virtual environment keeps using the interpreter
// it was made from, so that interpreter must be one a sandboxed job can see: one installed
// for the whole system (/usr, /opt, or a folder the Keeper lets jobs read), never one under
// /root or a home folder, which the sandbox does not mount.

export interface Interpreter {
  /** The path asked for or found, e.g. /usr/bin/python3.12 (links are not followed). */
  path: string;
  /** The full version, e.g. 3.12.7. */
  version: string;
  /** cpython, pypy… */
  implementation: string;
  /** sysconfig's platform, e.g. linux-x86_64. */
  platform: string;
}

/** Folders jobs see by default (the sandbox mounts them read-only). */
export const SYSTEM_ROOTS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/opt"];

/** Where versioned Pythons are looked for, in order of preference. */
export function searchDirs(): string[] {
  const dirs = ["/usr/local/bin", "/usr/bin"];
  // /opt/python3.12/bin, /opt/conda/bin and the like.
  try {
    for (const name of readdirSync("/opt").sort()) dirs.push(join("/opt", name, "bin"));
  } catch {
    // no /opt
  }
  return dirs;
}

/** The names an interpreter may have: python, python3, python3.12, pypy3… */
const PYTHON_NAME = /^(python|pypy)(\d+(\.\d+)?)?$/;

const PROBE = "import json, platform, sys, sysconfig; print(json.dumps({'version': platform.python_version(), 'implementation': sys.implementation.name, 'platform': sysconfig.get_platform()}))";

const probes = new Map<string, Promise<Interpreter | null>>();

/** Runs the interpreter once to learn its version; null when it is no working Python. */
export function probeInterpreter(path: string): Promise<Interpreter | null> {
  let mtime = 0;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return Promise.resolve(null);
  }
  const cacheKey = `${path}\0${mtime}`;
  let probe = probes.get(cacheKey);
  if (!probe) {
    probe = runProbe(path);
    probes.set(cacheKey, probe);
  }
  return probe;
}

function runProbe(path: string): Promise<Interpreter | null> {
  return new Promise((done) => {
    const child = spawn(path, ["-I", "-c", PROBE], { cwd: "/", env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, stdio: ["ignore", "pipe", "ignore"], timeout: 15_000 });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.on("error", () => done(null));
    child.on("close", (code) => {
      if (code !== 0) return done(null);
      try {
        const info = JSON.parse(out) as Omit<Interpreter, "path">;
        done({ path, version: info.version, implementation: info.implementation, platform: info.platform });
      } catch {
        done(null);
      }
    });
  });
}

export interface InterpreterChoice {
  /** Folders jobs can read: SYSTEM_ROOTS and the Keeper's executor.readOnlyPaths. */
  visibleRoots: string[];
  /** Where `python: "3.12"` is looked for; default searchDirs(). */
  searchDirs?: string[];
}

/** Every distinct system Python in the search folders, in order of preference. */
export async function systemInterpreters(choice: InterpreterChoice): Promise<Interpreter[]> {
  const candidates: string[] = [];
  for (const dir of choice.searchDirs ?? searchDirs()) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const pythons = names.filter((n) => /^python3(\.\d+)?$/.test(n)).sort((a, b) => b.length - a.length || b.localeCompare(a, "en", { numeric: true }));
    candidates.push(...pythons.map((n) => join(dir, n)));
  }
  const seen = new Set<string>();
  const found: Interpreter[] = [];
  for (const path of candidates) {
    const real = realPath(path);
    if (!real || seen.has(real) || !isVisible(path, real, choice.visibleRoots)) continue;
    seen.add(real);
    const interpreter = await probeInterpreter(path);
    if (interpreter) found.push(interpreter);
  }
  return found;
}

/**
 * The interpreter a spec's `python` names: a version (the first installed one that matches,
 * e.g. "3.12" matches 3.12.7), an absolute path, or unset (the system python3).
 */
export async function chooseInterpreter(asked: string | undefined, choice: InterpreterChoice): Promise<Interpreter> {
  if (asked?.startsWith("/")) return interpreterAt(asked, choice);
  const installed = await systemInterpreters(choice);
  if (asked === undefined) {
    const preferred = installed.find((i) => /\/python3$/.test(i.path)) ?? installed[0];
    if (preferred) return preferred;
    throw new ProblemError({
      status: 422,
      title: "No Python for jobs",
      code: "python-not-installed",
      detail: `No Python 3 was found in ${(choice.searchDirs ?? searchDirs()).join(", ")}.`,
      hint: "Ask a Keeper to install Python system-wide (Debian: apt-get install python3), or give environment.python as the path of an interpreter jobs can see.",
    });
  }
  const match = installed.find((i) => i.version === asked || i.version.startsWith(`${asked}.`));
  if (match) return match;
  const versions = [...new Set(installed.map((i) => i.version.split(".").slice(0, 2).join(".")))];
  throw new ProblemError({
    status: 422,
    title: `Python ${asked} is not installed`,
    code: "python-not-installed",
    detail:
      versions.length > 0
        ? `Python ${asked} is not installed where jobs can use it. Installed: ${installed.map((i) => `${i.version} (${i.path})`).join(", ")}.`
        : `No Python is installed where jobs can use it; Python ${asked} was asked for.`,
    hint:
      versions.length > 0
        ? `Ask for ${versions.map((v) => `"${v}"`).join(" or ")}, or ask a Keeper to install Python ${asked} system-wide (under /usr or /opt, where jobs can see it).`
        : `Ask a Keeper to install Python ${asked} system-wide (under /usr or /opt, where jobs can see it).`,
    extra: { installed: installed.map((i) => ({ version: i.version, path: i.path })) },
  });
}

async function interpreterAt(path: string, choice: InterpreterChoice): Promise<Interpreter> {
  const real = realPath(path);
  if (!real) {
    throw new ProblemError({ status: 422, title: "Python interpreter not found", code: "python-not-found", detail: `There is no file ${path} on this machine.`, hint: 'Check the path (e.g. `which python` in the environment you mean), or ask for a version such as "3.12".' });
  }
  if (!PYTHON_NAME.test(basename(path)) || !PYTHON_NAME.test(basename(real))) {
    // Plinth runs the program to learn its version: it must at least be called python.
    throw new ProblemError({ status: 422, title: "Not a Python interpreter", code: "python-not-working", detail: `${path}${real !== path ? ` (${real})` : ""} is not named like a Python interpreter (python, python3, python3.12…).`, hint: "Give the path of the python program itself, e.g. /opt/conda/envs/x/bin/python." });
  }
  if (!isVisible(path, real, choice.visibleRoots)) {
    throw new ProblemError({
      status: 422,
      title: "Python interpreter not visible to jobs",
      code: "python-not-visible",
      detail: `${path}${real !== path ? ` (${real})` : ""} is outside the folders jobs can see: ${choice.visibleRoots.join(", ")}.`,
      hint: "Jobs run in a sandbox that does not mount /root or home folders. Install the interpreter or conda environment under /opt or /usr, or ask a Keeper to add its folder to executor.readOnlyPaths.",
    });
  }
  const interpreter = await probeInterpreter(path);
  if (!interpreter) {
    throw new ProblemError({ status: 422, title: "Not a working Python interpreter", code: "python-not-working", detail: `${path} did not run as a Python interpreter.`, hint: "Give the path of a python program (…/bin/python), and check that it starts." });
  }
  return interpreter;
}

function realPath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** Both the path and where its links lead must lie in folders jobs see. */
function isVisible(path: string, real: string, roots: string[]): boolean {
  const under = (p: string) => roots.some((root) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep));
  return under(path) && under(real);
}
