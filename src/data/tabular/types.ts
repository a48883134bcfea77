import type { Readable } from "node:stream";

// What Plinth understands of a tabular file (CSV, TSV, Parquet), computed once at upload
// without holding the file in memory, stored with the file, and checked against
// expectations at submit time without reading the bytes again.

/** Random access to one file's bytes: Parquet reads its footer, CSV streams from the start. */
export interface ByteSource {
  size: number;
  /** Bytes [start, end), end exclusive. */
  read(start: number, end: number): Promise<Buffer>;
  stream(): Promise<Readable>;
}

export const COLUMN_TYPES = ["integer", "float", "boolean", "string", "date", "timestamp", "binary", "other"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** Empty cells (CSV) or nulls (Parquet). */
  nulls: number;
}

export interface TableProfile {
  format: "csv" | "tsv" | "parquet";
  rows: number;
  columns: ColumnProfile[];
}

export interface TablePreview {
  columns: Array<{ name: string; type: ColumnType }>;
  /** The first rows, values as JSON (numbers, strings, booleans, null; dates as ISO text). */
  rows: unknown[][];
}
