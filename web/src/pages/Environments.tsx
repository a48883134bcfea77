import { Anchor, Badge, Code, Paper, Spoiler, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { environmentsQuery } from "../api/queries";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatBytes, formatRelative } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";
import { ContainerImages } from "./environments/ContainerImages";
import { NamedEnvironments } from "./environments/NamedEnvironments";

/** The Python environments built on this machine (what is in each, how big, whether jobs use it) and the container images. */
export default function Environments() {
  usePageTitle("Environments");
  const environments = useQuery({ ...environmentsQuery, refetchInterval: 30_000 });
  if (environments.error) return <ProblemAlert error={environments.error} onRetry={() => void environments.refetch()} />;
  const items = environments.data?.items;
  return (
    <Stack gap="md">
      <Title order={1}>Environments</Title>
      <Text>
        The Python environments built for jobs, each once, shared by every job that asks for the same packages. A job names its packages with{" "}
        <code>plinth run --requirements requirements.txt</code> or <code>environment</code> in its spec;{" "}
        <Anchor component={Link} to="/guides/how-to/give-jobs-their-software">
          Give jobs their software
        </Anchor> explains how.
      </Text>
      {items && <Loaded when name="environments" />}
      <NamedEnvironments />
      <Title order={2} size="h3">
        Built on this machine
      </Title>
      <Paper withBorder p="md">
        {items && items.length === 0 ? (
          <Text c="dimmed" size="sm">
            None built yet: the first job that names packages builds its environment.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="xs" aria-label="Built environments" data-testid="environments-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Environment</Table.Th>
                  <Table.Th>Python</Table.Th>
                  <Table.Th>Packages</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Jobs in it</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items?.map((e) => (
                  <Table.Tr key={e.key}>
                    <Table.Td>
                      <Text ff="monospace" size="sm" title={e.key}>
                        {e.key.slice(0, 12)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{e.python}</Table.Td>
                    <Table.Td>
                      <Spoiler maxHeight={22} showLabel={`all ${e.packages.length}`} hideLabel="fewer">
                        <Code block>{e.packages.join("\n")}</Code>
                      </Spoiler>
                    </Table.Td>
                    <Table.Td>{formatBytes(e.sizeBytes)}</Table.Td>
                    <Table.Td>{formatRelative(e.lastUsed)}</Table.Td>
                    <Table.Td>{e.inUse > 0 ? <Badge color="green">{e.inUse} running</Badge> : <Text c="dimmed">none</Text>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      <Text size="sm" c="dimmed">
        <code>plinth env ls</code> lists them too, <code>plinth env diff JOB_A JOB_B</code> compares two jobs' environments, and a Keeper removes one with{" "}
        <code>plinth env rm</code>. Past the size cap, the least recently used are removed on their own.
      </Text>
      <ContainerImages />
    </Stack>
  );
}
