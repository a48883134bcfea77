import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconUsersPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, call } from "../../api/client";
import { ApiProblem, fieldErrors } from "../../api/problem";
import { teamsQuery } from "../../api/queries";
import { useMe } from "../../app/me";
import { ItemTable } from "../../components/ItemTable";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { roleIn, TEAM_ROLE_TEXT } from "../../lib/teams";
import { usePageTitle } from "../../lib/usePageTitle";

/** Teams: each with its members count and the signed-in person's role; Keepers create teams. */
export default function Teams() {
  usePageTitle("Teams");
  const me = useMe();
  const teams = useQuery(teamsQuery);
  return (
    <Stack gap="md" maw={960}>
      <Title order={1}>Teams</Title>
      <Text>
        Every job belongs to a team. A team's <b>members</b> run jobs in it and see its work, its <b>viewers</b> see its work but add none, and its <b>admins</b> also manage
        who is in it and see everything it holds, private work too.
      </Text>
      {me.role === "admin" && <CreateTeam />}
      {teams.error && <ProblemAlert error={teams.error} onRetry={() => void teams.refetch()} />}
      <Loaded when={teams.isSuccess} name="teams" />
      <ItemTable label="Teams" testId="teams-table" minWidth={560} columns={["Team", "Description", "Members", "Your role"]}>
        {teams.data?.items.map((t) => {
          const role = roleIn(me, t.name);
          return (
            <Table.Tr key={t.id} data-team={t.name}>
              <Table.Td>
                <Anchor component={Link} to={`/teams/${t.name}`} fw={500}>
                  {t.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{t.description || <Text span size="sm" c="dimmed">—</Text>}</Table.Td>
              <Table.Td>{t.members}</Table.Td>
              <Table.Td>
                {role ? (
                  <Badge variant="light" color={role === "admin" ? "grape" : "gray"} title={TEAM_ROLE_TEXT[role]}>
                    {role}
                  </Badge>
                ) : (
                  <Text span size="sm" c="dimmed">
                    not in it
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </ItemTable>
    </Stack>
  );
}

/** A Keeper creates a team, then goes to its page to add members. */
function CreateTeam() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/teams", { body: { name: name.trim(), description: description.trim() } })),
    onSuccess: (team) => {
      void queryClient.invalidateQueries({ queryKey: ["teams"] });
      navigate(`/teams/${team.name}`);
    },
  });
  const errors = fieldErrors(create.error instanceof ApiProblem ? create.error.problem : undefined);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={onSubmit} aria-label="Create a team" noValidate>
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="New team"
            description="Lower-case letters, digits and . _ -"
            placeholder="vision"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            w={{ base: "100%", xs: 200 }}
          />
          <TextInput label="Description" placeholder="Image models" value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errors.description} w={{ base: "100%", xs: 320 }} />
          <Button type="submit" loading={create.isPending} leftSection={<IconUsersPlus size={16} aria-hidden />}>
            Create team
          </Button>
        </Group>
      </form>
      {create.error && !Object.keys(errors).length && (
        <Stack mt="sm">
          <ProblemAlert error={create.error} />
        </Stack>
      )}
    </Paper>
  );
}
