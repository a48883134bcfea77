import { Fieldset, NumberInput, Select, Switch, TagsInput, Text, Textarea, TextInput } from "@mantine/core";
import { type ReactNode, useRef, useState } from "react";
import { branches, getAt, humanize, type JsonSchema, type SpecValue, typeOf } from "./jsonSchema";

// A form generated from a JSON Schema: each property becomes a Mantine input chosen by its
// type (numbers with their bounds, text, switches, choices, key=value lists, nested
// fieldsets). Fields that need more than their type says get a widget of their own by path.

export interface FieldProps {
  path: string;
  schema: JsonSchema;
  label: string;
  description?: string;
  value: unknown;
  error?: string;
  onChange: (path: string, value: unknown) => void;
}

export interface FormContext {
  value: SpecValue;
  errors: Record<string, string>;
  onChange: (path: string, value: unknown) => void;
  widgets: Record<string, (props: FieldProps) => ReactNode>;
  labels?: Record<string, string>;
  placeholders?: Record<string, string>;
  hidden?: Set<string>;
  /** Fields that take a whole row. */
  wide?: Set<string>;
  /** Property order per object path ("" for the top level); unlisted properties follow. */
  order?: Record<string, string[]>;
}

export function SchemaFields({ schema, path, ctx }: { schema: JsonSchema; path: string; ctx: FormContext }) {
  const props = schema.properties ?? {};
  const wanted = ctx.order?.[path] ?? [];
  const keys = [...wanted.filter((k) => k in props), ...Object.keys(props).filter((k) => !wanted.includes(k))];
  // Short inputs sit side by side; groups, lists and the command take a whole row.
  return (
    <div style={{ display: "grid", gap: "var(--mantine-spacing-md)", gridTemplateColumns: "repeat(auto-fill, minmax(min(100%, 14rem), 1fr))" }}>
      {keys.map((key) => {
        const p = path ? `${path}.${key}` : key;
        if (ctx.hidden?.has(p)) return null;
        const wide = ctx.wide?.has(p) || typeOf(props[key]!) === "object";
        return (
          <div key={p} style={{ gridColumn: wide ? "1 / -1" : undefined, minWidth: 0 }}>
            <SchemaField path={p} schema={props[key]!} ctx={ctx} />
          </div>
        );
      })}
    </div>
  );
}

export function SchemaField({ path, schema, ctx }: { path: string; schema: JsonSchema; ctx: FormContext }) {
  const key = path.split(".").pop()!;
  const field: FieldProps = {
    path,
    schema,
    label: ctx.labels?.[path] ?? schema.title ?? humanize(key),
    description: schema.description,
    value: getAt(ctx.value, path),
    error: errorAt(ctx.errors, path),
    onChange: ctx.onChange,
  };
  const widget = ctx.widgets[path];
  if (widget) return <>{widget(field)}</>;
  const placeholder = ctx.placeholders?.[path] ?? (schema.default !== undefined && typeof schema.default !== "object" ? String(schema.default) : undefined);
  const common = { label: field.label, description: field.description, error: field.error, placeholder, "data-path": path };
  const type = typeOf(schema);

  if (type === "object" && schema.properties) {
    return (
      <Fieldset legend={field.label} data-path={path}>
        {field.description && (
          <Text size="sm" c="dimmed" mb="xs">
            {field.description}
          </Text>
        )}
        {ctx.errors[path] && (
          <Text size="sm" c="var(--mantine-color-error)" mb="xs" role="alert">
            {ctx.errors[path]}
          </Text>
        )}
        <SchemaFields schema={schema} path={path} ctx={ctx} />
      </Fieldset>
    );
  }
  if (type === "object") return <KeyValueField {...field} placeholder={ctx.placeholders?.[path]} />;
  if (type === "array" && typeOf(schema.items ?? {}) === "string") {
    return <TagsInput {...common} value={(field.value as string[]) ?? []} onChange={(v) => ctx.onChange(path, v)} />;
  }
  if (type === "integer" || type === "number") {
    return (
      <NumberInput
        {...common}
        value={(field.value as number | undefined) ?? ""}
        min={schema.minimum ?? schema.exclusiveMinimum}
        max={schema.maximum ?? schema.exclusiveMaximum}
        allowDecimal={type === "number"}
        step={type === "integer" ? 1 : 0.5}
        onChange={(v) => ctx.onChange(path, v === "" ? undefined : Number(v))}
      />
    );
  }
  if (type === "boolean") {
    return <Switch label={field.label} description={field.description} error={field.error} checked={!!field.value} onChange={(e) => ctx.onChange(path, e.currentTarget.checked)} />;
  }
  if (schema.enum) {
    return <Select {...common} data={schema.enum.map(String)} value={(field.value as string) ?? null} onChange={(v) => ctx.onChange(path, v ?? undefined)} clearable />;
  }
  // Text, and unions that accept text (memory "8G" or bytes, durations "2h" or seconds).
  const accepts = branches(schema).map(typeOf);
  const numericOnly = !accepts.includes("string") && (accepts.includes("number") || accepts.includes("integer"));
  return (
    <TextInput
      {...common}
      value={field.value === undefined ? "" : String(field.value)}
      onChange={(e) => {
        const raw = e.currentTarget.value;
        ctx.onChange(path, raw.trim() === "" ? undefined : numericOnly && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw);
      }}
    />
  );
}

/** A record (env, labels) as KEY=value lines; the text is the user's, the record follows it. */
function KeyValueField({ path, label, description, value, error, onChange, placeholder }: FieldProps & { placeholder?: string }) {
  const record = (value as Record<string, string>) ?? {};
  const [text, setText] = useState(() => toLines(record));
  const committed = useRef(JSON.stringify(record));
  // A value set from outside (a job loaded for resubmitting) replaces the text.
  if (JSON.stringify(record) !== committed.current) {
    committed.current = JSON.stringify(record);
    setText(toLines(record));
  }
  return (
    <Textarea
      label={label}
      description={description ? `${description} One KEY=value per line.` : "One KEY=value per line."}
      error={error}
      placeholder={placeholder}
      value={text}
      autosize
      minRows={2}
      data-path={path}
      styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
      onChange={(e) => {
        const next = parseKeyValues(e.currentTarget.value);
        setText(e.currentTarget.value);
        committed.current = JSON.stringify(next);
        onChange(path, next);
      }}
    />
  );
}

function toLines(record: Record<string, string>): string {
  return Object.entries(record)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t) continue;
    const i = t.indexOf("=");
    if (i < 0) out[t] = "";
    else out[t.slice(0, i).trim()] = t.slice(i + 1);
  }
  return out;
}

/** The error for a field, or the first one about something inside it (a key of env, an item of command). */
export function errorAt(errors: Record<string, string>, path: string): string | undefined {
  if (errors[path]) return errors[path];
  const inner = Object.keys(errors).find((k) => k.startsWith(`${path}.`));
  return inner ? `${inner.slice(path.length + 1)}: ${errors[inner]}` : undefined;
}
