import { Button, Group, Modal, Stack } from "@mantine/core";
import type { ReactNode } from "react";
import { ProblemAlert } from "./ProblemAlert";

/** Asks before something that cannot be undone: what it does, then Cancel or the action in red. */
export function ConfirmDialog(props: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirm: string;
  cancel?: string;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
  testId: string;
}) {
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} centered closeButtonProps={{ "aria-label": "Close" }}>
      <Stack>
        {props.children}
        {props.error !== null && props.error !== undefined && <ProblemAlert error={props.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            {props.cancel ?? "Cancel"}
          </Button>
          <Button color="red" loading={props.pending} onClick={props.onConfirm} data-testid={props.testId}>
            {props.confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
