import { Anchor, Badge, Button, Group, Paper, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { IconDownload, IconSearch } from "@tabler/icons-react";
import { type ReactNode, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatBytes } from "../../lib/format";
import { TAIL_BYTES, useLogStream } from "./useLogStream";

const MAX_MATCH_LINES = 5_000;

/** A job's output as it is written: follows the end, searches, downloads. */
export function LogViewer({ jobId, jobName }: { jobId: string; jobName: string }) {
  const log = useLogStream(jobId);
  const download = { href: `/api/v1/jobs/${encodeURIComponent(jobId)}/logs`, download: `${jobName}-${jobId}.log` };
  const [query, setQuery] = useState("");
  const [onlyMatches, setOnlyMatches] = useState(true);
  const [follow, setFollow] = useState(true);
  const pre = useRef<HTMLElement>(null);

  const search = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return null;
    const lines = log.text.split("\n");
    const matches: Array<{ n: number; line: string }> = [];
    lines.forEach((line, i) => {
      if (line.toLowerCase().includes(q)) matches.push({ n: i + 1, line });
    });
    return { q, lines, matches };
  }, [query, log.text]);

  // Stay at the bottom while following, as `tail -f` does.
  useLayoutEffect(() => {
    if (follow && pre.current && !search && log.text) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.text, follow, search]);
  useEffect(() => {
    const el = pre.current;
    if (!el) return;
    const onScroll = () => {
      const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      if (!atBottom && follow && log.status === "following") setFollow(false);
    };
    el.addEventListener("scroll", onScroll, { passive: true });
    return () => el.removeEventListener("scroll", onScroll);
  }, [follow, log.status]);

  let body: ReactNode = log.text;
  if (search) {
    const shown = onlyMatches ? search.matches : search.lines.map((line, i) => ({ n: i + 1, line }));
    body = shown.slice(0, MAX_MATCH_LINES).map(({ n, line }) => (
      <span key={n}>
        {onlyMatches && <span aria-hidden style={{ opacity: 0.6 }}>{`${String(n).padStart(5)}  `}</span>}
        {highlight(line, search.q)}
        {"\n"}
      </span>
    ));
  }

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Group gap="xs">
            <Title order={2} size="h4">
              Output
            </Title>
            <Badge variant="light" color={log.status === "following" ? "blue" : log.status === "error" ? "red" : "gray"} data-testid="log-status">
              {log.status === "following" ? "live" : log.status === "ended" ? "complete" : log.status === "loading" ? "loading" : "stopped"}
            </Badge>
          </Group>
          <Group gap="xs" wrap="wrap">
            <TextInput
              size="xs"
              placeholder="Search the output"
              aria-label="Search the output"
              leftSection={<IconSearch size={14} aria-hidden />}
              value={query}
              onChange={(e) => setQuery(e.currentTarget.value)}
              w={200}
            />
            <Switch size="xs" label="Follow" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
            <Button
              size="xs"
              variant="default"
              component="a"
              {...download}
              leftSection={<IconDownload size={14} aria-hidden />}
            >
              Download
            </Button>
          </Group>
        </Group>
        {search && (
          <Group gap="sm">
            <Text size="sm" aria-live="polite" data-testid="log-match-count">
              {search.matches.length} matching line{search.matches.length === 1 ? "" : "s"}
            </Text>
            <Switch size="xs" label="Only matching lines" checked={onlyMatches} onChange={(e) => setOnlyMatches(e.currentTarget.checked)} />
          </Group>
        )}
        {log.truncated && (
          <Text size="xs" c="dimmed" data-testid="log-truncated">
            Showing the last {formatBytes(TAIL_BYTES)} of {formatBytes(log.size)}; search looks through these.{" "}
            <Anchor size="xs" {...download}>
              Download the whole log
            </Anchor>
          </Text>
        )}
        {log.problem && <ProblemAlert problem={log.problem} />}
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it */}
        <section ref={pre} className="log-view" data-testid="log" tabIndex={0} aria-label="Job output">
          <pre>
            {body}
            {log.text === "" && log.status !== "loading" && (
              <Text component="span" c="dimmed" size="sm">
                {log.status === "following" ? "Nothing printed yet. Output appears here as the job writes it." : "The job printed nothing."}
              </Text>
            )}
          </pre>
        </section>
      </Stack>
    </Paper>
  );
}

function highlight(line: string, q: string): ReactNode {
  const lower = line.toLowerCase();
  const out: ReactNode[] = [];
  let from = 0;
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) {
    out.push(line.slice(from, i), <mark key={i}>{line.slice(i, i + q.length)}</mark>);
    from = i + q.length;
  }
  out.push(line.slice(from));
  return out;
}
