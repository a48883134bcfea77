import { Table, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconArrowsSort } from "@tabler/icons-react";
import { Link } from "react-router";
import { formatDuration, formatStamp, formatTime } from "../../lib/format";
import { formatMetric, type RunSummary, runPage } from "./api";
import { type Column, columnId, nextSort, searchKey } from "./columns";
import { RunStatusBadge, runDuration } from "./RunStatus";

interface Props {
  runs: RunSummary[];
  columns: Column[];
  sort: string;
  onSort: (sort: string) => void;
  selected: Set<string>;
  onSelect: (id: string, on: boolean) => void;
  busy: boolean;
}

/** One page of runs (at most a hundred rows): status, name, user, start, duration, then the chosen params and metrics. */
export function RunsTable({ runs, columns, sort, onSort, selected, onSelect, busy }: Props) {
  const header = (label: string, key: string, descendingFirst = false) => (
    <SortHeader label={label} sortKey={key} sort={sort} onSort={() => onSort(nextSort(sort, key, descendingFirst))} />
  );
  return (
    <Table.ScrollContainer minWidth={760 + columns.length * 110}>
      <Table striped highlightOnHover verticalSpacing={6} aria-label="Runs" aria-busy={busy} data-testid="runs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>
              <VisuallyHidden>Compare</VisuallyHidden>
            </Table.Th>
            {header("Status", "status")}
            {header("Name", "run_name")}
            {header("User", "user_id")}
            {header("Start", "start_time", true)}
            <Table.Th>Duration</Table.Th>
            {columns.map((c) => (
              <SortHeader key={columnId(c)} label={c.key} title={columnId(c)} sortKey={searchKey(c)} sort={sort} onSort={() => onSort(nextSort(sort, searchKey(c), c.kind === "metrics"))} />
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => (
            <Table.Tr key={r.id} data-run={r.name}>
              <Table.Td>
                <input type="checkbox" aria-label={`Compare ${r.name}`} checked={selected.has(r.id)} onChange={(e) => onSelect(r.id, e.currentTarget.checked)} />
              </Table.Td>
              <Table.Td>
                <RunStatusBadge status={r.status} />
              </Table.Td>
              <Table.Td>
                <Link to={runPage(r.id)} className="job-link">
                  {r.name}
                </Link>
              </Table.Td>
              <Table.Td>{r.user}</Table.Td>
              <Table.Td>
                <time dateTime={r.startTime} title={formatStamp(r.startTime)}>
                  {formatTime(r.startTime)}
                </time>
              </Table.Td>
              <Table.Td>{formatDuration(runDuration(r))}</Table.Td>
              {columns.map((c) => (
                <Table.Td key={columnId(c)} data-column={columnId(c)} ff={c.kind === "metrics" ? "monospace" : undefined}>
                  {c.kind === "metrics" ? formatMetric(r.metrics[c.key]?.value) : (r.params[c.key] ?? "—")}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function SortHeader({ label, title, sortKey, sort, onSort }: { label: string; title?: string; sortKey: string; sort: string; onSort: () => void }) {
  const direction = sort === sortKey ? "ascending" : sort === `-${sortKey}` ? "descending" : "none";
  const Icon = direction === "ascending" ? IconArrowUp : direction === "descending" ? IconArrowDown : IconArrowsSort;
  return (
    <Table.Th aria-sort={direction} title={title}>
      <UnstyledButton onClick={onSort} fw={600} fz="sm" style={{ whiteSpace: "nowrap" }}>
        {label} <Icon size={14} aria-hidden style={{ verticalAlign: "middle", opacity: direction === "none" ? 0.4 : 1 }} />
      </UnstyledButton>
    </Table.Th>
  );
}
