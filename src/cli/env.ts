import type { Command } from "commander";
import { formatBytes } from "../core/units.ts";
import type { EnvironmentView } from "../environments/view.ts";
import type { JobDetailView } from "../jobs/view.ts";
import { ApiClient, CliError } from "./client.ts";
import { buildImage, namesImage, printImages, removeImage, serverImages, showImage } from "./env-images.ts";
import { registerNamedEnv } from "./env-named.ts";
import { requirementsFrom } from "./requirements-file.ts";
import { environmentLine } from "./jobs.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth env`: the Python environments built on the server — list them, look inside one,
// build one before the jobs that need it, remove one (Keepers), and compare the environments
// two jobs ran in — and the container images beside them (env-images.ts).

const short = (key: string) => key.slice(0, 12);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const POLL_MS = 1000;

interface BuildStarted {
  key: string;
  built: boolean;
  python: string;
  packages: string[];
}

/** The environment a full key or a unique prefix of one names. */
async function findEnvironment(client: ApiClient, key: string): Promise<EnvironmentView> {
  if (/^[0-9a-f]{64}$/.test(key)) return client.request<EnvironmentView>("GET", `/api/v1/environments/${key}`);
  if (!/^[0-9a-f]+$/.test(key)) throw new CliError(`'${key}' is not an environment key: keys are hexadecimal.`, "`plinth env ls` lists the environments with the start of each key.");
  const { items } = await client.request<{ items: EnvironmentView[] }>("GET", "/api/v1/environments");
  const found = items.filter((e) => e.key.startsWith(key));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new CliError(`No built environment's key starts with ${key}.`, "`plinth env ls` lists the built environments.");
  throw new CliError(`${found.length} environments' keys start with ${key}: ${found.map((e) => short(e.key)).join(", ")}.`, "Give more of the key.");
}

/** Asks for the environment until it is built; a failed build's error is thrown. */
async function waitUntilBuilt(client: ApiClient, key: string): Promise<EnvironmentView> {
  while (true) {
    try {
      return await client.request<EnvironmentView>("GET", `/api/v1/environments/${key}`);
    } catch (err) {
      if (!(err instanceof CliError) || !err.problem?.type.endsWith("/environment-building")) throw err;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function printEnvironment(env: EnvironmentView): void {
  const lines = [
    `${env.key}`,
    `python:    ${env.python} (${env.interpreter})`,
    `size:      ${formatBytes(env.sizeBytes)}`,
    `built:     ${env.created} (${ago(env.created)})`,
    `last used: ${ago(env.lastUsed)}`,
    `in use:    ${env.inUse > 0 ? `by ${plural(env.inUse, "running job")}` : "no"}`,
    env.path ? `path:      ${env.path}` : "",
    `packages:  ${env.packages.length}`,
    ...env.packages.map((p) => `  ${p}`),
  ].filter(Boolean);
  process.stdout.write(`${lines.join("\n")}\n`);
}

export function registerEnv(program: Command): void {
  const env = program.command("env").description("Python environments and container images: list, inspect, build ahead of jobs, remove, compare two jobs' environments, and a team's named ones");

  env
    .command("ls")
    .description("The Python environments built on the server, most recently used first, and the container images jobs can use")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const [page, images] = await Promise.all([client.request<{ items: EnvironmentView[] }>("GET", "/api/v1/environments"), serverImages(client)]);
      if (o.json) return printJson({ ...page, images });
      if (page.items.length === 0) process.stdout.write("No Python environments built yet. A job with `environment:` builds one, or: plinth env build -r requirements.txt\n");
      else {
        printTable(
          ["KEY", "PYTHON", "PACKAGES", "SIZE", "LAST USED", "IN USE"],
          page.items.map((e) => [short(e.key), e.python, String(e.packages.length), formatBytes(e.sizeBytes), ago(e.lastUsed), e.inUse > 0 ? String(e.inUse) : "-"]),
        );
      }
      if (images === null) return;
      process.stdout.write("\n");
      if (images.length === 0) process.stdout.write("No container images on the server. Build one: plinth env build --containerfile Containerfile\n");
      else printImages(images);
    });

  env
    .command("show")
    .description("One environment: its Python, every package and version, its size and use; or a container image")
    .argument("<key>", "the environment's key (or the start of it), or an image's name")
    .option("--json", "print JSON")
    .action(async (key: string, o: { json?: boolean }) => {
      if (namesImage(key)) return showImage(ApiClient.fromEnvironment(), key, o);
      const found = await findEnvironment(ApiClient.fromEnvironment(), key);
      if (o.json) return printJson(found);
      printEnvironment(found);
    });

  env
    .command("build")
    .description("Build an environment before the jobs that need it, or a container image from a Containerfile here; waits and prints its key (or the image's name)")
    .option("-r, --requirements <file>", "a requirements file here: one package per line")
    .option("--containerfile [file]", "build a container image from this Containerfile in the current folder (default: Containerfile); the folder is uploaded as its context")
    .option("--python <version>", 'the Python, e.g. "3.12" (default: the system python3)')
    .option("-p, --package <requirement>", "a package, e.g. numpy==2.1.3 (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .option("--detach", "return once the packages are pinned, without waiting for the build")
    .option("--json", "print JSON")
    .action(async (o: { requirements?: string; python?: string; package: string[]; containerfile?: string | true; detach?: boolean; json?: boolean }) => {
      if (o.containerfile !== undefined) {
        if (o.requirements || o.python || o.package.length) throw new CliError("--containerfile builds an image: it cannot be combined with --requirements, --python or --package.", "Install the packages in the Containerfile (RUN pip install …), or build a Python environment without --containerfile.");
        return buildImage(o.containerfile === true ? "Containerfile" : o.containerfile, o);
      }
      const packages = [...(o.requirements ? await requirementsFrom(o.requirements) : []), ...o.package];
      if (packages.length === 0) throw new CliError("No packages to build an environment from.", "Give a requirements file (-r requirements.txt) or packages (--package six==1.16.0).");
      const client = ApiClient.fromEnvironment();
      const started = await client.request<BuildStarted>("POST", "/api/v1/environments", { ...(o.python && { python: o.python }), packages });
      const what = `Python ${started.python}, ${plural(started.packages.length, "package")}`;
      if (started.built || o.detach) {
        if (o.json) return printJson(started);
        process.stderr.write(started.built ? `already built (${what})\n` : `building (${what}); \`plinth env show ${short(started.key)}\` says when it is ready\n`);
        process.stdout.write(`${started.key}\n`);
        return;
      }
      process.stderr.write(`building ${short(started.key)} (${what})…\n`);
      const built = await waitUntilBuilt(client, started.key);
      if (o.json) return printJson(built);
      process.stderr.write(`built: ${formatBytes(built.sizeBytes)}\n`);
      process.stdout.write(`${built.key}\n`);
    });

  env
    .command("rm")
    .description("Remove a built environment or a container image (Keepers); a job that needs the environment later builds it again")
    .argument("<key>", "the environment's key (or the start of it), or the image's name")
    .action(async (key: string) => {
      const client = ApiClient.fromEnvironment();
      if (namesImage(key)) return removeImage(client, key);
      const found = await findEnvironment(client, key);
      await client.request("DELETE", `/api/v1/environments/${found.key}`);
      process.stdout.write(`removed ${found.key}\n`);
    });

  registerNamedEnv(env);

  env
    .command("diff")
    .description("Compare the environments two jobs ran in: Python, and packages added, removed or at another version")
    .argument("<job-a>")
    .argument("<job-b>")
    .option("--json", "print JSON")
    .action(async (jobA: string, jobB: string, o: { json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const [a, b] = await Promise.all([jobA, jobB].map((id) => client.request<JobDetailView>("GET", `/api/v1/jobs/${encodeURIComponent(id)}`)));
      const { diffPackages } = await import("../environments/diff.ts");
      const envA = a!.environment;
      const envB = b!.environment;
      const same = envA !== null && envB !== null && envA.key === envB.key;
      const image = envA?.image?.id === envB?.image?.id ? null : { from: envA?.image ?? null, to: envB?.image ?? null };
      const diff = diffPackages(envA?.packages ?? [], envB?.packages ?? []);
      const python = envA?.python === envB?.python ? null : { from: envA?.python ?? null, to: envB?.python ?? null };
      if (o.json) return printJson({ a: { job: a!.id, environment: envA }, b: { job: b!.id, environment: envB }, same, python, image, ...diff });
      const describe = (job: JobDetailView) => `${job.id}  ${job.environment ? environmentLine(job.environment) : "no environment (the machine's own Python)"}`;
      const lines = [`a: ${describe(a!)}`, `b: ${describe(b!)}`];
      if (same) lines.push(`same environment (${short(envA.key)})`);
      else if (envA === null && envB === null) lines.push("same: neither job has an environment");
      else if (image) {
        const name = (i: typeof image.from) => (i ? `${i.reference} (${i.id.slice(0, 12)})` : "-");
        lines.push(`image: ${name(image.from)} → ${name(image.to)}`);
      } else {
        if (python) lines.push(`python: ${python.from ?? "-"} → ${python.to ?? "-"}`);
        else if (envA?.interpreter !== envB?.interpreter) lines.push(`interpreter: ${envA?.interpreter} → ${envB?.interpreter}`);
        for (const p of diff.added) lines.push(`+ ${p}`);
        for (const p of diff.removed) lines.push(`- ${p}`);
        for (const c of diff.changed) lines.push(`~ ${c.name} ${c.from} → ${c.to}`);
        if (!python && diff.added.length + diff.removed.length + diff.changed.length === 0) lines.push("same Python and packages");
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
