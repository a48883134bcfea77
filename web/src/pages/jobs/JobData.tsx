import { Paper, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { capColumn, LineageGraph, type LineageNode } from "../../components/LineageGraph";
import { datasetPage, type JobInput, type JobOutput } from "../data/api";

/**
 * The datasets a job reads and the ones it saves, as a small graph (inputs → job → outputs)
 * and a table with each input's and output's name, the version, and the job's folder for it.
 */
export function JobData({ job, inputs, outputs }: { job: { id: string; name: string; state: string }; inputs: JobInput[]; outputs: JobOutput[] }) {
  if (inputs.length === 0 && outputs.length === 0) return null;
  const self: LineageNode = { id: `j:${job.id}`, kind: "job", label: job.name, detail: job.state, current: true };
  const left = capColumn(
    inputs.map((i) => ({ id: `in:${i.name}`, kind: "version", label: `${i.dataset}@v${i.version}`, detail: `${i.team} · input ${i.name}`, href: datasetPage(i.team, i.dataset, i.version) })),
    "inputs",
  );
  const right = capColumn(
    outputs.map((o) => ({
      id: `out:${o.name}`,
      kind: o.version === null ? "note" : "version",
      label: o.version === null ? o.dataset : `${o.dataset}@v${o.version}`,
      detail: o.version === null ? `output ${o.name}: not saved yet` : `${o.team} · output ${o.name}`,
      ...(o.version !== null && o.team && { href: datasetPage(o.team, o.dataset, o.version) }),
    })),
    "outputs",
  );
  const edges: Array<[string, string]> = [...left.map((n): [string, string] => [n.id, self.id]), ...right.map((n): [string, string] => [self.id, n.id])];
  return (
    <Paper withBorder p="md" data-testid="job-data">
      <Title order={2} size="h4" mb="xs">
        Data
      </Title>
      <Stack gap="sm">
        <LineageGraph columns={[left, [self], right]} edges={edges} label={`Datasets job ${job.name} reads and saves`} testId="job-lineage" />
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing={4} aria-label="Inputs and outputs" data-testid="job-data-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Dataset version</Table.Th>
                <Table.Th>In the job</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {inputs.map((i) => (
                <Table.Tr key={`in:${i.name}`}>
                  <Table.Td>input {i.name}</Table.Td>
                  <Table.Td>
                    <Link to={datasetPage(i.team, i.dataset, i.version)} className="job-link">
                      {i.team}/{i.dataset}@v{i.version}
                    </Link>
                    {i.ref !== `${i.dataset}@v${i.version}` && <div className="job-id">asked as {i.ref}</div>}
                  </Table.Td>
                  <Table.Td ff="monospace">$PLINTH_INPUT_{envName(i.name)}</Table.Td>
                </Table.Tr>
              ))}
              {outputs.map((o) => (
                <Table.Tr key={`out:${o.name}`}>
                  <Table.Td>output {o.name}</Table.Td>
                  <Table.Td>
                    {o.version !== null && o.team ? (
                      <Link to={datasetPage(o.team, o.dataset, o.version)} className="job-link">
                        {o.team}/{o.dataset}@v{o.version}
                      </Link>
                    ) : (
                      <Text span size="sm" c="dimmed">
                        {o.dataset}: saved as a new version when the job succeeds
                      </Text>
                    )}
                    {o.tag && <div className="job-id">tagged {o.tag}</div>}
                  </Table.Td>
                  <Table.Td ff="monospace">
                    {o.path}/ ($PLINTH_OUTPUT_{envName(o.name)})
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    </Paper>
  );
}

/** The variable's suffix for an input or output name: `train-set` → TRAIN_SET. */
function envName(name: string): string {
  return name.toUpperCase().replaceAll("-", "_");
}
