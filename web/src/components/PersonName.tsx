import { Text } from "@mantine/core";

/** A person's user name, marked when it is the reader's own, with their display name under it. */
export function PersonName({ name, displayName, you }: { name: string; displayName: string | null; you: boolean }) {
  return (
    <>
      <Text size="sm" fw={500}>
        {name}
        {you && " (you)"}
      </Text>
      {displayName && (
        <Text size="xs" c="dimmed">
          {displayName}
        </Text>
      )}
    </>
  );
}
