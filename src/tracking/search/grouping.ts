// Turns the tokens of a search string into statements of grouped nodes — parentheses, dotted
// identifiers, comparisons — the way the SQL parser behind MLflow's search groups them. MLflow
// then accepts a statement only when its top level is comparisons joined by AND, and quotes
// the text of every other top-level node in its error message; so the grouping rules decide
// both what is accepted and what the message says. They are applied here in the parser's
// order, with its quirks (`metrics.a b` is one identifier, `(a > 1)` is one opaque node).

import { invalidParameter } from "../mlflow-error.ts";
import { isKeyword, type Token, type TokenKind, tokenize } from "./lexer.ts";

export type NodeKind = TokenKind | "assignment-group" | "comment-group" | "parenthesis" | "brackets" | "function" | "identifier" | "operation" | "comparison" | "identifier-list";

export interface Node {
  kind: NodeKind;
  text: string;
  /** A comparison's operand, operator and operand (whitespace left out). */
  parts?: Node[];
}

// The parser refuses deeper or longer input than this, and MLflow reports it as a parse error.
const MAX_DEPTH = 100;
const MAX_TOKENS = 10_000;

class TooComplexError extends Error {}

/**
 * Parses `text` into its statements (split at top-level semicolons), each a list of top-level
 * nodes. Input too long or nested too deeply for MLflow's parser is refused with `tooComplex`.
 */
export function parseStatements(text: string, tooComplex: string): Node[][] {
  try {
    return splitStatements(tokenize(text)).map((tokens) => group(tokens.map((token): Node => ({ kind: token.kind, text: token.text }))));
  } catch (error) {
    if (error instanceof TooComplexError) throw invalidParameter(tooComplex);
    throw error;
  }
}

/** Blanks: spaces, tabs and newlines (comments are not blank). */
export const isWhitespace = (node: Node | undefined): boolean => node?.kind === "whitespace";

function splitStatements(tokens: Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  let ended = false;
  for (const token of tokens) {
    // After a semicolon the statement keeps the blanks on its line; anything else starts the next one.
    if (ended && !(token.kind === "whitespace" && !/^[\r\n]/.test(token.text)) && token.kind !== "comment") {
      statements.push(current);
      current = [];
      depth = 0;
      ended = false;
    }
    if (token.kind === "punctuation" && token.text === "(") depth += 1;
    if (token.kind === "punctuation" && token.text === ")") depth = Math.max(0, depth - 1);
    current.push(token);
    if (token.kind === "punctuation" && token.text === ";" && depth <= 0) ended = true;
  }
  if (current.length > 0 && !current.every((token) => token.kind === "whitespace")) statements.push(current);
  return statements;
}

function group(nodes: Node[]): Node[] {
  if (nodes.length > MAX_TOKENS) throw new TooComplexError();
  groupComments(nodes);
  groupMatching(nodes, "[", "]", "brackets");
  groupMatching(nodes, "(", ")", "parenthesis");
  groupFunctions(nodes);
  groupPeriods(nodes);
  groupArrays(nodes);
  for (const [i, node] of nodes.entries()) if (node.kind === "name" || node.kind === "symbol") nodes[i] = { kind: "identifier", text: node.text };
  groupOrder(nodes);
  // `x::type` casts.
  groupBinary(nodes, "identifier", true, (node) => isPunctuation(node, "::"), (node) => node !== undefined);
  groupOperators(nodes);
  groupComparisons(nodes);
  groupAliases(nodes);
  groupAssignments(nodes);
  alignComments(nodes);
  groupIdentifierLists(nodes);
  return nodes;
}

const isPunctuation = (node: Node | undefined, text: string): boolean => node?.kind === "punctuation" && node.text === text;
const joinText = (nodes: Node[]): string => nodes.map((node) => node.text).join("");
const isNumber = (node: Node): boolean => node.kind === "integer" || node.kind === "float" || node.kind === "hex";

function nextIndex(nodes: Node[], from: number): number {
  for (let i = from + 1; i < nodes.length; i++) if (!isWhitespace(nodes[i])) return i;
  return -1;
}

function previousIndex(nodes: Node[], from: number): number {
  for (let i = from - 1; i >= 0; i--) if (!isWhitespace(nodes[i])) return i;
  return -1;
}

function replace(nodes: Node[], from: number, to: number, kind: NodeKind, extend: boolean): Node {
  const members = nodes.slice(from, to + 1);
  const first = members[0]!;
  const node: Node =
    extend && first.kind === kind
      ? { ...first, text: joinText(members) }
      : { kind, text: joinText(members), ...(kind === "comparison" && { parts: members.filter((m) => !isWhitespace(m)) }) };
  nodes.splice(from, members.length, node);
  return node;
}

const isNewline = (node: Node | undefined): boolean => node?.kind === "whitespace" && /^[\r\n]/.test(node.text);

/** A run of comments (and the newlines between them) becomes one node, when something follows it. */
function groupComments(nodes: Node[]): void {
  for (let i = 0; i < nodes.length; i++) {
    if (nodes[i]!.kind !== "comment") continue;
    let end = i;
    while (end < nodes.length && (nodes[end]!.kind === "comment" || isNewline(nodes[end]))) end++;
    if (end === nodes.length) return;
    replace(nodes, i, end - 1, "comment-group", false);
  }
}

const GROUP_KINDS: NodeKind[] = ["assignment-group", "comment-group", "parenthesis", "brackets", "function", "identifier", "operation", "comparison", "identifier-list"];

/** A comment after a group becomes part of that group. */
function alignComments(nodes: Node[]): void {
  for (let i = 0; i < nodes.length; i++) {
    if (nodes[i]!.kind !== "comment-group") continue;
    const previous = previousIndex(nodes, i);
    if (previous === -1 || !GROUP_KINDS.includes(nodes[previous]!.kind)) continue;
    const group = nodes[previous]!;
    const members = nodes.slice(previous, i + 1);
    nodes.splice(previous, members.length, {
      ...group,
      text: joinText(members),
      ...(group.parts && { parts: [...group.parts, ...members.slice(1).filter((m) => !isWhitespace(m))] }),
    });
    i = previous;
  }
}

/** `(...)` and `[...]`, innermost first; an unmatched one stays a lone punctuation node. */
function groupMatching(nodes: Node[], open: string, close: string, kind: NodeKind): void {
  const opens: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    if (isPunctuation(nodes[i], open)) {
      opens.push(i);
      if (opens.length > MAX_DEPTH) throw new TooComplexError();
    } else if (isPunctuation(nodes[i], close) && opens.length > 0) {
      const start = opens.pop()!;
      replace(nodes, start, i, kind, false);
      i = start;
    }
  }
}

function groupFunctions(nodes: Node[]): void {
  for (let i = 0; i < nodes.length; i++) {
    const kind = nodes[i]!.kind;
    if (kind !== "name" && kind !== "placeholder" && kind !== "builtin") continue;
    const next = nextIndex(nodes, i);
    if (next !== -1 && nodes[next]!.kind === "parenthesis") replace(nodes, i, next, "function", false);
  }
}

/**
 * The parser's generic grouping of `left OP right`: it walks a snapshot of the nodes, so after a
 * group is made the next candidate's left operand is the last node the group swallowed.
 */
function groupBinary(
  nodes: Node[],
  kind: NodeKind,
  extend: boolean,
  match: (node: Node) => boolean,
  valid: (node: Node | undefined) => boolean,
  span: (previous: number, at: number, next: number) => [number, number] = (previous, _at, next) => [previous, next],
  validNext: (node: Node | undefined) => boolean = valid,
): void {
  const snapshot = nodes.slice();
  let offset = 0;
  let previous = -1;
  let previousNode: Node | undefined;
  for (const [index, node] of snapshot.entries()) {
    const at = index - offset;
    if (at < 0 || isWhitespace(node)) continue;
    if (match(node)) {
      const next = nextIndex(nodes, at);
      if (previousNode && valid(previousNode) && validNext(next === -1 ? undefined : nodes[next])) {
        const [from, to] = span(previous, at, next);
        previousNode = replace(nodes, from, to, kind, extend);
        offset += to - from;
        previous = from;
        continue;
      }
    }
    previous = at;
    previousNode = node;
  }
}

const NAME_KINDS: NodeKind[] = ["name", "symbol"];
const OPERAND_KINDS: NodeKind[] = ["parenthesis", "function", "identifier", "operation", "integer", "float", "string", "symbol", "name", "placeholder"];

function groupPeriods(nodes: Node[]): void {
  groupBinary(
    nodes,
    "identifier",
    true,
    (node) => (node.kind === "punctuation" && node.text === ".") || (node.kind === "operator" && (node.text === "->" || node.text === "->>")),
    (node) => node !== undefined && (node.kind === "identifier" || node.kind === "brackets" || NAME_KINDS.includes(node.kind)),
    // A dot followed by something that cannot end a name still joins the name before it.
    (previous, at, next) =>
      next !== -1 && ["brackets", "function", "name", "symbol", "wildcard", "string"].includes(nodes[next]!.kind) ? [previous, next] : [previous, at],
    () => true,
  );
}

/** `x[1]`: a subscript joins the name before it. */
function groupArrays(nodes: Node[]): void {
  groupBinary(
    nodes,
    "identifier",
    true,
    (node) => node.kind === "brackets",
    (node) => node !== undefined && ["brackets", "identifier", "function", ...NAME_KINDS].includes(node.kind),
    (previous, at) => [previous, at],
    () => true,
  );
}

function groupOrder(nodes: Node[]): void {
  for (let i = 0; i < nodes.length; i++) {
    if (nodes[i]!.kind !== "order") continue;
    const previous = previousIndex(nodes, i);
    if (previous !== -1 && (nodes[previous]!.kind === "identifier" || isNumber(nodes[previous]!))) {
      replace(nodes, previous, i, "identifier", false);
      i = previous;
    }
  }
}

function groupOperators(nodes: Node[]): void {
  groupBinary(
    nodes,
    "operation",
    false,
    (node) => node.kind === "operator" || node.kind === "wildcard",
    (node) =>
      node !== undefined &&
      (OPERAND_KINDS.includes(node.kind) || (node.kind === "keyword" && ["CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP"].includes(node.text.toUpperCase()))),
  );
}

function groupComparisons(nodes: Node[]): void {
  groupBinary(
    nodes,
    "comparison",
    false,
    (node) => node.kind === "comparator",
    (node) => node !== undefined && (OPERAND_KINDS.includes(node.kind) || (isKeyword(node) && node.text.toUpperCase() === "NULL")),
  );
}

/** `x y` becomes one identifier `x y` (SQL's alias syntax), once per pair, left to right. */
function groupAliases(nodes: Node[]): void {
  const aliasable = (node: Node) => ["parenthesis", "function", "identifier", "operation", "comparison"].includes(node.kind) || isNumber(node);
  for (let i = 0; i < nodes.length; i++) {
    if (!aliasable(nodes[i]!)) continue;
    const next = nextIndex(nodes, i);
    if (next !== -1 && nodes[next]!.kind === "identifier") replace(nodes, i, next, "identifier", true);
  }
}

/** `x := y`, up to the next semicolon. */
function groupAssignments(nodes: Node[]): void {
  const valid = (node: Node | undefined) => node !== undefined && node.kind !== "keyword";
  groupBinary(
    nodes,
    "assignment-group",
    true,
    (node) => node.kind === "assignment",
    valid,
    (previous, _at, next) => {
      const semicolon = nodes.findIndex((node, i) => i > next && isPunctuation(node, ";"));
      return [previous, semicolon === -1 ? next : semicolon];
    },
  );
}

function groupIdentifierLists(nodes: Node[]): void {
  const kinds: NodeKind[] = ["function", "identifier", "comparison", "identifier-list", "operation", "integer", "float", "string", "symbol", "name", "placeholder", "keyword", "wildcard"];
  const valid = (node: Node | undefined) => node !== undefined && kinds.includes(node.kind);
  groupBinary(nodes, "identifier-list", true, (node) => isPunctuation(node, ","), valid);
}
