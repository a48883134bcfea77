import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { it } from "vitest";
import { REPO, runCli } from "./platform.ts";

// A guide in docs/ followed command by command, with the real `plinth` CLI against a real
// server, in a fresh working directory. The conventions a guide keeps so that a test can
// follow it:
//
// - A ```console block holds commands, each on one line starting with `$ ` (no continuation
//   lines), each followed by the lines of output it is expected to print.
// - A block may be indented, inside a list item; it is read the same.
// - A ```sh (or ```bash, ```shell) block holds commands only, one per line, with no `$ ` and
//   no output; lines starting with `#` are comments.
// - A command is `plinth …` (run with the real CLI; the arguments are split like a shell would
//   split them, honouring single and double quotes, with no shell involved), optionally after
//   variable assignments such as `PLINTH_TOKEN=$ADA_TOKEN plinth …`, which set the command's
//   environment. `NAME=$(plinth …)` also keeps the command's standard output, trimmed, for
//   later commands to use as `$NAME` or `${NAME}`. Anything else must be in a skipped block.
// - `<!-- test: skip (why) -->` on the line before a block skips it: starting the server
//   (`npm start`, `plinth up`) and `plinth login` are written that way, since the test starts
//   its own server and signs in.
// - `<!-- test: file NAME -->` on the line before a block means "create the file NAME with this
//   content"; the test writes it into the working directory at that point of the guide.
// - Expected output: each line must appear in the command's output (stdout or stderr), in
//   order within each stream, as a substring of one line. `...` on a line of its own means
//   "anything" (and may be left out: lines need not be adjacent); `...` inside a line stands
//   for any text within that line; runs of spaces match any run of spaces (tables align
//   columns differently as widths change); leading and trailing spaces are ignored.
// - A command must exit with 0, unless its expected output contains the line `# exits N`.

export interface FileStep {
  kind: "file";
  line: number;
  name: string;
  content: string;
}

export interface CommandStep {
  kind: "command";
  line: number;
  /** The command as the guide writes it, without the `$ `. */
  text: string;
  /** The variable `NAME=$(…)` keeps the output in, if any. */
  capture: string | null;
  expected: string[];
  exitCode: number;
}

export type DocStep = FileStep | CommandStep;

export interface Guide {
  /** The path from the repository root, for messages. */
  name: string;
  steps: DocStep[];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const SHELL_BLOCKS = new Set(["sh", "bash", "shell"]);
const NEEDS_SKIP = /^(npm\s+(start|ci)\b|plinth\s+(up|login)\b)|\bnpm start\b/;
const ASSIGNMENT = /^([A-Za-z_]\w*)=(.*)$/s;
const ENV_PREFIX = /^(?:[A-Za-z_]\w*=\S*\s+)*/;
const CAPTURE = /^(\w+)=\$\((.*)\)$/;

/** Reads a guide (a path from the repository root) into the files to write and commands to run, in order. */
export function readGuide(path: string): Guide {
  const file = join(REPO, path);
  const name = relative(REPO, file);
  return { name, steps: parseGuide(readFileSync(file, "utf8"), name) };
}

export function parseGuide(markdown: string, docName: string): DocStep[] {
  const lines = markdown.split("\n");
  const steps: DocStep[] = [];
  const command = (text: string, line: number): CommandStep => {
    const capture = CAPTURE.exec(text);
    const inner = capture ? capture[2]! : text;
    const bare = inner.replace(ENV_PREFIX, "");
    if (NEEDS_SKIP.test(bare)) throw new Error(`${docName}:${line}: \`${text}\` must be in a block marked <!-- test: skip (…) -->`);
    if (!/^plinth\s/.test(bare)) {
      throw new Error(`${docName}:${line}: \`${text}\` is neither \`plinth …\` nor \`NAME=$(plinth …)\`; mark its block <!-- test: skip (…) --> or show files with <!-- test: file NAME -->`);
    }
    return { kind: "command", line, text, capture: capture ? capture[1]! : null, expected: [], exitCode: 0 };
  };
  let i = 0;
  while (i < lines.length) {
    // A block inside a list item is indented; its lines lose that indentation.
    const open = /^( *)```(\S*)\s*$/.exec(lines[i]!);
    if (!open) {
      i++;
      continue;
    }
    const indent = open[1]!;
    const lang = open[2]!;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^ *```\s*$/.test(lines[end]!)) end++;
    if (end >= lines.length) throw new Error(`${docName}:${start + 1}: code block is never closed`);
    const body = lines.slice(start + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
    let prev = start - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    const marker = prev >= 0 ? /^<!--\s*test:\s*(skip|file)\b\s*(.*?)\s*-->\s*$/.exec(lines[prev]!.trim()) : null;
    i = end + 1;
    if (marker?.[1] === "skip") continue;
    if (marker?.[1] === "file") {
      const name = marker[2]!;
      if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split("/").includes("..")) throw new Error(`${docName}:${prev + 1}: bad file name '${name}'`);
      steps.push({ kind: "file", line: start + 1, name, content: `${body.join("\n")}\n` });
      continue;
    }
    if (SHELL_BLOCKS.has(lang)) {
      body.forEach((raw, k) => {
        const text = raw.trim();
        if (text === "" || text.startsWith("#")) return;
        if (text.endsWith("\\")) throw new Error(`${docName}:${start + 2 + k}: write each command on one line`);
        steps.push(command(text, start + 2 + k));
      });
      continue;
    }
    if (lang !== "console") continue;
    let current: CommandStep | null = null;
    body.forEach((raw, k) => {
      const line = start + 2 + k;
      if (raw.startsWith("$ ")) {
        current = command(raw.slice(2).trim(), line);
        steps.push(current);
        return;
      }
      if (!current) {
        if (raw.trim() !== "") throw new Error(`${docName}:${line}: output before any command in a console block`);
        return;
      }
      const step: CommandStep = current;
      const exits = /^#\s*exits\s+(\d+)\s*$/.exec(raw.trim());
      if (exits) step.exitCode = Number(exits[1]);
      else if (raw.trim() !== "" && raw.trim() !== "...") step.expected.push(raw.trim());
    });
  }
  return steps;
}

/** Splits a command line into words like a POSIX shell: quotes group, `$NAME` expands (not inside single quotes). */
export function splitWords(text: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const expand = (): string => {
    const m = /^\$(?:\{(\w+)\}|(\w+))/.exec(text.slice(i));
    if (!m) {
      i++;
      return "$";
    }
    const name = (m[1] ?? m[2])!;
    if (!(name in vars)) throw new Error(`$${name} is used before a command sets it`);
    i += m[0].length;
    return vars[name]!;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${text}`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length && '"\\$'.includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
        } else if (text[i] === "$") word += expand();
        else word += text[i++];
      }
      if (i >= text.length) throw new Error(`unclosed " in: ${text}`);
      i++;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "$") {
      word += expand();
      inWord = true;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The expected line as a pattern over one line of output. */
function linePattern(expected: string): RegExp {
  const body = expected
    .split("...")
    .map((part) =>
      part
        .split(/[ \t]+/)
        .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[ \\t]+"),
    )
    .join("[^\\n]*?");
  return new RegExp(body, "g");
}

/** Finds each expected line in order within stdout or stderr; returns the first one missing. */
function firstMissing(expected: string[], out: { stdout: string; stderr: string }): string | null {
  const pos = { stdout: 0, stderr: 0 };
  for (const line of expected) {
    let found = false;
    for (const stream of ["stdout", "stderr"] as const) {
      const re = linePattern(line);
      re.lastIndex = pos[stream];
      const m = re.exec(out[stream]);
      if (m) {
        pos[stream] = m.index + Math.max(m[0].length, 1);
        found = true;
        break;
      }
    }
    if (!found) return line;
  }
  return null;
}

/**
 * Runs one command of a guide with the real CLI and holds it to what the guide says: its exit
 * status and its output. Keeps the output of `NAME=$(…)` in `vars`.
 */
export async function runGuideCommand(guide: Guide, step: CommandStep, vars: Record<string, string>, opts: { url: string; cwd: string }): Promise<CliResult> {
  const command = step.capture ? CAPTURE.exec(step.text)![2]! : step.text;
  const words = splitWords(command, vars);
  const env: Record<string, string> = {};
  let assignment = ASSIGNMENT.exec(words[0] ?? "");
  while (assignment) {
    env[assignment[1]!] = assignment[2]!;
    words.shift();
    assignment = ASSIGNMENT.exec(words[0] ?? "");
  }
  const r = await runCli(words.slice(1), { url: opts.url, cwd: opts.cwd, env, timeoutMs: 60_000 });
  const shown = `\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
  if (r.code !== step.exitCode) {
    throw new Error(`${guide.name}:${step.line}: \`$ ${step.text}\` exited with ${r.code}, expected ${step.exitCode}${step.exitCode === 0 ? "" : ` (# exits ${step.exitCode})`}${shown}`);
  }
  const missing = firstMissing(step.expected, r);
  if (missing !== null) throw new Error(`${guide.name}:${step.line}: \`$ ${step.text}\` did not print the expected line\n  ${missing}\n(in order after the lines before it)${shown}`);
  if (step.capture) vars[step.capture] = r.stdout.trim();
  return r;
}

export interface FollowOptions {
  /** Where the server is and which folder the commands run in; asked when the first step runs. */
  context(): { url: string; cwd: string };
  /** Variables the guide's commands set, and any the test sets before them. */
  vars?: Record<string, string>;
  /** Runs before a command, e.g. to set up what the guide assumes has happened by then. */
  before?(step: CommandStep): Promise<void>;
  /** Runs after a command has done what the guide says it prints, e.g. to check its effect through the API. */
  after?(step: CommandStep, result: CliResult): Promise<void>;
}

/** Registers one test per step of the guide, in order; once one fails, the rest are skipped. */
export function followGuide(guide: Guide, opts: FollowOptions): void {
  const vars = opts.vars ?? {};
  let broken: string | null = null;
  for (const step of guide.steps) {
    const title = step.kind === "file" ? `line ${step.line}: create ${step.name}` : `line ${step.line}: $ ${step.text}`;
    it(title, async (ctx) => {
      if (broken) ctx.skip(`an earlier step failed: ${broken}`);
      try {
        const { url, cwd } = opts.context();
        if (step.kind === "file") {
          writeFileSync(join(cwd, step.name), step.content);
          return;
        }
        await opts.before?.(step);
        const r = await runGuideCommand(guide, step, vars, { url, cwd });
        await opts.after?.(step, r);
      } catch (err) {
        broken = step.kind === "file" ? `create ${step.name}` : `$ ${step.text}`;
        throw err;
      }
    });
  }
}
