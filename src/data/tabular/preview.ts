import { type CsvSink, classify, delimiterFor, HeaderReader, isMissing, raggedRow, T_ALL, T_BOOLEAN, T_FLOAT, T_INTEGER, tokenize, typeOf } from "./csv.ts";
import { TableFormatError } from "./errors.ts";
import { previewParquet } from "./parquet.ts";
import { tableFormatOf } from "./profile.ts";
import type { ByteSource, ColumnType, TablePreview, TableProfile } from "./types.ts";

// The first rows of a table, as JSON values, for the preview API and the portal's table.
// CSV stops reading after those rows; Parquet reads only the row groups that hold them.

/** Most rows a preview returns, whatever is asked. */
export const MAX_PREVIEW_ROWS = 1000;

export interface PreviewOptions {
  /** The file's stored profile: its column types then type the values (else they are inferred from the rows shown). */
  profile?: TableProfile | null;
}

export async function previewTable(path: string, source: ByteSource, limit = 50, options: PreviewOptions = {}): Promise<TablePreview> {
  const rows = Math.max(0, Math.min(MAX_PREVIEW_ROWS, Math.floor(limit)));
  const format = tableFormatOf(path);
  if (format === "parquet") return previewParquet(path, source, rows);
  if (format === null) {
    throw new TableFormatError(path, "is not a table Plinth can show", "Previews are for CSV (.csv), TSV (.tsv) and Parquet (.parquet, .pq) files.");
  }
  return previewCsv(path, source, rows, options.profile ?? null);
}

interface RawCell {
  text: string | null;
  /** T_* types the value fits (0 for text). */
  fits: number;
}

class PreviewSink implements CsvSink {
  private readonly file: string;
  private readonly limit: number;
  private header: HeaderReader | null;
  names: string[] = [];
  readonly rows: RawCell[][] = [];
  private current: RawCell[] = [];

  constructor(file: string, limit: number) {
    this.file = file;
    this.limit = limit;
    this.header = new HeaderReader(file);
  }

  cell(bytes: Buffer, start: number, end: number, kinds: number): void {
    if (this.header) {
      this.header.cell(bytes, start, end);
      return;
    }
    if (isMissing(bytes, start, end, kinds)) this.current.push({ text: null, fits: T_ALL });
    else this.current.push({ text: bytes.toString("utf8", start, end), fits: classify(bytes, start, end, kinds) });
  }

  record(fields: number, line: number): boolean {
    if (this.header) {
      this.names = this.header.finish(line);
      this.header = null;
    } else {
      if (fields !== this.names.length) throw raggedRow(this.file, line, fields, this.names.length);
      this.rows.push(this.current);
      this.current = [];
    }
    return this.rows.length < this.limit;
  }
}

async function previewCsv(file: string, source: ByteSource, limit: number, profile: TableProfile | null): Promise<TablePreview> {
  const sink = new PreviewSink(file, limit);
  await tokenize(file, delimiterFor(file), await source.stream(), sink);
  if (sink.names.length === 0) {
    throw new TableFormatError(file, "the file is empty: there is no header line", "A CSV or TSV file starts with a line that names its columns.");
  }
  const columns = sink.names.map((name, i) => {
    const known = profile?.columns[i];
    if (known && known.name === name) return { name, type: known.type };
    let mask = T_ALL;
    let sawValue = false;
    for (const row of sink.rows) {
      mask &= row[i].fits;
      sawValue ||= row[i].text !== null;
    }
    return { name, type: typeOf(mask, sawValue) };
  });
  return { columns, rows: sink.rows.map((row) => row.map((cell, i) => csvValue(cell, columns[i].type))) };
}

/** A CSV cell as the JSON value of its column's type; text where it does not fit. */
function csvValue(cell: RawCell, type: ColumnType): unknown {
  const { text, fits } = cell;
  if (text === null) return null;
  if ((type === "integer" && fits & T_INTEGER) || (type === "float" && fits & T_FLOAT)) {
    const n = Number(text);
    return Number.isFinite(n) && (type === "float" || Number.isSafeInteger(n)) ? n : text;
  }
  if (type === "boolean" && fits & T_BOOLEAN) return text.trim().toLowerCase() === "true";
  return text;
}
