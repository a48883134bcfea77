import { Badge, Button, CloseButton, Group, Modal, NativeSelect, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { IconTag, IconTrash } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ProblemAlert } from "../../components/ProblemAlert";
import { type DatasetDetail, type DatasetVersionDetail, datasetPage, patchDataset, removeAlias as untag, removeDataset, removeVersion, setAlias as pointTag, type Visibility } from "./api";
import { DATASET_VISIBILITY } from "./VisibilityText";

// What a dataset's writers (its owner, its team's admins, Keepers) change on its page: the
// description and who may read it, the tags that point at versions, and deleting.

function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["datasets"] });
}

/** The description, with an Edit button (and who may read it) for writers. */
export function DescriptionEditor({ d, editable }: { d: DatasetDetail; editable: boolean }) {
  const refresh = useRefresh();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(d.description);
  const [visibility, setVisibility] = useState<Visibility>(d.visibility);
  const save = useMutation({
    mutationFn: () => patchDataset(d.team, d.name, { description: text.trim(), ...(visibility !== d.visibility && { visibility }) }),
    onSuccess: async () => {
      await refresh();
      setEditing(false);
    },
  });
  if (!editing) {
    return (
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <Text size="sm" c={d.description ? undefined : "dimmed"} style={{ whiteSpace: "pre-wrap" }} data-testid="dataset-description">
          {d.description || "No description."}
        </Text>
        {editable && (
          <Button
            size="compact-xs"
            variant="subtle"
            onClick={() => {
              setText(d.description);
              setVisibility(d.visibility);
              setEditing(true);
            }}
          >
            Edit
          </Button>
        )}
      </Group>
    );
  }
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={onSubmit} aria-label="Edit the dataset">
      <Stack gap="xs" maw={720}>
        <Textarea label="Description" description="What it holds, where it comes from, how it was cleaned." autosize minRows={2} value={text} onChange={(e) => setText(e.currentTarget.value)} data-autofocus />
        <NativeSelect
          label="Who can read it"
          data={(Object.keys(DATASET_VISIBILITY) as Visibility[]).map((v) => ({ value: v, label: `${DATASET_VISIBILITY[v].label}: ${DATASET_VISIBILITY[v].who(d.team)}` }))}
          value={visibility}
          onChange={(e) => setVisibility(e.currentTarget.value as Visibility)}
        />
        {save.error && <ProblemAlert error={save.error} />}
        <Group gap="xs">
          <Button type="submit" size="xs" loading={save.isPending}>
            Save
          </Button>
          <Button size="xs" variant="default" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const TAG = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** Tag this version (a new tag, or one moved from another version), remove its tags, or delete it. */
export function AliasActions({ d, v }: { d: DatasetDetail; v: DatasetVersionDetail }) {
  const refresh = useRefresh();
  const navigate = useNavigate();
  const [tagging, setTagging] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [tag, setTag] = useState("");
  const trimmed = tag.trim();
  const tagError =
    trimmed === ""
      ? undefined
      : !TAG.test(trimmed)
        ? "Lower-case letters, digits and . _ - only."
        : trimmed === "latest"
          ? "latest always points at the newest version."
          : /^v\d+$/.test(trimmed)
            ? "v and a number is a version's own name."
            : undefined;
  const moving = trimmed && d.aliases[trimmed] !== undefined && d.aliases[trimmed] !== v.number ? d.aliases[trimmed] : undefined;
  const setAlias = useMutation({
    mutationFn: () => pointTag(d.team, d.name, trimmed, v.number),
    onSuccess: async () => {
      setTag("");
      await refresh();
    },
  });
  const removeAlias = useMutation({
    mutationFn: (alias: string) => untag(d.team, d.name, alias),
    onSuccess: () => refresh(),
  });
  const remove = useMutation({
    mutationFn: () => removeVersion(d.team, d.name, v.number),
    onSuccess: async () => {
      setDeleting(false);
      await refresh();
      navigate(datasetPage(d.team, d.name), { replace: true });
    },
  });
  const own = v.aliases.filter((a) => a !== "latest");
  return (
    <Group gap="xs">
      <Button size="xs" variant="default" leftSection={<IconTag size={14} aria-hidden />} onClick={() => setTagging(true)}>
        Tags
      </Button>
      <Button size="xs" variant="subtle" color="red" leftSection={<IconTrash size={14} aria-hidden />} onClick={() => setDeleting(true)}>
        Delete v{v.number}
      </Button>
      <Modal opened={tagging} onClose={() => setTagging(false)} title={`Tags of v${v.number}`} closeButtonProps={{ "aria-label": "Close" }}>
        <Stack gap="sm">
          <Text size="sm">A tag is a name for a version, such as prod or candidate: jobs and people then ask for {d.name}@prod. Moving it to another version changes what they get.</Text>
          {own.length === 0 ? (
            <Text size="sm" c="dimmed">
              This version has no tag.
            </Text>
          ) : (
            <Group gap={6}>
              {own.map((a) => (
                <Badge key={a} variant="outline" color="gray" tt="none" rightSection={<CloseButton size="xs" aria-label={`Remove tag ${a}`} onClick={() => removeAlias.mutate(a)} />}>
                  {a}
                </Badge>
              ))}
            </Group>
          )}
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (trimmed && !tagError) setAlias.mutate();
            }}
            aria-label="Tag this version"
          >
            <Group align="flex-end" gap="xs">
              <TextInput label="Tag" placeholder="prod" value={tag} onChange={(e) => setTag(e.currentTarget.value)} error={tagError} data-autofocus />
              <Button type="submit" loading={setAlias.isPending} disabled={!trimmed || !!tagError}>
                {moving ? `Move from v${moving}` : "Add tag"}
              </Button>
            </Group>
          </form>
          {(setAlias.error || removeAlias.error) && <ProblemAlert error={setAlias.error ?? removeAlias.error} />}
        </Stack>
      </Modal>
      <ConfirmDialog
        opened={deleting}
        title={`Delete v${v.number} of ${d.name}?`}
        confirm={`Delete v${v.number}`}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => remove.mutate()}
        onClose={() => setDeleting(false)}
        testId="confirm-delete-version"
      >
        <Text size="sm">
          Its file list goes; files no other version holds are removed from storage later. Jobs that already read it keep their copy; new jobs asking for {d.name}@v{v.number} are
          refused. Its tags go with it.
        </Text>
      </ConfirmDialog>
    </Group>
  );
}

/** Deleting the whole dataset, after asking. */
export function DeleteButtons({ d }: { d: DatasetDetail }) {
  const refresh = useRefresh();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: () => removeDataset(d.team, d.name),
    onSuccess: async () => {
      setOpen(false);
      navigate("/data", { replace: true });
      await refresh();
    },
  });
  return (
    <>
      <Button size="xs" color="red" variant="light" leftSection={<IconTrash size={14} aria-hidden />} onClick={() => setOpen(true)}>
        Delete dataset
      </Button>
      <ConfirmDialog
        opened={open}
        title={`Delete ${d.team}/${d.name}?`}
        confirm="Delete dataset"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => remove.mutate()}
        onClose={() => setOpen(false)}
        testId="confirm-delete-dataset"
      >
        <Text size="sm">
          All {d.versions.length} version{d.versions.length === 1 ? "" : "s"} go, with the tags and expectations. Files no other dataset holds are removed from storage later.
          Jobs that ask for {d.name} are refused from now on.
        </Text>
      </ConfirmDialog>
    </>
  );
}
