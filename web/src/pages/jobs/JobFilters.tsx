import { Button, Group, MultiSelect, Select, TagsInput, TextInput } from "@mantine/core";
import { IconFilterOff } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { STATE_LABELS } from "../../components/StateBadge";
import { useUsers } from "../../lib/users";
import { JOB_STATES, type ListView } from "./jobParams";

/** Filters for the job list: state, user, name and labels, all applied on the server. */
export function JobFilters({ view, onChange }: { view: ListView; onChange: (patch: Partial<ListView>) => void }) {
  const { users } = useUsers();
  const [name, setName] = useState(view.name);
  useEffect(() => setName(view.name), [view.name]);
  // Typing a name filters after a short pause, not on every key.
  useEffect(() => {
    if (name === view.name) return;
    const t = setTimeout(() => onChange({ name: name.trim() }), 400);
    return () => clearTimeout(t);
  }, [name, view.name, onChange]);
  const filtered = view.states.length > 0 || view.user || view.name || view.labels.length > 0;

  return (
    <Group align="flex-end" gap="sm" wrap="wrap">
      <MultiSelect
        label="State"
        placeholder={view.states.length ? undefined : "Any state"}
        data={JOB_STATES.map((s) => ({ value: s, label: STATE_LABELS[s] }))}
        value={view.states}
        onChange={(states) => onChange({ states })}
        clearable
        w={{ base: "100%", xs: 240 }}
      />
      <Select
        label="User"
        placeholder="Anyone"
        data={[{ value: "me", label: "Me" }, ...users.map((u) => ({ value: u.name, label: u.name }))]}
        value={view.user || null}
        onChange={(user) => onChange({ user: user ?? "" })}
        clearable
        searchable
        w={{ base: "100%", xs: 170 }}
      />
      <TextInput label="Name" placeholder="Exact job name" value={name} onChange={(e) => setName(e.currentTarget.value)} w={{ base: "100%", xs: 180 }} />
      <TagsInput
        label="Labels"
        placeholder={view.labels.length ? undefined : "key=value, Enter"}
        value={view.labels}
        onChange={(labels) => onChange({ labels: labels.filter((l) => /^[^=]+=/.test(l)) })}
        w={{ base: "100%", xs: 220 }}
      />
      {filtered && (
        <Button variant="subtle" leftSection={<IconFilterOff size={16} aria-hidden />} onClick={() => onChange({ states: [], user: "", name: "", labels: [] })}>
          Clear filters
        </Button>
      )}
    </Group>
  );
}
