import { Badge, Group, Stack, Text, Title } from "@mantine/core";
import { useMe } from "../app/me";
import { usePageTitle } from "../lib/usePageTitle";
import { Generate } from "./profile/Generate";
import { Password } from "./profile/Password";
import { Sessions } from "./profile/Sessions";
import { SshKeys } from "./profile/SshKeys";

/** Your own things: who you are here, your SSH keys, and credentials made in the browser. */
export default function Profile() {
  usePageTitle("Profile");
  const me = useMe();
  return (
    <Stack gap="xl" maw={960}>
      <Stack gap="xs">
        <Title order={1}>Profile</Title>
        <Group gap="xs" wrap="wrap">
          <Text>
            Signed in as <b>{me.name}</b>
            {me.displayName ? ` (${me.displayName})` : ""}, {me.role === "admin" ? "a Keeper of this platform" : "a member"}.
          </Text>
          {me.teams.map((t) => (
            <Badge key={t.team} variant="light">
              {t.team}: {t.role}
            </Badge>
          ))}
        </Group>
      </Stack>
      <SshKeys />
      <Password />
      <Sessions />
      <Generate />
    </Stack>
  );
}
