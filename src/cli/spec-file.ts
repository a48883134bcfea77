import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { CliError } from "./client.ts";

// A job spec file (plinth.yaml, YAML or JSON) read with the position of every node, so that a
// problem found later can be shown as file:line:col.

export interface SpecFile {
  path: string;
  spec: Record<string, unknown>;
  /** `file:line:col` of the value at `path` (of its key with `key`), or of the nearest enclosing node that exists. */
  locate(path: ReadonlyArray<PropertyKey>, opts?: { key?: boolean }): string;
}

export function readSpecFile(path: string): SpecFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read ${path}: ${(err as Error).message}`, "Give the path of a plinth.yaml job spec.");
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  const syntax = doc.errors[0];
  if (syntax) {
    throw new CliError(`${at(syntax.pos[0])}: ${firstLine(syntax.message)}`, "This is not valid YAML: check the indentation and quoting on that line (a value with `: ` or `#` in it needs quotes).");
  }
  const spec: unknown = doc.toJS() ?? {};
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new CliError(`${path} must hold a job spec: fields such as \`command:\` and \`resources:\`, one per line.`, "See docs/reference/job-spec.md, or `plinth config schema --job`.");
  }
  return { path, spec: spec as Record<string, unknown>, locate: (p, opts) => locate(doc, p, opts?.key ?? false, at) ?? path };
}

function locate(doc: Document, path: ReadonlyArray<PropertyKey>, key: boolean, at: (offset: number) => string): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const parent = doc.getIn(path.slice(0, n - 1), true);
    const last = path[n - 1];
    let node: unknown;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
      node = pair && (key && n === path.length ? pair.key : (pair.value ?? pair.key));
    } else if (isSeq(parent) && typeof last === "number") node = parent.items[last];
    const range = (node as { range?: [number] } | null | undefined)?.range;
    if (range) return at(range[0]);
  }
  const root = (doc.contents as { range?: [number] } | null)?.range;
  return root ? at(root[0]) : undefined;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
