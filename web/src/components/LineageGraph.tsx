import { useNavigate } from "react-router";

// Where data came from and where it went, as a small left-to-right graph: columns of boxes
// (dataset versions and jobs) joined by arrows. Plain SVG: a handful of boxes needs no graph
// library. Each box with an address is a link.

export interface LineageNode {
  id: string;
  kind: "job" | "version" | "note";
  label: string;
  /** A second, smaller line (a state, who, an input's name). */
  detail?: string;
  href?: string;
  /** The thing the page is about, drawn stronger. */
  current?: boolean;
}

const W = 208;
const H = 50;
const GAP_X = 72;
const GAP_Y = 14;
const PAD = 4;
/** Boxes shown in a column before "N more". */
export const MAX_PER_COLUMN = 8;

/** Cuts a column to MAX_PER_COLUMN boxes, the last saying how many more there are. */
export function capColumn(nodes: LineageNode[], what: string): LineageNode[] {
  if (nodes.length <= MAX_PER_COLUMN) return nodes;
  const rest = nodes.length - (MAX_PER_COLUMN - 1);
  return [...nodes.slice(0, MAX_PER_COLUMN - 1), { id: `more-${what}`, kind: "note", label: `and ${rest} more ${what}` }];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function LineageGraph({ columns, edges, label, testId }: { columns: LineageNode[][]; edges: Array<[string, string]>; label: string; testId?: string }) {
  const navigate = useNavigate();
  const shown = columns.filter((c) => c.length > 0);
  const tallest = Math.max(1, ...shown.map((c) => c.length));
  const height = tallest * H + (tallest - 1) * GAP_Y + PAD * 2;
  const width = shown.length * W + (shown.length - 1) * GAP_X + PAD * 2;
  const at = new Map<string, { x: number; y: number }>();
  shown.forEach((column, i) => {
    const top = (height - (column.length * H + (column.length - 1) * GAP_Y)) / 2;
    column.forEach((node, j) => {
      at.set(node.id, { x: PAD + i * (W + GAP_X), y: top + j * (H + GAP_Y) });
    });
  });
  return (
    <figure aria-label={label} style={{ margin: 0, overflowX: "auto" }} data-testid={testId}>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} style={{ display: "block", fontFamily: "var(--mantine-font-family)" }}>
        <title>{label}</title>
        <defs>
          <marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="var(--mantine-color-dimmed)" />
          </marker>
        </defs>
        {edges.map(([from, to]) => {
          const a = at.get(from);
          const b = at.get(to);
          if (!a || !b) return null;
          const x1 = a.x + W;
          const y1 = a.y + H / 2;
          const x2 = b.x - 2;
          const y2 = b.y + H / 2;
          const mid = (x1 + x2) / 2;
          return <path key={`${from}>${to}`} d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`} fill="none" stroke="var(--mantine-color-dimmed)" strokeWidth={1.4} markerEnd="url(#lineage-arrow)" />;
        })}
        {shown.flat().map((node) => {
          const p = at.get(node.id)!;
          const label = clip(node.label, 27);
          const detail = node.detail ? clip(node.detail, 32) : "";
          const kind = node.kind === "job" ? "Job" : node.kind === "version" ? "Dataset version" : "";
          const box = (
            <g transform={`translate(${p.x} ${p.y})`} data-lineage-node={node.id}>
              <rect
                width={W}
                height={H}
                rx={node.kind === "job" ? H / 2 : 6}
                fill={node.current ? "var(--mantine-primary-color-light)" : "var(--mantine-color-body)"}
                stroke={node.current ? "var(--mantine-primary-color-filled)" : "var(--mantine-color-default-border)"}
                strokeWidth={node.current ? 2 : 1.2}
                strokeDasharray={node.kind === "note" ? "4 3" : undefined}
              />
              <text x={node.kind === "job" ? 18 : 10} y={detail ? 21 : H / 2 + 5} fontSize={13} fontWeight={600} fill={node.href ? "var(--mantine-color-anchor)" : "var(--mantine-color-text)"}>
                {label}
              </text>
              {detail && (
                <text x={node.kind === "job" ? 18 : 10} y={38} fontSize={11} fill="var(--mantine-color-dimmed)">
                  {detail}
                </text>
              )}
            </g>
          );
          if (!node.href || node.current) {
            return (
              <g key={node.id}>
                <title>{`${kind} ${node.label}${node.detail ? ` (${node.detail})` : ""}`.trim()}</title>
                {box}
              </g>
            );
          }
          const href = node.href;
          return (
            <a
              key={node.id}
              href={href}
              data-kind={node.kind}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                navigate(href);
              }}
            >
              {box}
            </a>
          );
        })}
      </svg>
    </figure>
  );
}
