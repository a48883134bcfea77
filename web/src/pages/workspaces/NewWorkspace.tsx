import { Button, Group, Input, NativeSelect, NumberInput, Paper, SegmentedControl, Stack, Switch, Text, Textarea, Title } from "@mantine/core";
import { IconPlayerPlay } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { api, call } from "../../api/client";
import { ApiProblem, fieldErrors } from "../../api/problem";
import { namedEnvironmentsQuery } from "../../api/queries";
import type { Me, Workspace, WorkspaceSpecInput } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { teamsToAddTo, useTeams } from "../../lib/teams";
import { APP_LABELS } from "./describe";
import { TextField } from "./TextField";

type EnvironmentChoice = "default" | "named" | "packages";

/** Splits "numpy, torch==2.4\npandas" into its entries. */
export function listEntries(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One of a few choices, side by side, under a label of its own (and a line about the choice made). */
function Choice<T extends string>(props: { label: string; id: string; value: T; onChange: (value: T) => void; data: Array<{ value: T; label: string }>; children?: ReactNode }) {
  return (
    <Stack gap={4}>
      <Input.Label labelElement="div" id={`${props.id}-label`}>
        {props.label}
      </Input.Label>
      <SegmentedControl aria-labelledby={`${props.id}-label`} w="fit-content" value={props.value} onChange={(v) => props.onChange(v as T)} data={props.data} />
      {props.children}
    </Stack>
  );
}

/** The form that creates a workspace and starts it: its app, name, resources, environment, datasets and who may open it. */
export function NewWorkspace({ me, onCreated }: { me: Me; onCreated: (w: Workspace) => void }) {
  const queryClient = useQueryClient();
  const { teams: allTeams } = useTeams();
  const teams = teamsToAddTo(
    me,
    allTeams.map((t) => t.name),
  );
  const named = useQuery(namedEnvironmentsQuery);
  const [app, setApp] = useState<Workspace["app"]>("jupyterlab");
  const [name, setName] = useState("");
  const [team, setTeam] = useState("");
  const [cpus, setCpus] = useState<number | string>(2);
  const [memory, setMemory] = useState("8G");
  const [gpus, setGpus] = useState<number | string>(0);
  const [envChoice, setEnvChoice] = useState<EnvironmentChoice>("default");
  const [envName, setEnvName] = useState("");
  const [packages, setPackages] = useState("");
  const [datasets, setDatasets] = useState("");
  const [shared, setShared] = useState(false);
  const [idleStop, setIdleStop] = useState("");

  const effectiveTeam = team || me.teams?.[0]?.team || "";
  const environments = (named.data?.items ?? []).filter((e) => !effectiveTeam || e.team === effectiveTeam);

  const spec = (): WorkspaceSpecInput => ({
    app,
    ...(name.trim() && { name: name.trim() }),
    ...(team && { team }),
    resources: { cpus: Number(cpus) || 1, memory: memory.trim() || "8G", gpus: Number(gpus) || 0 },
    ...(envChoice === "named" && envName && { environment: envName }),
    ...(envChoice === "packages" && listEntries(packages).length > 0 && { environment: { packages: listEntries(packages) } }),
    datasets: listEntries(datasets),
    shared,
    ...(idleStop.trim() && { idleStop: idleStop.trim() }),
  });
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/workspaces", { body: spec() })),
    onSuccess: (w) => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["workspaces"] });
      void queryClient.invalidateQueries({ queryKey: ["journey"] });
      onCreated(w);
    },
  });
  const errors = fieldErrors(create.error instanceof ApiProblem ? create.error.problem : undefined);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={onSubmit} aria-labelledby="new-workspace-title">
        <Stack gap="sm">
          <Title order={2} size="h3" id="new-workspace-title">
            New workspace
          </Title>
          <Choice label="App" id="workspace-app" value={app} onChange={setApp} data={(["jupyterlab", "vscode", "ssh"] as const).map((a) => ({ value: a, label: APP_LABELS[a] }))}>
            <Text size="xs" c="dimmed">
              {app === "jupyterlab"
                ? "Notebooks in the browser, with a terminal and your home folder."
                : app === "vscode"
                  ? "VS Code in the browser, where the server has it installed."
                  : "No app in the browser: connect your own VS Code (Remote-SSH) or a terminal with plinth ssh."}
            </Text>
          </Choice>
          <Group align="flex-start" wrap="wrap">
            <TextField label="Name" description="Lower-case letters, digits and -" placeholder={app} value={name} onChange={setName} error={errors.name} width={200} />
            {teams.length > 1 && (
              <NativeSelect
                label="Team"
                description="Whose machines and limits"
                data={[{ value: "", label: "Your primary team" }, ...teams]}
                value={team}
                onChange={(e) => setTeam(e.currentTarget.value)}
                error={errors.team}
                w={{ base: "100%", xs: 180 }}
              />
            )}
            <NumberInput label="CPUs" description="Cores reserved" min={0.5} step={1} value={cpus} onChange={setCpus} error={errors["resources.cpus"]} w={{ base: "100%", xs: 110 }} />
            <TextField label="Memory" description="e.g. 8G, 512M" value={memory} onChange={setMemory} error={errors["resources.memory"]} width={120} />
            <NumberInput label="GPUs" description="Whole GPUs, yours alone" min={0} step={1} allowDecimal={false} value={gpus} onChange={setGpus} error={errors["resources.gpus"]} w={{ base: "100%", xs: 150 }} />
          </Group>
          <Group align="flex-start" wrap="wrap">
            <Choice
              label="Environment"
              id="workspace-environment"
              value={envChoice}
              onChange={setEnvChoice}
              data={[
                { value: "default", label: "Plain Python" },
                { value: "named", label: "Team's environment" },
                { value: "packages", label: "Packages" },
              ]}
            />
            {envChoice === "named" && (
              <NativeSelect
                label="Named environment"
                description={environments.length === 0 ? "Your team has published none yet" : "It must include jupyterlab"}
                data={[{ value: "", label: "Choose one" }, ...environments.map((e) => ({ value: e.name, label: `${e.name} (v${e.latest.version})` }))]}
                value={envName}
                onChange={(e) => setEnvName(e.currentTarget.value)}
                error={errors.environment}
                w={{ base: "100%", xs: 260 }}
              />
            )}
            {envChoice === "packages" && (
              <Textarea
                label="Packages"
                description="One per line or comma-separated; JupyterLab is added"
                placeholder={"torch\npandas==2.2.3"}
                value={packages}
                onChange={(e) => setPackages(e.currentTarget.value)}
                error={errors.environment ?? errors["environment.packages"]}
                autosize
                minRows={2}
                w={{ base: "100%", xs: 300 }}
              />
            )}
          </Group>
          <Group align="flex-start" wrap="wrap">
            <TextField
              label="Datasets"
              description="Mounted read-only in ~/datasets; names, comma-separated"
              placeholder="imagenet, vision/coco@v2"
              value={datasets}
              onChange={setDatasets}
              error={Object.entries(errors).find(([k]) => k.startsWith("datasets"))?.[1]}
              width={340}
            />
            <TextField
              label="Idle stop"
              description="Stop after this long unused, e.g. 30m"
              placeholder="team's default"
              value={idleStop}
              onChange={setIdleStop}
              error={errors.idleStop}
              width={220}
            />
          </Group>
          <Switch
            label="Share with my team"
            description="Its members may open it too, acting as you inside it: share only with people you trust"
            checked={shared}
            onChange={(e) => setShared(e.currentTarget.checked)}
          />
          {create.error && <ProblemAlert error={create.error} />}
          <Group>
            <Button type="submit" loading={create.isPending} leftSection={<IconPlayerPlay size={16} aria-hidden />}>
              Create and start
            </Button>
            {create.isSuccess && (
              <Text size="sm" c="teal.9" data-testid="workspace-created">
                Workspace {create.data.name} requested.
              </Text>
            )}
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
