import { Button, Group, Paper, Stack, Text } from "@mantine/core";
import { IconFolderUp, IconUpload } from "@tabler/icons-react";
import { type DragEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { filesFromDrop, filesFromList, type Picked } from "./upload";

/**
 * A dashed box to drop files or folders on, with buttons that open the file and folder
 * pickers for those who do not drag (or use a keyboard). Folders keep their inner paths.
 */
export function DropZone({ onFiles, children, compact, testId }: { onFiles: (picked: Picked) => void; children?: ReactNode; compact?: boolean; testId?: string }) {
  const [over, setOver] = useState(false);
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  // A file dropped beside the box would make the browser open it and leave the portal.
  useEffect(() => {
    const ignore = (e: globalThis.DragEvent) => {
      if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
    };
    window.addEventListener("dragover", ignore);
    window.addEventListener("drop", ignore);
    return () => {
      window.removeEventListener("dragover", ignore);
      window.removeEventListener("drop", ignore);
    };
  }, []);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void filesFromDrop(e.dataTransfer).then((picked) => picked.files.length > 0 && onFiles(picked));
  };
  const pick = (input: HTMLInputElement | null) => {
    if (!input?.files || input.files.length === 0) return;
    onFiles(filesFromList(input.files));
    input.value = "";
  };
  return (
    <Paper
      withBorder
      p={compact ? "sm" : "lg"}
      data-testid={testId}
      data-dragging={over || undefined}
      onDragOver={(e: DragEvent) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        setOver(true);
      }}
      onDragLeave={(e: DragEvent) => {
        // Leaving for one of the box's own children is not leaving the box.
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={onDrop}
      style={{
        borderStyle: "dashed",
        borderWidth: 2,
        borderColor: over ? "var(--mantine-primary-color-filled)" : undefined,
        background: over ? "var(--mantine-primary-color-light)" : undefined,
      }}
    >
      <Stack gap="xs" align={compact ? "stretch" : "center"}>
        {children ?? (
          <Text ta="center" c="dimmed">
            Drop files or a folder here
          </Text>
        )}
        <Group gap="xs" justify={compact ? "flex-start" : "center"}>
          <Button variant="default" size="xs" leftSection={<IconUpload size={14} aria-hidden />} onClick={() => files.current?.click()}>
            Choose files
          </Button>
          <Button variant="default" size="xs" leftSection={<IconFolderUp size={14} aria-hidden />} onClick={() => folder.current?.click()}>
            Choose a folder
          </Button>
        </Group>
      </Stack>
      <input ref={files} type="file" multiple hidden aria-label="Files to upload" data-testid="upload-files-input" onChange={(e) => pick(e.currentTarget)} />
      <input
        ref={folder}
        type="file"
        multiple
        hidden
        aria-label="Folder to upload"
        // Chromium, Firefox and Safari all take a folder with this attribute.
        {...{ webkitdirectory: "" }}
        onChange={(e) => pick(e.currentTarget)}
      />
    </Paper>
  );
}
