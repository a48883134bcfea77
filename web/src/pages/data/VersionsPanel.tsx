import { Anchor, Badge, Group, NativeSelect, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatBytes, formatRelative, formatStamp } from "../../lib/format";
import { type DatasetDetail, type DatasetDiff, diffQuery } from "./api";

/** Every version, newest first, and what changed between any two. */
export function VersionsPanel({ d, current, onPick }: { d: DatasetDetail; current: number; onPick: (n: number) => void }) {
  return (
    <Stack gap="md">
      <Table.ScrollContainer minWidth={760}>
        <Table verticalSpacing="xs" highlightOnHover aria-label="Versions" data-testid="versions-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Version</Table.Th>
              <Table.Th>What changed</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th ta="right">Files</Table.Th>
              <Table.Th ta="right">Size</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {d.versions.map((v) => (
              <Table.Tr key={v.id} data-version={v.number} aria-current={v.number === current ? "true" : undefined}>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Anchor component="button" type="button" onClick={() => onPick(v.number)} fw={v.number === current ? 700 : 500} aria-label={`Open v${v.number}`}>
                      v{v.number}
                    </Anchor>
                    {v.aliases.map((a) => (
                      <Badge key={a} variant="outline" color="gray" tt="none" size="sm">
                        {a}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  {v.message || <Text span c="dimmed">—</Text>}
                  {v.producedByJobId && (
                    <div className="job-id">
                      made by job{" "}
                      <Link to={`/jobs/${v.producedByJobId}`} className="job-link">
                        {v.producedByJobId}
                      </Link>
                    </div>
                  )}
                </Table.Td>
                <Table.Td>{v.createdBy}</Table.Td>
                <Table.Td>
                  <time dateTime={v.createdAt} title={formatStamp(v.createdAt)}>
                    {formatRelative(v.createdAt)}
                  </time>
                </Table.Td>
                <Table.Td ta="right">{v.fileCount.toLocaleString("en")}</Table.Td>
                <Table.Td ta="right">{formatBytes(v.totalBytes)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {d.versions.length >= 2 && <Compare d={d} />}
    </Stack>
  );
}

const SHOWN = 200;

function Compare({ d }: { d: DatasetDetail }) {
  const [from, setFrom] = useState(d.versions[1]!.number);
  const [to, setTo] = useState(d.versions[0]!.number);
  const diff = useQuery({ ...diffQuery(d.team, d.name, from, to), enabled: from !== to });
  const options = d.versions.map((v) => ({ value: String(v.number), label: `v${v.number}` }));
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs">
        Compare two versions
      </Title>
      <Group gap="sm" align="flex-end" mb="sm">
        <NativeSelect label="From" data={options} value={String(from)} onChange={(e) => setFrom(Number(e.currentTarget.value))} w={120} />
        <NativeSelect label="To" data={options} value={String(to)} onChange={(e) => setTo(Number(e.currentTarget.value))} w={120} />
      </Group>
      {from === to && <Text c="dimmed">Pick two different versions.</Text>}
      {diff.error && <ProblemAlert error={diff.error} />}
      {from !== to && diff.data && <DiffView diff={diff.data} />}
    </Paper>
  );
}

function DiffView({ diff }: { diff: DatasetDiff }) {
  const none = diff.added.length + diff.removed.length + diff.changed.length === 0;
  if (none) return <Text data-testid="diff-summary">The two versions hold the same files.</Text>;
  const rows: Array<{ mark: string; label: string; path: string; size: string }> = [
    ...diff.added.slice(0, SHOWN).map((f) => ({ mark: "+", label: "added", path: f.path, size: formatBytes(f.size) })),
    ...diff.removed.slice(0, SHOWN).map((f) => ({ mark: "−", label: "removed", path: f.path, size: formatBytes(f.size) })),
    ...diff.changed.slice(0, SHOWN).map((c) => ({ mark: "~", label: "changed", path: c.path, size: `${formatBytes(c.from.size)} → ${formatBytes(c.to.size)}` })),
  ];
  const cut = diff.added.length > SHOWN || diff.removed.length > SHOWN || diff.changed.length > SHOWN;
  return (
    <Stack gap="xs">
      <Text data-testid="diff-summary">
        From v{diff.from} to v{diff.to}: {diff.added.length} added, {diff.removed.length} removed, {diff.changed.length} changed.
      </Text>
      <Table.ScrollContainer minWidth={480}>
        <Table verticalSpacing={2} aria-label={`Files changed from v${diff.from} to v${diff.to}`} data-testid="diff-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Change</Table.Th>
              <Table.Th>File</Table.Th>
              <Table.Th ta="right">Size</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.label}:${r.path}`}>
                <Table.Td>
                  <Text span ff="monospace" fw={700} aria-hidden>
                    {r.mark}{" "}
                  </Text>
                  {r.label}
                </Table.Td>
                <Table.Td ff="monospace" style={{ wordBreak: "break-all" }}>
                  {r.path}
                </Table.Td>
                <Table.Td ta="right">{r.size}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {cut && (
        <Text size="sm" c="dimmed">
          The first {SHOWN} of each kind are shown; <code>plinth data diff</code> lists them all.
        </Text>
      )}
    </Stack>
  );
}
