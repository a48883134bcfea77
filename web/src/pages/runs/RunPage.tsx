import { Anchor, Grid, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link, useParams } from "react-router";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatBytes, formatDuration, formatStamp } from "../../lib/format";
import { usePageTitle } from "../../lib/usePageTitle";
import { formatMetric, metricHistoryQuery, metricNumber, type RunDetail, runQuery } from "./api";
import { LazyMetricChart } from "./LazyMetricChart";
import { ThinnedNote } from "./ThinnedNote";
import { RunStatusBadge, runDuration } from "./RunStatus";

/** A run: who ran it and when, its params, tags, latest metrics, a chart per metric and its artifacts. */
export default function RunPage() {
  const { id = "" } = useParams();
  const run = useQuery(runQuery(id));
  usePageTitle(run.data ? `${run.data.name} (run)` : "Run");
  if (run.error) return <ProblemAlert error={run.error} onRetry={() => void run.refetch()} />;
  if (!run.data) return <Text c="dimmed">Loading run…</Text>;
  const r = run.data;
  return (
    <Stack gap="md">
      <Loaded when name="run" />
      <RunHeader run={r} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <KeyValues title="Params" empty="No params logged." values={r.params} testId="run-params" />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <KeyValues title="Metrics" empty="No metrics logged." values={Object.fromEntries(Object.entries(r.metrics).map(([k, m]) => [k, `${formatMetric(m.value)} (step ${m.step})`]))} testId="run-metrics" />
        </Grid.Col>
      </Grid>
      <RunCharts id={r.id} keys={Object.keys(r.metrics)} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <KeyValues title="Tags" empty="No tags." values={r.tags} testId="run-tags" />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Artifacts run={r} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function RunHeader({ run: r }: { run: RunDetail }) {
  return (
    <Stack gap={4}>
      <Group gap="sm">
        <Title order={1} style={{ wordBreak: "break-all" }}>
          {r.name}
        </Title>
        <RunStatusBadge status={r.status} />
      </Group>
      <Text size="sm" c="dimmed" ff="monospace">
        {r.id}
      </Text>
      <Text size="sm" data-testid="run-summary">
        In{" "}
        <Anchor component={Link} to={`/runs?experiment=${encodeURIComponent(r.experiment.id)}`}>
          {r.experiment.name}
        </Anchor>{" "}
        ({r.experiment.team}) by {r.user}; started {formatStamp(r.startTime)}
        {r.endTime ? `, ended ${formatStamp(r.endTime)}` : ""}, {formatDuration(runDuration(r))}
        {r.jobId && (
          <>
            {"; made by job "}
            <Anchor component={Link} to={`/jobs/${encodeURIComponent(r.jobId)}`} ff="monospace">
              {r.jobId}
            </Anchor>
          </>
        )}
      </Text>
    </Stack>
  );
}

/** A small two-column table, or a line saying there is nothing. */
export function KeyValues({ title, empty, values, testId }: { title: string; empty: string; values: Record<string, string>; testId: string }) {
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Paper withBorder p="sm">
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      {entries.length === 0 ? (
        <Text c="dimmed" size="sm">
          {empty}
        </Text>
      ) : (
        <Table verticalSpacing={4} aria-label={title} data-testid={testId}>
          <Table.Tbody>
            {entries.map(([k, v]) => (
              <Table.Tr key={k} data-key={k}>
                <Table.Th scope="row" fw={500} style={{ wordBreak: "break-all" }}>
                  {k}
                </Table.Th>
                <Table.Td ff="monospace" style={{ wordBreak: "break-all" }}>
                  {v}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

/** A chart per metric (the first 24), from the metrics' histories. */
function RunCharts({ id, keys }: { id: string; keys: string[] }) {
  const shown = useMemo(() => [...keys].sort().slice(0, 24), [keys]);
  const history = useQuery(metricHistoryQuery(id, shown));
  const series = useMemo(
    () => Object.entries(history.data?.metrics ?? {}).map(([key, points]) => ({ key, series: [{ label: key, points: points.map((p) => ({ step: p.step, value: metricNumber(p.value) })) }] })),
    [history.data],
  );
  if (shown.length === 0) return null;
  return (
    <Paper withBorder p="sm">
      <Title order={2} size="h4" mb="xs">
        Charts
      </Title>
      {history.error && <ProblemAlert error={history.error} onRetry={() => void history.refetch()} />}
      {!history.data && !history.error && <Text c="dimmed">Loading metric histories…</Text>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {series.map((m) => (
          <Stack key={m.key} gap={4}>
            <Text fw={500} size="sm">
              {m.key}
              {history.data?.thinned.includes(m.key) && <ThinnedNote />}
            </Text>
            <LazyMetricChart metric={m.key} series={m.series} />
          </Stack>
        ))}
      </SimpleGrid>
    </Paper>
  );
}

function Artifacts({ run }: { run: RunDetail }) {
  return (
    <Paper withBorder p="sm">
      <Title order={2} size="h4" mb="xs">
        Artifacts
      </Title>
      {run.artifacts.length === 0 ? (
        <Text c="dimmed" size="sm">
          No artifacts: <code>mlflow.log_artifact(path)</code> keeps a file with the run.
        </Text>
      ) : (
        <Table verticalSpacing={4} aria-label="Artifacts" data-testid="run-artifacts">
          <Table.Tbody>
            {run.artifacts.map((a) => (
              <Table.Tr key={a.path}>
                <Table.Td ff="monospace">{a.isDir ? `${a.path}/` : a.path}</Table.Td>
                <Table.Td>{a.isDir ? "folder" : formatBytes(a.size)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text size="xs" c="dimmed" mt="xs" ff="monospace" style={{ wordBreak: "break-all" }}>
        {run.artifactUri}
      </Text>
    </Paper>
  );
}
