import { Alert, Anchor, Badge, Code, Grid, Group, Paper, Spoiler, Stack, Table, Text, Title } from "@mantine/core";
import { IconAlertTriangle, IconClock, IconGauge } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { jobQuery } from "../../api/queries";
import type { JobDetail, JobSpecInput } from "../../api/types";
import { CommandBlock } from "../../components/CommandBlock";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { StateBadge } from "../../components/StateBadge";
import { plinthRunCommand } from "../../lib/cli";
import { formatBytes, formatDuration, formatTime } from "../../lib/format";
import { useTeams } from "../../lib/teams";
import { usePageTitle } from "../../lib/usePageTitle";
import { useUsers } from "../../lib/users";
import { FAILURE_TITLES } from "./failure";
import { JobData } from "./JobData";
import { JobEnvironment } from "./JobEnvironment";
import { JobActions } from "./JobActions";
import { JobRunLink } from "../runs/JobRunLink";
import { LogViewer } from "./LogViewer";
import { Timeline } from "./Timeline";
import { GpuModel } from "../../components/GpuModel";
import { TeamAndVisibility } from "../../components/Visibility";

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

export default function JobPage() {
  const { id = "" } = useParams();
  const job = useQuery({
    ...jobQuery(id),
    // Live events refresh the page; a slow poll covers a dropped event stream.
    refetchInterval: (q) => (q.state.data && !TERMINAL.has(q.state.data.state) ? 15_000 : false),
  });
  usePageTitle(job.data ? `${job.data.name} (${job.data.state})` : "Job");

  if (job.error) return <ProblemAlert error={job.error} onRetry={() => void job.refetch()} />;
  if (!job.data) return <Text c="dimmed">Loading job…</Text>;
  const j = job.data;
  return (
    <Stack gap="md">
      <Loaded when name="job" />
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={1} style={{ wordBreak: "break-all" }}>
              {j.name}
            </Title>
            <StateBadge state={j.state} />
          </Group>
          <Text size="sm" c="dimmed" ff="monospace">
            {j.id}
          </Text>
          <JobRunLink jobId={j.id} />
        </Stack>
        <JobActions job={j} />
      </Group>
      {j.heldBy ? <HeldNote heldBy={j.heldBy} position={j.queue?.position ?? null} /> : j.queue && <QueueNote position={j.queue.position} expectedStartAt={j.queue.expectedStartAt} />}
      {j.state === "queued" && j.executor !== "local" && <ClusterQueueNote executor={j.executor} waiting={j.waiting} />}
      {j.failure && j.state !== "succeeded" && <FailureAlert job={j} />}
      {j.warning && <WarningAlert warning={j.warning} />}
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Timeline job={j} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Resources job={j} />
        </Grid.Col>
      </Grid>
      <JobData job={j} inputs={j.inputs} outputs={j.outputs} />
      <JobEnvironment job={j} />
      <LogViewer jobId={j.id} jobName={j.name} />
      <Spec job={j} />
    </Stack>
  );
}

function QueueNote({ position, expectedStartAt }: { position: number; expectedStartAt: string | null }) {
  return (
    <Alert variant="light" color="gray" icon={<IconClock aria-hidden />} title={`Waiting in the queue: position ${position}`}>
      {expectedStartAt
        ? `Expected to start around ${formatTime(expectedStartAt)}, when the resources it asked for should be free.`
        : "It starts as soon as the resources it asked for are free."}{" "}
      <Anchor component={Link} to="/cluster">
        See the cluster
      </Anchor>
    </Alert>
  );
}

/** A job waiting in a cluster's own queue (Slurm, Kubernetes), with the cluster's reason in words. */
function ClusterQueueNote({ executor, waiting }: { executor: string; waiting: string | null }) {
  return (
    <Alert variant="light" color="gray" icon={<IconClock aria-hidden />} title={`Waiting on ${executor}`} data-testid="cluster-waiting">
      {waiting ?? "Being submitted to the cluster."} The cluster decides when it starts.{" "}
      <Anchor component={Link} to="/cluster">
        See the cluster
      </Anchor>
    </Alert>
  );
}

/** A job a quota holds back: which quota, how full, and when it frees up, in the server's words. */
function HeldNote({ heldBy, position }: { heldBy: NonNullable<JobDetail["heldBy"]>; position: number | null }) {
  return (
    <Alert variant="light" color="gray" icon={<IconGauge aria-hidden />} title={`Waiting for a quota${position !== null ? `: position ${position} in the queue` : ""}`} data-testid="held-by">
      <Text size="sm">{heldBy.message[0]!.toUpperCase() + heldBy.message.slice(1)}.</Text>
      <Text size="sm">
        Jobs of other people and teams start meanwhile.{" "}
        <Anchor component={Link} to="/quotas">
          See the quotas
        </Anchor>
      </Text>
    </Alert>
  );
}

/** What happened, and what to do about it, as a warning and a failure both say it. */
function MessageAndHint({ message, hint }: { message: string; hint: string | null }) {
  return (
    <>
      <Text size="sm">{message}</Text>
      {hint && (
        <Text size="sm" fw={600}>
          What to do: {hint}
        </Text>
      )}
    </>
  );
}

function WarningAlert({ warning }: { warning: NonNullable<JobDetail["warning"]> }) {
  return (
    <Alert color="yellow" variant="light" icon={<IconAlertTriangle aria-hidden />} title="It succeeded, with a warning" data-testid="warning">
      <Stack gap={6}>
        <MessageAndHint message={warning.message} hint={warning.hint} />
      </Stack>
    </Alert>
  );
}

function FailureAlert({ job }: { job: JobDetail }) {
  const f = job.failure!;
  return (
    <Alert color={f.reason === "cancelled" ? "orange" : "red"} variant="light" icon={<IconAlertTriangle aria-hidden />} title={FAILURE_TITLES[f.reason]} data-testid="failure">
      <Stack gap={6}>
        <MessageAndHint message={f.message} hint={f.hint} />
        {f.logTail && (
          <Spoiler maxHeight={0} showLabel="Show the last lines of output" hideLabel="Hide">
            <Code block>{f.logTail}</Code>
          </Spoiler>
        )}
      </Stack>
    </Alert>
  );
}

function Resources({ job }: { job: JobDetail }) {
  const r = job.resources;
  const { nameOf } = useUsers();
  const teams = useTeams();
  const rows: Array<[string, React.ReactNode]> = [
    ["Submitted by", nameOf(job.userId)],
    ["Team", <TeamAndVisibility key="t" team={teams.nameOf(job.teamId)} visibility={job.visibility} />],
    ["Submitted", formatTime(job.createdAt)],
    ["CPUs", r.cpus],
    ["Memory", formatBytes(r.memoryBytes)],
    ["GPUs", r.gpus],
  ];
  if (r.gpuModel) rows.push(["GPU model", r.gpuModel]);
  if (r.gpuMinMemoryBytes) rows.push(["GPU memory at least", formatBytes(r.gpuMinMemoryBytes)]);
  rows.push(["Time limit", job.timeoutMs ? formatDuration(job.timeoutMs) : "none"]);
  if (job.estimateMs) rows.push(["Estimated run time", formatDuration(job.estimateMs)]);
  rows.push(["Priority", job.priority]);
  if (job.executor !== "local") rows.push(["Executor", job.engineId ? `${job.executor} (its id there: ${job.engineId})` : job.executor]);
  if (job.node) rows.push(["Node", job.node]);
  if (job.peakMemoryBytes !== null) rows.push(["Peak memory", formatBytes(job.peakMemoryBytes)]);
  if (job.exitCode !== null || job.signal) rows.push(["Exit", job.signal ? `signal ${job.signal}` : `code ${job.exitCode}`]);
  if (job.attempt > 1) rows.push(["Attempt", job.attempt]);
  if (job.retryOf)
    rows.push([
      "Retry of",
      <Anchor key="r" component={Link} to={`/jobs/${job.retryOf}`}>
        {job.retryOf}
      </Anchor>,
    ]);
  if (job.retriedBy)
    rows.push([
      "Retried as",
      <Anchor key="b" component={Link} to={`/jobs/${job.retriedBy}`}>
        {job.retriedBy}
      </Anchor>,
    ]);
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        Resources
      </Title>
      <Table variant="vertical" withRowBorders={false} verticalSpacing={4}>
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th w={170} fw={500}>
                {k}
              </Table.Th>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {Object.keys(job.labels).length > 0 && (
        <Group gap={4} mt="xs">
          {Object.entries(job.labels).map(([k, v]) => (
            <Badge key={k} variant="outline" color="gray" tt="none">
              {k}={v}
            </Badge>
          ))}
        </Group>
      )}
      <Title order={3} size="h5" mt="md" mb={4}>
        GPUs it got
      </Title>
      {job.assignedGpus.length === 0 ? (
        <Text size="sm" c="dimmed">
          {r.gpus === 0 ? "It asked for no GPU." : "None yet: GPUs are given when the job starts."}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={360}>
          <Table verticalSpacing={4} data-testid="assigned-gpus">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Model</Table.Th>
                <Table.Th>Memory</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {job.assignedGpus.map((g) => (
                <Table.Tr key={g.uuid}>
                  <Table.Td>{g.index}</Table.Td>
                  <Table.Td>
                    <GpuModel model={g.model} fake={g.fake} />
                  </Table.Td>
                  <Table.Td>{formatBytes(g.memoryBytes)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

function Spec({ job }: { job: JobDetail }) {
  const spec = job.spec as JobSpecInput;
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs">
        Spec
      </Title>
      <Text size="sm" mb={6}>
        The same job from a terminal:
      </Text>
      <CommandBlock command={plinthRunCommand(spec)} testId="job-cli" />
      <Spoiler maxHeight={0} showLabel="Show the spec as submitted (JSON)" hideLabel="Hide the spec" mt="xs">
        {/* A long script line scrolls sideways: keyboard users must be able to reach it to scroll. */}
        <Code block data-testid="job-spec" tabIndex={0} aria-label="The spec as submitted">
          {JSON.stringify(job.spec, null, 2)}
        </Code>
      </Spoiler>
    </Paper>
  );
}
