// Writing a value into MLflow's filter language, for the CLI and Plinth's own API alike.

/** A text as a value in MLflow's filter language: single quotes, or double when it holds a single one; undefined when it holds both (nothing escapes a quote). */
export function quoteFilterValue(text: string): string | undefined {
  if (!text.includes("'")) return `'${text}'`;
  if (!text.includes('"')) return `"${text}"`;
  return undefined;
}
