import { Group, Paper, Text, Timeline as MantineTimeline, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import type { JobDetail } from "../../api/types";
import { STATE_LABELS } from "../../components/StateBadge";
import { formatDuration, formatTime } from "../../lib/format";

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "lost"]);

/** Where the time went: each state the job passed through, when, and for how long. */
export function Timeline({ job }: { job: JobDetail }) {
  const active = !TERMINAL.has(job.state);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);

  const events = job.events;
  const d = job.durations;
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        Timeline
      </Title>
      <Group gap="lg" mb="md" wrap="wrap">
        <Figure label="Waited in queue" value={d.queuedMs ?? (job.state === "queued" ? now - new Date(job.createdAt).getTime() : null)} />
        <Figure label="Starting" value={d.startingMs} />
        <Figure label="Running" value={d.runningMs ?? (job.startedAt && active ? now - new Date(job.startedAt).getTime() : null)} />
      </Group>
      <MantineTimeline active={events.length - 1} bulletSize={18} lineWidth={2}>
        {events.map((e, i) => {
          const next = events[i + 1];
          const start = new Date(e.at).getTime();
          const end = next ? new Date(next.at).getTime() : TERMINAL.has(e.to) ? null : now;
          return (
            <MantineTimeline.Item key={`${e.to}-${e.at}`} title={STATE_LABELS[e.to]}>
              <Text size="sm" c="dimmed">
                {formatTime(e.at)}
                {end !== null && ` · ${formatDuration(end - start)}${next ? "" : " so far"}`}
              </Text>
            </MantineTimeline.Item>
          );
        })}
      </MantineTimeline>
    </Paper>
  );
}

function Figure({ label, value }: { label: string; value: number | null }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{formatDuration(value)}</Text>
    </div>
  );
}
