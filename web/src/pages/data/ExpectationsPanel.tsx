import { Anchor, Button, Code, Group, List, Stack, Text, Textarea } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useMe } from "../../app/me";
import { ProblemAlert } from "../../components/ProblemAlert";
import { type DatasetDetail, patchDataset } from "./api";
import { mayWrite } from "./permissions";

// A dataset's expectations: rules every new version's tables must meet (and that jobs reading
// it are checked against at submit). Shown in plain words and as YAML; its writers edit the
// YAML here. The YAML library loads only on this tab.

const yamlLib = () => import("yaml");
const EXAMPLE = `files: "*.csv"
columns:
  species: string
  sepal_length: number
nonNull: [species]
rows: {min: 100}
`;

type Rules = Record<string, unknown> & {
  files?: string;
  columns?: Record<string, string>;
  nonNull?: string[];
  rows?: { min?: number; max?: number };
  sameColumnsAs?: { dataset: string; except?: string[] };
};

/** The rules in plain words, one line each. */
export function describeRules(r: Rules): string[] {
  const out: string[] = [];
  const where = !r.files || r.files === "**/*" ? "every table" : `every table matching ${r.files}`;
  for (const [column, type] of Object.entries(r.columns ?? {})) out.push(type === "any" ? `${where} has a column ${column}` : `${where} has a column ${column} of type ${type}`);
  if (r.nonNull?.length) out.push(`${r.nonNull.join(", ")} ${r.nonNull.length === 1 ? "has" : "have"} no empty cells`);
  if (r.rows?.min !== undefined && r.rows.max !== undefined) out.push(`${where} has ${r.rows.min} to ${r.rows.max} rows`);
  else if (r.rows?.min !== undefined) out.push(`${where} has at least ${r.rows.min} rows`);
  else if (r.rows?.max !== undefined) out.push(`${where} has at most ${r.rows.max} rows`);
  if (r.sameColumnsAs)
    out.push(`${where} has every column of ${r.sameColumnsAs.dataset}${r.sameColumnsAs.except?.length ? ` but ${r.sameColumnsAs.except.join(", ")}` : ""}, with the same types`);
  return out;
}

export function ExpectationsPanel({ d }: { d: DatasetDetail }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const write = mayWrite(me, d);
  const yaml = useQuery({ queryKey: ["yaml-lib"], queryFn: yamlLib, staleTime: Number.POSITIVE_INFINITY });
  const [draft, setDraft] = useState<string | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  const save = useMutation({
    // The server checks the rules and names what is wrong in them.
    mutationFn: (expectations: unknown) => patchDataset(d.team, d.name, { expectations: expectations as DatasetDetail["expectations"] }),
    onSuccess: () => {
      setDraft(null);
      void queryClient.invalidateQueries({ queryKey: ["datasets"] });
    },
  });
  const rules = d.expectations as Rules | null;
  const text = rules && yaml.data ? yaml.data.stringify(rules) : "";

  const submit = () => {
    if (!yaml.data || draft === null) return;
    setParseError(null);
    let parsed: unknown;
    try {
      parsed = draft.trim() === "" ? null : yaml.data.parse(draft);
    } catch (err) {
      setParseError(err instanceof Error ? err.message : String(err));
      return;
    }
    save.mutate(parsed);
  };

  return (
    <Stack gap="sm" maw={820}>
      <Text size="sm">
        Rules every new version's tables must meet. A push that breaks them is refused, naming the file, the column and the rule; a job that reads this dataset is checked
        at submit, before it waits in the queue.{" "}
        <Anchor component={Link} to="/guides/how-to/share-datasets">
          Writing expectations
        </Anchor>
      </Text>
      {draft === null ? (
        <>
          {rules ? (
            <>
              <List size="sm" data-testid="expectations-words">
                {describeRules(rules).map((line) => (
                  <List.Item key={line}>{line}</List.Item>
                ))}
              </List>
              {text && (
                <Code block data-testid="expectations-yaml">
                  {text}
                </Code>
              )}
            </>
          ) : (
            <Text c="dimmed" data-testid="expectations-none">
              None: any files are accepted.
            </Text>
          )}
          {write && (
            <Group>
              <Button variant="default" size="xs" disabled={!yaml.data} onClick={() => setDraft(rules ? text : EXAMPLE)}>
                {rules ? "Edit expectations" : "Add expectations"}
              </Button>
            </Group>
          )}
        </>
      ) : (
        <>
          <Textarea
            label="Expectations (YAML)"
            description="Leave it empty to remove every rule."
            autosize
            minRows={6}
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            error={parseError ? `Not valid YAML: ${parseError}` : undefined}
            data-testid="expectations-editor"
          />
          {save.error && <ProblemAlert error={save.error} />}
          <Group>
            <Button size="xs" loading={save.isPending} onClick={submit}>
              Save expectations
            </Button>
            <Button size="xs" variant="default" onClick={() => setDraft(null)}>
              Cancel
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
