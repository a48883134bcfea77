import { Anchor, Button, Group, NativeSelect, Stack, Text, Title } from "@mantine/core";
import { IconLink } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { CommandBlock } from "../../components/CommandBlock";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatStamp } from "../../lib/format";
import { type DatasetDetail, type DatasetVersionDetail, datasetRef, presign } from "./api";

/** The pandas call that reads a table file from a URL, by its format. */
export function pandasSnippet(path: string, url: string, expiresAt: string): string {
  const call = /\.parquet$/i.test(path) ? "pd.read_parquet(url)" : /\.tsv$/i.test(path) ? 'pd.read_csv(url, sep="\\t")' : "pd.read_csv(url)";
  return [
    "import pandas as pd",
    "",
    `# ${path}: this link works without signing in until ${formatStamp(expiresAt)}`,
    `url = "${url}"`,
    `df = ${call}`,
  ].join("\n");
}

/** How to use this version elsewhere: the CLI, a job spec, and pandas. */
export function UsePanel({ d, v }: { d: DatasetDetail; v: DatasetVersionDetail }) {
  const ref = datasetRef(d.team, d.name, v.number);
  const tables = v.files.filter((f) => f.profile !== null);
  const [path, setPath] = useState(tables[0]?.path ?? "");
  const link = useMutation({
    mutationFn: (file: string) => presign(d.team, d.name, v.number, file, "1h"),
  });
  const url = link.data ? new URL(link.data.url, window.location.origin).toString() : "";
  return (
    <Stack gap="md" maw={900}>
      <Stack gap={6}>
        <Title order={2} size="h4">
          Download it
        </Title>
        <Text size="sm">
          Into a folder, from a terminal signed in with <code>plinth login</code>:
        </Text>
        <CommandBlock command={`plinth data pull ${ref} ./${d.name}`} testId="pull-command" label="Copy the pull command" />
      </Stack>
      <Stack gap={6}>
        <Title order={2} size="h4">
          Read it in a job
        </Title>
        <Text size="sm">
          In the job's spec; the job finds the files in the folder <code>$PLINTH_INPUT_DATA</code>, read-only, before it starts:
        </Text>
        <CommandBlock command={`inputs:\n  data: ${ref}`} testId="job-input-snippet" label="Copy the job spec lines" />
      </Stack>
      <Stack gap={6}>
        <Title order={2} size="h4">
          Read a table in pandas
        </Title>
        {tables.length === 0 ? (
          <Text size="sm" c="dimmed">
            This version has no CSV, TSV or Parquet file.
          </Text>
        ) : (
          <>
            <Text size="sm">
              Make a link that works for an hour without a token or extra packages, then paste the lines into a notebook. For scripts that run longer, read through
              Plinth's S3 endpoint with an access key (
              <Anchor component={Link} to="/guides/how-to/use-s3-clients">
                Use S3 clients
              </Anchor>
              ).
            </Text>
            <Group align="flex-end">
              {tables.length > 1 && (
                <NativeSelect label="Table" data={tables.map((f) => f.path)} value={path} onChange={(e) => setPath(e.currentTarget.value)} w={360} maw="100%" />
              )}
              <Button variant="default" leftSection={<IconLink size={16} aria-hidden />} loading={link.isPending} onClick={() => link.mutate(path)}>
                Make a pandas snippet
              </Button>
            </Group>
            {link.error && <ProblemAlert error={link.error} />}
            {link.data && link.variables === path && <CommandBlock command={pandasSnippet(path, url, link.data.expiresAt)} testId="pandas-snippet" label="Copy the pandas lines" />}
          </>
        )}
      </Stack>
    </Stack>
  );
}
