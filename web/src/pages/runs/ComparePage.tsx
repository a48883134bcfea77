import { Anchor, Group, Paper, SimpleGrid, Stack, Switch, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useQueries } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { usePageTitle } from "../../lib/usePageTitle";
import { formatMetric, metricHistoryQuery, metricNumber, type RunDetail, runPage, runQuery } from "./api";
import { LazyMetricChart } from "./LazyMetricChart";
import { ParallelCoordinates } from "./ParallelCoordinates";
import { RunStatusBadge } from "./RunStatus";
import { ThinnedNote } from "./ThinnedNote";

const MAX_RUNS = 20;
const MAX_CHARTS = 24;

/** Runs side by side: params and latest metrics with the rows that differ marked, and each metric's charts overlaid. */
export default function ComparePage() {
  usePageTitle("Compare runs");
  const [params] = useSearchParams();
  const ids = [...new Set((params.get("ids") ?? "").split(",").filter((s) => s !== ""))].slice(0, MAX_RUNS);
  const details = useQueries({ queries: ids.map((id) => runQuery(id)) });
  const failed = details.find((d) => d.error);
  const runs = details.map((d) => d.data).filter((r): r is RunDetail => r !== undefined);
  const ready = runs.length === ids.length;

  if (ids.length < 2) {
    return (
      <Stack gap="sm">
        <Title order={1}>Compare runs</Title>
        <Text>
          Pick two runs or more with the boxes on the{" "}
          <Anchor component={Link} to="/runs">
            runs page
          </Anchor>
          , then press Compare.
        </Text>
      </Stack>
    );
  }
  return (
    <Stack gap="md">
      <Title order={1}>Compare {ids.length} runs</Title>
      {failed && <ProblemAlert error={failed.error} onRetry={() => void failed.refetch()} />}
      {!ready && !failed && <Text c="dimmed">Loading runs…</Text>}
      {ready && (
        <>
          <Loaded when name="compare" />
          <SideBySide runs={runs} />
          <OverlaidCharts runs={runs} />
          <ParallelCoordinates runs={runs} />
        </>
      )}
    </Stack>
  );
}

interface Row {
  section: "Params" | "Metrics";
  key: string;
  values: string[];
  differs: boolean;
}

export function compareRows(runs: RunDetail[]): Row[] {
  const keys = (pick: (r: RunDetail) => Record<string, unknown>) => [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
  const row = (section: Row["section"], key: string, values: string[]): Row => ({ section, key, values, differs: new Set(values).size > 1 });
  return [
    ...keys((r) => r.params).map((k) => row("Params", k, runs.map((r) => r.params[k] ?? "—"))),
    ...keys((r) => r.metrics).map((k) => row("Metrics", k, runs.map((r) => formatMetric(r.metrics[k]?.value)))),
  ];
}

function SideBySide({ runs }: { runs: RunDetail[] }) {
  const [onlyDiffering, setOnlyDiffering] = useState(false);
  const rows = compareRows(runs).filter((r) => !onlyDiffering || r.differs);
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Params and metrics
        </Title>
        <Switch label="Only rows that differ" checked={onlyDiffering} onChange={(e) => setOnlyDiffering(e.currentTarget.checked)} />
      </Group>
      <Table.ScrollContainer minWidth={200 + runs.length * 160}>
        <Table verticalSpacing={4} aria-label="Params and metrics side by side" data-testid="compare-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Key</Table.Th>
              {runs.map((r) => (
                <Table.Th key={r.id}>
                  <Group gap={6} wrap="nowrap">
                    <Link to={runPage(r.id)} className="job-link">
                      {r.name}
                    </Link>
                    <RunStatusBadge status={r.status} />
                  </Group>
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={`${row.section}.${row.key}`} data-key={`${row.section.toLowerCase()}.${row.key}`} data-differs={row.differs || undefined} bg={row.differs ? "var(--mantine-color-yellow-light)" : undefined}>
                <Table.Th scope="row" fw={500}>
                  <Text span size="xs" c="dimmed">
                    {row.section === "Params" ? "param " : "metric "}
                  </Text>
                  {row.key}
                  {row.differs && <VisuallyHidden> (differs)</VisuallyHidden>}
                </Table.Th>
                {row.values.map((v, i) => (
                  <Table.Td key={runs[i]!.id} ff="monospace">
                    {v}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function OverlaidCharts({ runs }: { runs: RunDetail[] }) {
  const [weight, setWeight] = useState(0);
  const [log, setLog] = useState(false);
  const keys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort().slice(0, MAX_CHARTS), [runs]);
  const histories = useQueries({ queries: runs.map((r) => metricHistoryQuery(r.id, keys.filter((k) => k in r.metrics))) });
  const loaded = histories.every((h) => h.data || !h.isFetching);
  // Rebuilt on each render: the page renders again only when the histories, smoothing or scale change, and each redraws the charts anyway.
  const charts = keys.map((key) => ({
    key,
    series: runs.map((r, i) => ({ label: r.name, points: (histories[i]?.data?.metrics[key] ?? []).map((p) => ({ step: p.step, value: metricNumber(p.value) })) })),
  }));
  if (keys.length === 0) return null;
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={2} size="h4">
          Charts
        </Title>
        <Group gap="lg">
          <label style={{ display: "flex", alignItems: "center", gap: 8, fontSize: "var(--mantine-font-size-sm)" }}>
            Smoothing
            <input type="range" min={0} max={0.99} step={0.01} value={weight} onChange={(e) => setWeight(Number(e.currentTarget.value))} />
            <span style={{ width: 32 }}>{weight.toFixed(2)}</span>
          </label>
          <Switch label="Log scale" checked={log} onChange={(e) => setLog(e.currentTarget.checked)} />
        </Group>
      </Group>
      {histories.find((h) => h.error) && <ProblemAlert error={histories.find((h) => h.error)?.error} />}
      {!loaded && <Text c="dimmed">Loading metric histories…</Text>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {charts.map((c) => (
          <Stack key={c.key} gap={4}>
            <Text fw={500} size="sm">
              {c.key}
              {histories.some((h) => h.data?.thinned.includes(c.key)) && <ThinnedNote />}
            </Text>
            <LazyMetricChart metric={c.key} series={c.series} weight={weight} log={log} />
          </Stack>
        ))}
      </SimpleGrid>
    </Paper>
  );
}
