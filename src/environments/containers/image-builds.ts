import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { ProblemError } from "../../core/errors.ts";
import type { Subject } from "../../identity/policy.ts";
import type { CodeBundles } from "../../jobs/code-bundles.ts";
import { checkContainerfile, MAX_CONTAINERFILE } from "./containerfile.ts";
import { type ContainerEngine, engineFailure } from "./engine.ts";
import { PLINTH_BUILD_LABEL, type ResolvedImage, resolveImage } from "./images.ts";

// Images built from a project's Containerfile (`plinth env build --containerfile`). A build is
// keyed by the uploaded folder's content and the Containerfile's path in it, so the same folder
// builds once however often it is asked for; concurrent asks share one build. The image is
// tagged localhost/plinth-env:<first 12 of the key> and labelled with the whole key; its build
// log stays in dataDir/environments/images/<key>.log.

const KEY_FORMAT = 1;
export const IMAGE_REPOSITORY = "localhost/plinth-env";

export interface ImageBuildRequest {
  /** The uploaded folder (a code bundle). */
  bundle: string;
  /** The Containerfile's path in it. */
  containerfile: string;
}

/** Who asked for a build (its log is theirs) and their teams then (whose members may use the image). */
interface BuildAccess {
  users: string[];
  teams: string[];
}

export type ImageBuildState = { state: "built"; image: ResolvedImage } | { state: "building" } | { state: "failed"; problem: ProblemError } | { state: "unknown" };

export class ImageBuilds {
  readonly #engine: () => ContainerEngine;
  readonly #bundles: CodeBundles;
  readonly #logs: string;
  readonly #timeoutMs: number;
  readonly #network: boolean;
  readonly #inFlight = new Map<string, Promise<ResolvedImage>>();
  readonly #failures = new Map<string, ProblemError>();

  constructor(o: { engine: () => ContainerEngine; bundles: CodeBundles; logDir: string; timeoutMs: number; network: boolean }) {
    this.#engine = o.engine;
    this.#bundles = o.bundles;
    this.#logs = o.logDir;
    this.#timeoutMs = o.timeoutMs;
    this.#network = o.network;
  }

  static keyOf(request: ImageBuildRequest): string {
    return createHash("sha256").update(JSON.stringify({ format: KEY_FORMAT, bundle: request.bundle, containerfile: posix.normalize(request.containerfile) })).digest("hex");
  }

  static tagOf(key: string): string {
    return `${IMAGE_REPOSITORY}:${key.slice(0, 12)}`;
  }

  /**
   * Starts the build unless its image is there (or being built); answers at once. The
   * Containerfile is read and checked first, so a refused one is an error here, not in the log.
   */
  async start(request: ImageBuildRequest, subject: Subject): Promise<{ key: string; image: string; built: boolean }> {
    const key = ImageBuilds.keyOf(request);
    const tag = ImageBuilds.tagOf(key);
    // Whoever uploads the same folder holds its files already, and may use its image too.
    await this.#grant(key, subject);
    if (this.#inFlight.has(key)) return { key, image: tag, built: false };
    if (await this.#existing(key)) return { key, image: tag, built: true };
    const context = await mkdtemp(join(tmpdir(), "plinth-image-"));
    try {
      await this.#bundles.materialize(request.bundle, context);
      await readableByAll(context);
      await this.#checkContainerfile(context, request.containerfile);
    } catch (err) {
      await rm(context, { recursive: true, force: true });
      throw err;
    }
    this.#failures.delete(key);
    const build = this.#build(key, tag, context, request.containerfile)
      .catch((err: unknown) => {
        const problem = err instanceof ProblemError ? err : new ProblemError({ status: 500, title: "Image build failed", code: "image-build-failed", detail: (err as Error).message, hint: "Plinth's log has the details." });
        this.#failures.set(key, problem);
        throw problem;
      })
      .finally(() => {
        this.#inFlight.delete(key);
        rm(context, { recursive: true, force: true }).catch(() => {});
      });
    build.catch(() => {});
    this.#inFlight.set(key, build);
    return { key, image: tag, built: false };
  }

  async state(key: string): Promise<ImageBuildState> {
    if (this.#inFlight.has(key)) return { state: "building" };
    const image = await this.#existing(key);
    if (image) return { state: "built", image };
    const problem = this.#failures.get(key);
    return problem ? { state: "failed", problem } : { state: "unknown" };
  }

  logPath(key: string): string {
    return join(this.#logs, `${key}.log`);
  }

  /**
   * Whether the subject may run jobs in the build's image: its files are those of the folder it
   * was built from, so it is for the people who uploaded that folder and their teams' members
   * (as they were then), and Keepers.
   */
  async mayUse(subject: Subject, key: string): Promise<boolean> {
    if (subject.role === "admin") return true;
    const access = await this.#access(key);
    return access.users.includes(subject.userId) || Object.keys(subject.teams).some((team) => access.teams.includes(team));
  }

  /** Whether the subject may read the build's log: one who asked for the build, or a Keeper. */
  async mayReadLog(subject: Subject, key: string): Promise<boolean> {
    return subject.role === "admin" || (await this.#access(key)).users.includes(subject.userId);
  }

  async #access(key: string): Promise<BuildAccess> {
    const text = await readFile(this.#accessPath(key), "utf8").catch(() => null);
    return text ? (JSON.parse(text) as BuildAccess) : { users: [], teams: [] };
  }

  async #grant(key: string, subject: Subject): Promise<void> {
    mkdirSync(this.#logs, { recursive: true, mode: 0o700 });
    const access = await this.#access(key);
    const merged: BuildAccess = { users: [...new Set([...access.users, subject.userId])], teams: [...new Set([...access.teams, ...Object.keys(subject.teams)])] };
    await writeFile(this.#accessPath(key), JSON.stringify(merged), { mode: 0o600 });
  }

  #accessPath(key: string): string {
    return join(this.#logs, `${key}.access.json`);
  }

  async #existing(key: string): Promise<ResolvedImage | null> {
    try {
      return await resolveImage(this.#engine(), ImageBuilds.tagOf(key), null);
    } catch (err) {
      if (err instanceof ProblemError && err.problem.type.endsWith("/image-not-found")) return null;
      throw err;
    }
  }

  async #checkContainerfile(context: string, containerfile: string): Promise<void> {
    const path = join(context, containerfile);
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) {
      throw new ProblemError({ status: 422, title: "Containerfile not found", code: "environment-file-missing", detail: `${containerfile} is not in the uploaded folder.`, hint: "Run `plinth env build --containerfile PATH` from the folder that holds it; PATH is relative to that folder.", errors: [{ path: "containerfile", message: "not found" }] });
    }
    if (st.size > MAX_CONTAINERFILE) throw new ProblemError({ status: 422, title: "Containerfile too large", code: "containerfile-refused", detail: `${containerfile} has ${st.size} bytes; at most 1 MiB.`, hint: "A Containerfile holds instructions; COPY data from the folder instead." });
    checkContainerfile(await readFile(path, "utf8"), containerfile);
  }

  async #build(key: string, tag: string, context: string, containerfile: string): Promise<ResolvedImage> {
    const log = createWriteStream(this.logPath(key), { flags: "w", mode: 0o600 });
    const started = Date.now();
    try {
      const args = ["build", "--pull=never", "--layers", "--file", join(context, containerfile), "--tag", tag, "--label", `${PLINTH_BUILD_LABEL}=${key}`];
      if (!this.#network) args.push("--network=none");
      args.push(context);
      log.write(`$ podman ${args.join(" ")}\n`);
      const result = await this.#engine().run({ args, timeoutMs: this.#timeoutMs, onOutput: (text) => log.write(text) });
      if (result.code !== 0) {
        const failure = engineFailure("build the image", result);
        throw new ProblemError({ ...failure.problem, status: 422, title: "Image build failed", code: "image-build-failed", hint: "The build log (`plinth env build` prints it) says which instruction failed; FROM must name an image already on the server." });
      }
      const image = await resolveImage(this.#engine(), tag, null);
      log.write(`built ${tag} (${image.id.slice(0, 12)}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return image;
    } catch (err) {
      log.write(`failed: ${err instanceof ProblemError ? (err.problem.detail ?? err.message) : (err as Error).message}\n`);
      throw err;
    } finally {
      await new Promise((resolve) => log.end(resolve));
    }
  }
}

/**
 * The uploaded files as they were on the person's machine: readable by everyone (executables
 * runnable), since COPY keeps a file's mode and the job in the image runs as an ordinary user.
 */
async function readableByAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await readableByAll(path);
    else if (entry.isFile()) await chmod(path, (await stat(path)).mode & 0o100 ? 0o755 : 0o644);
  }
}
