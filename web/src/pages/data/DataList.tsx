import { Anchor, Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch, IconUpload } from "@tabler/icons-react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { teamsQuery } from "../../api/queries";
import { CommandBlock } from "../../components/CommandBlock";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { VisibilityText } from "./VisibilityText";
import { formatBytes, formatRelative, formatStamp } from "../../lib/format";
import { usePageTitle } from "../../lib/usePageTitle";
import { type Dataset, datasetPage, datasetsQuery } from "./api";
import { DropZone } from "./DropZone";
import { UploadDialog } from "./UploadDialog";
import type { Picked } from "./upload";

/** Data: the datasets the person may read, searchable, filtered by team, fifty at a time. */
export default function DataList() {
  usePageTitle("Data");
  const [params, setParams] = useSearchParams();
  const team = params.get("team") ?? "";
  const [q, setQ] = useState(params.get("q") ?? "");
  const [debounced] = useDebouncedValue(q.trim(), 250);
  useEffect(() => {
    if (debounced === (params.get("q") ?? "")) return;
    const next = new URLSearchParams(params);
    if (debounced) next.set("q", debounced);
    else next.delete("q");
    setParams(next, { replace: true });
  }, [debounced, params, setParams]);
  const search = params.get("q") ?? "";

  const teams = useQuery(teamsQuery);
  const list = useInfiniteQuery(datasetsQuery({ q: search, team }));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const [upload, setUpload] = useState<Picked | null | false>(false);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Data</Title>
        <Button leftSection={<IconUpload size={16} aria-hidden />} onClick={() => setUpload(null)}>
          New dataset
        </Button>
      </Group>
      <Text>
        Your teams' datasets: named, versioned sets of files that jobs read by name (<code>inputs: {"{"}train: iris@v2{"}"}</code>).{" "}
        <Anchor component={Link} to="/guides/how-to/share-datasets">
          How datasets work
        </Anchor>
      </Text>
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="Name or description"
          leftSection={<IconSearch size={16} aria-hidden />}
          type="search"
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={280}
        />
        <NativeSelect
          label="Team"
          data={[{ value: "", label: "All teams" }, ...(teams.data?.items ?? []).map((t) => ({ value: t.name, label: t.name }))]}
          value={team}
          onChange={(e) => {
            const next = new URLSearchParams(params);
            if (e.currentTarget.value) next.set("team", e.currentTarget.value);
            else next.delete("team");
            setParams(next);
          }}
          w={200}
        />
      </Group>
      {list.error && <ProblemAlert error={list.error} onRetry={() => void list.refetch()} />}
      <Loaded when={list.isSuccess} name="datasets" />
      {items.length > 0 && <DatasetTable items={items} busy={list.isFetching} />}
      {list.hasNextPage && (
        <Group justify="center">
          <Button variant="default" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            Show more datasets
          </Button>
        </Group>
      )}
      {list.isSuccess && items.length === 0 && (search || team ? <Text c="dimmed">No datasets match.</Text> : <FirstDataset onFiles={(picked) => setUpload(picked)} />)}
      {items.length > 0 && (
        <DropZone onFiles={(picked) => setUpload(picked)} testId="data-drop">
          <Text ta="center" c="dimmed">
            Drop files or a folder here to make a new dataset
          </Text>
        </DropZone>
      )}
      <UploadDialog opened={upload !== false} onClose={() => setUpload(false)} target={{ kind: "new" }} initial={upload || null} />
    </Stack>
  );
}

function DatasetTable({ items, busy }: { items: Dataset[]; busy: boolean }) {
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-label="Datasets" aria-busy={busy} data-testid="datasets-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Dataset</Table.Th>
            <Table.Th>Team</Table.Th>
            <Table.Th>Latest</Table.Th>
            <Table.Th>Files</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Updated</Table.Th>
            <Table.Th>Who can read it</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((d) => (
            <Table.Tr key={d.id} data-dataset={`${d.team}/${d.name}`}>
              <Table.Td>
                <Link to={datasetPage(d.team, d.name)} className="job-link">
                  {d.name}
                </Link>
                {d.description && <div className="job-id">{d.description.length > 90 ? `${d.description.slice(0, 89)}…` : d.description}</div>}
              </Table.Td>
              <Table.Td>{d.team}</Table.Td>
              <Table.Td>{d.latest ? `v${d.latest.number}` : "none yet"}</Table.Td>
              <Table.Td>{d.latest ? d.latest.fileCount.toLocaleString("en") : "—"}</Table.Td>
              <Table.Td>{d.latest ? formatBytes(d.latest.totalBytes) : "—"}</Table.Td>
              <Table.Td>
                <time dateTime={d.updatedAt} title={formatStamp(d.updatedAt)}>
                  {formatRelative(d.updatedAt)}
                </time>
              </Table.Td>
              <Table.Td>
                <VisibilityText visibility={d.visibility} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** No dataset yet: how to push one from a terminal, or by dropping files here. */
function FirstDataset({ onFiles }: { onFiles: (picked: Picked) => void }) {
  return (
    <Stack gap="sm" data-testid="datasets-empty" maw={760}>
      <Text fw={500}>No datasets yet.</Text>
      <Text size="sm">Push a folder from a terminal; it becomes version 1 of a dataset of your team:</Text>
      <CommandBlock command="plinth data push ./folder --name NAME" testId="push-command" />
      <Text size="sm">Or drop its files here:</Text>
      <DropZone onFiles={onFiles} testId="data-drop" />
    </Stack>
  );
}
