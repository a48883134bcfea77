import { Anchor, Button, Center, Code, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { api, call } from "../api/client";
import { ApiProblem, asProblem, type Problem } from "../api/problem";
import { ProblemAlert } from "../components/ProblemAlert";

/** Sign-in with an API token; the server answers with a session cookie. */
export function SignIn() {
  const queryClient = useQueryClient();
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    document.title = "Sign in · Plinth";
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setProblem({ type: "about:blank", title: "Paste your token first", status: 0, hint: "It is the line starting with plt_ that `plinth up` printed, or one a colleague created for you." });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const { user } = await call(api.POST("/api/v1/sessions", { headers: { authorization: `Bearer ${value}` } }));
      queryClient.setQueryData(["me"], user);
    } catch (err) {
      setProblem(err instanceof ApiProblem ? err.problem : asProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" maw={460} w="100%">
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack>
            <Stack gap={4} align="center">
              <img src="/favicon.svg" alt="" width={40} height={40} />
              <Title order={1} size="h2">
                Sign in to Plinth
              </Title>
            </Stack>
            <Text size="sm">
              Paste your API token. When Plinth was started, <Code>plinth up</Code> printed one; a colleague can also make one for you on their Tokens page.
            </Text>
            <PasswordInput
              label="API token"
              placeholder="plt_…"
              autoComplete="current-password"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              error={problem ? problem.title : undefined}
              data-autofocus
              autoFocus
            />
            {problem && <ProblemAlert problem={problem} />}
            <Button type="submit" loading={busy} fullWidth>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              You stay signed in on this browser for 30 days, until you sign out. The token itself is not kept by the browser.{" "}
              <Anchor href="/api/v1/openapi.json" size="xs">
                API reference
              </Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
