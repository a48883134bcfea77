import { Anchor, Button, Group, MultiSelect, NativeSelect, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconArrowsDiff, IconFilter } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiProblem } from "../../api/problem";
import { CommandBlock } from "../../components/CommandBlock";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { usePageTitle } from "../../lib/usePageTitle";
import { comparePage, experimentsQuery, runsParams, runsQuery } from "./api";
import { type Column, columnId, defaultColumns, namedColumns, parseColumn } from "./columns";
import { RunsTable } from "./RunsTable";

/** Runs: every run one may read, filtered and sorted by the server in MLflow's language, a hundred at a time. */
export default function RunsList() {
  usePageTitle("Runs");
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = runsParams(params);
  const [filter, setFilter] = useState(query.filter ?? "");
  useEffect(() => setFilter(params.get("filter") ?? ""), [params]);
  // The cursors of the pages before this one, to go back.
  const [previous, setPrevious] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const experiments = useQuery(experimentsQuery);
  const runs = useQuery({ ...runsQuery(query), placeholderData: keepPreviousData });
  const items = runs.data?.items ?? [];
  const badFilter = runs.error instanceof ApiProblem && runs.error.status === 400 ? runs.error.problem : null;

  const change = (patch: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v ? next.set(k, v) : next.delete(k);
    if (!("cursor" in patch)) {
      next.delete("cursor");
      setPrevious([]);
    }
    setParams(next);
  };

  const metricKeys = useMemo(() => [...new Set(items.flatMap((r) => Object.keys(r.metrics)))].sort(), [items]);
  const paramKeys = useMemo(() => [...new Set(items.flatMap((r) => Object.keys(r.params)))].sort(), [items]);
  const chosen = params.get("cols");
  const columns: Column[] =
    chosen !== null
      ? chosen
          .split(",")
          .map(parseColumn)
          .filter((c): c is Column => c !== null)
      : defaultColumns(namedColumns(`${query.sort ?? ""} ${query.filter ?? ""}`), metricKeys, paramKeys);
  const choices = [...new Set([...columns.map(columnId), ...metricKeys.map((k) => `metrics.${k}`), ...paramKeys.map((k) => `params.${k}`)])];

  const filtered = Boolean(query.filter || query.experiment);
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Runs</Title>
        <Button leftSection={<IconArrowsDiff size={16} aria-hidden />} disabled={selected.size < 2} onClick={() => navigate(comparePage([...selected]))}>
          Compare {selected.size > 0 ? `${selected.size} runs` : "runs"}
        </Button>
      </Group>
      <Text>
        Every job is a run, and so is every MLflow run logged to Plinth: its params, metrics and artifacts.{" "}
        <Anchor component={Link} to="/guides/how-to/track-experiments">
          How tracking works
        </Anchor>
      </Text>
      <Group align="flex-start" wrap="wrap">
        <NativeSelect
          label="Experiment"
          data={[{ value: "", label: "All experiments" }, ...(experiments.data?.items ?? []).map((e) => ({ value: e.id, label: `${e.name} (${e.team})` }))]}
          value={query.experiment ?? ""}
          onChange={(e) => change({ experiment: e.currentTarget.value })}
          w={240}
        />
        <form
          style={{ flex: 1, minWidth: 320 }}
          onSubmit={(e) => {
            e.preventDefault();
            change({ filter: filter.trim() });
          }}
        >
          <Group align="flex-start" gap="xs" wrap="nowrap">
            <TextInput
              style={{ flex: 1 }}
              label="Filter"
              description="MLflow's filter language: metrics.acc > 0.9 and params.lr = '0.01'"
              placeholder="metrics.acc > 0.9"
              leftSection={<IconFilter size={16} aria-hidden />}
              ff="monospace"
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value)}
              error={badFilter ? [badFilter.detail ?? badFilter.title, badFilter.hint].filter(Boolean).join(" ") : undefined}
              errorProps={{ "data-testid": "filter-error" }}
            />
            <Button type="submit" variant="default" mt={46}>
              Apply
            </Button>
          </Group>
        </form>
      </Group>
      <MultiSelect
        label="Columns"
        placeholder="Params and metrics to show"
        data={choices}
        value={columns.map(columnId)}
        onChange={(v) => change({ cols: v.join(","), cursor: params.get("cursor") ?? "" })}
        searchable
        clearable
        maw={760}
      />
      {runs.error && !badFilter && <ProblemAlert error={runs.error} onRetry={() => void runs.refetch()} />}
      <Loaded when={runs.isSuccess} name="runs" />
      {items.length > 0 && (
        <RunsTable
          runs={items}
          columns={columns}
          sort={query.sort ?? ""}
          onSort={(sort) => change({ sort })}
          selected={selected}
          onSelect={(id, on) =>
            setSelected((s) => {
              const next = new Set(s);
              on ? next.add(id) : next.delete(id);
              return next;
            })
          }
          busy={runs.isFetching}
        />
      )}
      {runs.isSuccess && items.length === 0 && (filtered ? <Text c="dimmed">No runs match.</Text> : <NoRuns />)}
      {(previous.length > 0 || runs.data?.next) && (
        <Group justify="center">
          <Button
            variant="default"
            disabled={previous.length === 0}
            onClick={() => {
              const back = previous.at(-1) ?? "";
              setPrevious((p) => p.slice(0, -1));
              change({ cursor: back });
            }}
          >
            Previous page
          </Button>
          <Text size="sm" c="dimmed">
            Page {previous.length + 1}
          </Text>
          <Button
            variant="default"
            disabled={!runs.data?.next}
            loading={runs.isFetching}
            onClick={() => {
              setPrevious((p) => [...p, query.cursor ?? ""]);
              change({ cursor: runs.data?.next ?? "" });
            }}
          >
            Next page
          </Button>
        </Group>
      )}
    </Stack>
  );
}

function NoRuns() {
  return (
    <Stack gap="sm" data-testid="runs-empty" maw={760}>
      <Text fw={500}>No runs yet: every job is a run; this makes one.</Text>
      <CommandBlock command="plinth run -- python train.py" testId="run-command" />
      <Text size="sm">MLflow's client logs runs here too: set MLFLOW_TRACKING_URI to this server's address.</Text>
    </Stack>
  );
}
