import { Alert, Anchor, Badge, Button, Code, Group, List, Paper, Progress, SimpleGrid, Stack, Text, ThemeIcon, Title } from "@mantine/core";
import { IconCheck, IconInfoCircle } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { api, call } from "../api/client";
import { guidesQuery, journeyQuery, workspacesQuery } from "../api/queries";
import type { Journey } from "../api/types";
import { useMe } from "../app/me";
import { CommandBlock } from "../components/CommandBlock";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { usePageTitle } from "../lib/usePageTitle";

export const FIRST_JOB_COMMAND = `python3 -c "print('hello from Plinth')"`;

/** The newcomer's journey: each step explained in plain words and checked off from what really happened. */
export default function StartHere() {
  usePageTitle("Start here");
  const me = useMe();
  const journey = useQuery(journeyQuery);
  const j = journey.data;
  const steps: Array<keyof Omit<Journey, "latestJobId">> = ["signedIn", "cli", "firstJob", "watched", "read"];
  const done = j ? steps.filter((s) => j[s].done).length : 0;

  return (
    <Stack gap="lg" maw={860}>
      <Stack gap={4}>
        <Title order={1}>Start here</Title>
        <Text>
          Welcome, {me.name}. Plinth runs your programs — a Python script, a simulation, a training run — on your team's shared computers and GPUs. You describe what to run and
          what it needs; Plinth waits until those resources are free, runs it, and keeps everything it printed so you can read it later.
        </Text>
      </Stack>
      <Alert variant="light" icon={<IconInfoCircle aria-hidden />} title="What is a job queue?">
        Many people share a few machines. Instead of logging in and hoping a GPU is free, you hand Plinth a <b>job</b>: a command plus what it needs (say 1 GPU and 16 GB of
        memory). Jobs wait in line in the <b>queue</b> and start as soon as there is room; nobody's run gets pushed off a GPU by someone else's.
      </Alert>
      {journey.error && <ProblemAlert error={journey.error} onRetry={() => void journey.refetch()} />}
      {j && (
        <>
          <Loaded when name="start" />
          <Group gap="sm">
            <Progress value={(done / steps.length) * 100} w={200} aria-label={`${done} of ${steps.length} steps done`} />
            <Text size="sm" c="dimmed">
              {done} of {steps.length} steps done
            </Text>
          </Group>
          <Stack gap="md" component="ol" style={{ listStyle: "none", padding: 0, margin: 0 }}>
            <Step n={1} id="signedIn" title="Sign in to the portal" done={j.signedIn.done}>
              <Text size="sm">You are signed in. This page follows your progress: each step is checked off when you have really done it.</Text>
            </Step>
            <Step n={2} id="cli" title="Install the command line and sign it in" done={j.cli.done}>
              <CliStep />
            </Step>
            <Step n={3} id="firstJob" title="Run a first job" done={j.firstJob.done}>
              <Text size="sm">
                A job is a command Plinth runs for you. Type this in a terminal, in the folder with your code (Plinth copies that folder for the job):
              </Text>
              <CommandBlock command={`plinth run -- ${FIRST_JOB_COMMAND}`} />
              <Group gap="sm">
                <Text size="sm">Or fill in a form instead:</Text>
                <Button component={Link} to="/jobs/new?example=hello" size="xs" variant="light">
                  Run a first job from the form
                </Button>
              </Group>
              {j.firstJob.jobId && (
                <Text size="sm">
                  Your first job: <Anchor component={Link} to={`/jobs/${j.firstJob.jobId}`}>{j.firstJob.jobId}</Anchor>
                </Text>
              )}
            </Step>
            <Step n={4} id="watched" title="Watch it run" done={j.watched.done}>
              <Text size="sm">
                A job goes from <Badge size="sm" color="gray" variant="light">Queued</Badge> (waiting for room) to <Badge size="sm">Running</Badge>, then ends as{" "}
                <Badge size="sm" color="green" variant="light">Succeeded</Badge> or <Badge size="sm" color="red" variant="light">Failed</Badge>. Its page shows the output as it is
                written. <Code>plinth run</Code> also prints it in your terminal; to follow a job again later:
              </Text>
              <CommandBlock command={`plinth jobs logs --follow ${j.latestJobId ?? "<job id>"}`} />
              {j.latestJobId && (
                <Button component={Link} to={`/jobs/${j.latestJobId}`} size="xs" variant="light" w="fit-content">
                  Open your latest job
                </Button>
              )}
            </Step>
            <Step n={5} id="read" title="Read the results" done={j.read.done}>
              <Text size="sm">
                When a job has ended, its page tells you how long it waited and ran, which GPUs it had, its exit code, and — if it failed — why, with a hint about what to change.
                You can search its output and download it.
              </Text>
              <CommandBlock command={`plinth jobs show ${j.latestJobId ?? "<job id>"}`} />
            </Step>
          </Stack>
          <NotebookStep />
        </>
      )}
      <GuideLinks />
    </Stack>
  );
}

function Step({ n, id, title, done, children }: { n: number; id: string; title: string; done: boolean; children: ReactNode }) {
  return (
    <Paper component="li" withBorder p="md" data-testid={`step-${id}`} data-done={done ? "true" : "false"}>
      <Group align="flex-start" wrap="nowrap" gap="md">
        <ThemeIcon radius="xl" size="lg" color={done ? "green" : "gray"} variant={done ? "filled" : "light"} aria-hidden>
          {done ? <IconCheck size={18} /> : <Text fw={700}>{n}</Text>}
        </ThemeIcon>
        <Stack gap="xs" style={{ flex: 1, minWidth: 0 }}>
          <Group gap="xs">
            <Title order={2} size="h4">
              {title}
            </Title>
            <Badge color={done ? "green" : "gray"} variant="light">
              {done ? "Done" : "To do"}
            </Badge>
          </Group>
          {children}
        </Stack>
      </Group>
    </Paper>
  );
}

/** A step beyond the first five, checked off once the person has a workspace. */
function NotebookStep() {
  const workspaces = useQuery(workspacesQuery(false));
  const done = (workspaces.data?.items.length ?? 0) > 0;
  return (
    <Stack gap="xs" component="section" aria-label="Next step">
      <Text size="sm" fw={600}>
        Then, when you want to explore interactively:
      </Text>
      <ol start={6} style={{ listStyle: "none", padding: 0, margin: 0 }}>
        <Step n={6} id="notebook" title="Open a notebook on a GPU" done={done}>
        <Text size="sm">
          A workspace is JupyterLab (or VS Code, or a plain SSH session) on the team's machines, with a GPU reserved for you while you work. It waits in the same queue as jobs,
          keeps your home folder when stopped, and gives the GPU back after going unused.
        </Text>
        <Button component={Link} to="/workspaces" size="xs" variant="light" w="fit-content">
          {done ? "Your workspaces" : "Open a notebook on a GPU"}
        </Button>
        <CommandBlock command="plinth workspace create --gpus 1" />
        </Step>
      </ol>
    </Stack>
  );
}

function CliStep() {
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/tokens", { body: { name: `CLI (Start here, ${new Date().toLocaleDateString()})` } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["tokens"] }),
  });
  const url = window.location.origin;
  return (
    <>
      <Text size="sm">
        The <Code>plinth</Code> command sends jobs from the terminal where your code lives. If it is not installed on your computer yet, get a copy of Plinth (ask your platform's
        keeper where) and, inside its folder, run:
      </Text>
      <CommandBlock command="npm ci && npm link" />
      <Text size="sm">Then sign it in to this server with a token of its own. Create one here — it is shown only once:</Text>
      {!create.data && (
        <Button onClick={() => create.mutate()} loading={create.isPending} size="xs" w="fit-content">
          Create a token for the command line
        </Button>
      )}
      {create.error && <ProblemAlert error={create.error} />}
      {create.data && (
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            Copy this command into your terminal now; the token will not be shown again:
          </Text>
          <CommandBlock command={`plinth login ${url} --token ${create.data.token}`} testId="cli-login-command" />
        </Stack>
      )}
      <Text size="xs" c="dimmed">
        This step is checked off once the command line has used a token (for example <Code>plinth login</Code>), or once you have submitted a job.
      </Text>
    </>
  );
}

function GuideLinks() {
  const guides = useQuery(guidesQuery);
  const items = guides.data?.items ?? [];
  if (items.length === 0) return null;
  const bySection = ["tutorials", "how-to"].map((s) => ({ s, items: items.filter((g) => g.section === s).slice(0, 6) })).filter((g) => g.items.length > 0);
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs">
        Guides to read next
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {bySection.map(({ s, items }) => (
          <div key={s}>
            <Text fw={600} size="sm" mb={4}>
              {s === "tutorials" ? "Tutorials" : "How-to guides"}
            </Text>
            <List size="sm" spacing={4}>
              {items.map((g) => (
                <List.Item key={g.id}>
                  <Anchor component={Link} to={`/guides/${g.id}`}>
                    {g.title}
                  </Anchor>
                </List.Item>
              ))}
            </List>
          </div>
        ))}
      </SimpleGrid>
      <Anchor component={Link} to="/guides" size="sm" mt="sm" display="inline-block">
        All guides
      </Anchor>
    </Paper>
  );
}
