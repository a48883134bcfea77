import { Button, Group, NativeSelect, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { IconTable } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { ProblemAlert } from "../../components/ProblemAlert";
import { type DatasetDetail, type DatasetVersionDetail, previewQuery } from "./api";

// A version's tables (CSV, TSV, Parquet) as Plinth read them at upload: their columns, types,
// empty cells and rows, and the first rows themselves.

const tables = (v: DatasetVersionDetail) => v.files.filter((f) => f.profile !== null);

function NoTables() {
  return <Text c="dimmed">No table in this version: Plinth reads CSV, TSV and Parquet files.</Text>;
}

export function SchemaPanel({ v, onPreview }: { v: DatasetVersionDetail; onPreview: (path: string) => void }) {
  const found = tables(v);
  if (found.length === 0) return <NoTables />;
  return (
    <Stack gap="md">
      {found.slice(0, 50).map((f) => {
        const p = f.profile!;
        return (
          <Paper key={f.path} withBorder p="md" data-schema={f.path}>
            <Group justify="space-between" mb="xs" wrap="wrap">
              <Title order={2} size="h5" ff="monospace" style={{ wordBreak: "break-all" }}>
                {f.path}
              </Title>
              <Group gap="sm">
                <Text size="sm" c="dimmed">
                  {p.format.toUpperCase()} · {p.rows.toLocaleString("en")} rows · {p.columns.length} columns
                </Text>
                <Button size="compact-xs" variant="light" leftSection={<IconTable size={14} aria-hidden />} onClick={() => onPreview(f.path)} aria-label={`Preview ${f.path}`}>
                  Preview
                </Button>
              </Group>
            </Group>
            <Table.ScrollContainer minWidth={420}>
              <Table verticalSpacing={2} aria-label={`Columns of ${f.path}`}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Column</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th ta="right">Empty</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.columns.map((c) => (
                    <Table.Tr key={c.name}>
                      <Table.Td ff="monospace">{c.name}</Table.Td>
                      <Table.Td>{c.type}</Table.Td>
                      <Table.Td ta="right">{c.nulls === 0 ? "none" : `${c.nulls.toLocaleString("en")} (${p.rows ? ((c.nulls / p.rows) * 100).toFixed(c.nulls * 1000 < p.rows ? 2 : 1) : 0}%)`}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        );
      })}
      {found.length > 50 && <Text c="dimmed">And {found.length - 50} more tables; the Preview tab opens any of them.</Text>}
    </Stack>
  );
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function PreviewPanel({ d, v, file, onFile }: { d: DatasetDetail; v: DatasetVersionDetail; file: string | null; onFile: (path: string) => void }) {
  const found = tables(v);
  const path = file && found.some((f) => f.path === file) ? file : found[0]?.path;
  const preview = useQuery({ ...previewQuery(d.team, d.name, v.number, path ?? ""), enabled: path !== undefined });
  if (!path) return <NoTables />;
  const rows = preview.data?.rows ?? [];
  return (
    <Stack gap="sm">
      <NativeSelect label="Table" data={found.map((f) => f.path)} value={path} onChange={(e) => onFile(e.currentTarget.value)} w={420} maw="100%" />
      {preview.error && <ProblemAlert error={preview.error} onRetry={() => void preview.refetch()} />}
      {preview.isPending && <Text c="dimmed">Reading the first rows…</Text>}
      {preview.data && (
        <>
          <Text size="sm" c="dimmed" data-testid="preview-summary">
            The first {rows.length} of {(preview.data.profile?.rows ?? rows.length).toLocaleString("en")} rows. Empty cells are blank.
          </Text>
          <Table.ScrollContainer minWidth={Math.max(480, preview.data.columns.length * 120)}>
            <Table striped verticalSpacing={2} withTableBorder withColumnBorders aria-label={`First rows of ${path}`} data-testid="preview-table">
              <Table.Thead>
                <Table.Tr>
                  {preview.data.columns.map((c) => (
                    <Table.Th key={c.name}>
                      <div>{c.name}</div>
                      <Text span size="xs" c="dimmed" fw={400}>
                        {c.type}
                      </Text>
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row, i) => (
                  // Rows have no identity of their own beyond their place.
                  // biome-ignore lint/suspicious/noArrayIndexKey: a preview's rows never move
                  <Table.Tr key={i}>
                    {row.map((value, j) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: columns are fixed
                      <Table.Td key={j} ff={typeof value === "number" ? "monospace" : undefined}>
                        {cell(value)}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </Stack>
  );
}
