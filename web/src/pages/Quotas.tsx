import { Anchor, Badge, Button, Group, NativeSelect, NumberInput, Paper, Progress, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { IconGauge, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { api, call } from "../api/client";
import { ApiProblem, fieldErrors } from "../api/problem";
import { quotasQuery, teamsQuery, usersQuery } from "../api/queries";
import type { Quota } from "../api/types";
import { useMe } from "../app/me";
import { CommandBlock } from "../components/CommandBlock";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatBytes } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";

/**
 * Quotas: how much of the machines each team and person may use, with what they use now.
 * Everyone sees their own and their teams'; Keepers see every team and set quotas here.
 */
export default function Quotas() {
  usePageTitle("Quotas");
  const me = useMe();
  const quotas = useQuery({ ...quotasQuery, refetchInterval: 15_000 });
  const keeper = me.role === "admin";
  const [editing, setEditing] = useState<Draft | null>(null);
  return (
    <Stack gap="md" maw={1100}>
      <Title order={1}>Quotas</Title>
      <Text>
        A quota caps what a team or a person may use: GPUs held at once, jobs running at once, and GPU-hours in any 7 days. A job that would go over one waits in the
        queue, and its page says which quota holds it and when it frees up; other people's jobs start meanwhile.{" "}
        <Anchor component={Link} to="/guides/how-to/share-gpus-fairly">
          How sharing works
        </Anchor>
      </Text>
      {keeper && <SetQuota key={editing ? `${editing.scope}:${editing.name}:${editing.at}` : "new"} draft={editing} />}
      {quotas.error && <ProblemAlert error={quotas.error} onRetry={() => void quotas.refetch()} />}
      <Loaded when={quotas.isSuccess} name="quotas" />
      {quotas.data && (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} data-testid="quotas">
          {quotas.data.items.map((q) => (
            <QuotaCard key={`${q.scope}:${q.id}`} quota={q} mine={q.scope === "user" && q.id === me.id} keeper={keeper} onEdit={() => setEditing(draftOf(q))} />
          ))}
        </SimpleGrid>
      )}
      {keeper && (
        <>
          <Text size="sm">From a terminal:</Text>
          <CommandBlock command="plinth quotas set --team vision --gpus 4 --gpu-hours-per-week 300" />
        </>
      )}
    </Stack>
  );
}

function QuotaCard({ quota: q, mine, keeper, onEdit }: { quota: Quota; mine: boolean; keeper: boolean; onEdit: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/quotas/{kind}/{name}", { params: { path: { kind: q.scope, name: q.name } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: quotasQuery.queryKey }),
  });
  const title = q.scope === "team" ? `Team ${q.name}` : mine ? `${q.name} (you)` : q.name;
  return (
    <Paper withBorder p="md" data-quota={`${q.scope}:${q.name}`} aria-label={title} component="section">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Title order={2} size="h4">
            {title}
          </Title>
          {!q.set && (
            <Badge variant="light" color="gray">
              {q.defaults.length > 0 ? "platform defaults" : "no quota"}
            </Badge>
          )}
        </Group>
        <Usage label="GPUs at once" used={q.usage.gpus} limit={q.limits.gpus} byDefault={q.defaults.includes("gpus")} />
        <Usage label="Jobs running at once" used={q.usage.runningJobs} limit={q.limits.runningJobs} byDefault={q.defaults.includes("runningJobs")} />
        <Usage label="GPU-hours in the last 7 days" used={q.usage.gpuHoursPerWeek} limit={q.limits.gpuHoursPerWeek} byDefault={false} />
        {q.scope === "team" && <Usage label="Datasets kept" used={q.usage.storageBytes} limit={q.limits.storageBytes} byDefault={false} format={formatBytes} />}
        {q.heldJobs > 0 && (
          <Text size="sm" c="red.9" data-testid="held-jobs">
            {q.heldJobs === 1 ? "1 job waits" : `${q.heldJobs} jobs wait`} for this quota.
          </Text>
        )}
        {keeper && (
          <Group gap="xs">
            <Button size="xs" variant="light" onClick={onEdit}>
              {q.set ? "Change" : "Set a quota"}
            </Button>
            {q.set && (
              <Button size="xs" variant="subtle" color="red" leftSection={<IconTrash size={14} aria-hidden />} loading={remove.isPending} onClick={() => remove.mutate()}>
                Remove quota
              </Button>
            )}
          </Group>
        )}
        {remove.error && <ProblemAlert error={remove.error} />}
      </Stack>
    </Paper>
  );
}

/** An amount as people read it: whole numbers as they are, small ones as "< 0.01", others to three digits. */
const tidy = (n: number) => (Number.isInteger(n) ? String(n) : n < 0.01 ? "< 0.01" : String(Number(n.toPrecision(3))));

/** One limit: a bar of how full it is, or the use alone when there is no limit. */
function Usage({ label, used, limit, byDefault, format = tidy }: { label: string; used: number; limit: number | null; byDefault: boolean; format?: (n: number) => string }) {
  const full = limit !== null && used >= limit;
  const percent = limit === null ? 0 : limit === 0 ? 100 : Math.min(100, (used / limit) * 100);
  const text = limit === null ? `${format(used)} · no limit` : `${format(used)} of ${format(limit)}${byDefault ? " (platform default)" : ""}`;
  return (
    <Stack gap={2}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm">{label}</Text>
        <Text size="sm" fw={full ? 700 : 400} c={full ? "red.9" : undefined}>
          {text}
        </Text>
      </Group>
      {limit !== null && <Progress value={percent} color={full ? "red" : "blue"} aria-label={`${label}: ${text}`} />}
    </Stack>
  );
}

interface Draft {
  scope: "team" | "user";
  name: string;
  gpus: number | string;
  runningJobs: number | string;
  gpuHoursPerWeek: number | string;
  /** When the draft was made, so that choosing the same quota again resets the form. */
  at: number;
}

function draftOf(q: Quota): Draft {
  const value = (limit: number | null, byDefault: boolean) => (limit === null || byDefault ? "" : limit);
  return {
    scope: q.scope,
    name: q.name,
    gpus: value(q.limits.gpus, q.defaults.includes("gpus")),
    runningJobs: value(q.limits.runningJobs, q.defaults.includes("runningJobs")),
    gpuHoursPerWeek: value(q.limits.gpuHoursPerWeek, false),
    at: Date.now(),
  };
}

/** A limit as the API takes it: a blank field is no limit. */
const limitOf = (v: number | string) => (v === "" ? null : Number(v));

/** A Keeper sets a team's or a person's quota; every limit is sent, a blank one removed. */
function SetQuota({ draft }: { draft: Draft | null }) {
  const queryClient = useQueryClient();
  const teams = useQuery(teamsQuery);
  const users = useQuery(usersQuery);
  const [scope, setScope] = useState<"team" | "user">(draft?.scope ?? "team");
  const [name, setName] = useState(draft?.name ?? "");
  const [gpus, setGpus] = useState<number | string>(draft?.gpus ?? "");
  const [runningJobs, setRunningJobs] = useState<number | string>(draft?.runningJobs ?? "");
  const [gpuHours, setGpuHours] = useState<number | string>(draft?.gpuHoursPerWeek ?? "");
  const names = scope === "team" ? (teams.data?.items.map((t) => t.name) ?? []) : (users.data?.items.filter((u) => !u.removedAt).map((u) => u.name) ?? []);
  const chosen = names.includes(name) ? name : (names[0] ?? "");
  const set = useMutation({
    mutationFn: () =>
      call(
        api.PUT("/api/v1/quotas/{kind}/{name}", {
          params: { path: { kind: scope, name: chosen } },
          body: { gpus: limitOf(gpus), runningJobs: limitOf(runningJobs), gpuHoursPerWeek: limitOf(gpuHours) },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: quotasQuery.queryKey }),
  });
  const errors = fieldErrors(set.error instanceof ApiProblem ? set.error.problem : undefined);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    set.mutate();
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={onSubmit} aria-label="Set a quota" noValidate>
        <Stack gap="sm">
          <Group align="flex-start" wrap="wrap">
            <NativeSelect
              label="For"
              data={[
                { value: "team", label: "A team" },
                { value: "user", label: "A person" },
              ]}
              value={scope}
              onChange={(e) => setScope(e.currentTarget.value as "team" | "user")}
              w={{ base: "100%", xs: 140 }}
            />
            <NativeSelect label={scope === "team" ? "Team" : "Person"} data={names} value={chosen} onChange={(e) => setName(e.currentTarget.value)} w={{ base: "100%", xs: 180 }} />
            <NumberInput label="GPUs at once" description="Blank: no limit" min={0} allowDecimal={false} value={gpus} onChange={setGpus} error={errors.gpus} w={{ base: "100%", xs: 150 }} />
            <NumberInput
              label="Jobs running at once"
              description="Blank: no limit"
              min={0}
              allowDecimal={false}
              value={runningJobs}
              onChange={setRunningJobs}
              error={errors.runningJobs}
              w={{ base: "100%", xs: 170 }}
            />
            <NumberInput
              label="GPU-hours per 7 days"
              description="Blank: no limit"
              min={0}
              value={gpuHours}
              onChange={setGpuHours}
              error={errors.gpuHoursPerWeek}
              w={{ base: "100%", xs: 180 }}
            />
          </Group>
          <Group>
            <Button type="submit" loading={set.isPending} disabled={!chosen} leftSection={<IconGauge size={16} aria-hidden />}>
              Set quota
            </Button>
            {set.isSuccess && (
              <Text size="sm" data-testid="quota-saved">
                Quota of {set.data.scope === "team" ? `team ${set.data.name}` : set.data.name} {set.data.set ? "set" : "removed: no limits left"}.
              </Text>
            )}
          </Group>
          {set.error && !Object.keys(errors).length && <ProblemAlert error={set.error} />}
        </Stack>
      </form>
    </Paper>
  );
}
