import { type Command, Option } from "commander";
import { formatBytes } from "../core/units.ts";
import type { Dataset, DatasetDetail, DatasetFile, DatasetVersionDetail, Diff } from "../data/spec.ts";
import { ApiClient, CliError } from "./client.ts";
import { type CliRef, datasetPath, query, readName, readRef, shownRef } from "./data-refs.ts";
import { ago, printJson, printTable } from "./output.ts";
import { describeTransfer, Progress } from "./progress.ts";

// `plinth data`: versioned datasets from the terminal — push a folder, pull a version,
// list, show, preview tables, tag, remove, share a link, compare versions. Pushing and pulling
// (hashing, the hash cache, transfers) are loaded when one of them runs.

const collect = (value: string, previous: string[]) => [...previous, value];
const teamOption = () => new Option("--team <team>", "the dataset's team (default: the one of your teams that has it)");
const jsonOption = () => new Option("--json", "print JSON");

export function registerData(program: Command): void {
  const data = program.command("data").description("Versioned datasets: push a folder, pull a version, list, show, preview, tag, compare");

  data
    .command("push")
    .description("Push a file or a folder as a new version of a dataset; only content the server lacks is sent")
    .argument("<path>", "a file or a folder (every file in it, but .git folders and --exclude patterns)")
    .requiredOption("-n, --name <name>", "the dataset's name (created on the first push), or team/name")
    .option("-t, --tag <tag>", "point this tag at the new version, e.g. prod (repeatable)", collect, [])
    .addOption(teamOption())
    .option("--visibility <who>", "for a new dataset: private, team (default) or public")
    .option("-m, --message <text>", "what changed, in a sentence")
    .option("--description <text>", "for a new dataset: what it holds")
    .option("-x, --exclude <pattern>", "leave out files matching this pattern, .gitignore syntax (repeatable)", collect, [])
    .option("-q, --quiet", "no progress line or summary")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
Examples:
  plinth data push ./iris --name iris
  plinth data push results.parquet --name scores --tag candidate -m "new features"
  plinth data push ./images --name imagenet-mini --team vision --exclude '*.tmp'`,
    )
    .action(async (path: string, o: { name: string; tag: string[]; team?: string; visibility?: string; message?: string; description?: string; exclude: string[]; quiet?: boolean; json?: boolean }) => {
      const ref = readName(o.name, o.team);
      const progress = new Progress({ quiet: o.quiet || o.json });
      const { pushData } = await import("./data-push.ts");
      const r = await pushData(ApiClient.fromEnvironment(), path, { ...o, name: ref.name, team: ref.team, tags: o.tag }, progress).catch((err) => {
        progress.clear();
        throw err;
      });
      const shown = shownRef(r.dataset, r.version.number, ref.team);
      progress.finish(r.uploadedFiles > 0 ? `sent ${r.uploadedFiles} of ${r.files} files: ${describeTransfer(r.uploadedBytes, progress.elapsedMs)}` : undefined);
      if (o.json) return printJson(r);
      for (const s of r.skipped) process.stderr.write(`skipped ${s} (not a file)\n`);
      if (!r.created) process.stdout.write(`unchanged: ${shown}\n`);
      else process.stdout.write(`pushed ${shown}: ${r.files} file${r.files === 1 ? "" : "s"}, ${formatBytes(r.totalBytes)}${r.version.aliases.length > 1 ? ` (${r.version.aliases.join(", ")})` : ""}\n`);
    });

  data
    .command("pull")
    .description("Download a version's files into a folder; files already there with the right content are kept")
    .argument("<dataset>", "name[@version], e.g. iris, iris@v3, iris@prod, vision/iris")
    .argument("[dir]", "where to put the files (default: ./NAME)")
    .addOption(teamOption())
    .option("-q, --quiet", "no progress line or summary")
    .addOption(jsonOption())
    .action(async (refText: string, dir: string | undefined, o: { team?: string; quiet?: boolean; json?: boolean }) => {
      const progress = new Progress({ quiet: o.quiet || o.json });
      const ref = readRef(refText, o.team);
      const { pullData } = await import("./data-pull.ts");
      const r = await pullData(ApiClient.fromEnvironment(), ref, dir, progress).catch((err) => {
        progress.clear();
        throw err;
      });
      progress.finish(r.downloadedFiles > 0 ? `received ${r.downloadedFiles} of ${r.files} files: ${describeTransfer(r.downloadedBytes, progress.elapsedMs)}${r.resumedBytes ? `, ${formatBytes(r.resumedBytes)} resumed` : ""}` : undefined);
      if (o.json) return printJson(r);
      const what = r.downloadedFiles === 0 ? "up to date" : `${r.downloadedFiles} downloaded${r.unchanged ? `, ${r.unchanged} already there` : ""}`;
      process.stdout.write(`${shownRef(r.dataset, r.version, ref.team)} in ${r.dir}: ${r.files} file${r.files === 1 ? "" : "s"}, ${formatBytes(r.totalBytes)} (${what})\n`);
    });

  data
    .command("ls")
    .description("List the datasets you can read, newest change first")
    .argument("[query]", "only names or descriptions containing this")
    .addOption(teamOption())
    .option("--limit <n>", "how many", "50")
    .option("--cursor <cursor>", "continue after the previous page")
    .addOption(jsonOption())
    .action(async (q: string | undefined, o: { team?: string; limit: string; cursor?: string; json?: boolean }) => {
      const page = await ApiClient.fromEnvironment().request<{ items: Dataset[]; next: string | null }>("GET", `/api/v1/datasets${query({ q, team: o.team, limit: o.limit, cursor: o.cursor })}`);
      if (o.json) return printJson(page);
      if (page.items.length === 0) {
        process.stderr.write(q || o.team ? "No datasets match.\n" : "No datasets yet. Push a folder: plinth data push ./data --name NAME\n");
        return;
      }
      printTable(
        ["NAME", "TEAM", "LATEST", "FILES", "SIZE", "UPDATED", "VISIBILITY", "DESCRIPTION"],
        page.items.map((d) => [
          d.name,
          d.team,
          d.latest ? `v${d.latest.number}` : "-",
          d.latest ? String(d.latest.fileCount) : "-",
          d.latest ? formatBytes(d.latest.totalBytes) : "-",
          ago(d.updatedAt),
          d.visibility,
          oneLine(d.description, 50),
        ]),
      );
      if (page.next) process.stdout.write(`more: plinth data ls --cursor ${page.next}\n`);
    });

  data
    .command("show")
    .description("Show a dataset: versions, aliases, expectations, and a version's files and table columns")
    .argument("<dataset>", "name[@version]; the files shown are the version's (default latest)")
    .addOption(teamOption())
    .addOption(jsonOption())
    .action(async (refText: string, o: { team?: string; json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const ref = readRef(refText, o.team);
      const d = await client.request<DatasetDetail>("GET", `${datasetPath(ref.name)}${query({ team: ref.team })}`);
      const team = ref.team ?? d.team;
      const version = d.versions.length > 0 || ref.hasVersion ? await versionDetail(client, { ...ref, team }) : null;
      if (o.json) return printJson({ dataset: d, version });
      printDataset(d);
      if (version) printVersionFiles(version);
    });

  data
    .command("preview")
    .description("Print the first rows of a table (CSV, TSV or Parquet) in a version")
    .argument("<dataset>", "name[@version]")
    .argument("[path]", "the table's path in the version (default: the first table)")
    .option("-r, --rows <n>", "how many rows", "20")
    .addOption(teamOption())
    .addOption(jsonOption())
    .action(async (refText: string, path: string | undefined, o: { rows: string; team?: string; json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const ref = readRef(refText, o.team);
      let table = path;
      if (!table) {
        const v = await versionDetail(client, ref);
        table = v.files.find((f) => f.profile)?.path;
        if (!table) throw new CliError(`${shownRef(v.dataset, v.number, ref.team)} has no tables (CSV, TSV or Parquet files).`, `See its files with \`plinth data show ${refText}\`.`);
      }
      const p = await client.request<{ path: string; columns: Array<{ name: string; type: string }>; rows: unknown[][]; profile: DatasetFile["profile"] }>(
        "GET",
        `${datasetPath(ref.name)}/versions/${encodeURIComponent(ref.version)}/preview${query({ path: table, limit: o.rows, team: ref.team })}`,
      );
      if (o.json) return printJson(p);
      printTable(
        p.columns.map((c) => c.name),
        p.rows.map((row) => row.map(cell)),
      );
      const total = p.profile?.rows;
      process.stdout.write(`(${p.path}: ${p.rows.length}${total !== undefined ? ` of ${total}` : ""} rows${total !== undefined && total > p.rows.length ? "; --rows N for more" : ""})\n`);
    });

  data
    .command("tag")
    .description("Point a tag (prod, candidate…) at a version, or remove a tag with --rm")
    .argument("<dataset>", "name@version to tag; with --rm, the dataset's name")
    .argument("<tag>", "the tag: lower-case letters, digits and . _ -")
    .option("--rm", "remove the tag instead")
    .addOption(teamOption())
    .addOption(jsonOption())
    .action(async (refText: string, tag: string, o: { rm?: boolean; team?: string; json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      if (o.rm) {
        const ref = readName(refText, o.team);
        await client.request("DELETE", `${datasetPath(ref.name)}/aliases/${encodeURIComponent(tag)}${query({ team: ref.team })}`);
        if (o.json) return printJson({ dataset: ref.name, alias: tag, removed: true });
        process.stdout.write(`removed tag ${tag} from ${ref.name}\n`);
        return;
      }
      const ref = readRef(refText, o.team);
      const r = await client.request<{ alias: string; version: number }>("PUT", `${datasetPath(ref.name)}/aliases/${encodeURIComponent(tag)}${query({ team: ref.team })}`, { version: ref.version });
      if (o.json) return printJson({ dataset: ref.name, ...r });
      process.stdout.write(`${shownRef(ref.name, r.alias, ref.team)} is now ${shownRef(ref.name, r.version, ref.team)}\n`);
    });

  data
    .command("rm")
    .description("Remove a dataset with all its versions, or one version (name@version); asks first")
    .argument("<dataset>", "name to remove the dataset, name@version to remove one version")
    .option("-y, --yes", "do not ask")
    .addOption(teamOption())
    .addOption(jsonOption())
    .action(async (refText: string, o: { yes?: boolean; team?: string; json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const ref = readRef(refText, o.team);
      const d = await client.request<DatasetDetail>("GET", `${datasetPath(ref.name)}${query({ team: ref.team })}`);
      const where = query({ team: ref.team ?? d.team });
      if (ref.hasVersion) {
        const v = await versionDetail(client, { ...ref, team: ref.team ?? d.team });
        const shown = shownRef(d.name, v.number, d.team);
        await confirm(o.yes, `Remove ${shown} (${v.fileCount} files, ${formatBytes(v.totalBytes)})?`);
        await client.request("DELETE", `${datasetPath(d.name)}/versions/v${v.number}${where}`);
        if (o.json) return printJson({ dataset: d.name, team: d.team, version: v.number, removed: true });
        process.stdout.write(`removed ${shown}\n`);
        return;
      }
      const shown = `${d.team}/${d.name}`;
      await confirm(o.yes, `Remove the dataset ${shown} and its ${d.versions.length} version${d.versions.length === 1 ? "" : "s"}?`);
      await client.request("DELETE", `${datasetPath(d.name)}${where}`);
      if (o.json) return printJson({ dataset: d.name, team: d.team, removed: true });
      process.stdout.write(`removed ${shown}\n`);
    });

  data
    .command("url")
    .description("A link that downloads one file without signing in, until it expires")
    .argument("<dataset>", "name@version")
    .argument("<path>", "the file's path in the version")
    .option("--expires <duration>", "how long the link works, e.g. 15m, 1h, 7d (default: the server's, usually 1h)")
    .addOption(teamOption())
    .addOption(jsonOption())
    .action(async (refText: string, path: string, o: { expires?: string; team?: string; json?: boolean }) => {
      const ref = readRef(refText, o.team);
      const r = await ApiClient.fromEnvironment().request<{ url: string; expiresAt: string }>(
        "POST",
        `${datasetPath(ref.name)}/versions/${encodeURIComponent(ref.version)}/url${query({ team: ref.team })}`,
        { path, ...(o.expires && { expiresIn: o.expires }) },
      );
      if (o.json) return printJson(r);
      process.stdout.write(`${r.url}\n`);
      process.stderr.write(`expires ${r.expiresAt}; anyone with the link can download the file until then\n`);
    });

  data
    .command("diff")
    .description("Compare two versions: files added, removed and changed, with sizes")
    .argument("<from>", "name@version")
    .argument("<to>", "name@version (the same or another dataset)")
    .addOption(teamOption())
    .addOption(jsonOption())
    .action(async (fromText: string, toText: string, o: { team?: string; json?: boolean }) => {
      const client = ApiClient.fromEnvironment();
      const a = readRef(fromText, o.team);
      const b = readRef(toText, o.team);
      const diff =
        a.name === b.name && a.team === b.team
          ? await client.request<Diff>("GET", `${datasetPath(a.name)}/diff${query({ from: a.version, to: b.version, team: a.team })}`)
          : diffVersions(await versionDetail(client, a), await versionDetail(client, b));
      if (o.json) return printJson(diff);
      printDiff(diff);
    });
}

async function versionDetail(client: ApiClient, ref: CliRef): Promise<DatasetVersionDetail> {
  return client.request<DatasetVersionDetail>("GET", `${datasetPath(ref.name)}/versions/${encodeURIComponent(ref.version)}${query({ team: ref.team })}`);
}

/** Two versions of different datasets compared here: by path, then by content. */
export function diffVersions(from: DatasetVersionDetail, to: DatasetVersionDetail): Diff {
  const before = new Map(from.files.map((f) => [f.path, f]));
  const after = new Map(to.files.map((f) => [f.path, f]));
  return {
    from: from.number,
    to: to.number,
    added: to.files.filter((f) => !before.has(f.path)),
    removed: from.files.filter((f) => !after.has(f.path)),
    changed: to.files.filter((f) => before.has(f.path) && before.get(f.path)!.sha256 !== f.sha256).map((f) => ({ path: f.path, from: before.get(f.path)!, to: f })),
  };
}

function printDiff(diff: Diff): void {
  const rows: string[][] = [
    ...diff.added.map((f) => ["+", f.path, formatBytes(f.size)]),
    ...diff.removed.map((f) => ["-", f.path, formatBytes(f.size)]),
    ...diff.changed.map((c) => ["~", c.path, `${formatBytes(c.from.size)} → ${formatBytes(c.to.size)}`]),
  ].sort((x, y) => (x[1]! < y[1]! ? -1 : x[1]! > y[1]! ? 1 : 0));
  const width = Math.max(0, ...rows.map((r) => r[1]!.length));
  for (const [mark, path, size] of rows) process.stdout.write(`${mark} ${path!.padEnd(width)}  ${size}\n`);
  const n = rows.length;
  process.stdout.write(
    n === 0 ? `v${diff.from} and v${diff.to} hold the same files\n` : `${n} change${n === 1 ? "" : "s"}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed\n`,
  );
}

function printDataset(d: DatasetDetail): void {
  const out: string[] = [`${d.team}/${d.name}  (${d.visibility}, owner ${d.owner}, ${d.versions.length} version${d.versions.length === 1 ? "" : "s"})`];
  if (d.description) out.push(d.description);
  const aliases = Object.entries(d.aliases).sort(([, x], [, y]) => y - x);
  if (aliases.length) out.push(`aliases: ${aliases.map(([a, n]) => `${a} → v${n}`).join(", ")}`);
  if (d.expectations) out.push(`expectations: ${JSON.stringify(d.expectations)}`);
  process.stdout.write(`${out.join("\n")}\n`);
  if (d.versions.length === 0) {
    process.stdout.write(`\nNo versions yet. Push one: plinth data push ./data --name ${d.name}\n`);
    return;
  }
  process.stdout.write("\n");
  printTable(
    ["VERSION", "CREATED", "BY", "FILES", "SIZE", "ALIASES", "MESSAGE"],
    d.versions.map((v) => [`v${v.number}`, ago(v.createdAt), v.createdBy, String(v.fileCount), formatBytes(v.totalBytes), v.aliases.join(",") || "-", oneLine(v.message, 60)]),
  );
}

const FILES_SHOWN = 50;

function printVersionFiles(v: DatasetVersionDetail): void {
  process.stdout.write(`\nfiles of v${v.number} (${v.digest}${v.producedBy ? `, written by job ${v.producedBy.jobId}` : ""}):\n`);
  printTable(
    ["PATH", "SIZE", "ROWS", "COLUMNS"],
    v.files.slice(0, FILES_SHOWN).map((f) => [f.path, formatBytes(f.size), f.profile ? String(f.profile.rows) : "", f.profile ? String(f.profile.columns.length) : ""]),
  );
  if (v.files.length > FILES_SHOWN) process.stdout.write(`… and ${v.files.length - FILES_SHOWN} more (--json lists them all)\n`);
  for (const f of v.files.slice(0, FILES_SHOWN)) {
    if (!f.profile) continue;
    process.stdout.write(`\n${f.path} (${f.profile.format}, ${f.profile.rows} rows):\n`);
    const width = Math.max(...f.profile.columns.map((c) => c.name.length));
    for (const c of f.profile.columns) process.stdout.write(`  ${c.name.padEnd(width)}  ${c.type}${c.nulls ? `  (${c.nulls} empty)` : ""}\n`);
  }
  if (v.readBy.length) process.stdout.write(`\nread by jobs: ${v.readBy.map((j) => `${j.jobId} (${j.input})`).join(", ")}\n`);
  process.stdout.write(`\npull: plinth data pull ${v.team}/${v.dataset}@v${v.number}\n`);
}

/** A table cell: empty for null, text on one line and cut short. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return oneLine(typeof value === "string" ? value : JSON.stringify(value), 40);
}

function oneLine(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const flat = text.replace(/[\x00-\x1f\x7f]+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Asks on the terminal; without one, only --yes goes ahead. */
async function confirm(yes: boolean | undefined, question: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError(`${question} Not removed: there is no terminal to ask on.`, "Add --yes to remove without asking.");
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("Nothing removed.", undefined, 1);
}
