import { Anchor, Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { IconPlayerPlay } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, call } from "../../api/client";
import { clusterQuery, jobQuery, jobSpecSchemaQuery } from "../../api/queries";
import { ApiProblem, fieldErrors } from "../../api/problem";
import type { JobSpecInput } from "../../api/types";
import { useMe } from "../../app/me";
import { CommandBlock } from "../../components/CommandBlock";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { plinthRunCommand } from "../../lib/cli";
import { teamsToAddTo, useTeams } from "../../lib/teams";
import { usePageTitle } from "../../lib/usePageTitle";
import type { JsonSchema, SpecValue } from "./jsonSchema";
import { getAt, setAt } from "./jsonSchema";
import { type FormContext, SchemaFields } from "./SchemaForm";
import { EnvironmentWidget } from "./environmentField";
import { TeamWidget, VisibilityWidget } from "./teamFields";
import { CommandWidget, GpuModelWidget, GpuSummary, RetriesWidget } from "./widgets";

const EXAMPLES: Record<string, SpecValue> = {
  hello: { name: "hello", command: ["python3", "-c", "print('hello from Plinth')"] },
};

const LABELS: Record<string, string> = {
  name: "Job name",
  "resources.cpus": "CPUs",
  "resources.gpus": "GPUs",
  "resources.gpu": "Which GPUs",
  "resources.gpu.minMemory": "GPU memory at least",
  timeout: "Time limit",
  estimate: "Expected run time",
  env: "Environment variables",
};

const PLACEHOLDERS: Record<string, string> = {
  name: "e.g. train-resnet",
  "resources.memory": "1G (e.g. 512M, 8G, 16Gi)",
  "resources.gpu.minMemory": "e.g. 24G",
  timeout: "none (e.g. 30m, 2h, 1h30m)",
  estimate: "e.g. 20m",
  env: "DATA_DIR=/data/cifar\nSEED=42",
  labels: "project=vision\nexperiment=baseline",
};

/** New job: a form generated from the job spec's JSON Schema, with the matching `plinth run` command. */
export default function NewJob() {
  usePageTitle("New job");
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const from = params.get("from");
  const example = params.get("example");
  const schema = useQuery(jobSpecSchemaQuery);
  const cluster = useQuery(clusterQuery);
  const source = useQuery({ ...jobQuery(from ?? ""), enabled: !!from });
  const [value, setValue] = useState<SpecValue>(() => (example && EXAMPLES[example]) || {});
  const loadedFrom = useRef<string | null>(null);
  useEffect(() => {
    if (source.data && loadedFrom.current !== source.data.id) {
      loadedFrom.current = source.data.id;
      setValue(source.data.spec as SpecValue);
    }
  }, [source.data]);

  // The team: the one the job it starts from is in, or else the person's first. Named in the
  // spec only where there is a choice; with one team the server picks it.
  const me = useMe();
  const teams = useTeams();
  const teamChoices = teamsToAddTo(me, teams.teams.map((t) => t.name));
  const fromTeam = source.data ? teams.nameOf(source.data.teamId) : undefined;
  const defaultTeam = fromTeam && teamChoices.includes(fromTeam) ? fromTeam : teamChoices[0];
  const team = (getAt(value, "team") as string | undefined) ?? defaultTeam ?? "";
  const ready = !from || (source.data !== undefined && teams.isSuccess);
  useEffect(() => {
    if (ready && teamChoices.length > 1 && getAt(value, "team") === undefined && defaultTeam) setValue((v) => setAt(v, "team", defaultTeam));
  }, [ready, teamChoices.length, value, defaultTeam]);

  const submit = useMutation({
    mutationFn: (spec: SpecValue) => call(api.POST("/api/v1/jobs", { body: spec as JobSpecInput })),
    onSuccess: (job) => navigate(`/jobs/${job.id}`),
  });
  const problem = submit.error instanceof ApiProblem ? submit.error.problem : undefined;
  // A field's message goes away once it is edited; the rest stay until the next submit.
  const [edited, setEdited] = useState<Set<string>>(new Set());
  const errors = useMemo(() => {
    const all = fieldErrors(problem);
    return Object.fromEntries(Object.entries(all).filter(([path]) => ![...edited].some((e) => path === e || path.startsWith(`${e}.`))));
  }, [problem, edited]);
  const allFixed = problem !== undefined && Object.keys(fieldErrors(problem)).length > 0 && Object.keys(errors).length === 0;

  // After a refused submit, move focus to the first field the server named.
  useEffect(() => {
    if (!problem) return;
    const first = Object.keys(errors)[0];
    const el = first ? document.querySelector<HTMLElement>(`[data-path="${CSS.escape(first)}"]`) : null;
    (el?.matches("input,textarea") ? el : el?.querySelector<HTMLElement>("input,textarea"))?.focus();
  }, [problem, errors]);

  const gpus = (cluster.data?.nodes ?? []).flatMap((n) => n.gpus);
  const models = [...new Set(gpus.map((g) => g.model))];
  const onChange = (path: string, next: unknown) => {
    setValue((v) => setAt(v, path, next));
    if (problem) setEdited((e) => (e.has(path) ? e : new Set(e).add(path)));
  };
  const ctx: FormContext = {
    value,
    errors,
    onChange,
    labels: LABELS,
    placeholders: PLACEHOLDERS,
    hidden: new Set(["script", "code"]),
    wide: new Set(["name", "command", "environment"]),
    order: { "": ["name", "command", "team", "visibility", "environment", "resources", "timeout", "priority", "estimate", "retries", "env", "labels"] },
    widgets: {
      command: (field) => <CommandWidget ctx={ctx} field={field} />,
      "resources.gpu.model": (field) => <GpuModelWidget field={field} models={models} />,
      retries: (field) => <RetriesWidget field={field} />,
      team: (field) => <TeamWidget field={field} choices={teamChoices} />,
      visibility: (field) => <VisibilityWidget field={field} team={team} />,
      environment: (field) => <EnvironmentWidget field={field} team={team} />,
    },
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setEdited(new Set());
    submit.mutate(value);
  };

  return (
    <Stack gap="md" maw={900}>
      <Stack gap={4}>
        <Title order={1}>{from ? "Edit and resubmit" : "New job"}</Title>
        <Text>
          Say what to run and what it needs. Plinth queues it and starts it as soon as the CPUs, memory and GPUs are free.{" "}
          {from && (
            <>
              This form starts from <Anchor component={Link} to={`/jobs/${from}`}>{from}</Anchor>; the original is left as it is.
            </>
          )}
        </Text>
      </Stack>
      {schema.error && <ProblemAlert error={schema.error} onRetry={() => void schema.refetch()} />}
      {source.error && <ProblemAlert error={source.error} />}
      {schema.data && (
        <form onSubmit={onSubmit} noValidate aria-label="Job spec">
          <Loaded when name="new-job" />
          <Stack gap="md">
            {cluster.data && <GpuSummary gpus={gpus} />}
            <SchemaFields schema={schema.data as JsonSchema} path="" ctx={ctx} />
            {problem && !allFixed && <ProblemAlert problem={problem} />}
            <Group>
              <Button type="submit" loading={submit.isPending} leftSection={<IconPlayerPlay size={16} aria-hidden />}>
                Submit job
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb={4}>
          The same from a terminal
        </Title>
        <Text size="sm" mb="xs">
          Run it in your project's folder: the command line also copies that folder for the job.
        </Text>
        <CommandBlock command={plinthRunCommand(value as JobSpecInput)} testId="cli-preview" />
      </Paper>
    </Stack>
  );
}
