import { Code, NativeSelect, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { namedEnvironmentsQuery } from "../../api/queries";
import type { FieldProps } from "./SchemaForm";

// `environment` is a named environment of the job's team (`pytorch`, `pytorch@3`) or an object
// of packages; the form offers the team's named ones, and shows packages a job it starts from
// named (a file or `plinth run` says those best).

const NONE = "";

export function EnvironmentWidget({ field, team }: { field: FieldProps; team: string }) {
  const named = useQuery(namedEnvironmentsQuery);
  const ours = (named.data?.items ?? []).filter((e) => e.team === team);
  const value = field.value;
  const chosen = typeof value === "string" ? value : NONE;
  const options = [
    { value: NONE, label: "None: the machine's own Python" },
    ...ours.map((e) => ({ value: e.name, label: `${e.name} (latest, v${e.latest.version}: ${e.latest.packages.join(", ")})` })),
  ];
  // A version pinned by a job this form starts from, or a name the team no longer has, stays offered.
  if (chosen !== NONE && !options.some((o) => o.value === chosen)) options.push({ value: chosen, label: chosen });
  const description =
    ours.length > 0
      ? `A named environment of team ${team}, built once and shared by the jobs that use it.`
      : `Team ${team} has no named environments yet (a team admin publishes one with \`plinth env publish\`); the job runs with the machine's Python.`;
  return (
    <Stack gap={4}>
      <NativeSelect
        label="Environment"
        description={description}
        data={options}
        value={chosen}
        error={field.error}
        data-path={field.path}
        onChange={(e) => field.onChange(field.path, e.currentTarget.value === NONE ? undefined : e.currentTarget.value)}
      />
      {value !== null && typeof value === "object" && (
        <Text size="sm" data-testid="environment-packages">
          This job names its own packages: <Code>{JSON.stringify(value)}</Code>. Choosing an environment above replaces them.
        </Text>
      )}
    </Stack>
  );
}
