import { Alert, Anchor, Badge, Code, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import type { Cluster, Job } from "../../api/types";
import { formatBytes } from "../../lib/format";

type ClusterExecutor = Cluster["executors"][number];

/** A cluster jobs can also run on (Slurm, Kubernetes): its nodes as it reports them, and the jobs Plinth has there now. */
export function ClusterExecutorCard({ executor, jobs }: { executor: ClusterExecutor; jobs: Job[] }) {
  const kind = executor.kind === "slurm" ? "Slurm cluster" : "Kubernetes cluster";
  const mine = jobs.filter((j) => j.executor === executor.name);
  return (
    <Paper withBorder p="md" data-testid={`executor-${executor.name}`}>
      <Stack gap="sm">
        <div>
          <Title order={2} size="h4">
            {executor.name}{" "}
            <Badge variant="light" color="grape">
              {kind}
            </Badge>
          </Title>
          <Text size="sm" c="dimmed">
            The cluster schedules these jobs itself. Send a job here with <Code>--executor {executor.name}</Code> or <Code>executor: {executor.name}</Code> in its spec.
          </Text>
        </div>
        {executor.error ? (
          <Alert color="yellow" title="Its nodes cannot be read now">
            {executor.error}
          </Alert>
        ) : (
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="xs" aria-label={`Nodes of ${executor.name}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Node</Table.Th>
                  <Table.Th>{executor.kind === "slurm" ? "Partitions" : "Pool"}</Table.Th>
                  <Table.Th>CPUs</Table.Th>
                  <Table.Th>Memory</Table.Th>
                  <Table.Th>GPUs</Table.Th>
                  <Table.Th>State</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {executor.nodes.map((n) => (
                  <Table.Tr key={n.name}>
                    <Table.Td>{n.name}</Table.Td>
                    <Table.Td>{n.groups.join(", ") || "—"}</Table.Td>
                    <Table.Td>{n.cpus}</Table.Td>
                    <Table.Td>{formatBytes(n.memoryBytes)}</Table.Td>
                    <Table.Td>{n.gpus.map((g) => `${g.count}${g.model ? ` × ${g.model}` : ""}`).join(", ") || "none"}</Table.Td>
                    <Table.Td>
                      <Badge color={n.usable ? "green" : "red"} variant="light">
                        {n.state}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {mine.length > 0 && (
          <Table.ScrollContainer minWidth={480}>
            <Table verticalSpacing="xs" aria-label={`Jobs on ${executor.name}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Where, or why it waits</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {mine.map((j) => (
                  <Table.Tr key={j.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/jobs/${j.id}`}>
                        {j.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{j.state}</Table.Td>
                    <Table.Td>{j.state === "queued" ? (j.waiting ?? "being submitted") : (j.node ?? "—")}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}
