import { Anchor, Paper, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import type { Me, Workspace } from "../../api/types";
import { CommandBlock } from "../../components/CommandBlock";
import { UP } from "./describe";

/** How to reach workspaces from a terminal or your own editor: plinth ssh, and plinth config-ssh for VS Code Remote-SSH. */
export function Connect({ me, items }: { me: Me; items: Workspace[] }) {
  const reachable = items.filter((w) => w.mayOpen && (w.app === "ssh" || UP.has(w.state)));
  if (reachable.length === 0) return null;
  return (
    <Paper withBorder p="md" data-testid="workspace-connect">
      <Stack gap="sm">
        <Title order={2} size="h3">
          Connect
        </Title>
        <Text size="sm">
          From a terminal, with the <code>plinth</code> command signed in and an SSH key on your{" "}
          <Anchor component={Link} to="/profile">
            profile
          </Anchor>
          :
        </Text>
        {reachable.map((w) => {
          // Names are unique per owner: someone else's workspace is named by its id.
          const ref = w.ownerId === me.id ? w.name : w.id;
          return (
            <Stack gap={4} key={w.id}>
              <Text size="sm" fw={500}>
                A shell in {w.name}
                {w.ownerId === me.id ? "" : ` (${w.owner}'s)`}
              </Text>
              <CommandBlock command={`plinth ssh ${ref}`} label={`Copy the command that opens a shell in ${w.name}`} testId={`ssh-${w.name}`} />
            </Stack>
          );
        })}
        <Text size="sm" fw={500}>
          For VS Code Remote-SSH, scp and rsync: hosts named plinth-NAME in ~/.ssh/config
        </Text>
        <CommandBlock command="plinth config-ssh" label="Copy the command that writes your SSH config" testId="config-ssh" />
      </Stack>
    </Paper>
  );
}
