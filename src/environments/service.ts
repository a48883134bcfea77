import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { ProblemError } from "../core/errors.ts";
import { parseDuration, parseMemory } from "../core/units.ts";
import { cacheDirFor, EnvironmentCache, type EvictionReport } from "./cache.ts";
import { SYSTEM_ROOTS } from "./interpreters.ts";
import { ResolutionMemo } from "./resolution-memo.ts";
import { type ResolvedEnvironment, resolveEnvironment } from "./resolve.ts";
import type { EnvironmentSpec } from "./spec.ts";
import { locateUv, type UvSettings } from "./uv.ts";

// Python environments for jobs, as the rest of Plinth uses them:
//
//   const environments = new Environments(config);
//   const resolved = await environments.resolve(spec.environment, codeDir);   // at submit
//   const env = await environments.cache.ensure(resolved, { log, acquire: true });  // at start
//   … run the job with env.python (VIRTUAL_ENV=env.path), mounted read-only …
//   environments.cache.release(resolved.key); await environments.evictToCap();     // at its end
//
// uv is looked for when first needed, not at start-up, so a server without it runs every
// job that asks for no environment, and one that does is refused with the install hint.

/** Under the environments folder: kept resolutions (not an environment; its name starts with a dot). */
const RESOLUTIONS = ".resolved";

export class Environments {
  readonly cache: EnvironmentCache;
  readonly maxBytes: number;
  private readonly settings: Omit<UvSettings, "program">;
  private readonly configuredUv: string | undefined;
  private readonly timeoutMs: number;
  private readonly visibleRoots: string[];
  private program: string | undefined;
  /** Why the last build asked for ahead of jobs failed, by key, until it is asked for again. */
  private readonly failures = new Map<string, ProblemError>();
  /** What requirements resolved to lately (see resolution-memo.ts). */
  private readonly memo: ResolutionMemo<ResolvedEnvironment>;

  constructor(config: Pick<Config, "dataDir" | "environments" | "executor">) {
    const root = join(config.dataDir, "environments");
    this.configuredUv = config.environments.uv;
    this.settings = { cacheDir: cacheDirFor(root), indexUrl: config.environments.indexUrl, sourceBuilds: config.environments.sourceBuilds };
    this.timeoutMs = parseDuration(config.environments.buildTimeout) ?? 30 * 60_000;
    this.maxBytes = parseMemory(config.environments.maxSize) ?? 20 * 1024 ** 3;
    this.visibleRoots = [...SYSTEM_ROOTS, ...config.executor.readOnlyPaths];
    this.cache = new EnvironmentCache({ root, uv: () => this.uv(), buildTimeoutMs: this.timeoutMs });
    this.memo = new ResolutionMemo<ResolvedEnvironment>(join(root, RESOLUTIONS));
  }

  /** How uv runs; throws the install hint when there is no uv. */
  uv(): UvSettings {
    this.program ??= locateUv(this.configuredUv);
    return { program: this.program, ...this.settings };
  }

  /** Pins a spec's packages (needs the index); `codeDir` is the job's code folder. */
  resolve(spec: EnvironmentSpec, codeDir?: string): Promise<ResolvedEnvironment> {
    return resolveEnvironment(spec, { uv: () => this.uv(), codeDir, timeoutMs: this.timeoutMs, visibleRoots: this.visibleRoots, memo: this.memo });
  }

  /**
   * Builds an environment ahead of the jobs that will need it, in the background; says
   * whether it was built already. A failure is kept for buildFailure() and given to onFailure.
   */
  async prebuild(resolved: ResolvedEnvironment, onFailure: (err: unknown) => void): Promise<{ built: boolean }> {
    if (await this.cache.info(resolved.key)) return { built: true };
    this.failures.delete(resolved.key);
    this.cache
      .ensure(resolved)
      .then(() => this.evictToCap())
      .catch((err: unknown) => {
        this.failures.set(resolved.key, err instanceof ProblemError ? err : new ProblemError({ status: 500, title: "Environment build failed", code: "environment-build-failed", detail: (err as Error).message, hint: "Plinth's log has the details." }));
        onFailure(err);
      });
    return { built: false };
  }

  /** Whether an environment is being built now (for a job or ahead of one). */
  building(key: string): boolean {
    return this.cache.building(key);
  }

  /** Why the last build of this key asked for by prebuild() failed, if it did. */
  buildFailure(key: string): ProblemError | undefined {
    return this.failures.get(key);
  }

  /** Brings the environments back under environments.maxSize. */
  evictToCap(): Promise<EvictionReport> {
    return this.cache.evict(this.maxBytes);
  }
}
