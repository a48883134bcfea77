import { Badge, Button, Group, NativeSelect, Paper, Stack, Tabs, Text, Title } from "@mantine/core";
import { IconUpload } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { useMe } from "../../app/me";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatBytes, formatRelative, formatStamp } from "../../lib/format";
import { usePageTitle } from "../../lib/usePageTitle";
import { datasetQuery, type DatasetDetail, type DatasetVersionDetail, versionQuery } from "./api";
import { AliasActions, DeleteButtons, DescriptionEditor } from "./DatasetActions";
import { DatasetLineage } from "./DatasetLineage";
import { DropZone } from "./DropZone";
import { ExpectationsPanel } from "./ExpectationsPanel";
import { FilesPanel } from "./FilesPanel";
import { mayWrite } from "./permissions";
import { PreviewPanel, SchemaPanel } from "./TablePanels";
import { type UploadBase, UploadDialog } from "./UploadDialog";
import type { Picked } from "./upload";
import { UsePanel } from "./UsePanel";
import { VersionsPanel } from "./VersionsPanel";
import { VisibilityBadge } from "./VisibilityText";

const TABS = ["files", "schema", "preview", "lineage", "versions", "expectations", "use"] as const;
type Tab = (typeof TABS)[number];

/** One dataset: who holds it, its versions, and the chosen version's files, tables and lineage. */
export default function DatasetPage() {
  const { team = "", name = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const dataset = useQuery(datasetQuery(team, name));
  usePageTitle(`${team}/${name}`);
  const d = dataset.data;
  const latest = d?.aliases.latest ?? d?.latest?.number;
  const asked = Number(params.get("v"));
  const number = Number.isInteger(asked) && asked > 0 ? asked : latest;
  const version = useQuery({ ...versionQuery(team, name, number ?? 0), enabled: number !== undefined });
  const tab: Tab = TABS.includes(params.get("tab") as Tab) ? (params.get("tab") as Tab) : "files";
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: key === "tab" });
  };

  if (dataset.error) return <ProblemAlert error={dataset.error} onRetry={() => void dataset.refetch()} />;
  if (!d) return <Text c="dimmed">Loading dataset…</Text>;
  return (
    <Stack gap="md">
      <Header d={d} />
      {d.versions.length === 0 ? (
        <Text c="dimmed">No version yet.</Text>
      ) : (
        <>
          <VersionBar d={d} number={number!} version={version.data} onPick={(n) => setParam("v", n === latest ? null : String(n))} />
          {version.error && <ProblemAlert error={version.error} onRetry={() => void version.refetch()} />}
          <Loaded when={version.isSuccess} name="dataset" />
          {version.data && (
            <Tabs value={tab} onChange={(t) => setParam("tab", t === "files" ? null : t)} keepMounted={false}>
              <Tabs.List aria-label="About this version">
                <Tabs.Tab value="files">Files</Tabs.Tab>
                <Tabs.Tab value="schema">Schema</Tabs.Tab>
                <Tabs.Tab value="preview">Preview</Tabs.Tab>
                <Tabs.Tab value="lineage">Lineage</Tabs.Tab>
                <Tabs.Tab value="versions">Versions</Tabs.Tab>
                <Tabs.Tab value="expectations">Expectations</Tabs.Tab>
                <Tabs.Tab value="use">Use it</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="files" pt="md">
                <FilesPanel key={version.data.number} d={d} v={version.data} />
              </Tabs.Panel>
              <Tabs.Panel value="schema" pt="md">
                <SchemaPanel v={version.data} onPreview={(path) => setParams(withParams(params, { tab: "preview", file: path }))} />
              </Tabs.Panel>
              <Tabs.Panel value="preview" pt="md">
                <PreviewPanel d={d} v={version.data} file={params.get("file")} onFile={(path) => setParam("file", path)} />
              </Tabs.Panel>
              <Tabs.Panel value="lineage" pt="md">
                <DatasetLineage d={d} v={version.data} />
              </Tabs.Panel>
              <Tabs.Panel value="versions" pt="md">
                <VersionsPanel d={d} current={version.data.number} onPick={(n) => setParams(withParams(params, { v: String(n), tab: null }))} />
              </Tabs.Panel>
              <Tabs.Panel value="expectations" pt="md">
                <ExpectationsPanel d={d} />
              </Tabs.Panel>
              <Tabs.Panel value="use" pt="md">
                <UsePanel d={d} v={version.data} />
              </Tabs.Panel>
            </Tabs>
          )}
        </>
      )}
      <NewVersion d={d} latest={latest} />
    </Stack>
  );
}

function withParams(params: URLSearchParams, patch: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  return next;
}

function Header({ d }: { d: DatasetDetail }) {
  const me = useMe();
  const write = mayWrite(me, d);
  return (
    <Stack gap={6}>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={2}>
          <Text size="sm" c="dimmed">
            <Link to={`/data?team=${encodeURIComponent(d.team)}`} className="job-link">
              {d.team}
            </Link>{" "}
            / dataset
          </Text>
          <Title order={1} style={{ wordBreak: "break-all" }}>
            {d.name}
          </Title>
        </Stack>
        {write && <DeleteButtons d={d} />}
      </Group>
      <Group gap="xs" wrap="wrap">
        <VisibilityBadge visibility={d.visibility} team={d.team} />
        <Text size="sm" c="dimmed">
          Made by {d.owner} ·{" "}
          <time dateTime={d.updatedAt} title={formatStamp(d.updatedAt)}>
            updated {formatRelative(d.updatedAt)}
          </time>
        </Text>
      </Group>
      <DescriptionEditor d={d} editable={write} />
    </Stack>
  );
}

/** "v3 · latest, prod", the version's size, who pushed it, and its aliases with their buttons. */
function VersionBar({ d, number, version, onPick }: { d: DatasetDetail; number: number; version: DatasetVersionDetail | undefined; onPick: (n: number) => void }) {
  const me = useMe();
  const options = d.versions.map((v) => ({ value: String(v.number), label: `v${v.number}${v.aliases.length ? ` · ${v.aliases.join(", ")}` : ""}` }));
  if (!d.versions.some((v) => v.number === number)) options.push({ value: String(number), label: `v${number}` });
  return (
    <Paper withBorder p="sm">
      <Group gap="md" align="flex-end" wrap="wrap">
        <NativeSelect label="Version" data={options} value={String(number)} onChange={(e) => onPick(Number(e.currentTarget.value))} w={220} data-testid="version-select" />
        {version && (
          <Stack gap={2}>
            <Text size="sm" data-testid="version-summary">
              {version.fileCount.toLocaleString("en")} file{version.fileCount === 1 ? "" : "s"}, {formatBytes(version.totalBytes)} · pushed by {version.createdBy}{" "}
              <time dateTime={version.createdAt} title={formatStamp(version.createdAt)}>
                {formatRelative(version.createdAt)}
              </time>
            </Text>
            {version.message && (
              <Text size="sm" c="dimmed">
                “{version.message}”
              </Text>
            )}
          </Stack>
        )}
        {version && (
          <Group gap={4}>
            {version.aliases.map((a) => (
              <Badge key={a} variant="outline" color="gray" tt="none">
                {a}
              </Badge>
            ))}
          </Group>
        )}
        {version && mayWrite(me, d) && <AliasActions d={d} v={version} />}
      </Group>
    </Paper>
  );
}

/** A new version from dropped files, for those who may push one. */
function NewVersion({ d, latest }: { d: DatasetDetail; latest: number | undefined }) {
  const me = useMe();
  const queryClient = useQueryClient();
  // What the dialog builds on is fixed when it opens: the new version it makes changes `latest`.
  const [open, setOpen] = useState<{ picked: Picked | null; base: UploadBase } | null>(null);
  if (!mayWrite(me, d)) return null;
  const begin = async (picked: Picked | null) => {
    const base = latest === undefined ? null : await queryClient.fetchQuery(versionQuery(d.team, d.name, latest)).catch(() => null);
    setOpen({ picked, base: base && { number: base.number, files: base.files } });
  };
  return (
    <>
      <DropZone onFiles={(picked) => void begin(picked)} testId="version-drop">
        <Group gap="xs" justify="center">
          <IconUpload size={18} aria-hidden />
          <Text c="dimmed">Drop files or a folder here to make a new version</Text>
        </Group>
        <Group justify="center">
          <Button size="xs" variant="subtle" onClick={() => void begin(null)}>
            New version…
          </Button>
        </Group>
      </DropZone>
      <UploadDialog
        opened={open !== null}
        onClose={() => setOpen(null)}
        target={{ kind: "version", team: d.team, name: d.name, base: open?.base ?? null }}
        initial={open?.picked ?? null}
      />
    </>
  );
}
