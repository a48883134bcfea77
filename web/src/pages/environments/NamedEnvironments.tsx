import { Badge, Button, Code, Paper, Spoiler, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { namedEnvironmentsQuery } from "../../api/queries";
import type { paths } from "../../api/schema";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatRelative } from "../../lib/format";
import { NamedEnvironmentVersions } from "./NamedEnvironmentVersions";

type NamedEnvironment = paths["/api/v1/environments/named"]["get"]["responses"]["200"]["content"]["application/json"]["items"][number];

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
          <Table.ScrollContainer minWidth={800}>
            <Table verticalSpacing="xs" aria-label="Named environments" data-testid="named-environments-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th>Latest</Table.Th>
                  <Table.Th>Packages</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  <Table.Th>Versions and jobs</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items?.map((e) => (
                  <NamedEnvironmentRows key={`${e.team}/${e.name}`} environment={e} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
    </Stack>
  );
}

/** One environment's row, and below it, once opened, its versions and the jobs that used each. */
function NamedEnvironmentRows({ environment: e }: { environment: NamedEnvironment }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Table.Tr>
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
            {formatRelative(e.latest.createdAt)}, {e.latest.pinned.image ? "container image" : `Python ${e.latest.pinned.python}`}
          </Text>
        </Table.Td>
        <Table.Td>
          {e.latest.pinned.image ? (
            <Text size="sm" title={e.latest.pinned.image.id}>
              Image <Code>{e.latest.pinned.image.reference}</Code> ({e.latest.pinned.image.id.slice(0, 12)})
            </Text>
          ) : (
            <>
              <Text size="sm">{e.latest.packages.join(", ")}</Text>
              <Spoiler maxHeight={0} showLabel={`${e.latest.pinned.packages.length} pinned`} hideLabel="hide">
                <Code block>{e.latest.pinned.packages.join("\n")}</Code>
              </Spoiler>
            </>
          )}
        </Table.Td>
        <Table.Td>{e.owner}</Table.Td>
        <Table.Td>
          <Button variant="subtle" size="compact-sm" aria-expanded={open} data-testid={`show-${e.name}`} onClick={() => setOpen((o) => !o)}>
            {open ? "Hide" : `Show ${e.latest.version === 1 ? "1 version" : `${e.latest.version} versions`}`}
          </Button>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={6}>
            <NamedEnvironmentVersions team={e.team} name={e.name} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}
