import { Alert, Button, Stack, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { asProblem, type Problem } from "../api/problem";

/** A server problem as people should see it: its title, what happened, and what to do next. */
export function ProblemAlert({ error, problem, onRetry }: { error?: unknown; problem?: Problem; onRetry?: () => void }) {
  const p = problem ?? asProblem(error);
  return (
    <Alert color="red" variant="light" title={p.title} icon={<IconAlertTriangle aria-hidden />} role="alert" data-testid="problem">
      <Stack gap={6}>
        {p.detail && <Text size="sm">{p.detail}</Text>}
        {p.hint && (
          <Text size="sm" fw={500}>
            {p.hint}
          </Text>
        )}
        {onRetry && (
          <div>
            <Button size="xs" variant="light" color="red" onClick={onRetry}>
              Try again
            </Button>
          </div>
        )}
      </Stack>
    </Alert>
  );
}
