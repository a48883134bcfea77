import { Code, NativeSelect, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { namedEnvironmentsQuery } from "../../api/queries";
import { imagesQuery, shortId } from "../environments/images";
import type { FieldProps } from "./SchemaForm";

// `environment` is a named environment of the job's team (`pytorch`, `pytorch@3`), a container
// image (`{image: NAME}`) or an object of packages; the form offers the team's named ones and
// the server's images, and shows packages a job it starts from named (a file or `plinth run`
// says those best).

const NONE = "";
/** Images' choices carry this prefix: named environments' names never hold a colon. */
const IMAGE = "image:";

const imageOf = (value: unknown): string | undefined =>
  value !== null && typeof value === "object" && typeof (value as { image?: unknown }).image === "string" ? (value as { image: string }).image : undefined;

export function EnvironmentWidget({ field, team }: { field: FieldProps; team: string }) {
  const named = useQuery(namedEnvironmentsQuery);
  const images = useQuery(imagesQuery);
  const ours = (named.data?.items ?? []).filter((e) => e.team === team);
  const available = images.data?.items ?? [];
  const value = field.value;
  const image = imageOf(value);
  const chosen = typeof value === "string" ? value : image !== undefined ? IMAGE + image : NONE;
  // Every name an image has runs it: each is offered, as `podman images` lists them.
  const imageChoices = available.flatMap((i) => (i.names.length > 0 ? i.names : [i.reference]).map((name) => ({ value: IMAGE + name, label: `image ${name} (${shortId(i.id)})` })));
  // An image or a version a job this form starts from named, or a name no longer there, stays offered.
  if (image !== undefined && !imageChoices.some((o) => o.value === chosen)) imageChoices.push({ value: chosen, label: `image ${image}` });
  const options = [
    { value: NONE, label: "None: the machine's own Python" },
    ...ours.map((e) => ({ value: e.name, label: `${e.name} (latest, v${e.latest.version}: ${e.latest.packages.join(", ")})` })),
    ...(typeof value === "string" && !ours.some((e) => e.name === value) ? [{ value, label: value }] : []),
    ...(imageChoices.length > 0 ? [{ group: "Container images", items: imageChoices }] : []),
  ];
  const description =
    image !== undefined
      ? `The job runs in container image ${image}, with the software it holds, pinned to the image's id when submitted.`
      : ours.length > 0
        ? `A named environment of team ${team}, built once and shared by the jobs that use it${available.length > 0 ? ", or a container image on the server" : ""}.`
        : `Team ${team} has no named environments yet (a team admin publishes one with \`plinth env publish\`)${available.length > 0 ? "; a container image on the server can be chosen instead" : ""}; without one the job runs with the machine's Python.`;
  const onChange = (next: string) => field.onChange(field.path, next === NONE ? undefined : next.startsWith(IMAGE) ? { image: next.slice(IMAGE.length) } : next);
  return (
    <Stack gap={4}>
      <NativeSelect
        label="Environment"
        description={description}
        data={options}
        value={chosen}
        error={field.error}
        data-path={field.path}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
      {value !== null && typeof value === "object" && image === undefined && (
        <Text size="sm" data-testid="environment-packages">
          This job names its own packages: <Code>{JSON.stringify(value)}</Code>. Choosing an environment above replaces them.
        </Text>
      )}
    </Stack>
  );
}
