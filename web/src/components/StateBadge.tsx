import { Badge } from "@mantine/core";
import type { JobState } from "../api/types";

const COLORS: Record<JobState, string> = {
  queued: "gray",
  starting: "cyan",
  running: "blue",
  saving: "teal",
  succeeded: "green",
  failed: "red",
  cancelled: "orange",
  timed_out: "grape",
  lost: "dark",
};

export const STATE_LABELS: Record<JobState, string> = {
  queued: "Queued",
  starting: "Starting",
  running: "Running",
  saving: "Saving outputs",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
  lost: "Lost",
};

export function StateBadge({ state }: { state: JobState }) {
  return (
    <Badge color={COLORS[state]} variant={state === "running" ? "filled" : "light"} data-state={state}>
      {STATE_LABELS[state]}
    </Badge>
  );
}
