import { Button, Code, Group, NativeSelect, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from "@mantine/core";
import { IconDownload, IconFilterOff } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Fragment, useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { auditQuery } from "../api/queries";
import type { AuditEvent } from "../api/types";
import { useMe } from "../app/me";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatRelative, formatStamp } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";
import { useUsers } from "../lib/users";

// The audit log: every change, who made it, when, from where, before and after. Filters live
// in the address, so a filtered view can be shared; Export downloads the same view as JSON
// lines. What a person sees is decided by the server.

const FILTERS = ["actor", "action", "target", "since", "until"] as const;
type Filter = (typeof FILTERS)[number];

const KINDS = [
  { value: "", label: "Any action" },
  { value: "job", label: "Jobs" },
  { value: "code", label: "Code uploads" },
  { value: "token", label: "Tokens" },
  { value: "session", label: "Sign-ins and sign-outs" },
  { value: "user", label: "People" },
  { value: "team", label: "Teams" },
  { value: "secret", label: "Secrets" },
  { value: "ssh_key", label: "SSH keys" },
  { value: "access-key", label: "Access keys" },
];

const SINCE = [
  { value: "", label: "Any time" },
  { value: "1h", label: "Last hour" },
  { value: "24h", label: "Last 24 hours" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
];

const PAGE_SIZE = 50;

export default function AuditLog() {
  usePageTitle("Audit log");
  const me = useMe();
  const { users } = useUsers();
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])) as Record<Filter, string>;
  const cursor = params.get("cursor") ?? "";
  // Cursors of the pages before this one, for "Previous page" (keyset pages have no numbers).
  const [history, setHistory] = useState<string[]>([]);
  const [open, setOpen] = useState<string | null>(null);

  const query = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== "")) as Partial<Record<Filter, string>>;
  const events = useQuery({ ...auditQuery({ ...query, ...(cursor && { cursor }), limit: PAGE_SIZE }), placeholderData: keepPreviousData });

  const set = (patch: Partial<Record<Filter | "cursor", string>>, keepHistory = false) => {
    const next = new URLSearchParams(params);
    if (!("cursor" in patch)) next.delete("cursor");
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepHistory) setHistory([]);
    setParams(next, { replace: true });
  };
  const filtered = FILTERS.some((f) => filters[f] !== "");
  const exportHref = `/api/v1/audit/export${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ""}`;
  const teamAdmin = (me.teams ?? []).some((t) => t.role === "admin");

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Audit log</Title>
        <Button component="a" href={exportHref} download="plinth-audit.jsonl" variant="default" leftSection={<IconDownload size={16} aria-hidden />} data-testid="audit-export">
          Export
        </Button>
      </Group>
      <Text>
        Every change made on this platform: who made it, when, from which address, and what changed.{" "}
        {me.role === "admin"
          ? "As an admin you see every change."
          : teamAdmin
            ? "You see your own changes and those to your teams' jobs and members."
            : "You see your own changes."}{" "}
        Export downloads what this page shows, all pages at once, as JSON lines.
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
        <NativeSelect
          label="Who"
          data={[{ value: "", label: "Anyone" }, { value: "me", label: "Me" }, { value: "system", label: "The platform" }, ...users.map((u) => ({ value: u.name, label: u.name }))]}
          value={filters.actor}
          onChange={(e) => set({ actor: e.currentTarget.value })}
        />
        <NativeSelect label="What" data={KINDS.some((k) => k.value === filters.action) ? KINDS : [...KINDS, { value: filters.action, label: filters.action }]} value={filters.action} onChange={(e) => set({ action: e.currentTarget.value })} />
        <Typed label="Object" placeholder="A job id, a user name…" value={filters.target} onApply={(target) => set({ target })} />
        <NativeSelect label="Since" data={SINCE.some((s) => s.value === filters.since) ? SINCE : [...SINCE, { value: filters.since, label: filters.since }]} value={filters.since} onChange={(e) => set({ since: e.currentTarget.value })} />
        <TextInput type="date" label="Before" value={filters.until} onChange={(e) => set({ until: e.currentTarget.value })} />
      </SimpleGrid>
      {filtered && (
        <Group>
          <Button variant="subtle" leftSection={<IconFilterOff size={16} aria-hidden />} onClick={() => set(Object.fromEntries(FILTERS.map((f) => [f, ""])))}>
            Clear filters
          </Button>
        </Group>
      )}
      {events.error && <ProblemAlert error={events.error} onRetry={() => void events.refetch()} />}
      <Loaded when={events.isSuccess} name="audit" />
      <Table.ScrollContainer minWidth={760}>
        <Table striped verticalSpacing="xs" aria-label="Audit log" aria-busy={events.isFetching} data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Object</Table.Th>
              <Table.Th>From</Table.Th>
              <Table.Th>
                <VisuallyHidden>Details</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.data?.items.map((e) => (
              <Fragment key={e.id}>
                <EventRow event={e} open={open === e.id} onToggle={() => setOpen(open === e.id ? null : e.id)} />
                {open === e.id && <Details event={e} />}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {events.data && events.data.items.length === 0 && (
        <Text c="dimmed" ta="center" py="lg" data-testid="audit-empty">
          {cursor ? "No more changes." : filtered ? "No changes match these filters." : "No changes recorded yet."}
        </Text>
      )}
      <Group gap="xs">
        <Button
          variant="default"
          disabled={!cursor}
          onClick={() => {
            set({ cursor: history[history.length - 1] ?? "" }, true);
            setHistory(history.slice(0, -1));
          }}
        >
          Previous page
        </Button>
        <Button
          variant="default"
          disabled={!events.data?.nextCursor}
          onClick={() => {
            setHistory([...history, cursor]);
            set({ cursor: events.data!.nextCursor! }, true);
          }}
        >
          Next page
        </Button>
      </Group>
    </Stack>
  );
}

function EventRow({ event: e, open, onToggle }: { event: AuditEvent; open: boolean; onToggle: () => void }) {
  const t = e.target;
  return (
    <Table.Tr data-audit-id={e.id}>
      <Table.Td>
        <time dateTime={e.at} title={formatStamp(e.at)}>
          {formatRelative(e.at)}
        </time>
      </Table.Td>
      <Table.Td>{e.actor.name}</Table.Td>
      <Table.Td>
        <code>{e.action}</code>
      </Table.Td>
      <Table.Td>
        {t.kind} {t.name ?? t.id}
        {t.name && t.id && t.name !== t.id && <Small>{t.id}</Small>}
      </Table.Td>
      <Table.Td>
        {e.from.address ?? "—"}
        {e.from.userAgent && <Small>{e.from.userAgent}</Small>}
      </Table.Td>
      <Table.Td>
        <Button variant="subtle" size="compact-sm" onClick={onToggle} aria-expanded={open} aria-label={`${open ? "Hide changes" : "Changes"}: ${e.action} ${t.name ?? t.id ?? ""}`}>
          {open ? "Hide" : "Changes"}
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}

function Small({ children }: { children: string }) {
  return (
    <Text size="xs" c="dimmed" ff="monospace">
      {children}
    </Text>
  );
}

function Details({ event: e }: { event: AuditEvent }) {
  return (
    <Table.Tr>
      <Table.Td colSpan={6}>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" data-testid="audit-details">
          <div>
            <Text size="sm" fw={600}>
              Before
            </Text>
            <Code block>{e.before === null ? "(nothing)" : JSON.stringify(e.before, null, 2)}</Code>
          </div>
          <div>
            <Text size="sm" fw={600}>
              After
            </Text>
            <Code block>{e.after === null ? "(nothing)" : JSON.stringify(e.after, null, 2)}</Code>
          </div>
        </SimpleGrid>
        <Text size="xs" c="dimmed" mt={4}>
          {formatStamp(e.at)} · {e.actor.credentialId ? `with ${e.actor.credentialId}` : "by the platform"} · event {e.id}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** A text filter applied after a short pause rather than on every key. */
function Typed({ label, placeholder, value, onApply }: { label: string; placeholder: string; value: string; onApply: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onApply(text.trim()), 400);
    return () => clearTimeout(t);
  }, [text, value, onApply]);
  return <TextInput label={label} placeholder={placeholder} value={text} onChange={(e) => setText(e.currentTarget.value)} />;
}
