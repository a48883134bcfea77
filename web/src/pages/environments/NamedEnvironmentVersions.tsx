import { Anchor, Code, Group, Spoiler, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { namedEnvironmentQuery } from "../../api/queries";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatRelative } from "../../lib/format";

/** One named environment's versions, what each pins, and the latest jobs (the person may see) that used each. */
export function NamedEnvironmentVersions({ team, name }: { team: string; name: string }) {
  const detail = useQuery(namedEnvironmentQuery(team, name));
  if (detail.error) return <ProblemAlert error={detail.error} onRetry={() => void detail.refetch()} />;
  if (!detail.data) return <Text size="sm">Loading…</Text>;
  const jobsOf = (version: number) => detail.data.recentJobs.filter((j) => j.version === version);
  return (
    <Stack gap="sm" data-testid={`named-environment-${name}`}>
      {detail.data.versions.map((v) => (
        <Stack key={v.version} gap={2}>
          <Text size="sm" fw={600}>
            v{v.version}{" "}
            <Text span size="sm" fw={400} c="dimmed">
              by {v.publishedBy}, {formatRelative(v.createdAt)}:{" "}
              {v.pinned.image
                ? `image ${v.pinned.image.reference} (${v.pinned.image.id.slice(0, 12)}${v.pinned.image.digest ? `, ${v.pinned.image.digest}` : ""})`
                : `Python ${v.pinned.python}, ${v.pinned.packages.length} packages pinned from ${v.packages.join(", ")}`}
            </Text>
          </Text>
          {!v.pinned.image && (
            <Spoiler maxHeight={0} showLabel="Show the pinned packages" hideLabel="Hide them">
              <Code block>{v.pinned.packages.join("\n")}</Code>
            </Spoiler>
          )}
          <Group gap="xs">
            <Text size="sm">Jobs:</Text>
            {jobsOf(v.version).length === 0 ? (
              <Text size="sm" c="dimmed">
                none lately
              </Text>
            ) : (
              jobsOf(v.version).map((j) => (
                <Anchor key={j.id} component={Link} to={`/jobs/${j.id}`} size="sm" title={`${j.id}, submitted ${j.submittedAt}`}>
                  {j.name}
                </Anchor>
              ))
            )}
          </Group>
        </Stack>
      ))}
    </Stack>
  );
}
