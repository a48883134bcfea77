// Reads the arrows of the mermaid state diagram in a lifecycle page of docs/reference/, for
// the tests that hold the drawing to the transition table in the code.

/** Every `from --> to` of the page's first mermaid block, in order; `[*]` marks the start and the end. */
export function diagramArrows(markdown: string, doc: string): Array<[string, string]> {
  const block = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error(`${doc} has no mermaid block: run npm run docs:reference`);
  const lines = block[1]!.split("\n").map((l) => l.trim());
  if (lines[0] !== "stateDiagram-v2") throw new Error(`${doc}: the mermaid block is not a stateDiagram-v2`);
  const arrows: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    if (line === "" || line.startsWith("%%")) continue;
    const m = /^(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)(?:\s*:.*)?$/.exec(line);
    if (!m) throw new Error(`unexpected line in the lifecycle diagram of ${doc}: ${line}`);
    arrows.push([m[1]!, m[2]!]);
  }
  return arrows;
}
