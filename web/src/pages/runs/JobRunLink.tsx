import { Anchor, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { jobRunQuery, runPage } from "./api";

/** On a job's page: a link to the run the job made (the run tagged plinth.job with its id), once there is one. */
export function JobRunLink({ jobId }: { jobId: string }) {
  const found = useQuery(jobRunQuery(jobId));
  const run = found.data?.items[0];
  if (!run) return null;
  return (
    <Text size="sm" data-testid="job-run">
      Its run:{" "}
      <Anchor component={Link} to={runPage(run.id)}>
        {run.name}
      </Anchor>{" "}
      (params, metrics and charts)
    </Text>
  );
}
