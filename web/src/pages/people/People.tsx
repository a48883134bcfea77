import { Alert, Anchor, Badge, Button, Group, List, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { IconUserPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, call } from "../../api/client";
import { usersQuery } from "../../api/queries";
import type { User } from "../../api/types";
import { useMe } from "../../app/me";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ItemTable, RowAction } from "../../components/ItemTable";
import { Loaded } from "../../components/Loaded";
import { PersonName } from "../../components/PersonName";
import { ProblemAlert } from "../../components/ProblemAlert";
import { usePageTitle } from "../../lib/usePageTitle";
import { AddPerson } from "./AddPerson";

/**
 * People: everyone on the platform with their teams. Keepers add people (with a first token
 * shown once), change who is a Keeper, and remove people.
 */
export default function People() {
  usePageTitle("People");
  const me = useMe();
  const keeper = me.role === "admin";
  const users = useQuery(usersQuery);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<User | null>(null);
  const [removed, setRemoved] = useState<{ name: string; done: string[] } | null>(null);

  return (
    <Stack gap="md" maw={1100}>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>People</Title>
        {keeper && !adding && (
          <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={() => setAdding(true)}>
            Add person
          </Button>
        )}
      </Group>
      <Text>
        Everyone who can sign in to this platform, and their teams. A person sees the work of the teams they are in; see{" "}
        <Anchor component={Link} to="/teams">
          Teams
        </Anchor>{" "}
        for who does what in each.
        {keeper
          ? " As a Keeper you add people, make them Keepers, and remove them."
          : " Keepers (the platform's admins) add and remove people."}
      </Text>
      {keeper && adding && <AddPerson onClose={() => setAdding(false)} />}
      {removed && (
        <Alert color="green" variant="light" title={`${removed.name} was removed`} withCloseButton onClose={() => setRemoved(null)} closeButtonLabel="Dismiss" data-testid="removed-person">
          <List size="sm" data-testid="removed-done">
            {removed.done.map((line) => (
              <List.Item key={line}>{line}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {users.error && <ProblemAlert error={users.error} onRetry={() => void users.refetch()} />}
      <Loaded when={users.isSuccess} name="people" />
      <ItemTable label="People" testId="people-table" minWidth={keeper ? 820 : 560} columns={["Person", "Teams", ...(keeper ? ["Email"] : []), "Platform role"]} actions={keeper}>
        {users.data?.items.map((u) => (
          <Table.Tr key={u.id} data-user={u.name}>
            <Table.Td>
              <PersonName name={u.name} displayName={u.displayName} you={u.name === me.name} />
            </Table.Td>
            <Table.Td>
              <Group gap={4}>
                {u.teams.length === 0 && (
                  <Text size="sm" c="dimmed">
                    none
                  </Text>
                )}
                {u.teams.map((t) => (
                  <Badge key={t.team} variant="outline" color={t.role === "admin" ? "grape" : "gray"} tt="none" component={Link} to={`/teams/${t.team}`} style={{ cursor: "pointer" }}>
                    {t.team} · {t.role}
                  </Badge>
                ))}
              </Group>
            </Table.Td>
            {keeper && <Table.Td>{u.email ?? <Text span size="sm" c="dimmed">—</Text>}</Table.Td>}
            <Table.Td>{keeper && u.name !== me.name ? <PlatformRole user={u} /> : u.role === "admin" ? <Badge color="grape">Keeper</Badge> : <Text size="sm">member</Text>}</Table.Td>
            {keeper && (
              <Table.Td>
                {u.name !== me.name && (
                  <RowAction label={`Remove ${u.name}`} onClick={() => setRemoving(u)}>
                    Remove
                  </RowAction>
                )}
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </ItemTable>
      {keeper && (
        <RemovePerson
          user={removing}
          onClose={() => setRemoving(null)}
          onRemoved={(name, done) => {
            setRemoving(null);
            setRemoved({ name, done });
          }}
        />
      )}
    </Stack>
  );
}

/** A Keeper makes someone a Keeper, or a member again. */
function PlatformRole({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (role: "admin" | "member") => call(api.PATCH("/api/v1/users/{name}", { params: { path: { name: user.name } }, body: { role } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  return (
    <Stack gap={4}>
      <NativeSelect
        aria-label={`Platform role of ${user.name}`}
        data={[
          { value: "member", label: "member" },
          { value: "admin", label: "Keeper (admin)" },
        ]}
        value={user.role}
        disabled={change.isPending}
        onChange={(e) => change.mutate(e.currentTarget.value as "admin" | "member")}
        size="xs"
        w={150}
      />
      {change.error && <ProblemAlert error={change.error} />}
    </Stack>
  );
}

/** Asks before removing a person, saying what it does; then hands back what the removal did. */
function RemovePerson({ user, onClose, onRemoved }: { user: User | null; onClose: () => void; onRemoved: (name: string, done: string[]) => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (name: string) => call(api.DELETE("/api/v1/users/{name}", { params: { path: { name } } })),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ["users"] });
      void queryClient.invalidateQueries({ queryKey: ["teams"] });
      onRemoved(result.user.name, result.done);
    },
  });
  const close = () => {
    remove.reset();
    onClose();
  };
  const teams = user?.teams.map((t) => t.team) ?? [];
  return (
    <ConfirmDialog
      opened={user !== null}
      title={`Remove ${user?.name ?? ""}?`}
      confirm="Remove"
      cancel={`Keep ${user?.name ?? ""}`}
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => user && remove.mutate(user.name)}
      onClose={close}
      testId="confirm-remove"
    >
      <Text size="sm">{user?.name} can no longer sign in. Their API tokens, SSH keys, access keys and browser sessions stop working at once.</Text>
      <Text size="sm">
        Their work stays with {teams.length > 0 ? `their team${teams.length > 1 ? "s" : ""} (${teams.join(", ")})` : "the platform"}: their jobs are kept, and private ones become
        visible to the team. Their name is not given to anyone else.
      </Text>
    </ConfirmDialog>
  );
}
