import { spawn } from "node:child_process";
import { chmod, lstat, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ProblemError } from "../core/errors.ts";
import { treeBytes } from "./disk-usage.ts";
import type { ResolvedEnvironment } from "./resolve.ts";
import { indexArgs, runUv, type UvSettings } from "./uv.ts";
import { uvFailure } from "./uv-errors.ts";

// One build of one environment. It happens in a staging folder beside the cache's
// environments and becomes visible only by the final rename, so a half-built environment is
// never seen, and one whose build failed leaves nothing behind.
//
// A virtual environment records absolute paths; uv's relocatable environments do not
// (their scripts find Python relative to themselves, pyvenv.cfg only names the interpreter's
// own folder), which is what lets the finished folder be renamed into place. Bytecode is
// compiled during the build: jobs cannot write into the shared environment, and would
// otherwise compile every module anew at each start.

/** The record kept in each environment, beside its packages. */
export const METADATA_FILE = "plinth-environment.json";
/** The pinned lock the environment was built from. */
export const LOCK_FILE = "plinth-lock.txt";

export interface EnvironmentMetadata {
  key: string;
  interpreter: string;
  pythonVersion: string;
  implementation: string;
  platform: string;
  /** name==version of every package installed. */
  packages: string[];
  created: string;
  /** Disk the environment takes by itself (files it shares with uv's cache included). */
  sizeBytes: number;
  buildMs: number;
}

export interface BuildRequest {
  resolved: ResolvedEnvironment;
  /** The cache's folder; the environment ends up in root/key. */
  root: string;
  uv: UvSettings;
  timeoutMs: number;
  log: (text: string) => void;
}

/** Staging folders of a key's builds start with this (a crashed build's are removed before the next). */
export function stagingPrefix(key: string): string {
  return `.build-${key}-`;
}

export async function buildEnvironment(request: BuildRequest): Promise<EnvironmentMetadata> {
  const { resolved, root, log } = request;
  const started = Date.now();
  const staging = await mkdtemp(join(root, stagingPrefix(resolved.key)));
  const env = join(staging, "env");
  try {
    await step(request, "create the virtual environment", ["venv", "--relocatable", "--python", resolved.python.path, env]);
    const lockFile = join(env, LOCK_FILE);
    await writeFile(lockFile, resolved.lock);
    await step(request, "install the packages", ["pip", "sync", lockFile, "--python", join(env, "bin/python"), "--compile-bytecode", ...indexArgs(request.uv)]);
    await checkPython(env);
    const metadata: EnvironmentMetadata = {
      key: resolved.key,
      interpreter: resolved.python.path,
      pythonVersion: resolved.python.version,
      implementation: resolved.python.implementation,
      platform: resolved.python.platform,
      packages: resolved.packages.map((p) => `${p.name}==${p.version}`),
      created: new Date().toISOString(),
      sizeBytes: 0,
      buildMs: 0,
    };
    metadata.buildMs = Date.now() - started;
    metadata.sizeBytes = await treeBytes(env);
    await writeFile(join(env, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
    await shareReadOnly(env);
    await rename(env, join(root, resolved.key));
    log(`environment ${resolved.key.slice(0, 12)} built in ${(metadata.buildMs / 1000).toFixed(1)} s\n`);
    return metadata;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function step(request: BuildRequest, doing: string, args: string[]): Promise<void> {
  request.log(`$ uv ${args.join(" ")}\n`);
  const result = await runUv(request.uv, { args, timeoutMs: request.timeoutMs, onOutput: request.log });
  if (result.code !== 0) throw uvFailure(result, { doing, indexUrl: request.uv.indexUrl });
}

/** The environment's Python starts and knows where it lives (the check a relocation could break). */
async function checkPython(env: string): Promise<void> {
  const python = join(env, "bin/python");
  const prefix = await new Promise<string>((done) => {
    const child = spawn(python, ["-I", "-c", "import sys; print(sys.prefix)"], { cwd: "/", env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" }, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.on("error", (err) => done(err.message));
    child.on("close", () => done(out.trim()));
  });
  if (prefix !== env) {
    throw new ProblemError({ status: 500, title: "Environment does not work", code: "environment-broken", detail: `${python} did not start as the environment's Python: ${prefix}`, hint: "Check that the interpreter it was made from still works; the build log has uv's output." });
  }
}

/** Readable and runnable by every user (jobs run as users of their own), writable by Plinth alone. */
async function shareReadOnly(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) await shareReadOnly(path);
    else await chmod(path, st.mode & 0o111 ? 0o755 : 0o644);
  }
}
