import { CliError } from "./client.ts";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table; the last column is not padded. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "-";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function reportError(err: unknown): number {
  if (err instanceof CliError) {
    const fields = err.problem?.errors ?? [];
    // With field errors the list says it all; the detail would repeat the first one.
    process.stderr.write(`error: ${fields.length ? err.problem!.title : err.message}\n`);
    for (const e of fields) process.stderr.write(`  ${e.path.replace(/^body\./, "")}: ${e.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const problem = (err as { problem?: { title: string; detail?: string; hint?: string } }).problem;
  if (problem) {
    process.stderr.write(`error: ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}\n`);
    if (problem.hint) process.stderr.write(`hint: ${problem.hint}\n`);
    return 2;
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}
