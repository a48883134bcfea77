import { Badge, Tooltip } from "@mantine/core";
import { IconLock, IconUsers, IconWorld } from "@tabler/icons-react";
import type { Visibility } from "./api";

/** Who may read a dataset, in plain words. */
export const DATASET_VISIBILITY: Record<Visibility, { label: string; who: (team: string) => string }> = {
  team: { label: "Its team", who: (team) => `Everyone in team ${team} can read it and use it in jobs.` },
  private: { label: "Private", who: (team) => `Only its owner, the admins of team ${team} and the platform's Keepers can read it.` },
  public: { label: "Public", who: () => "Everyone signed in to this platform can read it and use it in jobs." },
};

const ICONS = { team: IconUsers, private: IconLock, public: IconWorld } as const;

/** The visibility as a short word, for a table cell. */
export function VisibilityText({ visibility }: { visibility: Visibility }) {
  return <>{DATASET_VISIBILITY[visibility].label}</>;
}

/** The visibility as a badge that says who on hover and keyboard focus. */
export function VisibilityBadge({ visibility, team }: { visibility: Visibility; team: string }) {
  const Icon = ICONS[visibility];
  const text = DATASET_VISIBILITY[visibility];
  return (
    <Tooltip label={text.who(team)} multiline w={280} events={{ hover: true, focus: true, touch: true }}>
      <Badge
        variant="light"
        color={visibility === "private" ? "orange" : visibility === "public" ? "blue" : "gray"}
        leftSection={<Icon size={12} aria-hidden />}
        tabIndex={0}
        aria-label={`${text.label}: ${text.who(team)}`}
        tt="none"
        data-testid="dataset-visibility"
      >
        {text.label}
      </Badge>
    </Tooltip>
  );
}
