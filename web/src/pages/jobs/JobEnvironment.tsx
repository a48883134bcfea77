import { Anchor, Code, Group, Paper, Spoiler, Text, Title } from "@mantine/core";
import type { JobDetail } from "../../api/types";
import { shortId } from "../environments/images";

/** The environment the job runs in: its Python and every package pinned at submit, or the container image, pinned to its id. */
export function JobEnvironment({ job }: { job: JobDetail }) {
  const environment = job.environment;
  if (!environment) return null;
  const prepared = job.events.find((e) => e.to === "running")?.detail?.environment as { built?: boolean; seconds?: number } | undefined;
  return (
    <Paper withBorder p="md" data-testid="job-environment">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={2} size="h4">
          Environment
        </Title>
        <Text size="xs" c="dimmed" ff="monospace" title={environment.key}>
          {environment.key.slice(0, 12)}
        </Text>
      </Group>
      {environment.image ? (
        <Text size="sm" data-testid="job-environment-image">
          Image <Code>{environment.image.reference}</Code>, id{" "}
          <Code title={environment.image.id}>{shortId(environment.image.id)}</Code>
          {environment.image.digest && (
            <>
              , digest <Code style={{ wordBreak: "break-all" }}>{environment.image.digest}</Code>
            </>
          )}
        </Text>
      ) : (
        <>
          <Text size="sm">
            {environment.named && (
              <>
                Named environment <Code data-testid="job-environment-named">{`${environment.named.name}@${environment.named.version}`}</Code>:{" "}
              </>
            )}
            Python {environment.python} ({environment.interpreter}), {environment.packages.length} package{environment.packages.length === 1 ? "" : "s"}
            {prepared?.built === true && `; built for this job in ${prepared.seconds} s`}
            {prepared?.built === false && "; it was ready when the job started"}
          </Text>
          {environment.packages.length > 0 && (
            <Spoiler maxHeight={72} showLabel="Show all packages" hideLabel="Show fewer" mt="xs">
              <Code block>{environment.packages.join("\n")}</Code>
            </Spoiler>
          )}
        </>
      )}
      <Text size="xs" c="dimmed" mt="xs">
        {prepared && (
          <>
            <Anchor size="xs" href={`/api/v1/jobs/${encodeURIComponent(job.id)}/environment-log`} target="_blank">
              What preparing it printed
            </Anchor>
            {" · "}
          </>
        )}
        <code>plinth env diff</code> compares it with another job's.
      </Text>
    </Paper>
  );
}
