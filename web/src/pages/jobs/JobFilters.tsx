import { Button, Chip, Group, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { IconFilterOff } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { STATE_LABELS } from "../../components/StateBadge";
import { useUsers } from "../../lib/users";
import { hasFilters, JOB_STATES, type ListView, NO_FILTERS } from "./jobParams";

// Filters for the job list: state, user, name and labels, all applied on the server. Native
// selects and chips rather than searchable dropdowns: they are what a first visit can afford
// to draw beside fifty rows, and every browser makes them accessible.

export function JobFilters({ view, onChange }: { view: ListView; onChange: (patch: Partial<ListView>) => void }) {
  const { users } = useUsers();
  const name = useTyped(view.name, (v) => onChange({ name: v }));
  const labels = useTyped(view.labels.join(" "), (v) => onChange({ labels: v.split(/[\s,]+/).filter((l) => /^[^=]+=/.test(l)) }));

  return (
    <Stack gap="xs">
      <fieldset className="plain-fieldset">
        <Text component="legend" size="sm" fw={500} mb={4}>
          State
        </Text>
        <Chip.Group multiple value={view.states} onChange={(states) => onChange({ states })}>
          <Group gap={6}>
            {JOB_STATES.map((s) => (
              <Chip key={s} value={s} size="xs" variant="outline">
                {STATE_LABELS[s]}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
      </fieldset>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <NativeSelect
          label="User"
          data={[{ value: "", label: "Anyone" }, { value: "me", label: "Me" }, ...users.map((u) => ({ value: u.name, label: u.name }))]}
          value={view.user}
          onChange={(e) => onChange({ user: e.currentTarget.value })}
          w={{ base: "100%", xs: 170 }}
        />
        <TextInput label="Name" placeholder="Exact job name" value={name.text} onChange={(e) => name.set(e.currentTarget.value)} w={{ base: "100%", xs: 200 }} />
        <TextInput
          label="Labels"
          placeholder="project=vision"
          value={labels.text}
          onChange={(e) => labels.set(e.currentTarget.value)}
          w={{ base: "100%", xs: 240 }}
        />
        {hasFilters(view) && (
          <Button variant="subtle" leftSection={<IconFilterOff size={16} aria-hidden />} onClick={() => onChange(NO_FILTERS)}>
            Clear filters
          </Button>
        )}
      </Group>
    </Stack>
  );
}

/** Text typed into a filter, applied after a short pause rather than on every key. */
function useTyped(applied: string, apply: (value: string) => void) {
  const [text, setText] = useState(applied);
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (!dirty) setText(applied);
  }, [applied, dirty]);
  useEffect(() => {
    if (!dirty) return;
    const t = setTimeout(() => {
      setDirty(false);
      apply(text.trim());
    }, 400);
    return () => clearTimeout(t);
  }, [text, dirty, apply]);
  return {
    text,
    set: (v: string) => {
      setText(v);
      setDirty(true);
    },
  };
}
