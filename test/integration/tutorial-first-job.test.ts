import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { REPO, runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Follows docs/tutorials/first-job.md command by command, with the real `plinth` CLI against a
// real server (SQLite, two fake GPUs, no sandbox), in a fresh working directory.
//
// The tutorial's conventions, which this test reads:
//
// - A ```console block holds commands, each on one line starting with `$ ` (no continuation
//   lines), each followed by the lines of output it is expected to print.
// - A command is `plinth …` (run with the real CLI; the arguments are split like a shell would
//   split them, honouring single and double quotes, with no shell involved), or `NAME=$(plinth …)`,
//   which also keeps the command's standard output, trimmed, for later commands to use as
//   `$NAME` or `${NAME}`. Anything else must be in a skipped block.
// - `<!-- test: skip (why) -->` on the line before a block skips it: starting the server
//   (`npm start`, `plinth up`) and `plinth login` are written that way, since this test starts
//   its own server and signs in.
// - `<!-- test: file NAME -->` on the line before a block means "create the file NAME with this
//   content"; the test writes it into the working directory at that point of the tutorial.
// - Expected output: each line must appear in the command's output (stdout or stderr), in
//   order within each stream, as a substring of one line. `...` on a line of its own means
//   "anything" (and may be left out: lines need not be adjacent); `...` inside a line stands
//   for any text within that line; runs of spaces match any run of spaces (tables align
//   columns differently as widths change); leading and trailing spaces are ignored.
// - A command must exit with 0, unless its expected output contains the line `# exits N`.

const DOC = join(REPO, "docs/tutorials/first-job.md");
const DOC_NAME = relative(REPO, DOC);

type Step =
  | { kind: "file"; line: number; name: string; content: string }
  | { kind: "command"; line: number; text: string; capture: string | null; expected: string[]; exitCode: number };

/** Splits a command line into words like a POSIX shell: quotes group, `$NAME` expands (not inside single quotes). */
function splitWords(text: string, vars: Record<string, string>): string[] {
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

const NEEDS_SKIP = /^(npm\s+(start|ci)\b|plinth\s+(up|login)\b)|\bnpm start\b/;

/** Reads the tutorial into files to write and commands to run, in order. */
function parseTutorial(markdown: string): Step[] {
  const lines = markdown.split("\n");
  const steps: Step[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) {
      i++;
      continue;
    }
    const lang = open[1]!;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end >= lines.length) throw new Error(`${DOC_NAME}:${start + 1}: code block is never closed`);
    const body = lines.slice(start + 1, end);
    let prev = start - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    const marker = prev >= 0 ? /^<!--\s*test:\s*(skip|file)\b\s*(.*?)\s*-->\s*$/.exec(lines[prev]!.trim()) : null;
    i = end + 1;
    if (marker?.[1] === "skip") continue;
    if (marker?.[1] === "file") {
      const name = marker[2]!;
      if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split("/").includes("..")) throw new Error(`${DOC_NAME}:${prev + 1}: bad file name '${name}'`);
      steps.push({ kind: "file", line: start + 1, name, content: `${body.join("\n")}\n` });
      continue;
    }
    if (lang !== "console") continue;
    let current: Extract<Step, { kind: "command" }> | null = null;
    body.forEach((raw, k) => {
      const line = start + 2 + k;
      if (raw.startsWith("$ ")) {
        const text = raw.slice(2).trim();
        if (NEEDS_SKIP.test(text)) throw new Error(`${DOC_NAME}:${line}: \`${text}\` must be in a block marked <!-- test: skip (…) -->`);
        const capture = /^(\w+)=\$\((plinth\s.*)\)$/.exec(text);
        const command = capture ? capture[2]! : text;
        if (!/^plinth\s/.test(command)) {
          throw new Error(`${DOC_NAME}:${line}: \`${text}\` is neither \`plinth …\` nor \`NAME=$(plinth …)\`; mark its block <!-- test: skip (…) --> or show files with <!-- test: file NAME -->`);
        }
        current = { kind: "command", line, text, capture: capture ? capture[1]! : null, expected: [], exitCode: 0 };
        steps.push(current);
        return;
      }
      if (!current) {
        if (raw.trim() !== "") throw new Error(`${DOC_NAME}:${line}: output before any command in a console block`);
        return;
      }
      const exits = /^#\s*exits\s+(\d+)\s*$/.exec(raw.trim());
      if (exits) (current as Extract<Step, { kind: "command" }>).exitCode = Number(exits[1]);
      else if (raw.trim() !== "" && raw.trim() !== "...") (current as Extract<Step, { kind: "command" }>).expected.push(raw.trim());
    });
  }
  return steps;
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

const db = testDatabases()[0]!;
const steps = parseTutorial(readFileSync(DOC, "utf8"));

describe(`tutorial ${DOC_NAME}`, () => {
  let t: TestPlatform;
  let work: string;
  const vars: Record<string, string> = {};
  let broken: string | null = null;

  beforeAll(async () => {
    t = await startTestPlatform(db, "tutorial", { fakeGpus: 2, sandbox: "none" });
    work = mkdtempSync(join(tmpdir(), "plinth-tutorial-"));
  });
  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("has commands to follow", () => {
    const commands = steps.filter((s) => s.kind === "command").map((s) => (s as { text: string }).text);
    for (const needed of ["plinth run -- echo hello", "--gpus 1", "plinth jobs logs -f", "plinth jobs show", "plinth jobs cancel", "plinth jobs ls"]) {
      expect(
        commands.some((c) => c.includes(needed)),
        `the tutorial has no command with '${needed}'`,
      ).toBe(true);
    }
  });

  for (const step of steps) {
    const title = step.kind === "file" ? `line ${step.line}: create ${step.name}` : `line ${step.line}: $ ${step.text}`;
    it(title, async (ctx) => {
      if (broken) ctx.skip(`an earlier step failed: ${broken}`);
      try {
        if (step.kind === "file") {
          writeFileSync(join(work, step.name), step.content);
          return;
        }
        const command = step.capture ? /^\w+=\$\((.*)\)$/.exec(step.text)![1]! : step.text;
        const argv = splitWords(command, vars).slice(1);
        const r = await runCli(argv, { url: t.url, cwd: work, timeoutMs: 60_000 });
        const shown = `\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
        if (r.code !== step.exitCode) {
          throw new Error(`${DOC_NAME}:${step.line}: \`$ ${step.text}\` exited with ${r.code}, expected ${step.exitCode}${step.exitCode === 0 ? "" : ` (# exits ${step.exitCode})`}${shown}`);
        }
        const missing = firstMissing(step.expected, r);
        if (missing !== null) throw new Error(`${DOC_NAME}:${step.line}: \`$ ${step.text}\` did not print the expected line\n  ${missing}\n(in order after the lines before it)${shown}`);
        if (step.capture) vars[step.capture] = r.stdout.trim();
      } catch (err) {
        broken = step.kind === "file" ? `create ${step.name}` : `$ ${step.text}`;
        throw err;
      }
    });
  }
});
