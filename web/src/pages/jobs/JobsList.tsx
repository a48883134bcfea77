import { Button, Group, NativeSelect, Stack, Table, Text, Title, UnstyledButton } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconArrowsSort, IconFilterOff, IconPlayerPlay } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type ReactNode, useCallback, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { jobsQuery } from "../../api/queries";
import type { Job } from "../../api/types";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { StateBadge } from "../../components/StateBadge";
import { formatBytes, formatDuration, formatRelative, formatStamp } from "../../lib/format";
import { useTeams } from "../../lib/teams";
import { usePageTitle } from "../../lib/usePageTitle";
import { useUsers } from "../../lib/users";
import { JobFilters } from "./JobFilters";
import { hasFilters, type ListView, NO_FILTERS, PAGE_SIZES, readView, type Sort, toQuery, writeView } from "./jobParams";
import { heldShort } from "../../lib/quotas";

export default function JobsList() {
  usePageTitle("Jobs");
  const [params, setParams] = useSearchParams();
  const view = readView(params);
  // Cursors of the pages before this one, for "Previous page" (keyset pages have no numbers).
  const [history, setHistory] = useState<string[]>([]);
  const { nameOf } = useUsers();
  const teams = useTeams();

  const update = useCallback(
    (patch: Partial<ListView>, keepCursor = false) => {
      const next = { ...readView(params), ...patch };
      if (!keepCursor) {
        next.cursor = "";
        setHistory([]);
      }
      setParams(writeView(next));
    },
    [params, setParams],
  );

  const jobs = useQuery({ ...jobsQuery(toQuery(view)), placeholderData: keepPreviousData });

  const sortBy = (sort: Sort) => update({ sort, order: view.sort === sort && view.order === "desc" ? "asc" : "desc" });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Jobs</Title>
        <Button component={Link} to="/jobs/new" leftSection={<IconPlayerPlay size={16} aria-hidden />}>
          New job
        </Button>
      </Group>
      <JobFilters view={view} onChange={update} />
      {jobs.error && <ProblemAlert error={jobs.error} onRetry={() => void jobs.refetch()} />}
      <Loaded when={jobs.isSuccess} name="jobs" />
      <Table.ScrollContainer minWidth={840}>
        <Table striped highlightOnHover verticalSpacing="xs" aria-label="Jobs" aria-busy={jobs.isFetching} data-testid="jobs-table">
          <Table.Thead>
            <Table.Tr>
              <SortHeader label="Job" sort="name" view={view} onSort={sortBy} />
              <SortHeader label="State" sort="state" view={view} onSort={sortBy} />
              <Table.Th>User</Table.Th>
              <Table.Th>Team</Table.Th>
              <SortHeader label="Submitted" sort="created" view={view} onSort={sortBy} />
              <Table.Th>Time</Table.Th>
              <Table.Th>Resources</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {jobs.data?.items.map((job) => (
              <JobRow key={job.id} job={job} user={nameOf(job.userId)} team={teams.nameOf(job.teamId)} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {jobs.data && jobs.data.items.length === 0 && <NoJobs view={view} onClearFilters={() => update(NO_FILTERS)} />}
      <Group justify="space-between">
        <Group gap="xs">
          <Button
            variant="default"
            disabled={!view.cursor}
            onClick={() => {
              const prev = history.slice(0, -1);
              update({ cursor: history[history.length - 1] ?? "" }, true);
              setHistory(prev);
            }}
          >
            Previous page
          </Button>
          <Button
            variant="default"
            disabled={!jobs.data?.nextCursor}
            onClick={() => {
              setHistory([...history, view.cursor]);
              update({ cursor: jobs.data!.nextCursor! }, true);
            }}
          >
            Next page
          </Button>
          {view.cursor && (
            <Button variant="subtle" onClick={() => update({ cursor: "" })}>
              First page
            </Button>
          )}
        </Group>
        <NativeSelect label="Jobs per page" data={PAGE_SIZES} value={String(view.limit)} onChange={(e) => update({ limit: Number(e.currentTarget.value) })} w={130} size="xs" />
      </Group>
    </Stack>
  );
}

/** An empty page says why: past the last page, filters that match nothing, or no jobs at all. */
function NoJobs({ view, onClearFilters }: { view: ListView; onClearFilters: () => void }) {
  let body: ReactNode;
  if (view.cursor) body = <Text c="dimmed">No more jobs.</Text>;
  else if (hasFilters(view)) {
    body = (
      <>
        <Text c="dimmed">No jobs match these filters.</Text>
        <Button variant="default" size="xs" leftSection={<IconFilterOff size={14} aria-hidden />} onClick={onClearFilters}>
          Show all jobs
        </Button>
      </>
    );
  } else {
    body = (
      <>
        <Text c="dimmed">No jobs yet.</Text>
        <Button component={Link} to="/jobs/new" variant="default" size="xs" leftSection={<IconPlayerPlay size={14} aria-hidden />}>
          Run a first job
        </Button>
      </>
    );
  }
  return (
    <Stack align="center" gap="xs" py="lg" data-testid="jobs-empty">
      {body}
    </Stack>
  );
}

function SortHeader({ label, sort, view, onSort }: { label: string; sort: Sort; view: ListView; onSort: (s: Sort) => void }) {
  const active = view.sort === sort;
  const Icon = !active ? IconArrowsSort : view.order === "asc" ? IconArrowUp : IconArrowDown;
  return (
    <Table.Th aria-sort={active ? (view.order === "asc" ? "ascending" : "descending") : "none"}>
      <UnstyledButton onClick={() => onSort(sort)} aria-label={`Sort by ${label.toLowerCase()}`} style={{ fontWeight: 700 }}>
        <Group gap={4} wrap="nowrap">
          {label}
          <Icon size={14} aria-hidden />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

// Rows use plain elements inside Mantine's table cells: fifty rows of nested components
// cost a first visit more time than everything else on the page.
function JobRow({ job, user, team }: { job: Job; user: string; team: string }) {
  const r = job.resources;
  const time =
    job.state === "queued"
      ? job.queue
        ? `#${job.queue.position} in queue${job.heldBy ? `, held: ${heldShort(job.heldBy)}` : ""}`
        : job.executor !== "local"
          ? `on ${job.executor}: ${job.waiting ?? "being submitted"}`
          : "waiting"
      : job.durations.runningMs !== null
        ? formatDuration(job.durations.runningMs)
        : job.startedAt
          ? `${formatDuration(Date.now() - new Date(job.startedAt).getTime())} so far`
          : "—";
  const labels = Object.entries(job.labels);
  return (
    <Table.Tr data-job-id={job.id}>
      <Table.Td>
        <Link to={`/jobs/${job.id}`} className="job-link">
          {job.name}
        </Link>
        <div className="job-id">{job.id}</div>
        {labels.length > 0 && (
          <div className="job-labels">
            {labels.map(([k, v]) => (
              <span key={k}>
                {k}={v}
              </span>
            ))}
          </div>
        )}
      </Table.Td>
      <Table.Td>
        <StateBadge state={job.state} />
      </Table.Td>
      <Table.Td>{user}</Table.Td>
      <Table.Td>
        {team}
        {job.visibility !== "team" && <div className="job-id">{job.visibility}</div>}
      </Table.Td>
      <Table.Td>
        <time dateTime={job.createdAt} title={formatStamp(job.createdAt)}>
          {formatRelative(job.createdAt)}
        </time>
      </Table.Td>
      <Table.Td>{time}</Table.Td>
      <Table.Td>
        {r.cpus} CPU · {formatBytes(r.memoryBytes)}
        {r.gpus > 0 && ` · ${r.gpus} GPU`}
      </Table.Td>
    </Table.Tr>
  );
}
