import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { readdir, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { ProblemError } from "../core/errors.ts";
import { withLockFile } from "./build-lock.ts";
import { buildEnvironment, type EnvironmentMetadata, METADATA_FILE, stagingPrefix } from "./build.ts";
import { DiskLedger, type TreeInodes } from "./disk-usage.ts";
import type { ResolvedEnvironment } from "./resolve.ts";
import { runUv, type UvSettings } from "./uv.ts";

// The environments built on this machine: <dataDir>/environments/<key>, one folder per
// resolved lock, built once and shared read-only by every job that resolves to it.
//
//   ensure(resolved)        builds it unless it is there; concurrent calls for one key make
//                           one build (in this process by a map of builds in flight, across
//                           processes by a lock file)
//   acquire(key) / release  a job holds the environment while it runs: eviction and
//                           remove() leave it alone
//   evict(maxBytes)         least recently used first, until the folder fits
//   list() / remove(key)
//
// Last use is the modification time of the environment's metadata file, touched by ensure()
// and acquire(): no database row, so the folder alone is the truth after a restart.

const KEY = /^[0-9a-f]{64}$/;
const UV_CACHE = ".uv-cache";
const LOCKS = ".locks";

export interface EnvironmentCacheOptions {
  /** The folder environments live in: <dataDir>/environments. */
  root: string;
  /** How uv runs (asked for when first needed); its cacheDir should be root/.uv-cache (cacheDirFor). */
  uv: () => UvSettings;
  /** Longest one build may take (each uv step). */
  buildTimeoutMs: number;
}

export interface BuiltEnvironment {
  key: string;
  /** The environment's folder (VIRTUAL_ENV for a job). */
  path: string;
  /** Its python program. */
  python: string;
  /** Whether this call built it (false: it was there, or another caller built it). */
  built: boolean;
}

export interface EnsureOptions {
  /** Receives the build's output (uv's own), or a line saying whose build it waits for. */
  log?: (text: string) => void;
  /** Hold the environment for the caller (release() when the job ends), before anything can evict it. */
  acquire?: boolean;
}

export interface EnvironmentInfo {
  key: string;
  path: string;
  interpreter: string;
  pythonVersion: string;
  /** name==version of every package. */
  packages: string[];
  sizeBytes: number;
  created: string;
  lastUsed: string;
  /** How many holders (running jobs) it has in this process. */
  inUse: number;
}

export interface EvictionReport {
  bytesBefore: number;
  bytesAfter: number;
  removed: string[];
  /** Whether uv's download cache was emptied (its files that no environment links to). */
  cacheCleared: boolean;
}

export function cacheDirFor(root: string): string {
  return join(root, UV_CACHE);
}

export class EnvironmentCache {
  readonly root: string;
  private readonly uv: () => UvSettings;
  private readonly buildTimeoutMs: number;
  private readonly inFlight = new Map<string, Promise<BuiltEnvironment>>();
  private readonly holders = new Map<string, number>();
  /** Builds this process ran (a build another caller waited on counts once). */
  buildsRun = 0;

  constructor(opts: EnvironmentCacheOptions) {
    this.root = opts.root;
    this.uv = opts.uv;
    this.buildTimeoutMs = opts.buildTimeoutMs;
  }

  /** The built environment for a resolved spec, building it first if needed. */
  async ensure(resolved: ResolvedEnvironment, opts: EnsureOptions = {}): Promise<BuiltEnvironment> {
    if (resolved.bare) throw new ProblemError({ status: 400, title: "Nothing to build", code: "environment-bare", detail: "The environment names no packages: jobs run with its interpreter as it is.", hint: `Run with ${resolved.python.path}.` });
    const key = resolved.key;
    let pending = this.inFlight.get(key);
    const starts = pending === undefined;
    if (pending) opts.log?.("waiting for a build of the same environment that is already running\n");
    else {
      pending = this.ensureOnce(resolved, opts.log ?? (() => {})).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    // Held from the start, so no eviction can come between the build's end and the caller.
    if (opts.acquire) this.hold(key);
    let env: BuiltEnvironment;
    try {
      env = await pending;
    } catch (err) {
      if (opts.acquire) this.release(key);
      throw err;
    }
    await this.touch(key).catch(() => {});
    return { ...env, built: env.built && starts };
  }

  private async ensureOnce(resolved: ResolvedEnvironment, log: (text: string) => void): Promise<BuiltEnvironment> {
    const key = resolved.key;
    const found = (built: boolean): BuiltEnvironment => ({ key, path: this.pathOf(key), python: join(this.pathOf(key), "bin/python"), built });
    if (await this.isBuilt(key)) return found(false);
    mkdirSync(this.root, { recursive: true, mode: 0o755 });
    // Jobs run as other users and must be able to pass through to their environment.
    chmodSync(this.root, 0o755);
    mkdirSync(join(this.root, LOCKS), { recursive: true, mode: 0o700 });
    mkdirSync(cacheDirFor(this.root), { recursive: true, mode: 0o755 });
    const lock = { staleMs: this.buildTimeoutMs * 2 + 60_000, waitMs: this.buildTimeoutMs * 2 + 60_000, onWait: () => log("waiting for another Plinth process that is building this environment\n") };
    return withLockFile(join(this.root, LOCKS, `${key}.lock`), lock, async () => {
      if (await this.isBuilt(key)) return found(false);
      // Anything under the key's name without its metadata is debris, not an environment.
      await rm(this.pathOf(key), { recursive: true, force: true });
      await this.removeStaging(key);
      this.buildsRun++;
      await buildEnvironment({ resolved, root: this.root, uv: this.uv(), timeoutMs: this.buildTimeoutMs, log });
      return found(true);
    });
  }

  /** Holds a built environment for a running job; refuses one that is not built. */
  acquire(key: string): void {
    if (!KEY.test(key) || !existsSync(join(this.pathOf(key), METADATA_FILE))) throw notBuilt(key);
    this.hold(key);
    this.touch(key).catch(() => {});
  }

  release(key: string): void {
    const count = (this.holders.get(key) ?? 0) - 1;
    if (count > 0) this.holders.set(key, count);
    else this.holders.delete(key);
  }

  private hold(key: string): void {
    this.holders.set(key, (this.holders.get(key) ?? 0) + 1);
  }

  inUse(key: string): boolean {
    return (this.holders.get(key) ?? 0) > 0 || this.inFlight.has(key);
  }

  /** Whether a build of this key is running in this process. */
  building(key: string): boolean {
    return this.inFlight.has(key);
  }

  pathOf(key: string): string {
    return join(this.root, key);
  }

  async list(): Promise<EnvironmentInfo[]> {
    const out: EnvironmentInfo[] = [];
    for (const key of await this.keys()) {
      const info = await this.info(key);
      if (info) out.push(info);
    }
    return out.sort((a, b) => (a.lastUsed < b.lastUsed ? 1 : a.lastUsed > b.lastUsed ? -1 : 0));
  }

  async info(key: string): Promise<EnvironmentInfo | null> {
    if (!KEY.test(key)) return null;
    const file = join(this.pathOf(key), METADATA_FILE);
    let metadata: EnvironmentMetadata;
    let lastUsed: Date;
    try {
      metadata = JSON.parse(await readFile(file, "utf8")) as EnvironmentMetadata;
      lastUsed = (await stat(file)).mtime;
    } catch {
      return null;
    }
    return {
      key,
      path: this.pathOf(key),
      interpreter: metadata.interpreter,
      pythonVersion: metadata.pythonVersion,
      packages: metadata.packages,
      sizeBytes: metadata.sizeBytes,
      created: metadata.created,
      lastUsed: lastUsed.toISOString(),
      inUse: this.holders.get(key) ?? 0,
    };
  }

  /** Deletes an environment; refuses one a job holds or a build is making. */
  async remove(key: string): Promise<void> {
    if (!(await this.isBuilt(key))) throw notBuilt(key);
    if (this.inUse(key)) {
      throw new ProblemError({ status: 409, title: "Environment in use", code: "environment-in-use", detail: `Environment ${key.slice(0, 12)} is used by ${this.holders.get(key) ?? 0} running job(s).`, hint: "Remove it once those jobs have ended." });
    }
    await this.discard(key);
  }

  /**
   * Removes environments until the folder takes at most maxBytes: first uv's download cache
   * (environments keep their own links to its files, so that frees what no environment
   * uses), then environments from the least recently used on, never one in use.
   */
  async evict(maxBytes: number): Promise<EvictionReport> {
    await this.removeLeftovers();
    let measured = await this.measure();
    const bytesBefore = measured.ledger.bytes;
    let cacheCleared = false;
    if (measured.ledger.bytes > maxBytes && this.inFlight.size === 0) {
      cacheCleared = await this.clearUvCache();
      if (cacheCleared) measured = await this.measure();
    }
    const removed: string[] = [];
    const byAge = [...measured.environments].sort((a, b) => a.lastUsed - b.lastUsed);
    for (const env of byAge) {
      if (measured.ledger.bytes <= maxBytes) break;
      if (this.inUse(env.key)) continue;
      await this.discard(env.key);
      measured.ledger.remove(env.tree);
      removed.push(env.key);
    }
    return { bytesBefore, bytesAfter: measured.ledger.bytes, removed, cacheCleared };
  }

  /** Bytes the whole folder takes: environments and uv's cache, each file once. */
  async usage(): Promise<number> {
    return (await this.measure()).ledger.bytes;
  }

  private async measure(): Promise<{ ledger: DiskLedger; environments: Array<{ key: string; lastUsed: number; tree: TreeInodes }> }> {
    const ledger = new DiskLedger();
    const environments: Array<{ key: string; lastUsed: number; tree: TreeInodes }> = [];
    let names: string[] = [];
    try {
      names = await readdir(this.root);
    } catch {
      return { ledger, environments };
    }
    for (const name of names) {
      if (name === LOCKS) continue;
      const tree = await ledger.add(join(this.root, name));
      if (!KEY.test(name)) continue;
      const lastUsed = await stat(join(this.root, name, METADATA_FILE)).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      environments.push({ key: name, lastUsed, tree });
    }
    return { ledger, environments };
  }

  /** `uv cache clean`, which waits for other uv processes using the cache; false when it could not. */
  private async clearUvCache(): Promise<boolean> {
    const result = await runUv(this.uv(), { args: ["cache", "clean"], timeoutMs: 60_000 });
    return result.code === 0;
  }

  private async keys(): Promise<string[]> {
    try {
      return (await readdir(this.root)).filter((name) => KEY.test(name));
    } catch {
      return [];
    }
  }

  private async isBuilt(key: string): Promise<boolean> {
    return KEY.test(key) && (await stat(join(this.pathOf(key), METADATA_FILE)).then(() => true, () => false));
  }

  private async touch(key: string): Promise<void> {
    const now = new Date();
    await utimes(join(this.pathOf(key), METADATA_FILE), now, now);
  }

  /** Renamed away first, so the environment vanishes at once, never half deleted. */
  private async discard(key: string): Promise<void> {
    const doomed = join(this.root, `.removing-${key}-${process.pid}-${Date.now()}`);
    await rename(this.pathOf(key), doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  /** Environments whose removal was cut short (renamed away, not yet deleted). */
  private async removeLeftovers(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(this.root);
    } catch {
      return;
    }
    for (const name of names) if (name.startsWith(".removing-")) await rm(join(this.root, name), { recursive: true, force: true });
  }

  private async removeStaging(key: string): Promise<void> {
    const prefix = stagingPrefix(key);
    for (const name of await readdir(this.root)) {
      if (name.startsWith(prefix)) await rm(join(this.root, name), { recursive: true, force: true });
    }
  }
}

function notBuilt(key: string): ProblemError {
  return new ProblemError({ status: 404, title: "Environment not found", code: "not-found", detail: `No environment '${key}' is built on this machine.`, hint: "`plinth env ls` lists the built environments; building one happens when a job asks for it." });
}
