import { Anchor, Badge, Breadcrumbs, Button, Group, Stack, Table, Text, TextInput, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { IconDownload, IconFile, IconFolder, IconSearch } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatBytes } from "../../lib/format";
import { type DatasetDetail, type DatasetFile, type DatasetVersionDetail, presign } from "./api";

/** Rows on one page of the file list: a version can hold a hundred thousand files. */
export const FILES_PER_PAGE = 100;

export type Entry = { kind: "folder"; name: string; path: string; files: number; bytes: number } | { kind: "file"; name: string; file: DatasetFile };

/**
 * The entries of one folder of a version: its subfolders (with how many files and bytes they
 * hold) then its files; or, with a filter, every file whose path contains it.
 */
export function listFolder(files: DatasetFile[], dir: string, filter: string): Entry[] {
  const needle = filter.trim().toLowerCase();
  if (needle) return files.filter((f) => f.path.toLowerCase().includes(needle)).map((file) => ({ kind: "file", name: file.path, file }));
  const prefix = dir ? `${dir}/` : "";
  const folders = new Map<string, { files: number; bytes: number }>();
  const here: Entry[] = [];
  for (const file of files) {
    if (!file.path.startsWith(prefix)) continue;
    const rest = file.path.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) {
      here.push({ kind: "file", name: rest, file });
      continue;
    }
    const name = rest.slice(0, slash);
    const f = folders.get(name) ?? { files: 0, bytes: 0 };
    f.files++;
    f.bytes += file.size;
    folders.set(name, f);
  }
  const sub: Entry[] = [...folders].map(([name, f]) => ({ kind: "folder", name, path: prefix + name, ...f }));
  return [...sub, ...here];
}

export function FilesPanel({ d, v }: { d: DatasetDetail; v: DatasetVersionDetail }) {
  const [dir, setDir] = useState("");
  const [filter, setFilter] = useState("");
  const [page, setPage] = useState(0);
  const entries = useMemo(() => listFolder(v.files, dir, filter), [v.files, dir, filter]);
  const pages = Math.max(1, Math.ceil(entries.length / FILES_PER_PAGE));
  const shown = entries.slice(page * FILES_PER_PAGE, (page + 1) * FILES_PER_PAGE);
  const download = useMutation({
    mutationFn: (path: string) => presign(d.team, d.name, v.number, path),
    onSuccess: (link) => window.location.assign(link.url),
  });
  const open = (path: string) => {
    setDir(path);
    setPage(0);
  };
  const parts = dir ? dir.split("/") : [];
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Breadcrumbs aria-label="Folder" separator="/">
          <Anchor component="button" type="button" onClick={() => open("")} size="sm" aria-current={dir === "" ? "location" : undefined}>
            All files
          </Anchor>
          {parts.map((part, i) => (
            <Anchor key={part} component="button" type="button" size="sm" onClick={() => open(parts.slice(0, i + 1).join("/"))} aria-current={i === parts.length - 1 ? "location" : undefined}>
              {part}
            </Anchor>
          ))}
        </Breadcrumbs>
        <TextInput
          aria-label="Find files by path"
          placeholder="Find files by path"
          leftSection={<IconSearch size={16} aria-hidden />}
          type="search"
          size="xs"
          w={260}
          value={filter}
          onChange={(e) => {
            setFilter(e.currentTarget.value);
            setPage(0);
          }}
        />
      </Group>
      {download.error && <ProblemAlert error={download.error} />}
      <Table.ScrollContainer minWidth={560}>
        <Table verticalSpacing={4} highlightOnHover aria-label={`Files of v${v.number}`} data-testid="files-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th ta="right">Size</Table.Th>
              <Table.Th>Table</Table.Th>
              <Table.Th>
                <VisuallyHidden>Download</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((e) =>
              e.kind === "folder" ? (
                <Table.Tr key={`d:${e.path}`}>
                  <Table.Td>
                    <UnstyledButton onClick={() => open(e.path)} className="job-link" aria-label={`Open folder ${e.name}`}>
                      <Group gap={6} wrap="nowrap">
                        <IconFolder size={16} aria-hidden />
                        {e.name}/
                      </Group>
                    </UnstyledButton>
                  </Table.Td>
                  <Table.Td ta="right">{formatBytes(e.bytes)}</Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">
                      {e.files.toLocaleString("en")} file{e.files === 1 ? "" : "s"}
                    </Text>
                  </Table.Td>
                  <Table.Td />
                </Table.Tr>
              ) : (
                <Table.Tr key={`f:${e.file.path}`} data-file={e.file.path}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <IconFile size={16} aria-hidden />
                      <Text size="sm" ff="monospace" style={{ wordBreak: "break-all" }}>
                        {e.name}
                      </Text>
                    </Group>
                  </Table.Td>
                  <Table.Td ta="right">{formatBytes(e.file.size)}</Table.Td>
                  <Table.Td>
                    {e.file.profile && (
                      <Badge variant="light" color="teal" tt="none">
                        {e.file.profile.format} · {e.file.profile.rows.toLocaleString("en")} rows
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      leftSection={<IconDownload size={14} aria-hidden />}
                      loading={download.isPending && download.variables === e.file.path}
                      onClick={() => download.mutate(e.file.path)}
                      aria-label={`Download ${e.file.path}`}
                    >
                      Download
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ),
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {entries.length === 0 && <Text c="dimmed">{filter ? "No file path contains this." : "This folder is empty."}</Text>}
      {pages > 1 && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed" data-testid="files-range">
            {(page * FILES_PER_PAGE + 1).toLocaleString("en")}–{Math.min(entries.length, (page + 1) * FILES_PER_PAGE).toLocaleString("en")} of {entries.length.toLocaleString("en")}
          </Text>
          <Group gap="xs">
            <Button variant="default" size="xs" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Previous files
            </Button>
            <Button variant="default" size="xs" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
              Next files
            </Button>
          </Group>
        </Group>
      )}
    </Stack>
  );
}
