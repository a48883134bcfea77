import { Badge } from "@mantine/core";
import type { RunStatus } from "./api";

const COLORS: Record<RunStatus, string> = { RUNNING: "blue", SCHEDULED: "gray", FINISHED: "green", FAILED: "red", KILLED: "orange" };
const LABELS: Record<RunStatus, string> = { RUNNING: "Running", SCHEDULED: "Scheduled", FINISHED: "Finished", FAILED: "Failed", KILLED: "Killed" };

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <Badge color={COLORS[status]} variant={status === "RUNNING" ? "filled" : "light"} data-status={status}>
      {LABELS[status]}
    </Badge>
  );
}

/** How long a run took, or has taken so far. */
export function runDuration(run: { startTime: string; endTime: string | null; status: RunStatus }, now = Date.now()): number | null {
  const start = Date.parse(run.startTime);
  const end = run.endTime ? Date.parse(run.endTime) : run.status === "RUNNING" ? now : Number.NaN;
  return Number.isFinite(start) && Number.isFinite(end) ? end - start : null;
}
