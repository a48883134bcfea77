import { Badge, Group, Text, Tooltip } from "@mantine/core";
import { IconLock, IconUsers, IconWorld } from "@tabler/icons-react";
import type { Job } from "../api/types";

export type Visibility = Job["visibility"];

/** Who may see a job (its spec, env values included, and its log), in plain words. */
export const VISIBILITY_TEXT: Record<Visibility, { label: string; who: (team: string) => string }> = {
  team: { label: "Visible to its team", who: (team) => `Everyone in team ${team} sees it, its spec and its log.` },
  private: { label: "Private", who: (team) => `Only its owner, the admins of team ${team} and the platform's Keepers see it.` },
  public: { label: "Public", who: () => "Everyone signed in to this platform sees it, its spec and its log." },
};

const ICONS = { team: IconUsers, private: IconLock, public: IconWorld } as const;

/** A job's team and visibility, with what the visibility means on hover and keyboard focus. */
export function TeamAndVisibility({ team, visibility }: { team: string; visibility: Visibility }) {
  const Icon = ICONS[visibility];
  const text = VISIBILITY_TEXT[visibility];
  return (
    <Group gap={6} wrap="wrap" data-testid="job-visibility">
      <Text span size="sm" data-testid="job-team">
        {team}
      </Text>
      <Tooltip label={text.who(team)} multiline w={280} events={{ hover: true, focus: true, touch: true }}>
        <Badge variant="light" color={visibility === "private" ? "orange" : visibility === "public" ? "blue" : "gray"} leftSection={<Icon size={12} aria-hidden />} tabIndex={0} aria-label={`${text.label}: ${text.who(team)}`} tt="none" data-testid="visibility-badge">
          {text.label}
        </Badge>
      </Tooltip>
    </Group>
  );
}
