import { profileCsv } from "./csv.ts";
import { profileParquet } from "./parquet.ts";
import type { ByteSource, TableProfile } from "./types.ts";

// Which files are tables, and what Plinth understands of them: called once per file when a
// version is created, its result stored with the file.

export { TableFormatError } from "./errors.ts";

export type TableFormat = TableProfile["format"];

/** The table format a path's extension names, or null for a file that is not a table. */
export function tableFormatOf(path: string): TableFormat | null {
  const name = path.toLowerCase();
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".tsv")) return "tsv";
  if (name.endsWith(".parquet") || name.endsWith(".pq")) return "parquet";
  return null;
}

/**
 * Columns, types, rows and nulls of a CSV, TSV or Parquet file; null for any other file.
 * Reads a CSV once as a stream and a Parquet file's footer (and, rarely, a column without
 * statistics), never the whole file at once. Throws TableFormatError for a malformed table.
 */
export async function profileTable(path: string, source: ByteSource): Promise<TableProfile | null> {
  const format = tableFormatOf(path);
  if (format === null) return null;
  if (format === "parquet") return profileParquet(path, source);
  return profileCsv(path, source);
}
