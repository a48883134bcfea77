import { Text } from "@mantine/core";

/** Said next to a chart drawn from points spread over a history too long to send whole. */
export function ThinnedNote() {
  return (
    <Text span c="dimmed" size="xs" ml={6} title="The history is too long to draw every point: the chart shows points evenly spread over it, the first and last among them.">
      (sampled)
    </Text>
  );
}
