import { Anchor, Badge, Button, Group, NativeSelect, Paper, PasswordInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconLock } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { api, call } from "../api/client";
import { ApiProblem, fieldErrors } from "../api/problem";
import { secretsQuery } from "../api/queries";
import type { Me, SecretInfo } from "../api/types";
import { useMe } from "../app/me";
import { CommandBlock } from "../components/CommandBlock";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ItemTable, RowAction } from "../components/ItemTable";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatRelative } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";

/**
 * Secrets: yours and your teams', by name. A value is typed into a password field, sent once,
 * and never comes back: the API has no way to read one.
 */
export default function Secrets() {
  usePageTitle("Secrets");
  const me = useMe();
  const secrets = useQuery(secretsQuery);
  return (
    <Stack gap="md" maw={960}>
      <Title order={1}>Secrets</Title>
      <Text>
        API keys and passwords your jobs need. A job names them in <code>secrets</code> and gets each as an environment variable of the same name; nobody can read a value
        back, and a job that prints one has it shown as stars in its log. Unlike <code>env</code> values, which everyone who may see the job sees.{" "}
        <Anchor component={Link} to="/guides/how-to/use-secrets">
          How secrets work
        </Anchor>
      </Text>
      <SetSecret me={me} />
      {secrets.error && <ProblemAlert error={secrets.error} onRetry={() => void secrets.refetch()} />}
      <Loaded when={secrets.isSuccess} name="secrets" />
      {secrets.data && (secrets.data.items.length === 0 ? <Text c="dimmed">No secrets yet.</Text> : <SecretTable me={me} items={secrets.data.items} />)}
      <Text size="sm">In a job, by name:</Text>
      <CommandBlock command={`plinth run --secret ${secrets.data?.items[0]?.name ?? "WANDB_API_KEY"} -- python train.py`} />
    </Stack>
  );
}

/** Teams whose secrets this person may set: those they administer (a Keeper: all of theirs). */
function managedTeams(me: Me): string[] {
  return (me.teams ?? []).filter((t) => me.role === "admin" || t.role === "admin").map((t) => t.team);
}

function SetSecret({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [team, setTeam] = useState("");
  const teams = managedTeams(me);
  const set = useMutation({
    mutationFn: () =>
      call(api.PUT("/api/v1/secrets/{name}", { params: { path: { name: name.trim() }, query: team ? { team } : {} }, body: { value } })),
    onSuccess: () => {
      // The value leaves the page with the request.
      setValue("");
      void queryClient.invalidateQueries({ queryKey: secretsQuery.queryKey });
    },
  });
  const errors = fieldErrors(set.error instanceof ApiProblem ? set.error.problem : undefined);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    set.mutate();
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={onSubmit} aria-label="Set a secret">
        <Group align="flex-start" wrap="wrap">
          <TextInput
            label="Name"
            description="The variable the job gets"
            placeholder="WANDB_API_KEY"
            value={name}
            onChange={(e) => setName(e.currentTarget.value.toUpperCase())}
            error={errors.name}
            required
            w={{ base: "100%", xs: 220 }}
            autoComplete="off"
          />
          <PasswordInput
            label="Value"
            description="Not shown again once set"
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            error={errors.value}
            required
            w={{ base: "100%", xs: 280 }}
            autoComplete="new-password"
            data-testid="secret-value"
          />
          {teams.length > 0 && (
            <NativeSelect
              label="Whose"
              description="A team's secret serves its members"
              data={[{ value: "", label: "Yours" }, ...teams.map((t) => ({ value: t, label: `Team ${t}` }))]}
              value={team}
              onChange={(e) => setTeam(e.currentTarget.value)}
              w={{ base: "100%", xs: 200 }}
            />
          )}
          <Button type="submit" mt={{ base: 0, xs: 44 }} loading={set.isPending} leftSection={<IconLock size={16} aria-hidden />}>
            Set secret
          </Button>
        </Group>
      </form>
      {set.error && !Object.keys(errors).length && (
        <Stack mt="sm">
          <ProblemAlert error={set.error} />
        </Stack>
      )}
      {set.isSuccess && (
        <Text mt="sm" size="sm" c="green" data-testid="secret-saved">
          Secret {set.data.name} set{set.data.team ? ` for team ${set.data.team}` : ""}.
        </Text>
      )}
    </Paper>
  );
}

function SecretTable({ me, items }: { me: Me; items: SecretInfo[] }) {
  const queryClient = useQueryClient();
  const [removing, setRemoving] = useState<SecretInfo | null>(null);
  const teams = managedTeams(me);
  const remove = useMutation({
    mutationFn: (s: SecretInfo) => call(api.DELETE("/api/v1/secrets/{name}", { params: { path: { name: s.name }, query: s.team ? { team: s.team } : {} } })),
    onSuccess: () => {
      setRemoving(null);
      void queryClient.invalidateQueries({ queryKey: secretsQuery.queryKey });
    },
  });
  return (
    <>
      <ItemTable label="Secrets" testId="secrets-table" minWidth={560} columns={["Name", "Whose", "Set by", "Updated"]} actions>
        {items.map((s) => (
          <Table.Tr key={`${s.scope}/${s.team ?? ""}/${s.name}`} data-secret={s.name}>
            <Table.Td>
              <code>{s.name}</code>
            </Table.Td>
            <Table.Td>{s.scope === "team" ? <Badge variant="light">team {s.team}</Badge> : "yours"}</Table.Td>
            <Table.Td>{s.setBy}</Table.Td>
            <Table.Td>{formatRelative(s.updatedAt)}</Table.Td>
            <Table.Td>
              {(s.scope === "user" || (s.team !== null && teams.includes(s.team))) && (
                <RowAction label={`Remove secret ${s.name}`} onClick={() => setRemoving(s)}>
                  Remove
                </RowAction>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </ItemTable>
      <ConfirmDialog
        opened={removing !== null}
        title="Remove this secret?"
        confirm="Remove"
        cancel="Keep it"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate(removing)}
        onClose={() => setRemoving(null)}
        testId="confirm-remove-secret"
      >
        <Text size="sm">
          Jobs that name {removing?.name} and have not started yet will fail to start{removing?.team ? `, for everyone in team ${removing.team}` : ""}. Jobs already running keep the value they
          were given.
        </Text>
      </ConfirmDialog>
    </>
  );
}
