import { Alert, Button, Group, NativeSelect, Paper, Stack, Switch, Text, Textarea, TextInput, Title } from "@mantine/core";
import { IconUserPlus } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { looksLikePrivateKey } from "../../../../src/identity/ssh-keys/private-key-text";
import { api, call } from "../../api/client";
import { ApiProblem, fieldErrors } from "../../api/problem";
import type { TeamRole } from "../../api/types";
import { CommandBlock } from "../../components/CommandBlock";
import { ProblemAlert } from "../../components/ProblemAlert";
import { TEAM_ROLE_TEXT, useTeams } from "../../lib/teams";

const FIELDS = new Set(["name", "displayName", "email", "team", "teamRole"]);
const EMPTY = { name: "", displayName: "", email: "", team: "default", teamRole: "member" as TeamRole, keeper: false, sshKey: "" };

/**
 * A Keeper adds a person: their name, team and role, and optionally an SSH public key. The
 * person's first token is shown once, with the command that signs their command line in.
 */
export function AddPerson({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const { teams } = useTeams();
  const [form, setForm] = useState(EMPTY);
  const set = (patch: Partial<typeof EMPTY>) => setForm((f) => ({ ...f, ...patch }));
  const add = useMutation({
    mutationFn: () =>
      call(
        api.POST("/api/v1/users", {
          body: {
            name: form.name.trim(),
            team: form.team,
            teamRole: form.teamRole,
            role: form.keeper ? "admin" : "member",
            ...(form.displayName.trim() && { displayName: form.displayName.trim() }),
            ...(form.email.trim() && { email: form.email.trim() }),
            ...(form.sshKey.trim() && { sshKeys: [form.sshKey.trim()] }),
          },
        }),
      ),
    onSuccess: () => {
      setForm(EMPTY);
      void queryClient.invalidateQueries({ queryKey: ["users"] });
      void queryClient.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  const errors = fieldErrors(add.error instanceof ApiProblem ? add.error.problem : undefined);
  const sshKeyError = Object.entries(errors).find(([path]) => path === "sshKeys" || path.startsWith("sshKeys."))?.[1];
  // A problem no field shows (a name taken, a key refused as a whole) is shown under the form.
  const unshown = Object.keys(errors).some((path) => !FIELDS.has(path) && !path.startsWith("sshKeys"));
  // A private key pasted by mistake is refused here, before it is sent anywhere.
  const privateKey = looksLikePrivateKey(form.sshKey);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!privateKey) add.mutate();
  };

  if (add.data) {
    const { user, token } = add.data;
    return (
      <Alert color="green" variant="light" title={`${user.name} was added — copy their token now, it is shown only once`} data-testid="new-person">
        <Stack gap="xs">
          <Text size="sm">
            Give {user.displayName ?? user.name} this token in a private message. With it they sign in to this portal, and to the command line with the command below. They
            can make more tokens of their own on the Tokens page.
          </Text>
          <CommandBlock command={token} label="Copy token" testId="new-person-token" />
          <Text size="sm">For their terminal:</Text>
          <CommandBlock command={`plinth login ${window.location.origin} --token ${token}`} testId="new-person-login" />
          <Group>
            <Button variant="default" onClick={() => add.reset()}>
              Add someone else
            </Button>
            <Button variant="subtle" onClick={onClose}>
              Done
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }

  return (
    <Paper withBorder p="md">
      <form onSubmit={onSubmit} aria-labelledby="add-person-heading" noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4" id="add-person-heading">
            Add a person
          </Title>
          <Group align="flex-start" wrap="wrap">
            <TextInput
              label="User name"
              description="Lower-case letters, digits and . _ -"
              placeholder="ada"
              required
              value={form.name}
              onChange={(e) => set({ name: e.currentTarget.value })}
              error={errors.name}
              w={{ base: "100%", xs: 200 }}
            />
            <TextInput label="Display name" placeholder="Ada Lovelace" value={form.displayName} onChange={(e) => set({ displayName: e.currentTarget.value })} error={errors.displayName} w={{ base: "100%", xs: 220 }} />
            <TextInput label="Email" type="email" placeholder="ada@lab.example" value={form.email} onChange={(e) => set({ email: e.currentTarget.value })} error={errors.email} w={{ base: "100%", xs: 240 }} />
          </Group>
          <Group align="flex-start" wrap="wrap">
            <NativeSelect
              label="Team"
              data={teams.map((t) => t.name)}
              value={form.team}
              onChange={(e) => set({ team: e.currentTarget.value })}
              error={errors.team}
              w={{ base: "100%", xs: 200 }}
            />
            <NativeSelect
              label="Role in the team"
              description={TEAM_ROLE_TEXT[form.teamRole]}
              data={["member", "admin", "viewer"]}
              value={form.teamRole}
              onChange={(e) => set({ teamRole: e.currentTarget.value as TeamRole })}
              error={errors.teamRole}
              w={{ base: "100%", xs: 320 }}
            />
          </Group>
          <Switch
            label="Keeper (platform admin)"
            description="Keepers add and remove people, create teams and see everyone's work. Most people should not be one."
            checked={form.keeper}
            onChange={(e) => set({ keeper: e.currentTarget.checked })}
          />
          <Textarea
            label="SSH public key (optional)"
            description="Paste their public key, the one line from the file ending in .pub, for the team's machines. They can add more keys themselves later."
            placeholder="ssh-ed25519 AAAAC3Nza… ada@laptop"
            autosize
            minRows={2}
            value={form.sshKey}
            onChange={(e) => set({ sshKey: e.currentTarget.value })}
            error={privateKey ? "This is a private key, the secret half of a key pair: it was not sent. Ask them for the public half, the file of the same name ending in .pub." : sshKeyError}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          />
          {add.error && (unshown || !Object.keys(errors).length) && <ProblemAlert error={add.error} />}
          <Group>
            <Button type="submit" loading={add.isPending} leftSection={<IconUserPlus size={16} aria-hidden />}>
              Add person
            </Button>
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
