// The workspace reference pages, generated from the code like the job ones (scripts/gen-reference.ts
// collects them):
//
//   workspace-spec.md       every field of a workspace (z.toJSONSchema of WorkspaceSpecSchema),
//                           the `plinth workspace create` flag for each, and the team settings
//   workspace-lifecycle.md  the workspace state machine (WORKSPACE_TRANSITIONS) and the stop reasons
//
// test/unit/workspace-lifecycle-doc.test.ts checks the drawing against the table;
// test/unit/reference-docs.test.ts checks both files against what this writes.

import type { Command } from "commander";
import { z } from "zod";
import { createProgram } from "../../src/cli/program.ts";
import { warnAheadMs } from "../../src/workspaces/idle-watch.ts";
import { WORKSPACE_TRANSITIONS } from "../../src/workspaces/lifecycle.ts";
import { STOP_REASONS, type StopReason, TeamWorkspaceSettingsSchema, WORKSPACE_STATES, type WorkspaceState, WorkspaceSpecSchema } from "../../src/workspaces/spec.ts";
import { checkExampleCovers, deref, describeText, describeType, fields, GENERATED, inlineValue, type Schema, table } from "./json-schema.ts";

const HERE = "scripts/reference/workspaces.ts";

// ---------------------------------------------------------------------------------------------
// Workspace spec

/** A complete workspace, as the API takes it. Fields left out, and why; the generator fails if any other is missing. */
const WORKSPACE_EXAMPLE = {
  name: "thesis",
  app: "jupyterlab",
  resources: { cpus: 8, memory: "32G", gpus: 1, gpu: { model: "*3090*", minMemory: "24G" } },
  environment: { python: "3.12", packages: ["torch", "pandas"] },
  datasets: ["imagenet-subset@v3", "vision/annotations"],
  team: "vision",
  shared: false,
  idleStop: "1h",
  lifetime: "3d",
  stopAt: "2026-12-01T18:00:00Z",
};
const WORKSPACE_EXAMPLE_OMITS: Record<string, string> = {
  "environment.requirements": "Not for workspaces, which have no code folder of their own: list the packages instead.",
  "environment.project": "Not for workspaces, which have no code folder of their own: list the packages instead.",
  "environment.image": "Not for workspaces, which run in Python environments on the server: an image is refused.",
};

/** The `plinth workspace create` option that sets each field; the generator checks that each exists. */
const CREATE_FLAGS: Record<string, string> = {
  name: "--name",
  app: "--app",
  "resources.cpus": "--cpus",
  "resources.memory": "--memory",
  "resources.gpus": "--gpus",
  "resources.gpu.model": "--gpu-model",
  environment: "--env (a named environment)",
  "environment.python": "--python",
  "environment.packages": "--packages (comma-separated)",
  datasets: "--dataset (once per dataset)",
  team: "--team",
  shared: "--shared",
  idleStop: "--idle-stop",
  lifetime: "--lifetime",
  stopAt: "--stop-at",
};

function subcommand(program: Command, path: string[]): Command {
  let cmd = program;
  for (const name of path) {
    const next = cmd.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command \`plinth ${path.join(" ")}\` for ${HERE}`);
    cmd = next;
  }
  return cmd;
}

function checkFlags(cmd: Command, flags: Record<string, string>): void {
  const known = new Set(cmd.options.map((o) => o.long));
  for (const [field, text] of Object.entries(flags)) {
    const flag = text.split(" ")[0]!;
    if (!known.has(flag)) throw new Error(`${HERE} gives ${flag} for ${field}, but \`plinth ${cmd.parent?.name()} ${cmd.name()}\` has no such option`);
  }
}

/** The flag in code, with any note after it in words: `--env` (a named environment). */
function flagCell(text: string | undefined): string {
  if (!text) return "—";
  const [flag, ...note] = text.split(" ");
  return [`\`${flag}\``, ...note].join(" ");
}

/** A field's description without the long pattern zod writes for dates. */
function fieldText(root: Schema, node: Schema): string {
  return describeText(root, node.format ? { ...node, pattern: undefined } : node);
}

function typeText(root: Schema, node: Schema, required: boolean): string {
  return describeType(root, node) + (required ? " (required)" : "");
}

function workspaceSpecDoc(): string {
  const root = z.toJSONSchema(WorkspaceSpecSchema, { io: "input" }) as Schema;
  const spec = deref(root, root);
  const all = fields(root, spec);
  checkExampleCovers(
    "workspace spec",
    all.map((f) => f.path),
    WORKSPACE_EXAMPLE,
    WORKSPACE_EXAMPLE_OMITS,
    HERE,
  );
  const parsed = WorkspaceSpecSchema.safeParse(WORKSPACE_EXAMPLE);
  if (!parsed.success) throw new Error(`the workspace example in ${HERE} is invalid: ${parsed.error.message}`);
  const program = createProgram(() => {});
  const create = subcommand(program, ["workspace", "create"]);
  checkFlags(create, CREATE_FLAGS);
  const settings = subcommand(program, ["workspace", "settings"]);
  checkFlags(settings, { idleStop: "--idle-stop", maxLifetime: "--max-lifetime" });
  const unknown = Object.keys(CREATE_FLAGS).filter((p) => !all.some((f) => f.path === p));
  if (unknown.length) throw new Error(`${HERE} names flags for fields the workspace spec lacks: ${unknown.join(", ")}`);

  const defaults = all.find((f) => f.path === "resources")?.node.default;
  // What the server makes of resources given in part, as `--gpus 1` alone sends them.
  const partly = WorkspaceSpecSchema.parse({ resources: { gpus: 1 } }).resources;
  const rows = all.map((f) => [`\`${f.path}\``, typeText(root, f.node, f.required), inlineValue(f.node.default), flagCell(CREATE_FLAGS[f.path]), [WORKSPACE_EXAMPLE_OMITS[f.path], fieldText(root, f.node)].filter(Boolean).join(" ")]);

  const teamRoot = z.toJSONSchema(TeamWorkspaceSettingsSchema, { io: "input" }) as Schema;
  const teamRows = fields(teamRoot, deref(teamRoot, teamRoot)).map((f) => [`\`${f.path}\``, typeText(teamRoot, f.node, f.required), f.path === "idleStop" ? "`--idle-stop`" : "`--max-lifetime` (`none`: no limit)", fieldText(teamRoot, f.node)]);

  return [
    GENERATED,
    "",
    "# Workspace spec reference",
    "",
    `${spec.description} A workspace spec is what \`plinth workspace create\` sends to the server: its flags build one. The API takes the same spec as JSON in \`POST /api/v1/workspaces\`.`,
    "",
    "Every field is optional. Unknown fields are refused, so a typo is reported instead of ignored.",
    "",
    "## Example",
    "",
    "The same workspace from the command line and as the API's JSON:",
    "",
    "```sh",
    "plinth workspace create --name thesis --cpus 8 --memory 32G --gpus 1 --gpu-model '*3090*' --python 3.12 --packages torch,pandas --dataset imagenet-subset@v3 --dataset vision/annotations --team vision --idle-stop 1h --lifetime 3d --stop-at 2026-12-01T18:00:00Z",
    "```",
    "",
    "```json",
    JSON.stringify(WORKSPACE_EXAMPLE, null, 2),
    "```",
    "",
    "## Fields",
    "",
    table(["Field", "Type", "Default", "Flag of `plinth workspace create`", "Description"], rows),
    "",
    `Left out, \`resources\` is ${inlineValue(defaults)}. Given in part, the fields left out take the defaults in their rows: \`--gpus 1\` alone asks for ${inlineValue(partly)}. Ask for the CPU cores and memory you need alongside (\`--cpus 4 --memory 16G\`).`,
    "",
    "`environment` is a named environment of the team (`--env pytorch`; `plinth env named ls` lists them), or an object with `python` and `packages`. For `jupyterlab`, the package `jupyterlab` is added to a list that lacks it; a named environment must have it already.",
    "",
    "Durations (`idleStop`, `lifetime`) are written `90s`, `30m`, `2h`, `1h30m` or `3d`; a bare number means seconds. Memory is written as in a job spec (`16G`, `512M`; see [Job spec](job-spec.md#units)).",
    "",
    "## A team's settings",
    "",
    "Each team has an idle stop and a longest lifetime for all its workspaces. `plinth workspace settings TEAM` shows them; its admins and the Keepers set them with the flags below (`PUT /api/v1/teams/TEAM/workspace-settings` in the API). A workspace's own `idleStop` can only make its idle stop shorter than its team's.",
    "",
    table(["Setting", "Type", "Flag of `plinth workspace settings`", "Description"], teamRows),
    "",
    "[Workspace lifecycle](workspace-lifecycle.md) says what happens when each of these is reached.",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Workspace lifecycle

const STATE_MEANINGS: Record<WorkspaceState, string> = {
  requested: "Its session's job is in the queue, waiting for CPUs, memory and GPUs like any job. `plinth workspace show` and the portal say why it waits and when it should start.",
  starting: "Its job runs; Plinth waits until the app (JupyterLab, VS Code) answers, or, for an `ssh` workspace, until SSH takes connections.",
  running: "It answers: open it in the browser, or connect by SSH. Its CPUs, memory and GPUs are reserved for it alone.",
  idle_warned: `Nobody has used it for most of its idle stop: its owner is warned (in the portal, in \`plinth workspace show\`), ${warnAheadMs(2 * 3_600_000) / 60_000} minutes ahead with an idle stop of 2 hours (a quarter of the idle stop, at most ${warnAheadMs(Number.MAX_SAFE_INTEGER) / 60_000} minutes). Any use brings it back to running.`,
  stopping: "Its job is being stopped; its GPUs go back to the queue as soon as the job has ended.",
  stopped: "Nothing runs; the home folder is kept. `plinth workspace start NAME` requests it again with the same spec.",
  failed: "Its job could not be queued, its app did not start, or its job ended with an error. The workspace shows the message and hint of its job; it can be started again.",
};

const STOP_MEANINGS: Record<StopReason, string> = {
  owner: "Its owner stopped it (`plinth workspace stop`, or the portal).",
  idle: "Nobody used it for its idle stop: no bytes through the browser or SSH, and its GPUs below the server's busy threshold (`workspaces.gpuBusyPercent`).",
  schedule: "It reached its `stopAt` time.",
  lifetime: "It reached the end of its `lifetime`, or of its team's longest lifetime.",
  keeper: "An admin of its team or a Keeper stopped it, or its job was cancelled from outside the workspace (for example with `plinth jobs cancel`).",
  ended: "Its job ended by itself without an error.",
  failed: "It failed; its message says why.",
};

export function workspaceLifecycleDiagram(): string {
  const lines = ["stateDiagram-v2", "    [*] --> requested"];
  for (const from of WORKSPACE_STATES) for (const to of WORKSPACE_TRANSITIONS[from]) lines.push(`    ${from} --> ${to}`);
  return lines.join("\n");
}

function workspaceLifecycleDoc(): string {
  for (const s of WORKSPACE_STATES) if (!STATE_MEANINGS[s]) throw new Error(`workspace state ${s} has no description in ${HERE}`);
  for (const r of STOP_REASONS) if (!STOP_MEANINGS[r]) throw new Error(`stop reason ${r} has no description in ${HERE}`);
  const next = (s: WorkspaceState) => WORKSPACE_TRANSITIONS[s].map((t) => `\`${t}\``).join(", ");
  return [
    GENERATED,
    "",
    "# Workspace lifecycle",
    "",
    "A workspace moves through these states, and only along these arrows. Each session of a workspace is a job — the same queue, limits and sandbox as any job — and the workspace follows it. Each change is written to the database, with an event and its time, before Plinth acts on it (submits the job, stops it), so after a restart the record says what was decided. A server restart does not stop running workspaces. `GET /api/v1/workspaces/NAME/events` lists a workspace's events.",
    "",
    "```mermaid",
    workspaceLifecycleDiagram(),
    "```",
    "",
    "A new workspace starts as `requested`. One that cannot even be queued (a limit, a full home folder) is not kept, and the answer says why.",
    "",
    "## States",
    "",
    table(
      ["State", "What it means", "Can become"],
      WORKSPACE_STATES.map((s) => [`\`${s}\``, STATE_MEANINGS[s], next(s)]),
    ),
    "",
    "No state is final: a stopped or failed workspace starts again with `plinth workspace start NAME` (a new session, a new job), and `plinth workspace rm NAME` deletes one that is stopped or failed. The home folder belongs to its person, not to the workspace, and is kept either way.",
    "",
    "## Stop reasons",
    "",
    "A workspace that stopped or failed carries the reason (`stopReason` in the API):",
    "",
    table(
      ["Reason", "When"],
      STOP_REASONS.map((r) => [`\`${r}\``, STOP_MEANINGS[r]]),
    ),
    "",
    "The idle stop is the team's (set by its admins with `plinth workspace settings TEAM --idle-stop 45m`; otherwise the server's `workspaces.idleStop`, 2 hours unless a Keeper changed it), or the workspace's own `idleStop` when that is shorter. [Workspace spec](workspace-spec.md) lists the settings.",
    "",
  ].join("\n");
}

/** The generated workspace pages, by path relative to the repository root. */
export function workspaceReferenceDocs(): Array<[string, string]> {
  return [
    ["docs/reference/workspace-spec.md", workspaceSpecDoc()],
    ["docs/reference/workspace-lifecycle.md", workspaceLifecycleDoc()],
  ];
}
