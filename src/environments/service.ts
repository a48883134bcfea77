import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { parseDuration, parseMemory } from "../core/units.ts";
import { cacheDirFor, EnvironmentCache, type EvictionReport } from "./cache.ts";
import { SYSTEM_ROOTS } from "./interpreters.ts";
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

export class Environments {
  readonly cache: EnvironmentCache;
  readonly maxBytes: number;
  private readonly settings: Omit<UvSettings, "program">;
  private readonly configuredUv: string | undefined;
  private readonly timeoutMs: number;
  private readonly visibleRoots: string[];
  private program: string | undefined;

  constructor(config: Pick<Config, "dataDir" | "environments" | "executor">) {
    const root = join(config.dataDir, "environments");
    this.configuredUv = config.environments.uv;
    this.settings = { cacheDir: cacheDirFor(root), indexUrl: config.environments.indexUrl, sourceBuilds: config.environments.sourceBuilds };
    this.timeoutMs = parseDuration(config.environments.buildTimeout) ?? 30 * 60_000;
    this.maxBytes = parseMemory(config.environments.maxSize) ?? 20 * 1024 ** 3;
    this.visibleRoots = [...SYSTEM_ROOTS, ...config.executor.readOnlyPaths];
    this.cache = new EnvironmentCache({ root, uv: () => this.uv(), buildTimeoutMs: this.timeoutMs });
  }

  /** How uv runs; throws the install hint when there is no uv. */
  uv(): UvSettings {
    this.program ??= locateUv(this.configuredUv);
    return { program: this.program, ...this.settings };
  }

  /** Pins a spec's packages (needs the index); `codeDir` is the job's code folder. */
  resolve(spec: EnvironmentSpec, codeDir?: string): Promise<ResolvedEnvironment> {
    return resolveEnvironment(spec, { uv: () => this.uv(), codeDir, timeoutMs: this.timeoutMs, visibleRoots: this.visibleRoots });
  }

  /** Brings the environments back under environments.maxSize. */
  evictToCap(): Promise<EvictionReport> {
    return this.cache.evict(this.maxBytes);
  }
}
