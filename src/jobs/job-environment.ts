import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rename, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import type { Logger } from "pino";
import { ProblemError } from "../core/errors.ts";
import type { NamedEnvironments } from "../environments/named/service.ts";
import type { NamedVersion } from "../environments/named/spec.ts";
import type { Environments } from "../environments/service.ts";
import type { Subject } from "../identity/policy.ts";
import type { ResolvedEnvironment } from "../environments/resolve.ts";
import type { EnvironmentSpec } from "../environments/spec.ts";
import { type ContainerEngine, requireEngine } from "../environments/containers/engine.ts";
import { type ResolvedImage, resolveImage } from "../environments/containers/images.ts";
import type { CodeBundles } from "./code-bundles.ts";
import type { LaunchRequest } from "./executors/executor.ts";

// What jobs need from Python environments: the spec's environment is resolved when the job is
// submitted (a package that does not exist is refused then, not after the queue), the pinned
// result kept with the job; the environment is built or found when the job starts, held while
// it runs, and let go (and the cache brought under its cap) when it ends.

/** How long after a job's end the cache is measured and brought under its cap. */
const EVICTION_DELAY_MS = 60_000;

export const ENVIRONMENT_HINT = "Its log says what went wrong: `plinth jobs show` names it. Fix the environment in the spec, or ask a Keeper if the package index cannot be reached.";

export function noEnvironments(): ProblemError {
  return new ProblemError({
    status: 422,
    title: "Environments are off",
    code: "environments-unavailable",
    detail: "This server builds no Python environments.",
    hint: "Leave `environment` out of the spec and run with the machine's own Python.",
    errors: [{ path: "environment", message: "not available on this server" }],
  });
}

/** The files of a job's code that its environment is read from. */
function filesOf(spec: EnvironmentSpec): string[] {
  if (spec.requirements !== undefined) return [spec.requirements];
  if (spec.project !== undefined) return ["pyproject.toml", "uv.lock"].map((name) => posix.join(spec.project!, name));
  return [];
}

/**
 * A folder with `python` and `python3` linked to the interpreter, once per interpreter: a job
 * given a Python but no packages runs `python` as it would in a virtual environment, where the
 * system (Debian's) has only `python3`. Made beside the environments, renamed into place whole.
 */
export async function interpreterShims(root: string, interpreter: string): Promise<string> {
  const dir = join(root, ".interpreters", createHash("sha256").update(interpreter).digest("hex").slice(0, 16));
  if (await stat(join(dir, "python")).then(() => true, () => false)) return dir;
  // Plinth's umask keeps what it makes private: these folders are opened to jobs' users on purpose.
  await mkdir(join(root, ".interpreters"), { recursive: true });
  await chmod(root, 0o755);
  await chmod(join(root, ".interpreters"), 0o755);
  const staging = await mkdtemp(join(root, ".interpreters", ".new-"));
  try {
    // Jobs run as users of their own, who must be able to look inside.
    await chmod(staging, 0o755);
    for (const name of ["python", "python3"]) await symlink(interpreter, join(staging, name));
    await rename(staging, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another job made it meanwhile.
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return dir;
}

/** What a job's environment is pinned to at submit: a Python environment or an image, and the named version it came from. */
export interface PinnedEnvironment {
  resolved?: ResolvedEnvironment;
  image?: ResolvedImage;
  named?: NamedVersion;
}

/** How long the environment took to be ready for the job, for its timeline. */
export interface PreparedEnvironment {
  launch: NonNullable<LaunchRequest["environment"]>;
  /** Built for this job (false: it was there, or another job built it). */
  built: boolean;
  seconds: number;
}

export class JobEnvironments {
  readonly #environments: Environments;
  readonly #bundles: CodeBundles;
  readonly #logger: Logger;
  /** The teams' named environments; absent where the server keeps none. */
  readonly #named: NamedEnvironments | undefined;
  /** The environment each running job holds, by job id. */
  readonly #held = new Map<string, string>();
  #eviction: NodeJS.Timeout | undefined;

  readonly #containers: () => ContainerEngine | string;
  /** Whether a person may run in an image Plinth built (from someone's folder). */
  readonly #imageAccess: (subject: Subject, build: string) => Promise<boolean>;

  constructor(o: {
    environments: Environments;
    bundles: CodeBundles;
    logger: Logger;
    named?: NamedEnvironments;
    containers?: () => ContainerEngine | string;
    imageAccess?: (subject: Subject, build: string) => Promise<boolean>;
  }) {
    this.#environments = o.environments;
    this.#containers = o.containers ?? (() => "This server runs no containers.");
    this.#imageAccess = o.imageAccess ?? (async (subject) => subject.role === "admin");
    this.#named = o.named;
    this.#bundles = o.bundles;
    this.#logger = o.logger;
  }

  /**
   * At submit: the environment pinned (for a named one, the version's, in the job's team), or
   * the reason it cannot be (naming the package or the name, with a hint).
   */
  async resolve(spec: EnvironmentSpec | string, codeBundle: string | null, who: { subject: Subject; teamId: string }): Promise<PinnedEnvironment> {
    if (typeof spec === "string") {
      if (!this.#named) throw noEnvironments();
      return this.#named.forJob(who.subject, spec, who.teamId);
    }
    if (spec.image !== undefined) return { image: await resolveImage(requireEngine(this.#containers()), spec.image, (build) => this.#imageAccess(who.subject, build)) };
    return { resolved: await this.#resolveSpec(spec, codeBundle) };
  }


  /** After the job is stored: that it used a named version, for that environment's page. */
  recordUse(jobId: string, named: NamedVersion, at: number): Promise<void> {
    return this.#named?.recordUse(jobId, named, at) ?? Promise.resolve();
  }

  async #resolveSpec(spec: EnvironmentSpec, codeBundle: string | null): Promise<ResolvedEnvironment> {
    const files = filesOf(spec);
    if (files.length === 0) return this.#environments.resolve(spec);
    if (!codeBundle) {
      throw new ProblemError({
        status: 422,
        title: "No code to read the environment from",
        code: "environment-without-code",
        detail: `environment: ${files[0]} is read from the job's code, and the job has none.`,
        hint: "Submit with `plinth run` from the folder that holds it (it uploads the folder), or list the packages in environment.packages.",
        errors: [{ path: "environment", message: `${files[0]} is not in the job's code` }],
      });
    }
    const dir = await mkdtemp(join(tmpdir(), "plinth-environment-"));
    try {
      const found = await this.#bundles.extractFiles(codeBundle, files, dir);
      const missing = files.filter((f) => !found.some((path) => posix.normalize(path) === posix.normalize(f)));
      if (spec.requirements !== undefined && missing.length > 0) {
        throw new ProblemError({
          status: 422,
          title: "Requirements file not found",
          code: "environment-file-missing",
          detail: `environment.requirements names ${spec.requirements}, which is not in the job's code.`,
          hint: "Give its path relative to the folder `plinth run` uploads (check .plinthignore and .gitignore do not leave it out).",
          errors: [{ path: "environment.requirements", message: `${spec.requirements} is not in the job's code` }],
        });
      }
      return await this.#environments.resolve(spec, dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * At launch: the environment built or found and held for the job; what the executor needs to
   * give it to the job. What the build prints goes to `logPath`, and a line of how it went.
   */
  async prepare(jobId: string, resolved: ResolvedEnvironment, logPath: string): Promise<PreparedEnvironment> {
    if (resolved.bare) return { launch: { bin: dirname(resolved.python.path), shims: await interpreterShims(this.#environments.cache.root, resolved.python.path) }, built: false, seconds: 0 };
    const started = performance.now();
    await mkdir(dirname(logPath), { recursive: true });
    const log = createWriteStream(logPath, { flags: "a", mode: 0o600 });
    // uv's output comes in pieces as it is written; Plinth's own lines are whole.
    const write = (text: string) => log.write(text);
    const line = (text: string) => log.write(`${text}\n`);
    const what = `Python ${resolved.python.version}, ${resolved.packages.length} package${resolved.packages.length === 1 ? "" : "s"}`;
    try {
      line(`preparing environment ${resolved.key.slice(0, 12)} (${what})`);
      const built = await this.#environments.cache.ensure(resolved, { log: write, acquire: true });
      this.#held.set(jobId, resolved.key);
      const seconds = (performance.now() - started) / 1000;
      line(built.built ? `ready after ${seconds.toFixed(1)} s` : "ready: built before");
      return { launch: { path: built.path, bin: join(built.path, "bin") }, built: built.built, seconds };
    } catch (err) {
      line(`failed: ${err instanceof ProblemError ? `${err.problem.detail ?? err.message}\n${err.problem.hint ?? ""}` : (err as Error).message}`);
      throw err;
    } finally {
      await new Promise((resolve) => log.end(resolve));
    }
  }

  /** A job found still running after a restart holds its environment again. */
  resumed(jobId: string, resolved: ResolvedEnvironment | undefined): void {
    if (!resolved || resolved.bare || this.#held.has(jobId)) return;
    this.#environments.cache.acquire(resolved.key);
    this.#held.set(jobId, resolved.key);
  }

  /** A job ended: its environment is let go, and the cache brought back under its cap soon. */
  async ended(jobId: string): Promise<void> {
    const key = this.#held.get(jobId);
    if (key === undefined) return;
    this.#held.delete(jobId);
    this.#environments.cache.release(key);
    this.#evictSoon();
  }

  /**
   * Measuring the cache walks every environment and uv's download cache (a few hundred ms for
   * one), so it is done at most once a minute, after the job ends that call for it, not at each.
   */
  #evictSoon(): void {
    if (this.#eviction) return;
    this.#eviction = setTimeout(() => {
      this.#eviction = undefined;
      this.#environments
        .evictToCap()
        .then((report) => {
          if (report.removed.length > 0) this.#logger.info({ removed: report.removed, bytesAfter: report.bytesAfter }, "removed the least recently used environments, past environments.maxSize");
        })
        .catch((err: unknown) => this.#logger.warn({ err }, "could not bring the environments under environments.maxSize"));
    }, EVICTION_DELAY_MS);
    this.#eviction.unref();
  }

  /** Stops a pending eviction (the server is closing). */
  stop(): void {
    if (this.#eviction) clearTimeout(this.#eviction);
    this.#eviction = undefined;
  }
}
