import { TextInput } from "@mantine/core";

/** A one-line text field of the workspace forms: full width on a phone, `width` pixels beside others on a wider screen, nothing filled in by the browser. */
export function TextField(props: {
  label: string;
  description: string;
  placeholder?: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  width: number;
  required?: boolean;
  disabled?: boolean;
}) {
  return (
    <TextInput
      label={props.label}
      description={props.description}
      placeholder={props.placeholder}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      error={props.error}
      required={props.required}
      disabled={props.disabled}
      w={{ base: "100%", xs: props.width }}
      autoComplete="off"
    />
  );
}
