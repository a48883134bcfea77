import { Alert, Badge, Button, Group, NativeSelect, NumberInput, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconKey, IconLogout } from "@tabler/icons-react";
import { type UseMutationResult, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { useSearchParams } from "react-router";
import { api, call } from "../api/client";
import { ApiProblem, fieldErrors } from "../api/problem";
import { tokensQuery, userTokensQuery } from "../api/queries";
import type { TokenInfo } from "../api/types";
import { useMe } from "../app/me";
import { CommandBlock } from "../components/CommandBlock";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ItemTable, RowAction } from "../components/ItemTable";
import { Loaded } from "../components/Loaded";
import { ProblemAlert } from "../components/ProblemAlert";
import { formatRelative, formatTime } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";
import { useUsers } from "../lib/users";
import { AccessKeys } from "./tokens/AccessKeys";

/**
 * API tokens: create (the secret is shown once), list, revoke. Admins also pick anyone else
 * (`?user=NAME`), to revoke their tokens or sign them out of every browser.
 */
export default function Tokens() {
  usePageTitle("Tokens");
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const whose = me.role === "admin" ? (params.get("user") ?? me.name) : me.name;
  const pick = (name: string) => setParams(name === me.name ? {} : { user: name }, { replace: true });

  return (
    <Stack gap="md" maw={960}>
      <Title order={1}>Tokens</Title>
      <Text>
        A token lets a program act as you: the <code>plinth</code> command line, a script, a notebook. Give each its own token, so you can revoke one without disturbing the others.
        Revoking a token also signs out every browser that was signed in with it.
      </Text>
      {me.role === "admin" && <UserPicker me={me.name} value={whose} onChange={pick} />}
      {whose === me.name ? <OwnTokens /> : <UserTokens key={whose} name={whose} />}
      {whose === me.name && <AccessKeys />}
    </Stack>
  );
}

function UserPicker({ me, value, onChange }: { me: string; value: string; onChange: (name: string) => void }) {
  const { users } = useUsers();
  const names = users.map((u) => u.name).filter((n) => n !== me);
  if (value !== me && !names.includes(value)) names.push(value);
  return (
    <NativeSelect
      label="Whose tokens"
      description="As an admin you can revoke anyone's tokens and sign anyone out."
      data={[{ value: me, label: `Yours (${me})` }, ...names.sort().map((n) => ({ value: n, label: n }))]}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      w={{ base: "100%", xs: 320 }}
      data-testid="whose-tokens"
    />
  );
}

function OwnTokens() {
  const queryClient = useQueryClient();
  const tokens = useQuery(tokensQuery);
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/tokens/{id}", { params: { path: { id } } })),
    // If it was the token this browser signed in with, the next request finds the session ended
    // and the sign-in page comes back (see queryClient.ts).
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["tokens"] }),
  });
  return (
    <>
      <CreateToken />
      {tokens.error && <ProblemAlert error={tokens.error} onRetry={() => void tokens.refetch()} />}
      <Loaded when={tokens.isSuccess} name="tokens" />
      <TokenTable label="Your tokens" items={tokens.data?.items} revoke={revoke}>
        {(t) => (
          <>
            Anything using “{t.name}” ({t.prefix}…) stops working at once, and every browser signed in with it is signed out — this one too, if you signed in with this token.
          </>
        )}
      </TokenTable>
    </>
  );
}

function CreateToken() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [days, setDays] = useState<number | "">("");
  const create = useMutation({
    mutationFn: () => call(api.POST("/api/v1/tokens", { body: { name: name.trim() || "token", ...(days !== "" && { expiresInDays: days }) } })),
    onSuccess: () => {
      setName("");
      setDays("");
      void queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const createErrors = fieldErrors(create.error instanceof ApiProblem ? create.error.problem : undefined);
  const onCreate = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
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
  );
}

/** Someone else's tokens, for an admin: revoke any of them, or sign the person out of every browser. */
function UserTokens({ name }: { name: string }) {
  const queryClient = useQueryClient();
  const tokens = useQuery(userTokensQuery(name));
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/users/{name}/tokens/{id}", { params: { path: { name, id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userTokensQuery(name).queryKey }),
  });
  const [confirming, setConfirming] = useState(false);
  const signOut = useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/users/{name}/sessions", { params: { path: { name } } })),
    onSuccess: () => setConfirming(false),
  });
  return (
    <>
      <Paper withBorder p="md">
        <Group justify="space-between" wrap="wrap">
          <Text>
            Sign <b>{name}</b> out of the portal in every browser, after a lost laptop or on a shared computer. Their tokens keep working; revoke any that may be lost below.
          </Text>
          <Button color="red" variant="light" leftSection={<IconLogout size={16} aria-hidden />} onClick={() => setConfirming(true)}>
            Sign {name} out everywhere
          </Button>
        </Group>
        {signOut.data && (
          <Alert mt="md" color="green" variant="light" data-testid="signed-out">
            Signed {name} out of {signOut.data.ended} browser {signOut.data.ended === 1 ? "session" : "sessions"}.
          </Alert>
        )}
      </Paper>
      <ConfirmDialog
        opened={confirming}
        title={`Sign ${name} out everywhere?`}
        confirm="Sign out"
        pending={signOut.isPending}
        error={signOut.error}
        onConfirm={() => signOut.mutate()}
        onClose={() => setConfirming(false)}
        testId="confirm-sign-out"
      >
        <Text size="sm">Every browser {name} is signed in with must sign in again, with a token. Their command line and scripts go on working.</Text>
      </ConfirmDialog>
      {tokens.error && <ProblemAlert error={tokens.error} onRetry={() => void tokens.refetch()} />}
      <Loaded when={tokens.isSuccess} name="user-tokens" />
      <TokenTable label={`${name}'s tokens`} items={tokens.data?.items} revoke={revoke}>
        {(t) => (
          <>
            Anything using {name}'s token “{t.name}” ({t.prefix}…) stops working at once, and every browser {name} signed in with it is signed out.
          </>
        )}
      </TokenTable>
    </>
  );
}

/** A list of tokens with a Revoke button each, and the question that comes before revoking. */
function TokenTable({ label, items, revoke, children }: { label: string; items: TokenInfo[] | undefined; revoke: UseMutationResult<unknown, Error, string>; children: (token: TokenInfo) => ReactNode }) {
  const [revoking, setRevoking] = useState<TokenInfo | null>(null);
  return (
    <>
      <ItemTable label={label} testId="tokens-table" minWidth={640} columns={["Name", "Starts with", "Created", "Last used", "Status"]} actions>
        {items?.map((t) => (
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
                <RowAction label={`Revoke token ${t.name}`} onClick={() => setRevoking(t)}>
                  Revoke
                </RowAction>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </ItemTable>
      <ConfirmDialog
        opened={revoking !== null}
        title="Revoke this token?"
        confirm="Revoke"
        cancel="Keep it"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
        onClose={() => setRevoking(null)}
        testId="confirm-revoke"
      >
        <Text size="sm">{revoking && children(revoking)}</Text>
      </ConfirmDialog>
    </>
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
