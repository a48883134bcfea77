import { Anchor, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { IconUserPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useParams } from "react-router";
import { api, call } from "../../api/client";
import { meQuery, teamMembersQuery, teamsQuery, usersQuery } from "../../api/queries";
import type { TeamMember, TeamRole } from "../../api/types";
import { useMe } from "../../app/me";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ItemTable, RowAction } from "../../components/ItemTable";
import { Loaded } from "../../components/Loaded";
import { PersonName } from "../../components/PersonName";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatTime } from "../../lib/format";
import { managesTeam, TEAM_ROLE_TEXT } from "../../lib/teams";
import { usePageTitle } from "../../lib/usePageTitle";

const ROLES: TeamRole[] = ["member", "admin", "viewer"];

/**
 * One team and its members. Keepers and the team's admins add people, change roles and remove
 * people from it; everyone else sees who is in it.
 */
export default function TeamPage() {
  const { team = "" } = useParams();
  usePageTitle(`Team ${team}`);
  const me = useMe();
  const manages = managesTeam(me, team);
  const members = useQuery(teamMembersQuery(team));
  const teams = useQuery(teamsQuery);
  const info = teams.data?.items.find((t) => t.name === team);
  const [removing, setRemoving] = useState<TeamMember | null>(null);

  return (
    <Stack gap="md" maw={960}>
      <Stack gap={4}>
        <Anchor component={Link} to="/teams" size="sm">
          All teams
        </Anchor>
        <Title order={1}>Team {team}</Title>
        {info?.description && <Text>{info.description}</Text>}
        <Text size="sm" c="dimmed">
          {manages
            ? "You manage this team: add people, change their roles, or remove them from it. A change applies at once, to the portal and the command line alike."
            : "Keepers and this team's admins manage who is in it."}
        </Text>
      </Stack>
      {members.error && <ProblemAlert error={members.error} onRetry={() => void members.refetch()} />}
      <Loaded when={members.isSuccess} name="team" />
      {manages && members.data && <AddMember team={team} members={members.data.items} />}
      {members.data && (
        <ItemTable label={`Members of ${team}`} testId="members-table" minWidth={560} columns={["Person", "Role", "Since"]} actions={manages}>
          {members.data.items.map((m) => (
            <Table.Tr key={m.user} data-member={m.user}>
              <Table.Td>
                <PersonName name={m.user} displayName={m.displayName} you={m.user === me.name} />
              </Table.Td>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  {manages ? <MemberRole team={team} member={m} /> : <Text size="sm">{m.role}</Text>}
                  {m.source === "sso" && (
                    <Badge variant="outline" color="gray" size="sm" tt="none" title="Set by single sign-on: the next sign-in sets it again from the person's groups">
                      from sign-on
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>{formatTime(m.since)}</Table.Td>
              {manages && (
                <Table.Td>
                  <RowAction label={`Remove ${m.user} from ${team}`} onClick={() => setRemoving(m)}>
                    Remove
                  </RowAction>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </ItemTable>
      )}
      {members.data?.items.length === 0 && (
        <Text c="dimmed" ta="center" data-testid="team-empty">
          No one is in this team yet.
        </Text>
      )}
      {manages && <RemoveMember team={team} member={removing} onClose={() => setRemoving(null)} />}
    </Stack>
  );
}

/** Refreshes what a membership change touches: the team, people's teams, and one's own roles. */
function useMembershipRefresh() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["teams"] });
    void queryClient.invalidateQueries({ queryKey: usersQuery.queryKey });
    void queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
  };
}

function AddMember({ team, members }: { team: string; members: TeamMember[] }) {
  const refresh = useMembershipRefresh();
  const people = useQuery(usersQuery);
  const candidates = (people.data?.items ?? []).map((u) => u.name).filter((n) => !members.some((m) => m.user === n));
  const [name, setName] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const chosen = candidates.includes(name) ? name : (candidates[0] ?? "");
  const add = useMutation({
    mutationFn: () => call(api.PUT("/api/v1/teams/{team}/members/{name}", { params: { path: { team, name: chosen } }, body: { role } })),
    onSuccess: () => {
      setName("");
      refresh();
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen) add.mutate();
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={onSubmit} aria-label={`Add someone to ${team}`}>
        <Group align="flex-end" wrap="wrap">
          <NativeSelect
            label="Add to the team"
            data={candidates.length > 0 ? candidates : [{ value: "", label: "Everyone is in it already" }]}
            value={chosen}
            disabled={candidates.length === 0}
            onChange={(e) => setName(e.currentTarget.value)}
            w={{ base: "100%", xs: 220 }}
          />
          <NativeSelect
            label="As"
            description={TEAM_ROLE_TEXT[role]}
            data={ROLES}
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as TeamRole)}
            w={{ base: "100%", xs: 320 }}
          />
          <Button type="submit" disabled={!chosen} loading={add.isPending} leftSection={<IconUserPlus size={16} aria-hidden />}>
            Add
          </Button>
        </Group>
      </form>
      {add.error && (
        <Stack mt="sm">
          <ProblemAlert error={add.error} />
        </Stack>
      )}
    </Paper>
  );
}

function MemberRole({ team, member }: { team: string; member: TeamMember }) {
  const refresh = useMembershipRefresh();
  const change = useMutation({
    mutationFn: (role: TeamRole) => call(api.PUT("/api/v1/teams/{team}/members/{name}", { params: { path: { team, name: member.user } }, body: { role } })),
    onSuccess: refresh,
  });
  return (
    <Stack gap={4}>
      <NativeSelect
        aria-label={`Role of ${member.user} in ${team}`}
        data={ROLES}
        value={member.role}
        disabled={change.isPending}
        onChange={(e) => change.mutate(e.currentTarget.value as TeamRole)}
        size="xs"
        w={120}
      />
      {change.error && <ProblemAlert error={change.error} />}
    </Stack>
  );
}

function RemoveMember({ team, member, onClose }: { team: string; member: TeamMember | null; onClose: () => void }) {
  const refresh = useMembershipRefresh();
  const remove = useMutation({
    mutationFn: (name: string) => call(api.DELETE("/api/v1/teams/{team}/members/{name}", { params: { path: { team, name } } })),
    onSuccess: () => {
      refresh();
      onClose();
    },
  });
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      opened={member !== null}
      title={`Remove ${member?.user ?? ""} from ${team}?`}
      confirm={`Remove from ${team}`}
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => member && remove.mutate(member.user)}
      onClose={close}
      testId="confirm-remove-member"
    >
      <Text size="sm">
        {member?.user} no longer sees the team's work, other than their own and public jobs, and can no longer run jobs in it. Their jobs in {team} stay in the team. They keep
        their account and their other teams.
      </Text>
      {member?.source === "sso" && <Text size="sm">This membership comes from single sign-on: their next sign-in adds it again unless their groups change.</Text>}
    </ConfirmDialog>
  );
}
