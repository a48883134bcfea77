import { Button, Table, VisuallyHidden } from "@mantine/core";
import type { ReactNode } from "react";

/**
 * A list of things, one row each, that scrolls sideways on a narrow screen: the column headings,
 * then the rows given as children. With `actions`, a last column (named for screen readers only)
 * holds each row's buttons.
 */
export function ItemTable(props: { label: string; testId: string; minWidth: number; columns: string[]; actions?: boolean; children: ReactNode }) {
  return (
    <Table.ScrollContainer minWidth={props.minWidth}>
      <Table verticalSpacing="xs" aria-label={props.label} data-testid={props.testId}>
        <Table.Thead>
          <Table.Tr>
            {props.columns.map((column) => (
              <Table.Th key={column}>{column}</Table.Th>
            ))}
            {props.actions && (
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{props.children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A row's red button in the actions column (remove, revoke, delete), named for screen readers after what it acts on. */
export function RowAction(props: { label: string; onClick: () => void; children: ReactNode }) {
  return (
    <Button size="xs" color="red" variant="subtle" onClick={props.onClick} aria-label={props.label}>
      {props.children}
    </Button>
  );
}
