import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from "node:zlib";
import type { AsyncBuffer, Compressors, FileMetaData, SchemaTree } from "hyparquet";
import { parquetMetadataAsync, parquetRead, parquetReadObjects, parquetSchema } from "hyparquet";
import { TableFormatError } from "./errors.ts";
import type { ByteSource, ColumnProfile, ColumnType, TablePreview, TableProfile } from "./types.ts";

// Parquet files, read through ranges of their bytes (never the whole file): the footer gives
// rows, columns and types, and the column chunks' statistics give nulls. A column chunk
// written without statistics is read (one row group at a time) to count its nulls; a preview
// reads only the row groups that hold its rows.
//
// Types, from the physical type and its logical (or legacy converted) annotation:
// INT32/INT64 → integer, unless DATE (date), TIMESTAMP (timestamp), TIME (other) or DECIMAL
// (float); INT96 → timestamp (Spark's and Impala's legacy timestamps); FLOAT, DOUBLE,
// DECIMAL, FLOAT16 → float; BOOLEAN → boolean; BYTE_ARRAY as STRING/UTF8, ENUM, JSON or UUID
// → string; any other BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY → binary; INTERVAL, geometry,
// lists, maps, structs and variants → other (named by their top-level column).

const MAGIC = "PAR1";
/** Enough for most footers in one read; hyparquet reads the rest when a footer is bigger. */
const FOOTER_FETCH = 16 * 1024;

/** Codecs beyond snappy (which hyparquet reads itself), from Node's zlib. */
const COMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  ZSTD: (input) => zstdDecompressSync(input),
};

interface OpenParquet {
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  /** Top-level columns. */
  columns: SchemaTree[];
}

const NOT_PARQUET_HINT = "Check that this is a Parquet file (pandas: df.to_parquet('data.parquet')); a file of another format needs its own extension, such as .csv.";
const TRUNCATED_HINT = "The file looks cut short or damaged: upload the complete file again, or write it again from its source.";

/** Runs `read` on an opened file; failures of the bytes themselves become TableFormatError, failures of the store pass through. */
async function withParquet<T>(file: string, source: ByteSource, use: (pq: OpenParquet) => Promise<T>): Promise<T> {
  let storeError: { error: unknown } | null = null;
  const read = async (start: number, end: number): Promise<Buffer> => {
    try {
      return await source.read(start, end);
    } catch (error) {
      storeError = { error };
      throw error;
    }
  };
  const buffer: AsyncBuffer = {
    byteLength: source.size,
    slice: async (start, end = source.size) => {
      const bytes = await read(start, end);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  try {
    await checkMarkers(file, source.size, read);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer, { initialFetchSize: Math.min(FOOTER_FETCH, source.size) });
    } catch (error) {
      if (storeError) throw error;
      throw new TableFormatError(file, `its footer (the description of the table at the end of the file) cannot be read: ${messageOf(error)}`, TRUNCATED_HINT);
    }
    return await use({ buffer, metadata, columns: parquetSchema(metadata).children });
  } catch (error) {
    if (storeError || error instanceof TableFormatError) throw error;
    throw new TableFormatError(file, `cannot be read as Parquet: ${messageOf(error)}`, readHint(error));
  }
}

async function checkMarkers(file: string, size: number, read: (start: number, end: number) => Promise<Buffer>): Promise<void> {
  if (size < 12) throw new TableFormatError(file, `is too short to be a Parquet file (${size} bytes)`, NOT_PARQUET_HINT);
  const head = (await read(0, 4)).toString("latin1");
  if (head !== MAGIC) throw new TableFormatError(file, "does not start with the Parquet marker PAR1, so it is not a Parquet file", NOT_PARQUET_HINT);
  const tail = await read(size - 8, size);
  const marker = tail.toString("latin1", 4, 8);
  if (marker === "PARE") {
    throw new TableFormatError(file, "is an encrypted Parquet file", "Plinth reads only unencrypted Parquet: write the file without encryption to have it checked and previewed.");
  }
  if (marker !== MAGIC) throw new TableFormatError(file, "does not end with the Parquet marker PAR1: the file is truncated or damaged", TRUNCATED_HINT);
  const footerLength = tail.readUInt32LE(0);
  if (footerLength > size - 12) {
    throw new TableFormatError(file, `says its footer is ${footerLength} bytes long, more than the file holds: the file is truncated or damaged`, TRUNCATED_HINT);
  }
}

/** What the Parquet reader said went wrong, or a plain word when it failed without saying. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith("parquet ") ? message.slice("parquet ".length) : "its bytes do not decode";
}

function readHint(error: unknown): string {
  const codec = /unsupported compression codec: (\w+)/.exec(messageOf(error))?.[1];
  if (codec) return `Plinth reads Parquet compressed with snappy, gzip, brotli or zstd, not ${codec}: write the file again with one of those (pyarrow: compression="zstd").`;
  return TRUNCATED_HINT;
}

/** The type of a top-level column. */
export function parquetColumnType(column: SchemaTree): ColumnType {
  const { element } = column;
  if (column.children.length > 0 || element.repetition_type === "REPEATED") return "other";
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  if (logical === "DECIMAL" || converted === "DECIMAL" || logical === "FLOAT16") return "float";
  if (logical === "DATE" || converted === "DATE") return "date";
  if (logical === "TIMESTAMP" || converted === "TIMESTAMP_MILLIS" || converted === "TIMESTAMP_MICROS") return "timestamp";
  if (logical === "TIME" || converted === "TIME_MILLIS" || converted === "TIME_MICROS" || logical === "INTERVAL" || converted === "INTERVAL") return "other";
  if (logical === "GEOMETRY" || logical === "GEOGRAPHY" || logical === "VARIANT") return "other";
  switch (element.type) {
    case "BOOLEAN":
      return "boolean";
    case "INT32":
    case "INT64":
      return "integer";
    case "INT96":
      return "timestamp";
    case "FLOAT":
    case "DOUBLE":
      return "float";
    default:
      if (logical === "STRING" || logical === "ENUM" || logical === "JSON" || logical === "UUID") return "string";
      if (converted === "UTF8" || converted === "ENUM" || converted === "JSON") return "string";
      return "binary";
  }
}

/** Rows, columns, types and nulls of a Parquet file, from its footer. */
export async function profileParquet(file: string, source: ByteSource): Promise<TableProfile> {
  return withParquet(file, source, async (pq) => {
    const columns: ColumnProfile[] = [];
    for (const column of pq.columns) {
      columns.push({ name: column.element.name, type: parquetColumnType(column), nulls: await countNulls(pq, column) });
    }
    return { format: "parquet", rows: Number(pq.metadata.num_rows), columns };
  });
}

/**
 * Nulls of a top-level column: the sum of its chunks' null_count statistics; a chunk without
 * them, and every chunk of a nested column (whose leaves count nulls at every level), is
 * read to count the rows where the column itself is null. A required column has none.
 */
async function countNulls(pq: OpenParquet, column: SchemaTree): Promise<number> {
  const { element } = column;
  if (element.repetition_type !== "OPTIONAL") return 0;
  const name = element.name;
  const nested = column.children.length > 0;
  let nulls = 0;
  let groupStart = 0;
  for (const group of pq.metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    const chunk = nested ? undefined : group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name);
    const counted = chunk?.meta_data?.statistics?.null_count;
    if (counted !== undefined) nulls += Number(counted);
    else if (groupRows > 0) nulls += await readNulls(pq, name, groupStart, groupStart + groupRows);
    groupStart += groupRows;
  }
  return nulls;
}

async function readNulls(pq: OpenParquet, name: string, rowStart: number, rowEnd: number): Promise<number> {
  let nulls = 0;
  await parquetRead({
    file: pq.buffer,
    metadata: pq.metadata,
    columns: [name],
    rowStart,
    rowEnd,
    compressors: COMPRESSORS,
    utf8: false,
    onChunk: (chunk) => {
      const from = Math.max(rowStart, chunk.rowStart);
      const to = Math.min(rowEnd, chunk.rowEnd);
      for (let row = from; row < to; row++) {
        const value = chunk.columnData[row - chunk.rowStart];
        if (value === null || value === undefined) nulls++;
      }
    },
  });
  return nulls;
}

/** The first `limit` rows, as JSON values. */
export async function previewParquet(file: string, source: ByteSource, limit: number): Promise<TablePreview> {
  return withParquet(file, source, async (pq) => {
    const columns = pq.columns.map((column) => ({ name: column.element.name, type: parquetColumnType(column) }));
    const rowEnd = Math.min(limit, Number(pq.metadata.num_rows));
    if (rowEnd <= 0) return { columns, rows: [] };
    const objects = await parquetReadObjects({ file: pq.buffer, metadata: pq.metadata, rowStart: 0, rowEnd, compressors: COMPRESSORS, utf8: false });
    const rows = objects.map((row) => columns.map((column) => jsonValue(row[column.name], column.type)));
    return { columns, rows };
  });
}

/** A value hyparquet decoded, as JSON: BigInt as a number when exact (else text), dates as ISO text, bytes as base64. */
export function jsonValue(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case "number":
      if (Object.is(value, -0)) return 0;
      return Number.isFinite(value) ? value : String(value);
    case "string":
    case "boolean":
      return value;
    case "object":
      break;
    default:
      return String(value);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    const iso = value.toISOString();
    return type === "date" ? iso.slice(0, 10) : iso;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (Array.isArray(value)) return value.map((item) => jsonValue(item, "other"));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonValue(item, "other")]));
}
