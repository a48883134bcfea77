import { Alert, Button, Group, Modal, NativeSelect, Progress, SegmentedControl, Stack, Text, TextInput } from "@mantine/core";
import { IconCheck } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { teamsQuery } from "../../api/queries";
import { useMe } from "../../app/me";
import { ProblemAlert } from "../../components/ProblemAlert";
import { formatBytes, formatDuration } from "../../lib/format";
import { teamsToAddTo } from "../../lib/teams";
import { type DatasetFile, datasetPage, type PushResult, type Visibility } from "./api";
import { DropZone } from "./DropZone";
import { nameFrom, type Picked, type PickedFile, type Progress as UploadProgress, pushFiles } from "./upload";

const NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** The version a new one builds on: its number and files. */
export type UploadBase = { number: number; files: DatasetFile[] } | null;
/** Where the files go: a new dataset, or a new version of one (building on its latest files). */
export type UploadTarget = { kind: "new" } | { kind: "version"; team: string; name: string; base: UploadBase };

export function UploadDialog({ opened, onClose, target, initial }: { opened: boolean; onClose: () => void; target: UploadTarget; initial: Picked | null }) {
  return (
    <Modal opened={opened} onClose={onClose} title={target.kind === "new" ? "New dataset" : `New version of ${target.team}/${target.name}`} size="lg" closeButtonProps={{ "aria-label": "Close" }}>
      {/* A fresh form each time the dialog opens. */}
      {opened && <UploadForm target={target} initial={initial} onClose={onClose} />}
    </Modal>
  );
}

function UploadForm({ target, initial, onClose }: { target: UploadTarget; initial: Picked | null; onClose: () => void }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const teams = useQuery(teamsQuery);
  const choices = teamsToAddTo(me, (teams.data?.items ?? []).map((t) => t.name));
  const [files, setFiles] = useState<PickedFile[]>(initial?.files ?? []);
  const [name, setName] = useState(() => (initial ? nameFrom(initial.folder ?? initial.files[0]?.path.split("/")[0] ?? "") : ""));
  const [team, setTeam] = useState("");
  const [visibility, setVisibility] = useState<Visibility>("team");
  const [mode, setMode] = useState<"add" | "replace">("add");
  const [message, setMessage] = useState("");
  const [tag, setTag] = useState("");
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [result, setResult] = useState<{ team: string; name: string; push: PushResult } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const chosenTeam = target.kind === "version" ? target.team : team || choices[0] || "";
  const datasetName = target.kind === "version" ? target.name : name.trim();
  const nameError = target.kind === "new" && name !== "" && !NAME.test(name.trim()) ? "Lower-case letters, digits and . _ - only, starting with a letter or digit." : undefined;
  const busy = progress !== null && progress.phase !== "done" && error === null;

  const addFiles = (picked: Picked) => {
    setFiles((old) => {
      const byPath = new Map(old.map((f) => [f.path, f]));
      for (const f of picked.files) byPath.set(f.path, f);
      return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    });
    if (target.kind === "new" && name === "") setName(nameFrom(picked.folder ?? picked.files[0]?.path.split("/")[0] ?? ""));
  };

  const start = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || files.length === 0 || !datasetName || nameError) return;
    setError(null);
    setResult(null);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const push = await pushFiles({
        team: chosenTeam,
        name: datasetName,
        files,
        ...(target.kind === "version" && mode === "add" && target.base && { keep: target.base.files }),
        ...(message.trim() && { message: message.trim() }),
        ...(tag.trim() && { tags: [tag.trim()] }),
        ...(target.kind === "new" && { visibility }),
        onProgress: setProgress,
        signal: controller.signal,
      });
      setResult({ team: chosenTeam, name: datasetName, push });
      void queryClient.invalidateQueries({ queryKey: ["datasets"] });
    } catch (err) {
      if (!controller.signal.aborted) setError(err);
      else setProgress(null);
    }
  };

  const total = files.reduce((n, f) => n + f.file.size, 0);
  return (
    <form onSubmit={(e) => void start(e)} aria-label="Upload files">
      <Stack gap="sm">
        {target.kind === "new" && (
          <Group grow align="flex-start">
            <TextInput label="Dataset name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={nameError} placeholder="iris" disabled={busy} data-autofocus />
            <NativeSelect label="Team" data={choices} value={chosenTeam} onChange={(e) => setTeam(e.currentTarget.value)} disabled={busy} />
            <NativeSelect
              label="Who can read it"
              data={[
                { value: "team", label: "Its team" },
                { value: "private", label: "Only me (and team admins)" },
                { value: "public", label: "Everyone signed in" },
              ]}
              value={visibility}
              onChange={(e) => setVisibility(e.currentTarget.value as Visibility)}
              disabled={busy}
            />
          </Group>
        )}
        {target.kind === "version" && target.base && (
          <Stack gap={4}>
            <Text size="sm" fw={500} id="upload-mode-label">
              The new version holds
            </Text>
            <SegmentedControl
              aria-labelledby="upload-mode-label"
              value={mode}
              onChange={(v) => setMode(v as "add" | "replace")}
              disabled={busy}
              data={[
                { value: "add", label: `The files of v${target.base.number}, plus these` },
                { value: "replace", label: "Only these files" },
              ]}
            />
          </Stack>
        )}
        <DropZone onFiles={addFiles} compact testId="upload-dialog-drop">
          <Text size="sm" data-testid="upload-picked">
            {files.length === 0 ? "No files yet: drop files or a folder here, or choose them." : `${files.length} file${files.length === 1 ? "" : "s"}, ${formatBytes(total)}`}
          </Text>
          {files.length > 0 && (
            <Text size="xs" c="dimmed" ff="monospace" style={{ wordBreak: "break-all" }}>
              {files
                .slice(0, 5)
                .map((f) => f.path)
                .join(", ")}
              {files.length > 5 && `, and ${files.length - 5} more`}
            </Text>
          )}
        </DropZone>
        <Group grow align="flex-start">
          <TextInput label="What changed (optional)" value={message} onChange={(e) => setMessage(e.currentTarget.value)} placeholder="Added March's measurements" disabled={busy} />
          <TextInput label="Tag (optional)" value={tag} onChange={(e) => setTag(e.currentTarget.value)} placeholder="prod" description="An alias such as prod or candidate" disabled={busy} />
        </Group>
        {progress && <UploadStatus progress={progress} />}
        {error !== null && <ProblemAlert error={error} />}
        {result && <Done result={result} onClose={onClose} />}
        <Group justify="flex-end">
          {busy ? (
            <Button variant="default" onClick={() => abort.current?.abort()}>
              Cancel upload
            </Button>
          ) : (
            <Button variant="default" onClick={onClose}>
              {result ? "Close" : "Cancel"}
            </Button>
          )}
          {!result && (
            <Button type="submit" loading={busy} disabled={files.length === 0 || !datasetName || !!nameError} data-testid="upload-start">
              Upload
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}

const PHASE_TEXT = { hashing: "Reading the files", checking: "Asking the server which files it lacks", uploading: "Uploading", saving: "Creating the version", done: "Done" } as const;

/** Bytes sent, rate and time left, with a bar; and what happens before and after the upload. */
function UploadStatus({ progress: p }: { progress: UploadProgress }) {
  const percent = p.phase === "done" || p.phase === "saving" ? 100 : p.sendTotal > 0 ? Math.floor((p.sent / p.sendTotal) * 100) : p.phase === "uploading" ? 100 : 0;
  let line: string;
  if (p.phase === "hashing") line = `Reading the files: ${p.hashedFiles} of ${p.files} (${formatBytes(p.hashedBytes)} of ${formatBytes(p.totalBytes)})`;
  else if (p.sendFiles === 0 && p.phase !== "checking") line = "The server already has every file: nothing to send.";
  else if (p.phase === "checking") line = PHASE_TEXT.checking;
  else {
    const rate = p.rate > 0 ? ` at ${formatBytes(p.rate)}/s` : "";
    const eta = p.phase === "uploading" && p.eta !== null ? `, about ${formatDuration(p.eta * 1000)} left` : "";
    line = `${formatBytes(p.sent)} of ${formatBytes(p.sendTotal)} sent (${p.sentFiles} of ${p.sendFiles} file${p.sendFiles === 1 ? "" : "s"})${rate}${eta}`;
  }
  return (
    <Stack gap={4} data-testid="upload-status" data-phase={p.phase}>
      <Progress value={percent} aria-label="Upload progress" size="lg" data-testid="upload-progress" animated={p.phase !== "done"} striped={p.phase !== "done"} />
      <Text size="sm" aria-live="polite">
        {p.phase === "saving" ? `${line}. ${PHASE_TEXT.saving}…` : line}
      </Text>
    </Stack>
  );
}

function Done({ result, onClose }: { result: { team: string; name: string; push: PushResult }; onClose: () => void }) {
  const v = result.push.version!;
  return (
    <Alert color="green" variant="light" icon={<IconCheck aria-hidden />} title={result.push.created ? `Created v${v.number} of ${result.team}/${result.name}` : `Nothing changed: these files are v${v.number} already`} data-testid="upload-done">
      <Button component={Link} to={datasetPage(result.team, result.name, v.number)} size="xs" variant="light" onClick={onClose}>
        Open v{v.number}
      </Button>
    </Alert>
  );
}
