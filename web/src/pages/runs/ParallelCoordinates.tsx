import { Group, NativeSelect, Paper, Text, Title } from "@mantine/core";
import { useState } from "react";
import { formatMetric, metricNumber, type RunDetail } from "./api";

// Params against a metric, one vertical axis each and one line per run, in plain SVG: which
// settings the best runs share shows as lines of one colour meeting on an axis. Numeric params
// get a linear axis, others one tick per value; the chosen metric is the last axis and colours
// the lines from low (blue) to high (red).

const WIDTH = 900;
const HEIGHT = 300;
const PAD = { top: 24, bottom: 28, side: 60 };

interface Axis {
  label: string;
  /** A run's position on the axis, 0 (bottom) to 1 (top); null when it has no value. */
  at: (r: RunDetail) => number | null;
  ticks: { at: number; label: string }[];
}

export function ParallelCoordinates({ runs }: { runs: RunDetail[] }) {
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const [metric, setMetric] = useState(metrics[0] ?? "");
  const params = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort().filter((k) => new Set(runs.map((r) => r.params[k])).size > 1);
  if (!metric || params.length === 0) return null;
  const axes = [...params.map((k) => paramAxis(k, runs)), metricAxis(metric, runs)];
  const x = (i: number) => PAD.side + (i * (WIDTH - 2 * PAD.side)) / Math.max(1, axes.length - 1);
  const y = (at: number) => PAD.top + (1 - at) * (HEIGHT - PAD.top - PAD.bottom);
  const colourAxis = axes.at(-1)!;
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Params against a metric
        </Title>
        <NativeSelect label="Metric" data={metrics} value={metric} onChange={(e) => setMetric(e.currentTarget.value)} size="xs" w={200} />
      </Group>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={`Parallel coordinates: ${params.join(", ")} against ${metric}`} data-testid="parallel-coordinates">
        {runs.map((r) => {
          const points = axes.map((a, i) => [x(i), a.at(r)] as const).filter(([, at]) => at !== null);
          const c = colourAxis.at(r);
          return (
            <polyline key={r.id} points={points.map(([px, at]) => `${px},${y(at!)}`).join(" ")} fill="none" stroke={c === null ? "gray" : colour(c)} strokeWidth={2} strokeOpacity={0.8} data-run={r.name}>
              <title>{`${r.name}: ${metric} ${formatMetric(r.metrics[metric]?.value)}`}</title>
            </polyline>
          );
        })}
        {axes.map((a, i) => (
          <g key={a.label} transform={`translate(${x(i)},0)`} fontSize={11} fill="currentColor">
            <line y1={y(0)} y2={y(1)} stroke="currentColor" strokeOpacity={0.5} />
            <text y={PAD.top - 8} textAnchor="middle" fontWeight={600}>
              {a.label}
            </text>
            {a.ticks.map((t) => (
              <text key={t.label} x={-4} y={y(t.at) + 4} textAnchor="end">
                {t.label}
              </text>
            ))}
          </g>
        ))}
      </svg>
      <Text size="xs" c="dimmed">
        Only params that differ between these runs are drawn. Lines run from blue (lowest {metric}) to red (highest).
      </Text>
    </Paper>
  );
}

function paramAxis(key: string, runs: RunDetail[]): Axis {
  const values = runs.map((r) => r.params[key]).filter((v): v is string => v !== undefined);
  const numeric = values.every((v) => v.trim() !== "" && Number.isFinite(Number(v)));
  if (numeric) return linearAxis(key, (r) => (r.params[key] === undefined ? null : Number(r.params[key])), values.map(Number));
  const categories = [...new Set(values)].sort();
  const at = (v: string) => (categories.length === 1 ? 0.5 : categories.indexOf(v) / (categories.length - 1));
  return { label: key, at: (r) => (r.params[key] === undefined ? null : at(r.params[key]!)), ticks: categories.map((c) => ({ at: at(c), label: c.length > 10 ? `${c.slice(0, 9)}…` : c })) };
}

function metricAxis(key: string, runs: RunDetail[]): Axis {
  const value = (r: RunDetail) => (r.metrics[key] ? metricNumber(r.metrics[key]!.value) : null);
  return linearAxis(key, (r) => value(r), runs.map(value).filter((v): v is number => v !== null));
}

function linearAxis(label: string, value: (r: RunDetail) => number | null, all: number[]): Axis {
  const finite = all.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const at = (v: number) => (hi === lo ? 0.5 : (v - lo) / (hi - lo));
  return {
    label,
    at: (r) => {
      const v = value(r);
      return v === null || !Number.isFinite(v) ? null : at(v);
    },
    ticks: finite.length === 0 ? [] : [...new Set([lo, hi])].map((v) => ({ at: at(v), label: formatMetric(v) })),
  };
}

/** Blue to red through purple, for 0 to 1. */
function colour(at: number): string {
  return `hsl(${Math.round(220 + at * 140) % 360} 75% 50%)`;
}
