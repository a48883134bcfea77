import { Alert, Anchor, Badge, Button, Group, Stack, Table, Text } from "@mantine/core";
import { IconAlertTriangle, IconExternalLink } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, call } from "../../api/client";
import type { Me, Workspace } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ItemTable } from "../../components/ItemTable";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatRelative } from "../../lib/format";
import { APP_LABELS, gpuText, idleText, idleWarning, LIVE, resourcesText, stopReasonText, UP, WORKSPACE_STATE_COLORS, WORKSPACE_STATE_LABELS } from "./describe";

type Action = "stop" | "start" | "delete";

/** The workspaces, one row each: what it is, its state and why, its use, and what may be done with it. */
export function WorkspaceTable({ me, items, showOwner }: { me: Me; items: Workspace[]; showOwner: boolean }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<{ w: Workspace; action: "stop" | "delete" } | null>(null);
  const act = useMutation({
    mutationFn: ({ w, action }: { w: Workspace; action: Action }) => {
      const path = { params: { path: { ref: w.id } } };
      if (action === "stop") return call(api.POST("/api/v1/workspaces/{ref}/stop", path));
      if (action === "start") return call(api.POST("/api/v1/workspaces/{ref}/start", path));
      return call(api.DELETE("/api/v1/workspaces/{ref}", path));
    },
    onSuccess: () => {
      setConfirming(null);
      void queryClient.invalidateQueries({ queryKey: ["workspaces"] });
      void queryClient.invalidateQueries({ queryKey: ["journey"] });
    },
  });
  const columns = ["Name", "App", "State", "Resources", "Use", ...(showOwner ? ["Owner"] : [])];
  return (
    <>
      {act.error && !confirming && <ProblemAlert error={act.error} />}
      <ItemTable label="Workspaces" testId="workspaces-table" minWidth={900} columns={columns} actions>
        {items.map((w) => (
          <Table.Tr key={w.id} data-workspace={w.name} data-state={w.state}>
            <Table.Td>
              <Text ff="monospace" size="sm">
                {w.name}
              </Text>
              <Text size="xs" c="dimmed">
                team {w.team}
                {w.shared ? ", shared with the team" : ""}
              </Text>
            </Table.Td>
            <Table.Td>{APP_LABELS[w.app]}</Table.Td>
            <Table.Td>
              <StateCell w={w} />
            </Table.Td>
            <Table.Td>
              <Text size="sm">{resourcesText(w.resources)}</Text>
              {w.environment && (
                <Text size="xs" c="dimmed">
                  environment {w.environment}
                </Text>
              )}
              {w.datasets.length > 0 && (
                <Text size="xs" c="dimmed">
                  datasets {w.datasets.join(", ")}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <UseCell w={w} />
            </Table.Td>
            {showOwner && <Table.Td>{w.owner}</Table.Td>}
            <Table.Td>
              <Actions
                w={w}
                mine={w.ownerId === me.id}
                pending={act.isPending && act.variables?.w.id === w.id}
                onStart={() => act.mutate({ w, action: "start" })}
                onConfirm={(action) => {
                  act.reset();
                  setConfirming({ w, action });
                }}
              />
            </Table.Td>
          </Table.Tr>
        ))}
      </ItemTable>
      <ConfirmDialog
        opened={confirming !== null}
        title={confirming?.action === "delete" ? `Delete workspace ${confirming.w.name}?` : `Stop workspace ${confirming?.w.name ?? ""}?`}
        confirm={confirming?.action === "delete" ? "Delete" : "Stop"}
        cancel={confirming?.action === "delete" ? "Keep it" : "Keep it running"}
        pending={act.isPending}
        error={act.error}
        onConfirm={() => confirming && act.mutate(confirming)}
        onClose={() => setConfirming(null)}
        testId={confirming?.action === "delete" ? "confirm-delete-workspace" : "confirm-stop-workspace"}
      >
        <Text size="sm">
          {confirming?.action === "delete"
            ? "The workspace goes from the list. Its owner's home folder stays, with everything saved in it."
            : `Its app stops and its ${confirming?.w.resources.gpus ? "GPUs, " : ""}CPUs and memory go back to the queue. Anything not saved is lost; files in the home folder are kept, and Start again brings it back as it was left.`}
        </Text>
      </ConfirmDialog>
    </>
  );
}

function StateCell({ w }: { w: Workspace }) {
  return (
    <Stack gap={4}>
      <Badge color={WORKSPACE_STATE_COLORS[w.state]} variant={w.state === "running" ? "filled" : "light"} data-state={w.state}>
        {WORKSPACE_STATE_LABELS[w.state]}
      </Badge>
      {(w.state === "requested" || w.state === "starting") && w.message && (
        <Text size="xs" data-testid="workspace-message">
          {w.message}
        </Text>
      )}
      {w.state === "failed" && (
        <Text size="xs" c="red.9" data-testid="workspace-message">
          {w.message ?? "It failed without saying why."}
          {w.jobId && (
            <>
              {" "}
              <Anchor component={Link} to={`/jobs/${w.jobId}`} size="xs">
                Its job's log
              </Anchor>
            </>
          )}
        </Text>
      )}
      {w.state === "stopped" && (
        <Text size="xs" c="dimmed">
          {[stopReasonText(w), w.message].filter(Boolean).join(": ")}
        </Text>
      )}
    </Stack>
  );
}

function UseCell({ w }: { w: Workspace }) {
  const idle = idleText(w);
  const gpus = gpuText(w);
  return (
    <Stack gap={4}>
      {w.state === "idle_warned" && (
        <Alert color="yellow" variant="light" p={6} icon={<IconAlertTriangle size={16} aria-hidden />} data-testid="idle-warning">
          <Text size="sm" fw={600}>
            {idleWarning(w)}
          </Text>
        </Alert>
      )}
      {idle && <Text size="sm">{idle}</Text>}
      {w.stopAt && LIVE.has(w.state) && <Text size="xs">stops {formatRelative(w.stopAt)} whatever its use</Text>}
      {gpus && (
        <Text size="xs" c="dimmed">
          {gpus}
        </Text>
      )}
      {!idle && !gpus && !w.stopAt && (
        <Text size="sm" c="dimmed">
          —
        </Text>
      )}
    </Stack>
  );
}

function Actions(props: { w: Workspace; mine: boolean; pending: boolean; onStart: () => void; onConfirm: (action: "stop" | "delete") => void }) {
  const { w } = props;
  const live = LIVE.has(w.state);
  return (
    <Group gap={6} wrap="nowrap" justify="flex-end">
      {w.url && w.mayOpen && UP.has(w.state) && (
        <Button
          component="a"
          href={w.url}
          target="_blank"
          rel="noopener"
          size="xs"
          rightSection={<IconExternalLink size={14} aria-hidden />}
          aria-label={`Open ${w.name} in ${APP_LABELS[w.app]} (new tab)`}
        >
          Open
        </Button>
      )}
      {live && w.mayStop && w.state !== "stopping" && (
        <Button size="xs" variant="default" onClick={() => props.onConfirm("stop")} aria-label={`Stop ${w.name}`}>
          Stop
        </Button>
      )}
      {!live && props.mine && (
        <Button size="xs" variant="light" loading={props.pending} onClick={props.onStart} aria-label={`Start ${w.name} again`}>
          Start again
        </Button>
      )}
      {!live && w.mayStop && (
        <Button size="xs" color="red" variant="subtle" onClick={() => props.onConfirm("delete")} aria-label={`Delete ${w.name}`}>
          Delete
        </Button>
      )}
    </Group>
  );
}
