import { Alert, Badge, Button, Code, Group, Paper, Stack, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { IconKey } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { looksLikePrivateKey } from "../../../../src/identity/ssh-keys/private-key-text";
import { api, call } from "../../api/client";
import { ApiProblem, fieldErrors } from "../../api/problem";
import { sshKeysQuery } from "../../api/queries";
import type { SshKey } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ItemTable, RowAction } from "../../components/ItemTable";
import { Loaded } from "../../components/Loaded";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatTime } from "../../lib/format";

const PRIVATE_KEY_WARNING = "This is a private key: the secret half of a key pair. It was not sent. Paste the public half instead: the file of the same name ending in .pub.";

/** Your SSH public keys: add one by pasting its .pub line, see fingerprints, delete. */
export function SshKeys() {
  const keys = useQuery(sshKeysQuery);
  return (
    <Stack gap="sm" component="section" aria-labelledby="ssh-keys-heading">
      <Title order={2} id="ssh-keys-heading">
        SSH keys
      </Title>
      <Text>
        Your SSH public keys let you sign in to the team's machines: an administrator writes everyone's keys to the machines with <code>plinth ssh-keys export</code>. Add the public
        half only (the file ending in <code>.pub</code>); the private half never leaves your computer.
      </Text>
      <AddSshKey />
      {keys.error && <ProblemAlert error={keys.error} onRetry={() => void keys.refetch()} />}
      <Loaded when={keys.isSuccess} name="ssh-keys" />
      {keys.data && <KeyTable items={keys.data.items} />}
    </Stack>
  );
}

/** Adds a key from its pasted public line; a pasted private key is refused before anything is sent. */
function AddSshKey() {
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [name, setName] = useState("");
  const privateKey = looksLikePrivateKey(text);
  const add = useMutation({
    mutationFn: () => call(api.POST("/api/v1/ssh-keys", { body: { publicKey: text.trim(), ...(name.trim() && { name: name.trim() }) } })),
    onSuccess: () => {
      setText("");
      setName("");
      void queryClient.invalidateQueries({ queryKey: sshKeysQuery.queryKey });
    },
  });
  const errors = fieldErrors(add.error instanceof ApiProblem ? add.error.problem : undefined);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    // A private key is refused here, before any request is made.
    if (!privateKey) add.mutate();
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={onSubmit} aria-label="Add an SSH key">
        <Stack gap="sm">
          <Textarea
            label="Public key"
            description="One line, as in ~/.ssh/id_ed25519.pub: it starts with ssh-ed25519, ecdsa-sha2-… or ssh-rsa."
            placeholder="ssh-ed25519 AAAAC3Nza… you@laptop"
            autosize
            minRows={2}
            maxRows={6}
            value={text}
            onChange={(e) => {
              setText(e.currentTarget.value);
              // The last answer was about the last text.
              if (!add.isIdle) add.reset();
            }}
            error={privateKey ? PRIVATE_KEY_WARNING : errors.publicKey}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: "var(--mantine-font-size-xs)" } }}
            data-testid="ssh-key-text"
          />
          <Group align="flex-end" wrap="wrap">
            <TextInput label="Name (optional)" placeholder="laptop" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} w={{ base: "100%", xs: 240 }} />
            <Button type="submit" loading={add.isPending} disabled={!text.trim() || privateKey} leftSection={<IconKey size={16} aria-hidden />}>
              Add key
            </Button>
          </Group>
          {add.error && !Object.keys(errors).length && <ProblemAlert error={add.error} />}
          {add.data && (
            <Alert color="green" variant="light" data-testid="ssh-key-added">
              Added “{add.data.name}”, fingerprint <code>{add.data.fingerprint}</code>.
            </Alert>
          )}
        </Stack>
      </form>
    </Paper>
  );
}

function KeyTable({ items }: { items: SshKey[] }) {
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<SshKey | null>(null);
  const remove = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/ssh-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: sshKeysQuery.queryKey });
    },
  });
  if (items.length === 0) return <Text c="dimmed">You have no SSH keys here yet.</Text>;
  return (
    <>
      <ItemTable label="Your SSH keys" testId="ssh-keys-table" minWidth={640} columns={["Name", "Type", "Fingerprint", "Added"]} actions>
        {items.map((k) => (
          <Table.Tr key={k.id} data-ssh-key-id={k.id}>
            <Table.Td>{k.name}</Table.Td>
            <Table.Td>
              <Badge variant="light" color="gray">
                {k.type.replace(/^ssh-|^ecdsa-sha2-/, "")} {k.bits}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Code>{k.fingerprint}</Code>
            </Table.Td>
            <Table.Td>
              {formatTime(k.createdAt)}
              {k.addedBy !== k.user && <Text size="xs">by {k.addedBy}</Text>}
            </Table.Td>
            <Table.Td>
              <RowAction label={`Delete SSH key ${k.name}`} onClick={() => setDeleting(k)}>
                Delete
              </RowAction>
            </Table.Td>
          </Table.Tr>
        ))}
      </ItemTable>
      <ConfirmDialog
        opened={deleting !== null}
        title="Delete this SSH key?"
        confirm="Delete"
        cancel="Keep it"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        onClose={() => setDeleting(null)}
        testId="confirm-delete-ssh-key"
      >
        <Text size="sm">
          “{deleting?.name}” ({deleting?.fingerprint}) leaves your account now. Machines keep accepting it until their administrator writes their authorized_keys again.
        </Text>
      </ConfirmDialog>
    </>
  );
}
