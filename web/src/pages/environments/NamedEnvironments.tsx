import { Badge, Code, Paper, Spoiler, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { namedEnvironmentsQuery } from "../../api/queries";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatRelative } from "../../lib/format";

/** The named environments of the person's teams: what each holds, its latest version, who published it. */
export function NamedEnvironments() {
  const named = useQuery({ ...namedEnvironmentsQuery, refetchInterval: 30_000 });
  if (named.error) return <ProblemAlert error={named.error} onRetry={() => void named.refetch()} />;
  const items = named.data?.items;
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Your teams' named environments
      </Title>
      <Text size="sm">
        Environments a team's admins publish by name, each version pinned when published. A job uses one with <code>environment: NAME</code> (or{" "}
        <code>NAME@VERSION</code>), or <code>plinth run --environment NAME</code>.
      </Text>
      <Paper withBorder p="md">
        {items && items.length === 0 ? (
          <Text c="dimmed" size="sm" data-testid="no-named-environments">
            None published yet: a team admin publishes one with <code>plinth env publish NAME -r requirements.txt</code>, or one that ships with Plinth with{" "}
            <code>plinth env publish --seed sklearn</code>.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="xs" aria-label="Named environments" data-testid="named-environments-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th>Latest</Table.Th>
                  <Table.Th>Packages</Table.Th>
                  <Table.Th>Owner</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items?.map((e) => (
                  <Table.Tr key={`${e.team}/${e.name}`}>
                    <Table.Td>
                      <Text ff="monospace" size="sm">
                        {e.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        team {e.team}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{e.description || "—"}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" title={`published ${e.latest.createdAt} by ${e.latest.publishedBy}`}>
                        v{e.latest.version}
                      </Badge>
                      <Text size="xs" c="dimmed">
                        {formatRelative(e.latest.createdAt)}, Python {e.latest.pinned.python}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{e.latest.packages.join(", ")}</Text>
                      <Spoiler maxHeight={0} showLabel={`${e.latest.pinned.packages.length} pinned`} hideLabel="hide">
                        <Code block>{e.latest.pinned.packages.join("\n")}</Code>
                      </Spoiler>
                    </Table.Td>
                    <Table.Td>{e.owner}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      <Text size="sm" c="dimmed">
        <code>plinth env named show NAME</code> lists every version and the jobs that ran with each.
      </Text>
    </Stack>
  );
}
