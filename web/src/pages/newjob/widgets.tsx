import { Autocomplete, NumberInput, SegmentedControl, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useRef, useState } from "react";
import { joinCommand, splitCommand } from "../../lib/shell";
import type { FieldProps, FormContext } from "./SchemaForm";

// Widgets for the job spec's fields whose type alone would make a poor input.

/** `command` (argv) or `script`: one choice, typed as a command line or a bash script. */
export function CommandWidget({ ctx, field }: { ctx: FormContext; field: FieldProps }) {
  const argv = (ctx.value.command as string[] | undefined) ?? [];
  const script = (ctx.value.script as string | undefined) ?? "";
  const [mode, setMode] = useState<"command" | "script">(script && argv.length === 0 ? "script" : "command");
  const [line, setLine] = useState(() => joinCommand(argv));
  const last = useRef(JSON.stringify(argv));
  if (JSON.stringify(argv) !== last.current) {
    last.current = JSON.stringify(argv);
    setLine(joinCommand(argv));
    if (argv.length) setMode("command");
  }
  const switchTo = (next: string) => {
    setMode(next as "command" | "script");
    // Carry what was typed across, so switching loses nothing.
    if (next === "script") {
      ctx.onChange("command", undefined);
      ctx.onChange("script", script || line);
    } else {
      ctx.onChange("script", undefined);
      const parsed = splitCommand(script || line);
      last.current = JSON.stringify(parsed);
      ctx.onChange("command", parsed);
    }
  };
  const commandError = ctx.errors.command ?? Object.entries(ctx.errors).find(([k]) => k.startsWith("command."))?.[1];
  return (
    <Stack gap={6}>
      <SegmentedControl
        value={mode}
        onChange={switchTo}
        data={[
          { value: "command", label: "Command" },
          { value: "script", label: "Bash script" },
        ]}
        w="fit-content"
        aria-label="Run a command or a script"
      />
      {mode === "command" ? (
        <TextInput
          label="Command"
          description={`${field.description ?? ""} Type it as in a terminal; quotes group words.`}
          placeholder="python3 train.py --epochs 10"
          required
          value={line}
          error={commandError}
          data-path="command"
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          onChange={(e) => {
            setLine(e.currentTarget.value);
            const parsed = splitCommand(e.currentTarget.value);
            last.current = JSON.stringify(parsed);
            ctx.onChange("command", parsed);
          }}
        />
      ) : (
        <Textarea
          label="Bash script"
          description="Runs with bash; use it for several commands, loops or pipes."
          placeholder={"set -e\npython3 prepare.py\npython3 train.py"}
          required
          autosize
          minRows={4}
          value={script}
          error={ctx.errors.script ?? commandError}
          data-path="script"
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          onChange={(e) => ctx.onChange("script", e.currentTarget.value)}
        />
      )}
    </Stack>
  );
}

/** GPU model pattern, suggesting the models this cluster has. */
export function GpuModelWidget({ field, models }: { field: FieldProps; models: string[] }) {
  return (
    <Autocomplete
      label="GPU model"
      description={field.description}
      placeholder={models.length ? `e.g. ${models[0]}` : "any model"}
      data={models}
      value={(field.value as string) ?? ""}
      error={field.error}
      data-path={field.path}
      onChange={(v) => field.onChange(field.path, v.trim() === "" ? undefined : v)}
    />
  );
}

/** `retries` accepts a count or a policy object; the form offers the count. */
export function RetriesWidget({ field }: { field: FieldProps }) {
  const v = field.value;
  const count = typeof v === "number" ? v : typeof v === "object" && v !== null ? ((v as { count?: number }).count ?? 0) : undefined;
  return (
    <NumberInput
      label="Retries"
      description="How many times to run it again if it is lost (for example when a machine restarts)."
      placeholder="0"
      min={0}
      max={20}
      allowDecimal={false}
      value={count ?? ""}
      error={field.error}
      data-path={field.path}
      onChange={(n) => field.onChange(field.path, n === "" ? undefined : Number(n))}
    />
  );
}

export function GpuSummary({ gpus }: { gpus: Array<{ model: string; memoryBytes: number }> }) {
  if (gpus.length === 0) return <Text size="sm">This cluster has no GPUs; ask for 0 GPUs.</Text>;
  const counts = new Map<string, number>();
  for (const g of gpus) {
    const key = `${g.model} (${Math.round(g.memoryBytes / 1024 ** 3)} GB)`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return (
    <Text size="sm">
      This cluster has{" "}
      {[...counts]
        .map(([k, n]) => `${n} × ${k}`)
        .join(", ")}
      .
    </Text>
  );
}
