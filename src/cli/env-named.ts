import type { Command } from "commander";
import type { NamedEnvironmentDetailView, NamedEnvironmentView } from "../environments/named/spec.ts";
import { ApiClient, CliError } from "./client.ts";
import { requirementsFrom } from "./requirements-file.ts";
import { ago, printJson, printTable } from "./output.ts";

// `plinth env publish` and `plinth env named`: environments a team publishes by name, with
// numbered versions, for jobs to use as `environment: NAME` (or `plinth run --environment NAME`).

const BASE = "/api/v1/environments/named";
const teamQuery = (team: string | undefined) => (team ? `?team=${encodeURIComponent(team)}` : "");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

interface PublishFlags {
  requirements?: string;
  package: string[];
  python?: string;
  description?: string;
  team?: string;
  seed?: string;
  image?: string;
  json?: boolean;
}

/** One line of what a version pinned: its Python and packages, or its image. */
function pinnedLine(v: NamedEnvironmentDetailView["latest"], pinned = ""): string {
  if (v.pinned.image) return `image ${v.pinned.image.reference} (${v.pinned.image.id.slice(0, 12)})`;
  return `Python ${v.pinned.python}, ${plural(v.pinned.packages.length, "package")}${pinned} (environment ${v.pinned.key.slice(0, 12)})`;
}

/** The name and definition to publish: from a seed shipped with Plinth, or from the flags. */
async function definitionFrom(name: string | undefined, o: PublishFlags): Promise<{ name: string; body: Record<string, unknown> }> {
  let packages = [...(o.requirements ? await requirementsFrom(o.requirements) : []), ...o.package];
  let description = o.description;
  let python = o.python;
  if (o.seed !== undefined) {
    const { readSeed, seedNames } = await import("../environments/named/seeds.ts");
    const seed = readSeed(o.seed);
    if (!seed) throw new CliError(`Plinth ships no seed environment named '${o.seed}'.`, `The seeds are: ${seedNames().join(", ")}.`);
    if (packages.length > 0) throw new CliError("--seed brings its own packages.", "Give --seed alone, or the packages (-r, --package) without it.");
    packages = seed.packages;
    description ??= seed.description;
    python ??= seed.python;
  }
  const chosen = name ?? o.seed;
  if (chosen === undefined) throw new CliError("Which name?", "Give it first: `plinth env publish pytorch -r requirements.txt`, or publish a seed: `plinth env publish --seed sklearn`.");
  const common = { ...(o.team && { team: o.team }), ...(description !== undefined && { description }) };
  if (o.image !== undefined) {
    if (packages.length > 0 || python) throw new CliError("--image brings its own software: it cannot be combined with packages, --python or --seed.", "Publish the image alone, or the packages without it.");
    return { name: chosen, body: { ...common, image: o.image } };
  }
  if (packages.length === 0) throw new CliError(`No packages to publish ${chosen} with.`, "Give a requirements file (-r requirements.txt), packages (--package torch), a seed (--seed pytorch), or a container image (--image NAME).");
  return { name: chosen, body: { ...common, ...(python && { python }), packages } };
}

function printDetail(env: NamedEnvironmentDetailView): void {
  const lines = [
    `${env.name}  (team ${env.team})`,
    env.description ? `description: ${env.description}` : "",
    `owner:       ${env.owner}`,
    `latest:      v${env.latest.version}, ${env.latest.createdAt} (${ago(env.latest.createdAt)})`,
    "",
    ...env.versions.flatMap((v) => [
      `v${v.version}  by ${v.publishedBy}, ${ago(v.createdAt)}: ${pinnedLine(v)}`,
      ...(v.pinned.image
        ? [`    digest:    ${v.pinned.image.digest ?? "-"}`]
        : [`    asked for: ${[...(v.python ? [`python ${v.python}`] : []), ...v.packages].join(", ")}`, `    pinned:    ${v.pinned.packages.join(" ")}`]),
    ]),
  ];
  if (env.recentJobs.length > 0) {
    lines.push("", "recent jobs:");
    for (const j of env.recentJobs) lines.push(`  ${j.id}  v${j.version}  ${j.name}  ${ago(j.submittedAt)}`);
  }
  process.stdout.write(`${lines.filter((l, i) => l !== "" || i > 0).join("\n")}\n`);
}

export function registerNamedEnv(env: Command): void {
  env
    .command("publish")
    .description("Publish a new version of a team's named environment (team admins and Keepers); jobs use it as `environment: NAME`")
    .argument("[name]", "its name: lowercase letters, digits and - . _, e.g. pytorch or r-4.4")
    .option("-r, --requirements <file>", "a requirements file here: one package per line")
    .option("-p, --package <requirement>", "a package, e.g. torch (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .option("--python <version>", 'the Python, e.g. "3.12" (default: the system python3)')
    .option("--description <text>", "what it is for (kept from the last version when left out)")
    .option("--team <team>", "the team (default: the one you administer)")
    .option("--seed <seed>", "publish a definition shipped with Plinth: pytorch or sklearn")
    .option("--image <name>", "publish a container image on the server instead of packages, e.g. for r-4.4 (`plinth env build --containerfile` makes one)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  plinth env publish pytorch -r requirements.txt --description "PyTorch 2 for the GPU nodes"
  plinth env publish --seed sklearn
  plinth env publish r-4.4 --image localhost/plinth-env:3f2a9c1d0b7e --description "R 4.4 with tidyverse"
  plinth run --environment sklearn -- python train.py`,
    )
    .action(async (name: string | undefined, o: PublishFlags) => {
      const { name: chosen, body } = await definitionFrom(name, o);
      const published = await ApiClient.fromEnvironment().request<NamedEnvironmentView>("POST", `${BASE}/${encodeURIComponent(chosen)}`, body);
      if (o.json) return printJson(published);
      const v = published.latest;
      process.stdout.write(`published ${published.name}@${v.version} in team ${published.team}: ${pinnedLine(v, " pinned")}\n`);
      process.stderr.write(`jobs use it as \`environment: ${published.name}\` (or ${published.name}@${v.version})${v.pinned.image ? "" : "; the first one builds it"}\n`);
    });

  const named = env.command("named").description("A team's named environments: list them, show one's versions and the jobs that used them");

  named
    .command("ls")
    .description("The named environments of your teams, with their latest versions")
    .option("--team <team>", "one team's only")
    .option("--json", "print JSON")
    .action(async (o: { team?: string; json?: boolean }) => {
      const page = await ApiClient.fromEnvironment().request<{ items: NamedEnvironmentView[] }>("GET", `${BASE}${teamQuery(o.team)}`);
      if (o.json) return printJson(page);
      if (page.items.length === 0) {
        process.stdout.write("No named environments yet. A team admin publishes one: plinth env publish NAME -r requirements.txt (or --seed sklearn)\n");
        return;
      }
      printTable(
        ["NAME", "TEAM", "LATEST", "PACKAGES", "OWNER", "DESCRIPTION"],
        page.items.map((e) => [e.name, e.team, `v${e.latest.version}`, e.latest.packages.join(" "), e.owner, e.description]),
      );
    });

  named
    .command("show")
    .description("One named environment: every version, what each pins, and the latest jobs that used each")
    .argument("<name>")
    .option("--team <team>", "the team it is in (default: found among yours)")
    .option("--json", "print JSON")
    .action(async (name: string, o: { team?: string; json?: boolean }) => {
      const found = await ApiClient.fromEnvironment().request<NamedEnvironmentDetailView>("GET", `${BASE}/${encodeURIComponent(name)}${teamQuery(o.team)}`);
      if (o.json) return printJson(found);
      printDetail(found);
    });

  named
    .command("describe")
    .description("Change a named environment's description (team admins and Keepers)")
    .argument("<name>")
    .argument("<description>")
    .option("--team <team>", "the team it is in")
    .action(async (name: string, description: string, o: { team?: string }) => {
      const updated = await ApiClient.fromEnvironment().request<NamedEnvironmentView>("PATCH", `${BASE}/${encodeURIComponent(name)}${teamQuery(o.team)}`, { description });
      process.stdout.write(`${updated.name} (team ${updated.team}): ${updated.description}\n`);
    });

  named
    .command("rm")
    .description("Remove a named environment and its versions (team admins and Keepers); jobs that used it keep their environment")
    .argument("<name>")
    .option("--team <team>", "the team it is in")
    .action(async (name: string, o: { team?: string }) => {
      const removed = await ApiClient.fromEnvironment().request<NamedEnvironmentView>("DELETE", `${BASE}/${encodeURIComponent(name)}${teamQuery(o.team)}`);
      process.stdout.write(`removed ${removed.name} from team ${removed.team}\n`);
    });
}
