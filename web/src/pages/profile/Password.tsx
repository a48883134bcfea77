import { Alert, Button, Group, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, call } from "../../api/client";
import { ApiProblem, fieldErrors } from "../../api/problem";
import { ProblemAlert } from "../../components/ProblemAlert";

/** Set or change your password: the current one is asked for whenever one is set. */
export function Password() {
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: () => call(api.PUT("/api/v1/me/password", { body: { password, ...(current && { current }) } })),
    onSuccess: () => {
      setCurrent("");
      setPassword("");
      setAgain("");
    },
  });
  const errors = fieldErrors(change.error instanceof ApiProblem ? change.error.problem : undefined);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setMismatch(password !== again);
    if (password === again) change.mutate();
  };
  return (
    <Stack gap="sm" component="section" aria-labelledby="password-heading">
      <Title order={2} id="password-heading">
        Password
      </Title>
      <Text>
        With a password you sign in to the portal by your user name. It needs at least 10 characters and may not be your user name. Never had one? Leave the current password empty.
      </Text>
      <Paper withBorder p="md">
        <form onSubmit={onSubmit} noValidate>
          <Stack gap="sm" maw={420}>
            <PasswordInput label="Current password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.currentTarget.value)} error={errors.current} />
            <PasswordInput label="New password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errors.password} />
            <PasswordInput
              label="New password again"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.currentTarget.value)}
              error={mismatch ? "differs from the new password above" : undefined}
            />
            <Group>
              <Button type="submit" loading={change.isPending} disabled={!password}>
                Set password
              </Button>
            </Group>
            {change.error && <ProblemAlert error={change.error} />}
            {change.isSuccess && (
              <Alert color="green" variant="light" role="status">
                Password set. Sign in with it next time.
              </Alert>
            )}
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
