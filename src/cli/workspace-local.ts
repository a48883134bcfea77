import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { Command } from "commander";
import type { NamedEnvironmentDetailView, NamedEnvironmentVersionView } from "../environments/named/spec.ts";
import type { WorkspaceView } from "../workspaces/spec.ts";
import { ApiClient, CliError } from "./client.ts";

// `plinth workspace up --local`: a workspace's software on this computer, in a container with
// the project folder mounted, for work that needs no GPU. The image is built once per
// environment from a generated Containerfile (uv from PyPI, then the packages pinned) and kept
// under a tag made from its content. Nothing is sent to the server: it is only asked for the
// workspace's spec and a named environment's pinned packages.

export const LOCAL_IMAGE_REPOSITORY = "localhost/plinth-workspace";
export const DEFAULT_PYTHON = "3.12";
const PROJECT = "/home/project";
const VENV = "/opt/plinth";
const JUPYTER_PORT = 8888;

/** What goes into the image: the Python it starts from and the packages installed. */
export interface LocalEnvironment {
  /** A version such as 3.12 or 3.12.7; null: the default. */
  python: string | null;
  packages: string[];
  /** In words, for messages: where the packages come from. */
  source: string;
}

/** A workspace spec's environment that is not named: its Python and packages, JupyterLab added. */
export function localFromSpec(env: unknown, source: string, warn: (line: string) => void = () => {}): LocalEnvironment {
  const spec = (env ?? {}) as { python?: string; packages?: string[]; requirements?: string; project?: string; image?: string };
  if (spec.image !== undefined) {
    throw new CliError(`${source} runs in the container image ${spec.image}, which is on the server.`, "Give the packages it needs instead: `plinth workspace up --local --packages a,b`.");
  }
  if (spec.requirements !== undefined || spec.project !== undefined) {
    throw new CliError(`${source} takes its packages from a file in the job's code (${spec.requirements ?? `${spec.project}/uv.lock`}).`, "Give them directly: `plinth workspace up --local --packages a,b`.");
  }
  let python = spec.python ?? null;
  if (python !== null && isAbsolute(python)) {
    warn(`${source} uses the interpreter ${python} on the server; Python ${DEFAULT_PYTHON} is used here.`);
    python = null;
  }
  return { python, packages: withJupyterLab(spec.packages ?? []), source };
}

/** A named environment's version: the packages it pinned, and the Python it pinned them for. */
export function localFromNamed(detail: NamedEnvironmentDetailView, ref: string): LocalEnvironment {
  const at = ref.indexOf("@");
  const wanted = at < 0 ? null : Number(ref.slice(at + 1));
  const version: NamedEnvironmentVersionView | undefined = wanted === null ? detail.latest : detail.versions.find((v) => v.version === wanted);
  const source = `${detail.team}/${detail.name}@${version?.version ?? wanted}`;
  if (!version) throw new CliError(`The environment ${detail.team}/${detail.name} has no version ${wanted}.`, `\`plinth env named show ${detail.name}\` lists its versions.`);
  if (version.pinned.image) {
    throw new CliError(`${source} is the container image ${version.pinned.image.reference} on the server.`, "Give the packages it needs instead: `plinth workspace up --local --packages a,b`.");
  }
  return { python: version.pinned.python ?? version.python, packages: withJupyterLab(version.pinned.packages), source };
}

function withJupyterLab(packages: string[]): string[] {
  const list = packages.map((p) => p.trim()).filter(Boolean);
  return list.some((p) => /^jupyterlab\b/i.test(p)) ? list : [...list, "jupyterlab"];
}

/** The image to start from: --base, else the official slim Python image of the version's minor release. */
export function baseImage(python: string | null, base?: string): string {
  if (base) return base;
  const minor = (python ?? DEFAULT_PYTHON).split(".").slice(0, 2).join(".");
  return `docker.io/library/python:${minor}-slim`;
}

/**
 * The Containerfile: Python where the base lacks it (Debian's, with venv), uv from PyPI in a
 * virtual environment of its own, then the packages from requirements.txt beside it.
 */
export function containerfile(base: string): string {
  return [
    `FROM ${base}`,
    `RUN if ! python3 -c "import ensurepip" 2>/dev/null; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates && rm -rf /var/lib/apt/lists/*; fi`,
    `RUN python3 -m venv ${VENV} && ${VENV}/bin/pip install --no-cache-dir --disable-pip-version-check uv`,
    `COPY requirements.txt ${VENV}/requirements.txt`,
    `RUN ${VENV}/bin/uv pip install --no-cache --python ${VENV}/bin/python -r ${VENV}/requirements.txt`,
    `ENV PATH=${VENV}/bin:$PATH`,
    `WORKDIR ${PROJECT}`,
    `EXPOSE ${JUPYTER_PORT}`,
    "",
  ].join("\n");
}

export function requirements(env: LocalEnvironment): string {
  return `${env.packages.join("\n")}\n`;
}

/** The image's tag: a short hash of everything that goes into it, so one environment is built once. */
export function imageTag(file: string, reqs: string): string {
  const hash = createHash("sha256").update(file).update("\0").update(reqs).digest("hex").slice(0, 12);
  return `${LOCAL_IMAGE_REPOSITORY}:${hash}`;
}

export function buildArgv(tag: string, context: string): string[] {
  return ["build", "--tag", tag, "--file", join(context, "Containerfile"), context];
}

export interface RunOptions {
  engine: "podman" | "docker";
  tag: string;
  name: string;
  port: number;
  dir: string;
  /** Whether this terminal is one: then Ctrl-C goes to JupyterLab through the container's. */
  tty: boolean;
  /** The user to run as with docker (whose containers' root is the machine's root), e.g. 1000:1000. */
  user?: string;
}

/** `run`'s arguments. The token travels in the environment (-e JUPYTER_TOKEN), not in any argv. */
export function runArgv(o: RunOptions): string[] {
  return [
    "run",
    "--rm",
    ...(o.tty ? ["-it"] : []),
    "--init",
    "--name",
    o.name,
    "-p",
    `127.0.0.1:${o.port}:${JUPYTER_PORT}`,
    "-v",
    `${o.dir}:${PROJECT}:Z`,
    "-w",
    PROJECT,
    "-e",
    "JUPYTER_TOKEN",
    ...(o.engine === "docker" && o.user ? ["--user", o.user, "-e", "HOME=/tmp"] : []),
    o.tag,
    ...jupyterCommand(),
  ];
}

export function jupyterCommand(): string[] {
  return [
    `${VENV}/bin/jupyter`,
    "lab",
    "--ip=0.0.0.0",
    `--port=${JUPYTER_PORT}`,
    "--no-browser",
    "--allow-root",
    `--ServerApp.root_dir=${PROJECT}`,
    // Ctrl-C stops it at once instead of asking.
    "--ServerApp.answer_yes=True",
  ];
}

export function labUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}/lab?token=${token}`;
}

/** podman where it is on PATH, else docker; --engine names one (or its path). */
export function findEngine(wanted: string | undefined, path = process.env.PATH ?? ""): { program: string; kind: "podman" | "docker" } {
  const kindOf = (p: string): "podman" | "docker" => (/docker[^/]*$/.test(p) ? "docker" : "podman");
  if (wanted && (wanted.includes("/") || isAbsolute(wanted))) {
    if (!executable(wanted)) throw new CliError(`--engine ${wanted} is not a program on this computer.`, "Give podman, docker or the full path of one.");
    return { program: wanted, kind: kindOf(wanted) };
  }
  for (const name of wanted ? [wanted] : ["podman", "docker"]) {
    const found = path
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, name))
      .find(executable);
    if (found) return { program: found, kind: kindOf(name) };
  }
  throw new CliError(
    wanted ? `${wanted} is not on your PATH.` : "Neither podman nor docker is on your PATH.",
    "Install podman (Debian and Ubuntu: sudo apt install podman; Fedora: sudo dnf install podman; macOS: brew install podman, then podman machine init && podman machine start) or Docker Desktop, or give --engine with its path.",
  );
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

interface UpOptions {
  local?: boolean;
  app: string;
  env?: string;
  packages?: string;
  python?: string;
  team?: string;
  base?: string;
  engine?: string;
  port?: string;
  dir?: string;
}

export function registerWorkspaceLocal(ws: Command): void {
  ws.command("up")
    .description("Run a workspace's software on your own computer (--local) with podman or docker, your project folder mounted; no GPU")
    .argument("[workspace]", "a workspace whose environment to use, by name or id (else --env, --packages or JupyterLab alone)")
    .option("--local", "on this computer, in a container (the only way `up` runs)")
    .option("--app <app>", "what to serve: jupyterlab", "jupyterlab")
    .option("--env <name>", "a named environment of your team, e.g. pytorch or pytorch@3")
    .option("--packages <list>", "Python packages, comma-separated, e.g. torch,pandas (JupyterLab is added)")
    .option("--python <version>", `the Python version, e.g. 3.12 (default ${DEFAULT_PYTHON})`)
    .option("--team <name>", "the team whose named environment --env is (default: found among yours)")
    .option("--base <image>", "the image to build on (default: docker.io/library/python:<version>-slim)")
    .option("--engine <program>", "podman or docker, or the path of one (default: podman if on PATH, else docker)")
    .option("--port <port>", "the port on 127.0.0.1 to open it at (default: a free one)")
    .option("--dir <folder>", "the project folder mounted at /home/project (default: the current folder)")
    .action(async (ref: string | undefined, o: UpOptions) => {
      await up(ref, o);
    });
}

async function up(ref: string | undefined, o: UpOptions): Promise<void> {
  if (!o.local) throw new CliError("`plinth workspace up` runs a workspace on your own computer: give --local.", "On the team's machines, use `plinth workspace create` or `plinth workspace start NAME`.");
  if (o.app === "ssh") throw new CliError("--app ssh makes no sense on your own computer: you are already on it.", "Run JupyterLab (the default) and use its terminal, or open the folder in your own editor.");
  if (o.app !== "jupyterlab") throw new CliError(`--app ${o.app} does not run locally; only jupyterlab does.`, "Leave out --app, or open the folder in your own VS Code.");
  const dir = resolve(o.dir ?? process.cwd());
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`${dir} is not a folder.`, "Give --dir an existing project folder.");
  if (dir.includes(":") || dir.includes(",")) throw new CliError(`The folder ${dir} has a ':' or ',' in its path, which a container mount cannot take.`, "Run it from a folder without them, or give --dir one.");
  const port = o.port === undefined ? await freePort() : Number(o.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--port takes a port number, not '${o.port}'.`, "e.g. --port 8888");
  const engine = findEngine(o.engine);
  const warn = (line: string) => process.stderr.write(`${line}\n`);

  const env = await localEnvironment(ref, o, warn);
  const base = baseImage(env.python, o.base);
  if (o.base && o.python) warn(`--base ${o.base} brings its own Python; --python ${o.python} only chose the default base.`);
  const file = containerfile(base);
  const reqs = requirements(env);
  const tag = imageTag(file, reqs);
  if (spawnSync(engine.program, ["image", "inspect", "--format", "{{.Id}}", tag], { stdio: "ignore" }).status === 0) {
    warn(`Using ${tag} (${env.source}), built before.`);
  } else {
    warn(`Building ${tag} for ${env.source} on ${base}; once per environment…`);
    await build(engine.program, tag, file, reqs);
  }

  const token = randomBytes(24).toString("hex");
  const name = `plinth-local-${randomBytes(4).toString("hex")}`;
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const user = engine.kind === "docker" && process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : undefined;
  const argv = runArgv({ engine: engine.kind, tag, name, port, dir, tty, ...(user && { user }) });
  const child = spawn(engine.program, argv, { env: { ...process.env, JUPYTER_TOKEN: token }, stdio: tty ? "inherit" : ["ignore", 2, 2] });
  const ended = new Promise<number>((done) => {
    child.once("error", () => done(127));
    child.once("exit", (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
  const stop = () => stopContainer(engine.program, name, child);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let live = true;
  void ended.then(() => {
    live = false;
  });
  if (await answers(port, token, () => live)) {
    process.stdout.write(`Open ${labUrl(port, token)}\n`);
    warn(`${dir} is ${PROJECT} in the container ${name}. Ctrl-C stops it.`);
  }
  const code = await ended;
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  if (code !== 0 && code !== 130 && code !== 143) {
    throw new CliError(`The container ended with exit code ${code}.`, `Its output is above; \`${engine.kind} run\` said why.`, code);
  }
}

async function localEnvironment(ref: string | undefined, o: UpOptions, warn: (line: string) => void): Promise<LocalEnvironment> {
  const direct = o.env !== undefined || o.packages !== undefined || o.python !== undefined;
  if (ref !== undefined && direct) throw new CliError("Give a workspace or --env/--packages/--python, not both.", "A workspace already names its environment.");
  if (o.env && (o.packages || o.python)) throw new CliError("Give --env or --packages/--python, not both.", "A named environment already fixes its Python and packages.");
  if (ref !== undefined) {
    const client = ApiClient.fromEnvironment();
    const w = await client.request<WorkspaceView>("GET", `/api/v1/workspaces/${encodeURIComponent(ref)}`);
    if (w.environmentSpec === undefined) throw new CliError(`The server does not say workspace ${w.name}'s environment.`, "Upgrade it, or give --env or --packages.");
    if (w.app !== "jupyterlab") warn(`Workspace ${w.name} serves ${w.app} on the server; here its environment runs JupyterLab.`);
    if (typeof w.environmentSpec === "string") return named(client, w.environmentSpec, w.team);
    return localFromSpec(w.environmentSpec, `workspace ${w.name}`, warn);
  }
  if (o.env) return named(ApiClient.fromEnvironment(), o.env, o.team);
  const packages = (o.packages ?? "").split(",").filter((p) => p.trim());
  return localFromSpec({ ...(o.python && { python: o.python }), packages }, packages.length > 0 ? "the packages given" : "JupyterLab alone", warn);
}

async function named(client: ApiClient, ref: string, team: string | undefined): Promise<LocalEnvironment> {
  const name = ref.split("@")[0]!;
  const detail = await client.request<NamedEnvironmentDetailView>("GET", `/api/v1/environments/named/${encodeURIComponent(name)}${team ? `?team=${encodeURIComponent(team)}` : ""}`);
  return localFromNamed(detail, ref);
}

/** Builds from a temporary folder holding only the Containerfile and requirements.txt. */
async function build(program: string, tag: string, file: string, reqs: string): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "plinth-workspace-"));
  try {
    writeFileSync(join(context, "Containerfile"), file);
    writeFileSync(join(context, "requirements.txt"), reqs);
    const child = spawn(program, buildArgv(tag, context), { stdio: ["ignore", 2, 2] });
    const code = await new Promise<number>((done) => {
      child.once("error", () => done(127));
      child.once("exit", (c) => done(c ?? 1));
    });
    if (code !== 0) throw new CliError(`Building ${tag} failed (exit code ${code}).`, "Its output is above: a package that cannot be installed, or no network to PyPI or the base image's registry.");
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Waits until JupyterLab accepts the token, while the container runs. */
async function answers(port: number, token: string, running: () => boolean): Promise<boolean> {
  while (running()) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

function stopContainer(program: string, name: string, child: ChildProcess): void {
  const stopper = spawn(program, ["stop", "--time", "5", name], { stdio: "ignore" });
  stopper.once("error", () => child.kill("SIGTERM"));
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}
