import { Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { capColumn, LineageGraph, type LineageNode } from "../../components/LineageGraph";
import { ProblemAlert } from "../../components/ProblemAlert";
import { type DatasetDetail, type DatasetVersionDetail, datasetPage, jobLineageQuery } from "./api";

/**
 * Where a version came from and where it went: the datasets its producing job read, that
 * job, the version, and the jobs that read it. Only what the person may see is drawn.
 */
export function DatasetLineage({ d, v }: { d: DatasetDetail; v: DatasetVersionDetail }) {
  const producer = v.producedBy;
  const upstream = useQuery({ ...jobLineageQuery(producer?.jobId ?? ""), enabled: producer !== null });
  const self: LineageNode = { id: `v:${v.id}`, kind: "version", label: `${d.name}@v${v.number}`, detail: d.team, current: true };
  const sources: LineageNode[] = (upstream.data?.inputs ?? []).map((i) => ({
    id: `v:${i.versionId}`,
    kind: "version",
    label: `${i.dataset}@v${i.version}`,
    detail: `${i.team} · input ${i.name}`,
    href: datasetPage(i.team, i.dataset, i.version),
  }));
  const made: LineageNode = producer
    ? { id: `j:${producer.jobId}`, kind: "job", label: producer.jobName ?? producer.jobId, detail: `job ${producer.jobId.slice(0, 14)}`, href: `/jobs/${producer.jobId}` }
    : { id: "pushed", kind: "note", label: `pushed by ${v.createdBy}`, detail: "not made by a job" };
  const readers: LineageNode[] = capColumn(
    v.readBy.map((r) => ({ id: `j:${r.jobId}`, kind: "job", label: r.jobName ?? r.jobId, detail: `read as input ${r.input}`, href: `/jobs/${r.jobId}` })),
    "jobs",
  );
  const capped = capColumn(sources, "datasets");
  const edges: Array<[string, string]> = [...capped.map((s): [string, string] => [s.id, made.id]), [made.id, self.id], ...readers.map((r): [string, string] => [self.id, r.id])];
  return (
    <Stack gap="sm">
      <Text size="sm">
        {producer ? `Made by job ${producer.jobName ?? producer.jobId}` : `Pushed by ${v.createdBy}`}
        {sources.length > 0 && ` from ${sources.length} dataset version${sources.length === 1 ? "" : "s"}`}
        {". "}
        {v.readBy.length === 0 ? "No job has read it yet." : `Read by ${v.readBy.length} job${v.readBy.length === 1 ? "" : "s"}.`}
      </Text>
      {upstream.error && <ProblemAlert error={upstream.error} />}
      <LineageGraph columns={[capped, [made], [self], readers]} edges={edges} label={`Lineage of ${d.name} v${v.number}`} testId="lineage-graph" />
    </Stack>
  );
}
