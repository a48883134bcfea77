import { Anchor, Badge, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { activeJobsQuery, clusterQuery, queuedJobsQuery } from "../api/queries";
import type { Cluster as ClusterData, Job } from "../api/types";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatBytes, formatRelative, formatTime } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";
import { useUsers } from "../lib/users";
import { GpuModel } from "../components/GpuModel";
import { ClusterExecutorCard } from "./cluster/ClusterExecutorCard";

type Node = ClusterData["nodes"][number];

/** The machines, what is using their GPUs, and the queue in the order it will run. */
export default function Cluster() {
  usePageTitle("Cluster");
  const cluster = useQuery({ ...clusterQuery, refetchInterval: 30_000 });
  // Names for the job ids the cluster view mentions: the queue and what holds the GPUs.
  const queued = useQuery(queuedJobsQuery);
  const active = useQuery(activeJobsQuery);
  const jobs = new Map<string, Job>([...(queued.data?.items ?? []), ...(active.data?.items ?? [])].map((j) => [j.id, j]));
  const { nameOf } = useUsers();

  if (cluster.error) return <ProblemAlert error={cluster.error} onRetry={() => void cluster.refetch()} />;
  const data = cluster.data;
  return (
    <Stack gap="md">
      <Title order={1}>Cluster</Title>
      <Text>The machines Plinth runs jobs on, what each GPU is doing now, and the jobs waiting for room, in the order they will start{data?.executors.length ? "; then the clusters jobs can also run on" : ""}.</Text>
      {data && <Loaded when name="cluster" />}
      {data?.nodes.map((n) => (
        <NodeCard key={n.name} node={n} jobs={jobs} />
      ))}
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Queue
        </Title>
        {data && data.queue.length === 0 ? (
          <Text c="dimmed" size="sm">
            Nothing is waiting: a job submitted now starts as soon as it fits.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="xs" aria-label="Queue in run order" data-testid="queue-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Position</Table.Th>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Needs</Table.Th>
                  <Table.Th>Expected start</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data?.queue.map((q) => {
                  const job = jobs.get(q.jobId);
                  return (
                    <Table.Tr key={q.jobId}>
                      <Table.Td>{q.position}</Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/jobs/${q.jobId}`}>
                          {job?.name ?? q.jobId}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{job ? nameOf(job.userId) : "—"}</Table.Td>
                      <Table.Td>{job ? `${job.resources.cpus} CPU · ${formatBytes(job.resources.memoryBytes)}${job.resources.gpus ? ` · ${job.resources.gpus} GPU` : ""}` : "—"}</Table.Td>
                      <Table.Td>{q.expectedStartAt ? `${formatTime(q.expectedStartAt)} (${formatRelative(q.expectedStartAt)})` : "when resources free up"}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      {data?.executors.map((e) => (
        <ClusterExecutorCard key={e.name} executor={e} jobs={[...jobs.values()]} />
      ))}
    </Stack>
  );
}

function NodeCard({ node, jobs }: { node: Node; jobs: Map<string, Job> }) {
  const cpuPct = node.cpus ? (node.cpusAllocated / node.cpus) * 100 : 0;
  const memPct = node.memoryBytes ? (node.memoryAllocated / node.memoryBytes) * 100 : 0;
  return (
    <Paper withBorder p="md" data-testid={`node-${node.name}`}>
      <Title order={2} size="h4" mb="sm">
        {node.name}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} mb="md">
        <Usage label="CPUs in use" text={`${node.cpusAllocated} of ${node.cpus}`} pct={cpuPct} />
        <Usage label="Memory reserved" text={`${formatBytes(node.memoryAllocated)} of ${formatBytes(node.memoryBytes)}`} pct={memPct} />
      </SimpleGrid>
      {node.gpus.length === 0 ? (
        <Text size="sm" c="dimmed">
          No GPUs on this machine.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing="xs" aria-label={`GPUs of ${node.name}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>GPU</Table.Th>
                <Table.Th>Model</Table.Th>
                <Table.Th>Memory</Table.Th>
                <Table.Th>Used by</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {node.gpus.map((g) => (
                <Table.Tr key={g.uuid}>
                  <Table.Td>{g.index}</Table.Td>
                  <Table.Td>
                    <GpuModel model={g.model} fake={g.fake} />
                  </Table.Td>
                  <Table.Td>{formatBytes(g.memoryBytes)}</Table.Td>
                  <Table.Td>
                    {g.jobId ? (
                      <Anchor component={Link} to={`/jobs/${g.jobId}`}>
                        {jobs.get(g.jobId)?.name ?? g.jobId}
                      </Anchor>
                    ) : (
                      <Badge color="green" variant="light">
                        free
                      </Badge>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

function Usage({ label, text, pct }: { label: string; text: string; pct: number }) {
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm">{label}</Text>
        <Text size="sm" fw={500}>
          {text}
        </Text>
      </Group>
      <Progress value={pct} color={pct > 90 ? "red" : pct > 60 ? "yellow" : "blue"} aria-label={`${label}: ${text}`} />
    </div>
  );
}
