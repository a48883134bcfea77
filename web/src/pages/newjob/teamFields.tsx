import { NativeSelect, Text } from "@mantine/core";
import { type Visibility, VISIBILITY_TEXT } from "../../components/Visibility";
import type { FieldProps } from "./SchemaForm";

// The job's team and who may see it: choices from the signed-in person's teams, each said in
// plain words, since they decide who reads the job's spec and log.

/**
 * The team a job belongs to, among those the person may add work to. With one choice the spec
 * leaves `team` out (the server picks that team); with several it names one.
 */
export function TeamWidget({ field, choices }: { field: FieldProps; choices: string[] }) {
  if (choices.length === 0) {
    return (
      <Text size="sm" c="var(--mantine-color-error)" data-path={field.path} data-testid="no-team">
        You are in no team where you may add work: a team's viewers see its work but add none. Ask a team's admin to make you a member (the Teams page lists them).
      </Text>
    );
  }
  const value = (field.value as string | undefined) ?? choices[0]!;
  return (
    <NativeSelect
      label="Team"
      description={`The job belongs to ${value}; ${value}'s admins may see and stop it.`}
      data={choices.includes(value) ? choices : [value, ...choices]}
      value={value}
      error={field.error}
      data-path={field.path}
      onChange={(e) => field.onChange(field.path, choices.length > 1 ? e.currentTarget.value : undefined)}
    />
  );
}

const ORDER: Visibility[] = ["team", "private", "public"];
const SHORT: Record<Visibility, string> = {
  team: "Team (default): everyone in its team",
  private: "Private: you and the team's admins",
  public: "Public: everyone signed in",
};

/** Who may see the job; `team`, the default, is left out of the spec. */
export function VisibilityWidget({ field, team }: { field: FieldProps; team: string }) {
  const value = (field.value as Visibility | undefined) ?? "team";
  return (
    <NativeSelect
      label="Who can see it"
      description={`${VISIBILITY_TEXT[value].who(team)} Whoever sees it also sees its environment variables.`}
      data={ORDER.map((v) => ({ value: v, label: SHORT[v] }))}
      value={value}
      error={field.error}
      data-path={field.path}
      onChange={(e) => field.onChange(field.path, e.currentTarget.value === "team" ? undefined : e.currentTarget.value)}
    />
  );
}
