import { Badge } from "@mantine/core";

/** A GPU's model name, marked when it is a stand-in configured for testing. */
export function GpuModel({ model, fake }: { model: string; fake: boolean }) {
  return (
    <>
      {model}
      {fake && (
        <Badge size="xs" ml={6} variant="light" color="gray">
          simulated
        </Badge>
      )}
    </>
  );
}
