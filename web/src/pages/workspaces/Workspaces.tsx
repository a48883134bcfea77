import { Group, Stack, Switch, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { workspacesQuery } from "../../api/queries";
import type { Workspace } from "../../api/types";
import { useMe } from "../../app/me";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { usePageTitle } from "../../lib/usePageTitle";
import { Connect } from "./Connect";
import { CHANGING, UP } from "./describe";
import { NewWorkspace } from "./NewWorkspace";
import { TeamWorkspaceSettings } from "./TeamWorkspaceSettings";
import { WorkspaceTable } from "./WorkspaceTable";

/** While one is on its way up or down the list refreshes every 5 s; while one runs, its idle time every 30 s. */
function refreshEvery(items: Workspace[] | undefined): number | false {
  if (items?.some((w) => CHANGING.has(w.state))) return 5_000;
  if (items?.some((w) => UP.has(w.state))) return 30_000;
  return false;
}

/** Workspaces: JupyterLab, VS Code or SSH on the team's machines, with GPUs reserved, created, opened, stopped and started again here. */
export default function Workspaces() {
  usePageTitle("Workspaces");
  const me = useMe();
  const seesOthers = me.role === "admin" || (me.teams ?? []).some((t) => t.role === "admin");
  const [all, setAll] = useState(false);
  const showAll = all && seesOthers;
  const list = useQuery({ ...workspacesQuery(showAll), refetchInterval: (q) => refreshEvery(q.state.data?.items) });
  const items = list.data?.items;
  return (
    <Stack gap="md">
      <Title order={1}>Workspaces</Title>
      <Text maw={860}>
        A workspace is a JupyterLab, VS Code or SSH session on the team's machines, with the CPUs, memory and GPUs you ask for reserved for you alone. It waits in the same queue
        as jobs, keeps your home folder when stopped, and stops on its own after going unused so the GPUs go back to others. From a terminal:{" "}
        <code>plinth workspace create --gpus 1</code>.
      </Text>
      <NewWorkspace me={me} onCreated={() => setAll(false)} />
      <Group justify="space-between" align="flex-end">
        <Title order={2} size="h3">
          {showAll ? "All workspaces" : "Your workspaces"}
        </Title>
        {seesOthers && (
          <Switch
            label="All workspaces"
            description={me.role === "admin" ? "Everyone's" : "Those of the teams you manage"}
            checked={all}
            onChange={(e) => setAll(e.currentTarget.checked)}
            data-testid="all-workspaces"
          />
        )}
      </Group>
      {list.error && <ProblemAlert error={list.error} onRetry={() => void list.refetch()} />}
      <Loaded when={list.isSuccess} name="workspaces" />
      {items &&
        (items.length === 0 ? (
          <Text c="dimmed" data-testid="no-workspaces">
            {showAll ? "No workspaces yet." : "You have no workspaces yet: create one above."}
          </Text>
        ) : (
          <WorkspaceTable me={me} items={items} showOwner={showAll} />
        ))}
      {items && <Connect me={me} items={items} />}
      <TeamWorkspaceSettings me={me} />
    </Stack>
  );
}
