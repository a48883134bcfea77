import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { createProgram } from "../../src/cli/program.ts";
import { parseGuide, splitWords } from "../helpers/doc-commands.ts";

// The workspace guides need a running workspace (JupyterLab, sshd, a browser) to follow, so no
// test follows them command by command. This holds them to the guide conventions that such a
// test reads (test/helpers/doc-commands.ts), and checks every `plinth …` they write — in code
// blocks, skipped ones included, and in inline code — against the real CLI: each command must
// exist and each option must be one it takes.

const ROOT = join(import.meta.dirname, "../..");
const GUIDES = ["docs/tutorials/first-notebook.md", "docs/how-to/connect-vscode.md", "docs/how-to/run-workspaces.md", "docs/reference/workspace-spec.md", "docs/reference/workspace-lifecycle.md"];

/** Every `plinth …` command line in a guide: in code blocks (after `$ ` or not) and in inline code. */
function plinthCommands(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let inBlock = false;
  markdown.split("\n").forEach((raw, i) => {
    if (/^\s*```/.test(raw)) {
      inBlock = !inBlock;
      return;
    }
    const candidates = inBlock ? [raw.trim().replace(/^\$ /, "")] : [...raw.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    for (const c of candidates) {
      const m = /^(?:\w+=\$\()?(?:[A-Za-z_]\w*=\S*\s+)*(plinth\s.*?)\)?$/.exec(c.trim());
      if (m) out.push({ line: i + 1, text: m[1]! });
    }
  });
  return out;
}

/** What is wrong with one `plinth …` command line; null when the CLI takes it. */
function checkCommand(program: Command, text: string): string | null {
  // Placeholders and variables stand for values; only command names and options matter here.
  const words = splitWords(text.replace(/\$\{?\w+\}?/g, "X"), {}).slice(1);
  let cmd = program;
  let i = 0;
  for (; i < words.length; i++) {
    const next = cmd.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!));
    if (!next) break;
    cmd = next;
  }
  if (cmd === program) return `no command \`plinth ${words[0] ?? ""}\``;
  if (cmd.commands.length > 0 && !words.slice(i).includes("--help")) return `\`plinth ${words.slice(0, i).join(" ")}\` needs one of its commands: ${cmd.commands.map((c) => c.name()).join(", ")}`;
  const known = new Set(cmd.options.flatMap((o) => [o.long, o.short]).filter(Boolean));
  known.add("--help");
  known.add("-h");
  for (const word of words.slice(i)) {
    if (word === "--") break;
    if (!word.startsWith("-") || word === "-") continue;
    const flag = word.split("=")[0]!;
    if (!known.has(flag)) return `\`plinth ${words.slice(0, i).join(" ")}\` has no option ${flag}`;
  }
  return null;
}

describe("workspace guides", () => {
  const program = createProgram(() => {});

  for (const guide of GUIDES) {
    const markdown = readFileSync(join(ROOT, guide), "utf8");

    it(`${guide} keeps to the conventions of guides that tests follow`, () => {
      expect(() => parseGuide(markdown, guide)).not.toThrow();
    });

    it(`${guide} writes only commands and options the CLI has`, () => {
      const commands = plinthCommands(markdown);
      expect(commands.length).toBeGreaterThan(0);
      const wrong = commands.flatMap(({ line, text }) => {
        const problem = checkCommand(program, text);
        return problem ? [`${guide}:${line}: ${text}: ${problem}`] : [];
      });
      expect(wrong).toEqual([]);
    });
  }

  it("catches a command or an option that does not exist", () => {
    expect(checkCommand(program, "plinth workspace create --gpus 1 --packages torch")).toBeNull();
    expect(checkCommand(program, "plinth ssh dev -L 6006:localhost:6006")).toBeNull();
    expect(checkCommand(program, "plinth workspace launch dev")).toMatch(/needs one of its commands/);
    expect(checkCommand(program, "plinth workspace create --gpu 1")).toMatch(/no option --gpu/);
    expect(checkCommand(program, "plinth notebooks ls")).toMatch(/no command/);
    expect(plinthCommands("Run `plinth config-ssh --dry-run` or\n\n```console\n$ job=$(plinth jobs ls)\n```\n").map((c) => c.text)).toEqual(["plinth config-ssh --dry-run", "plinth jobs ls"]);
  });
});
