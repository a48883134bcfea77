import { Alert, Badge, Button, Group, Modal, NumberInput, Paper, Stack, Table, Text, TextInput, Title, VisuallyHidden } from "@mantine/core";
import { IconKey } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, call } from "../api/client";
import { tokensQuery } from "../api/queries";
import { ApiProblem, fieldErrors } from "../api/problem";
import type { TokenInfo } from "../api/types";
import { CommandBlock } from "../components/CommandBlock";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatRelative, formatTime } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";

/** API tokens: create (the secret is shown once), list, revoke. */
export default function Tokens() {
  usePageTitle("Tokens");
  const queryClient = useQueryClient();
  const tokens = useQuery(tokensQuery);
  const [name, setName] = useState("");
  const [days, setDays] = useState<number | "">("");
  const [revoking, setRevoking] = useState<TokenInfo | null>(null);
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/tokens", { body: { name: name.trim() || "token", ...(days !== "" && { expiresInDays: days }) } })),
    onSuccess: () => {
      setName("");
      setDays("");
      void queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/tokens/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      setRevoking(null);
      void queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const createErrors = fieldErrors(create.error instanceof ApiProblem ? create.error.problem : undefined);
  const onCreate = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };

  return (
    <Stack gap="md" maw={960}>
      <Title order={1}>Tokens</Title>
      <Text>
        A token lets a program act as you: the <code>plinth</code> command line, a script, a notebook. Give each its own token, so you can revoke one without disturbing the others.
      </Text>
      <Paper withBorder p="md">
        <form onSubmit={onCreate} aria-label="Create a token">
          <Group align="flex-end" wrap="wrap">
            <TextInput label="What is it for?" placeholder="laptop CLI" value={name} onChange={(e) => setName(e.currentTarget.value)} error={createErrors.name} w={{ base: "100%", xs: 240 }} />
            <NumberInput
              label="Expires after (days)"
              placeholder="never"
              min={1}
              max={3650}
              allowDecimal={false}
              value={days}
              onChange={(v) => setDays(v === "" ? "" : Number(v))}
              error={createErrors.expiresInDays}
              w={{ base: "100%", xs: 180 }}
            />
            <Button type="submit" loading={create.isPending} leftSection={<IconKey size={16} aria-hidden />}>
              Create token
            </Button>
          </Group>
        </form>
        {create.error && !Object.keys(createErrors).length && (
          <Stack mt="sm">
            <ProblemAlert error={create.error} />
          </Stack>
        )}
        {create.data && (
          <Alert mt="md" color="green" variant="light" title="Token created — copy it now, it is shown only once" data-testid="new-token">
            <Stack gap="xs">
              <CommandBlock command={create.data.token} label="Copy token" testId="new-token-value" />
              <Text size="sm">To sign in the command line with it:</Text>
              <CommandBlock command={`plinth login ${window.location.origin} --token ${create.data.token}`} />
            </Stack>
          </Alert>
        )}
      </Paper>
      {tokens.error && <ProblemAlert error={tokens.error} onRetry={() => void tokens.refetch()} />}
      <Loaded when={tokens.isSuccess} name="tokens" />
      <Table.ScrollContainer minWidth={640}>
        <Table verticalSpacing="xs" aria-label="Your tokens" data-testid="tokens-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Starts with</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tokens.data?.items.map((t) => (
              <Table.Tr key={t.id} data-token-id={t.id}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>
                  <code>{t.prefix}…</code>
                </Table.Td>
                <Table.Td>{formatTime(t.createdAt)}</Table.Td>
                <Table.Td>{t.lastUsedAt ? formatRelative(t.lastUsedAt) : "never"}</Table.Td>
                <Table.Td>
                  <TokenStatus token={t} />
                </Table.Td>
                <Table.Td>
                  {!t.revokedAt && (
                    <Button size="xs" color="red" variant="subtle" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title="Revoke this token?" centered>
        <Stack>
          <Text size="sm">
            Anything using “{revoking?.name}” ({revoking?.prefix}…) stops working at once. If this is the token you signed in with, this browser stays signed in; the command line
            does not.
          </Text>
          {revoke.error && <ProblemAlert error={revoke.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              Keep it
            </Button>
            <Button color="red" loading={revoke.isPending} onClick={() => revoking && revoke.mutate(revoking.id)} data-testid="confirm-revoke">
              Revoke
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function TokenStatus({ token }: { token: TokenInfo }) {
  if (token.revokedAt) return <Badge color="gray">revoked</Badge>;
  if (token.expiresAt && new Date(token.expiresAt).getTime() < Date.now()) return <Badge color="orange">expired</Badge>;
  return (
    <Badge color="green" variant="light">
      {token.expiresAt ? `active until ${new Date(token.expiresAt).toLocaleDateString()}` : "active"}
    </Badge>
  );
}
