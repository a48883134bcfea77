import { Button, Group, NativeSelect, Paper, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { api, call } from "../../api/client";
import { ApiProblem, fieldErrors } from "../../api/problem";
import { workspaceSettingsQuery } from "../../api/queries";
import type { Me } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { managesTeam, useTeams } from "../../lib/teams";
import { TextField } from "./TextField";

/** For a team's admins and Keepers: how long the team's workspaces may go unused, and how long any may run. */
export function TeamWorkspaceSettings({ me }: { me: Me }) {
  const { teams: all } = useTeams();
  const own = (me.teams ?? []).map((t) => t.team);
  const names = (me.role === "admin" ? [...own, ...all.map((t) => t.name).filter((n) => !own.includes(n))] : own).filter((t) => managesTeam(me, t));
  const [chosen, setChosen] = useState("");
  const team = chosen || names[0] || "";
  if (!team) return null;
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h3">
          Team settings
        </Title>
        <Text size="sm">As an admin{me.role === "admin" ? " (a Keeper)" : " of the team"}, you set when the team's workspaces stop on their own.</Text>
        {names.length > 1 && <NativeSelect label="Team" data={names} value={team} onChange={(e) => setChosen(e.currentTarget.value)} w={{ base: "100%", xs: 220 }} />}
        <SettingsForm key={team} team={team} />
      </Stack>
    </Paper>
  );
}

function SettingsForm({ team }: { team: string }) {
  const queryClient = useQueryClient();
  const settings = useQuery(workspaceSettingsQuery(team));
  const [idleStop, setIdleStop] = useState("");
  const [maxLifetime, setMaxLifetime] = useState("");
  useEffect(() => {
    if (!settings.data) return;
    setIdleStop(settings.data.idleStop);
    setMaxLifetime(settings.data.maxLifetime ?? "");
  }, [settings.data]);
  const save = useMutation({
    mutationFn: () =>
      call(api.PUT("/api/v1/teams/{team}/workspace-settings", { params: { path: { team } }, body: { idleStop: idleStop.trim(), maxLifetime: maxLifetime.trim() || null } })),
    onSuccess: (data) => queryClient.setQueryData(workspaceSettingsQuery(team).queryKey, data),
  });
  const errors = fieldErrors(save.error instanceof ApiProblem ? save.error.problem : undefined);
  if (settings.error) return <ProblemAlert error={settings.error} onRetry={() => void settings.refetch()} />;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={onSubmit} aria-label={`Workspace settings of team ${team}`}>
      <Stack gap="sm">
        <Group align="flex-start" wrap="wrap">
          <TextField
            label="Idle stop"
            description="Stopped after this long unused"
            placeholder="2h"
            value={idleStop}
            onChange={setIdleStop}
            error={errors.idleStop}
            required
            width={200}
            disabled={!settings.data}
          />
          <TextField
            label="Longest lifetime"
            description="Empty: no limit"
            placeholder="7d"
            value={maxLifetime}
            onChange={setMaxLifetime}
            error={errors.maxLifetime}
            width={200}
            disabled={!settings.data}
          />
          <Button type="submit" mt={{ base: 0, xs: 44 }} loading={save.isPending} disabled={!settings.data}>
            Save
          </Button>
        </Group>
        {settings.data?.isDefault && !save.isSuccess && (
          <Text size="xs" c="dimmed">
            The platform's defaults apply until you save.
          </Text>
        )}
        {save.error && <ProblemAlert error={save.error} />}
        {save.isSuccess && (
          <Text size="sm" c="teal.9" data-testid="workspace-settings-saved">
            Saved: workspaces of {team} stop after {save.data.idleStop} unused{save.data.maxLifetime ? ` and after ${save.data.maxLifetime} at most` : ""}.
          </Text>
        )}
      </Stack>
    </form>
  );
}
