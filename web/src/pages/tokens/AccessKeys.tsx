import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconBucket } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, call } from "../../api/client";
import { accessKeysQuery } from "../../api/queries";
import type { AccessKeyInfo } from "../../api/types";
import { CommandBlock } from "../../components/CommandBlock";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ItemTable, RowAction } from "../../components/ItemTable";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatRelative, formatTime } from "../../lib/format";

/** Access keys for S3-style clients: an id and a secret, the secret shown once when made. */
export function AccessKeys() {
  const queryClient = useQueryClient();
  const keys = useQuery(accessKeysQuery);
  const [name, setName] = useState("");
  const [revoking, setRevoking] = useState<AccessKeyInfo | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: accessKeysQuery.queryKey });
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/access-keys", { body: { name: name.trim() || "access key" } })),
    onSuccess: () => {
      setName("");
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/access-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      setRevoking(null);
      refresh();
    },
  });
  const onCreate = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Stack gap="md" mt="lg">
      <Title order={2}>Access keys</Title>
      <Text>An id and a secret for tools that speak S3 (boto3, the aws command, rclone). Make one per tool or machine; the secret is shown once.</Text>
      <Paper withBorder p="md">
        <form onSubmit={onCreate} aria-label="Create an access key">
          <Group align="flex-end" wrap="wrap">
            <TextInput label="What is it for?" placeholder="laptop rclone" value={name} onChange={(e) => setName(e.currentTarget.value)} w={{ base: "100%", xs: 240 }} />
            <Button type="submit" loading={create.isPending} leftSection={<IconBucket size={16} aria-hidden />}>
              Create access key
            </Button>
          </Group>
        </form>
        {create.error && (
          <Stack mt="sm">
            <ProblemAlert error={create.error} />
          </Stack>
        )}
        {create.data && (
          <Alert mt="md" color="green" variant="light" title="Access key created — copy the secret now, it is shown only once" data-testid="new-access-key">
            <CommandBlock command={`AWS_ACCESS_KEY_ID=${create.data.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${create.data.secretAccessKey}`} label="Copy access key" testId="new-access-key-value" />
          </Alert>
        )}
      </Paper>
      {keys.error && <ProblemAlert error={keys.error} onRetry={() => void keys.refetch()} />}
      <Loaded when={keys.isSuccess} name="access-keys" />
      {keys.data && keys.data.items.length > 0 && (
        <ItemTable label="Your access keys" testId="access-keys-table" minWidth={560} columns={["Id", "Name", "Created", "Last used", "Status"]} actions>
          {keys.data.items.map((k) => (
            <Table.Tr key={k.id}>
              <Table.Td>
                <code>{k.id}</code>
              </Table.Td>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td>{formatTime(k.createdAt)}</Table.Td>
              <Table.Td>{k.lastUsedAt ? formatRelative(k.lastUsedAt) : "never"}</Table.Td>
              <Table.Td>{k.revokedAt ? <Badge color="gray">revoked</Badge> : <Badge color="green" variant="light">active</Badge>}</Table.Td>
              <Table.Td>
                {!k.revokedAt && (
                  <RowAction label={`Revoke access key ${k.name}`} onClick={() => setRevoking(k)}>
                    Revoke
                  </RowAction>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </ItemTable>
      )}
      <ConfirmDialog
        opened={revoking !== null}
        title="Revoke this access key?"
        confirm="Revoke"
        cancel="Keep it"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onClose={() => setRevoking(null)}
        testId="confirm-revoke-access-key"
      >
        <Text size="sm">Anything using “{revoking?.name}” ({revoking?.id}) is refused from now on.</Text>
      </ConfirmDialog>
    </Stack>
  );
}
