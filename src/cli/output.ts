import type { Problem } from "../core/errors.ts";
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

/**
 * A reader that stops early (`plinth jobs ls | head -1`) closes the pipe: that is the reader's
 * choice, not a failure, so the command ends at once and quietly, like `cat` or `ls` would.
 */
export function exitQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(0);
      throw err;
    });
  }
}

/** Prints an error as its title, each field error (path: message) and the hint; returns the exit code. */
export function reportError(err: unknown): number {
  const problem: Problem | undefined = err instanceof CliError ? err.problem : (err as { problem?: Problem } | null)?.problem;
  if (!(err instanceof CliError) && !problem) {
    process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
  const fields = problem?.errors ?? [];
  // With field errors the list says it all; the detail would repeat them.
  const message = fields.length ? problem!.title : err instanceof CliError ? err.message : `${problem!.title}${problem!.detail ? `: ${problem!.detail}` : ""}`;
  process.stderr.write(`error: ${message}\n`);
  for (const e of fields) process.stderr.write(`  ${e.path.replace(/^body\./, "")}: ${e.message}\n`);
  const hint = err instanceof CliError ? err.hint : problem!.hint;
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  return err instanceof CliError ? err.exitCode : 2;
}
