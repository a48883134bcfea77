import type { Readable } from "node:stream";
import { TableFormatError } from "./errors.ts";
import type { ByteSource, ColumnProfile, ColumnType, TableProfile } from "./types.ts";

// CSV and TSV files, read as a stream in constant memory: an RFC 4180 tokenizer (quoted
// fields, "" inside quotes, newlines inside quotes, CRLF, LF or CR line ends, a UTF-8 byte
// order mark) that hands each cell's bytes to a sink without making a string of it, and the
// sink that profiles a table (columns, types, rows, nulls).
//
// Rules, chosen to agree with what pandas.read_csv makes of the same file (that is how most
// jobs will read it):
// - The first non-blank line is the header; blank lines are skipped everywhere.
// - Missing values (counted as nulls): an empty cell, and pandas' default NA strings:
//   NA, N/A, n/a, NULL, null, NaN, nan, -NaN, -nan, None, <NA>, #N/A, #N/A N/A, #NA,
//   -1.#IND, -1.#QNAN, 1.#IND, 1.#QNAN. Quoting does not change that ("" is missing too).
// - A column's type is the narrowest that every non-missing value fits: integer (a sign and
//   digits) ⊂ float (decimals, exponents, inf/infinity); boolean (true/false as True, TRUE,
//   true…); date (YYYY-MM-DD) ⊂ timestamp (ISO 8601: a date, then T or a space, HH:MM,
//   optional :SS and fraction, optional Z or ±HH[:MM]); anything else is string. A column
//   with no value at all is string. Spaces around a value do not change its type; a value
//   over 256 bytes is always string.

export const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const TAB = 0x09;

/** Cells longer than this keep only their first bytes (and are flagged as long). */
const MAX_KEPT_CELL = 64 * 1024;
/** A value longer than this is a string, whatever it looks like. */
const MAX_TYPED_CELL = 256;

export function delimiterFor(path: string): number {
  return path.toLowerCase().endsWith(".tsv") ? TAB : COMMA;
}

// What kinds of bytes a cell holds, OR-ed together while the tokenizer scans it: enough to
// tell most integers and strings apart without looking at the cell again.
export const K_DIGIT = 1;
export const K_DOT = 2;
/** + or - */
export const K_SIGN = 4;
/** e or E */
export const K_E = 8;
/** A space or a tab. */
export const K_SPACE = 16;
export const K_OTHER = 32;
/** The cell was longer than MAX_KEPT_CELL and only its start was kept. */
export const K_LONG = 64;
/** The delimiter, CR or LF (only in the tokenizer's own table). */
const K_STOP = 128;

const KINDS = new Uint8Array(256).fill(K_OTHER);
for (let c = 0x30; c <= 0x39; c++) KINDS[c] = K_DIGIT;
KINDS[0x2e] = K_DOT;
KINDS[0x2b] = K_SIGN;
KINDS[0x2d] = K_SIGN;
KINDS[0x65] = K_E;
KINDS[0x45] = K_E;
KINDS[0x20] = K_SPACE;
KINDS[TAB] = K_SPACE;

/** The kinds of bytes in bytes[start, end). */
export function cellKinds(b: Buffer, start: number, end: number): number {
  let kinds = 0;
  for (let i = start; i < end; i++) kinds |= KINDS[b[i]];
  return kinds;
}

/** Receives what the tokenizer finds; `record` returning false stops the reading. */
export interface CsvSink {
  /** One cell's content, quotes removed and `""` unescaped: bytes[start, end), with the K_* kinds of its bytes. */
  cell(bytes: Buffer, start: number, end: number, kinds: number): void;
  /** The end of a record of `fields` cells that began on physical line `line` (1-based). */
  record(fields: number, line: number): boolean;
}

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote ended the previous chunk inside a quoted cell: the next byte says whether it closed the cell or was doubled. */
const QUOTE_IN_QUOTED = 3;

/**
 * An incremental RFC 4180 tokenizer: `push` chunks in order, then `end`. The scan keeps its
 * state in local variables and hands cells that lie within one chunk to the sink as they
 * are; only a cell split between chunks, or one with a doubled quote, is copied.
 */
export class CsvTokenizer {
  private readonly file: string;
  private readonly delim: number;
  private readonly sink: CsvSink;
  /** K_* kinds of each byte, K_STOP for those that end an unquoted cell: the delimiter, CR and LF. */
  private readonly kinds = KINDS.slice();
  private state = FIELD_START;
  private fields = 0;
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private skipLF = false;
  private stopped = false;
  private bomChecked = false;
  private head: Buffer | null = null;
  private assembling = false;
  private cellBuf = Buffer.allocUnsafe(512);
  private cellLen = 0;
  private cellLong = false;

  constructor(file: string, delimiter: number, sink: CsvSink) {
    this.file = file;
    this.delim = delimiter;
    this.sink = sink;
    this.kinds[delimiter] = K_STOP;
    this.kinds[LF] = K_STOP;
    this.kinds[CR] = K_STOP;
  }

  /** Feeds the next chunk; false once the sink has asked to stop. */
  push(chunk: Buffer): boolean {
    if (this.stopped) return false;
    let buf = chunk;
    if (!this.bomChecked) {
      buf = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (buf.length < 3) {
        this.head = buf;
        return true;
      }
      this.head = null;
      this.bomChecked = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    this.scan(buf);
    return !this.stopped;
  }

  end(): void {
    if (this.stopped) return;
    if (!this.bomChecked && this.head) {
      const head = this.head;
      this.head = null;
      this.bomChecked = true;
      this.scan(head);
      if (this.stopped) return;
    }
    if (this.state === QUOTED) {
      throw new TableFormatError(
        this.file,
        `the quoted value that starts on line ${this.quoteLine} is never closed`,
        `A value that starts with a double quote must end with one; a double quote inside a quoted value is written twice (""). Check line ${this.quoteLine} and the lines after it.`,
      );
    }
    if (this.state === FIELD_START && this.fields === 0) return;
    this.flushCell();
    this.sink.record(this.fields + 1, this.recordLine);
    this.stopped = true;
  }

  private scan(buf: Buffer): void {
    const n = buf.length;
    const delim = this.delim;
    const table = this.kinds;
    const sink = this.sink;
    let state = this.state;
    let fields = this.fields;
    let line = this.line;
    let i = 0;
    if (this.skipLF) {
      this.skipLF = false;
      if (n > 0 && buf[0] === LF) i = 1;
    }
    let start = i;
    let c = 0;
    while (i < n) {
      if (state === FIELD_START) {
        c = buf[i];
        if (c === QUOTE) {
          state = QUOTED;
          this.quoteLine = line;
          start = ++i;
          continue;
        }
        if (fields === 0 && (c === LF || c === CR)) {
          // A blank line.
          line++;
          i = c === CR && i + 1 < n && buf[i + 1] === LF ? i + 2 : i + 1;
          if (c === CR && i === n) this.skipLF = true;
          this.recordLine = line;
          continue;
        }
        let j = i;
        let kinds = 0;
        while (j < n) {
          c = buf[j];
          const k = table[c];
          if (k === K_STOP) break;
          kinds |= k;
          j++;
        }
        if (j === n) {
          this.keep(buf, i, n);
          state = UNQUOTED;
          break;
        }
        sink.cell(buf, i, j, kinds);
        i = j;
      } else if (state === QUOTED) {
        let j = i;
        while (j < n) {
          c = buf[j];
          if (c === QUOTE) break;
          if (c === LF) line++;
          j++;
        }
        if (j + 1 >= n) {
          // The cell goes on in the next chunk, or its quote is the chunk's last byte.
          this.keep(buf, start, j);
          if (j < n) state = QUOTE_IN_QUOTED;
          break;
        }
        c = buf[j + 1];
        if (c === QUOTE) {
          this.keep(buf, start, j + 1);
          i = j + 2;
          start = i;
          continue;
        }
        const stop = table[c] === K_STOP;
        if (this.assembling) {
          this.keep(buf, start, j);
          if (stop) this.flushCell();
        } else if (stop) {
          sink.cell(buf, start, j, cellKinds(buf, start, j));
        } else {
          this.keep(buf, start, j);
        }
        i = j + 1;
        if (!stop) {
          // Text after the closing quote belongs to the same value, as pandas reads it.
          state = UNQUOTED;
          start = i;
          continue;
        }
      } else if (state === UNQUOTED) {
        let j = i;
        while (j < n) {
          c = buf[j];
          if (table[c] === K_STOP) break;
          j++;
        }
        this.keep(buf, start, j);
        if (j === n) break;
        this.flushCell();
        i = j;
      } else {
        c = buf[i];
        if (c === QUOTE) {
          this.keep(buf, i, i + 1);
          state = QUOTED;
          start = ++i;
          continue;
        }
        if (table[c] !== K_STOP) {
          state = UNQUOTED;
          start = i;
          continue;
        }
        this.flushCell();
      }
      // A cell has ended; c = buf[i] is the delimiter or line end after it.
      state = FIELD_START;
      if (c === delim) {
        fields++;
        i++;
        continue;
      }
      if (!sink.record(fields + 1, this.recordLine)) {
        this.stopped = true;
        break;
      }
      fields = 0;
      line++;
      if (c === CR && i + 1 === n) this.skipLF = true;
      i = c === CR && i + 1 < n && buf[i + 1] === LF ? i + 2 : i + 1;
      this.recordLine = line;
    }
    this.state = state;
    this.fields = fields;
    this.line = line;
  }

  /** Hands the assembled cell (or an empty one) to the sink. */
  private flushCell(): void {
    this.sink.cell(this.cellBuf, 0, this.cellLen, cellKinds(this.cellBuf, 0, this.cellLen) | (this.cellLong ? K_LONG : 0));
    this.assembling = false;
    this.cellLen = 0;
    this.cellLong = false;
  }

  /** Appends bytes[start, end) to the cell being assembled, up to MAX_KEPT_CELL. */
  private keep(buf: Buffer, start: number, end: number): void {
    this.assembling = true;
    const take = Math.min(end - start, MAX_KEPT_CELL - this.cellLen);
    if (take < end - start) this.cellLong = true;
    if (take <= 0) return;
    if (this.cellLen + take > this.cellBuf.length) {
      const grown = Buffer.allocUnsafe(Math.min(MAX_KEPT_CELL, Math.max(this.cellBuf.length * 2, this.cellLen + take)));
      grown.set(this.cellBuf.subarray(0, this.cellLen));
      this.cellBuf = grown;
    }
    const cell = this.cellBuf;
    let o = this.cellLen;
    for (let k = start; k < start + take; k++) cell[o++] = buf[k];
    this.cellLen = o;
  }
}

/** Reads a whole stream through a tokenizer, stopping early when the sink asks. */
export async function tokenize(file: string, delimiter: number, stream: Readable, sink: CsvSink): Promise<void> {
  const tokenizer = new CsvTokenizer(file, delimiter, sink);
  try {
    for await (const chunk of stream) {
      if (!tokenizer.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer))) break;
    }
    tokenizer.end();
  } finally {
    stream.destroy();
  }
}

// --- Values -----------------------------------------------------------------------------

export const T_INTEGER = 1;
export const T_FLOAT = 2;
export const T_BOOLEAN = 4;
export const T_DATE = 8;
export const T_TIMESTAMP = 16;
export const T_ALL = 31;

const NA_STRINGS = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-NaN", "-nan", "None", "<NA>", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"];
/** Words as bytes, grouped by their length. */
function byLength(words: string[]): Buffer[][] {
  const groups: Buffer[][] = [];
  for (const word of words) {
    groups[word.length] ??= [];
    groups[word.length].push(Buffer.from(word, "latin1"));
  }
  return groups;
}

const NA_BY_LENGTH = byLength(NA_STRINGS);
/** 1 for the bytes an NA string can start with. */
const NA_FIRST = new Uint8Array(256);
for (const s of NA_STRINGS) if (s) NA_FIRST[s.charCodeAt(0)] = 1;

/** Whether bytes[start, end), of K_* `kinds`, is a missing value. */
export function isMissing(b: Buffer, start: number, end: number, kinds: number): boolean {
  const len = end - start;
  if (len === 0) return true;
  // Every NA string has a byte of kind K_OTHER.
  if (len > 8 || (kinds & K_OTHER) === 0 || NA_FIRST[b[start]] === 0) return false;
  return matchesAny(b, start, len, NA_BY_LENGTH[len]);
}

/** Whether bytes[start, start + len) equal one of `words` (all of length len). */
function matchesAny(b: Buffer, start: number, len: number, words: Buffer[] | undefined): boolean {
  if (!words) return false;
  outer: for (const word of words) {
    for (let k = 0; k < len; k++) if (word[k] !== b[start + k]) continue outer;
    return true;
  }
  return false;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const lower = (c: number) => c | 0x20;

/** Every type bytes[start, end), of K_* `kinds`, could be, as T_* bits (0: only a string). */
export function classify(b: Buffer, start: number, end: number, kinds: number): number {
  if (end - start > MAX_TYPED_CELL || kinds & K_LONG) return 0;
  if (kinds === K_DIGIT) return T_INTEGER | T_FLOAT;
  if (kinds === (K_DIGIT | K_DOT)) {
    let dots = 0;
    for (let i = start; i < end; i++) if (b[i] === 0x2e) dots++;
    return dots === 1 ? T_FLOAT : 0;
  }
  while (start < end && (b[start] === 0x20 || b[start] === TAB)) start++;
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === TAB)) end--;
  const len = end - start;
  if (len === 0 || len > MAX_TYPED_CELL) return 0;
  const c0 = b[start];
  if (isDigit(c0)) {
    if (len >= 10 && b[start + 4] === 0x2d) return classifyDate(b, start, end);
    return classifyNumber(b, start, end);
  }
  if (c0 === 0x2d || c0 === 0x2b || c0 === 0x2e) return classifyNumber(b, start, end);
  const l0 = lower(c0);
  if (l0 === 0x74 || l0 === 0x66) return classifyBoolean(b, start, len);
  if (l0 === 0x69) return classifyInfinity(b, start, end);
  return 0;
}

function classifyNumber(b: Buffer, start: number, end: number): number {
  let i = start;
  if (b[i] === 0x2d || b[i] === 0x2b) i++;
  if (i < end && lower(b[i]) === 0x69) return classifyInfinity(b, i, end);
  let digits = 0;
  while (i < end && isDigit(b[i])) {
    i++;
    digits++;
  }
  if (i === end) return digits > 0 ? T_INTEGER | T_FLOAT : 0;
  if (b[i] === 0x2e) {
    i++;
    while (i < end && isDigit(b[i])) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return 0;
  if (i < end && lower(b[i]) === 0x65) {
    i++;
    if (i < end && (b[i] === 0x2d || b[i] === 0x2b)) i++;
    const expStart = i;
    while (i < end && isDigit(b[i])) i++;
    if (i === expStart) return 0;
  }
  return i === end ? T_FLOAT : 0;
}

function classifyInfinity(b: Buffer, start: number, end: number): number {
  if (b[start] === 0x2d || b[start] === 0x2b) start++;
  const word = b.toString("latin1", start, end).toLowerCase();
  return word === "inf" || word === "infinity" ? T_FLOAT : 0;
}

const BOOLEANS = byLength(["true", "True", "TRUE", "false", "False", "FALSE"]);

function classifyBoolean(b: Buffer, start: number, len: number): number {
  return len <= 5 && matchesAny(b, start, len, BOOLEANS[len]) ? T_BOOLEAN : 0;
}

/** Two digits at i as a number, or -1. */
function two(b: Buffer, i: number): number {
  const x = b[i];
  const y = b[i + 1];
  return isDigit(x) && isDigit(y) ? (x - 0x30) * 10 + (y - 0x30) : -1;
}

function classifyDate(b: Buffer, start: number, end: number): number {
  if (!(isDigit(b[start + 1]) && isDigit(b[start + 2]) && isDigit(b[start + 3]) && b[start + 7] === 0x2d)) return 0;
  const month = two(b, start + 5);
  const day = two(b, start + 8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return 0;
  if (end - start === 10) return T_DATE | T_TIMESTAMP;
  const sep = b[start + 10];
  if (sep !== 0x54 && sep !== 0x20) return 0;
  let i = start + 11;
  if (end - i < 5 || b[i + 2] !== 0x3a) return 0;
  const hour = two(b, i);
  const minute = two(b, i + 3);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return 0;
  i += 5;
  if (i < end && b[i] === 0x3a) {
    const second = two(b, i + 1);
    if (i + 3 > end || second < 0 || second > 60) return 0;
    i += 3;
    if (i < end && (b[i] === 0x2e || b[i] === 0x2c)) {
      i++;
      const fracStart = i;
      while (i < end && isDigit(b[i])) i++;
      if (i === fracStart) return 0;
    }
  }
  if (i === end) return T_TIMESTAMP;
  if (b[i] === 0x5a) return i + 1 === end ? T_TIMESTAMP : 0;
  if (b[i] !== 0x2b && b[i] !== 0x2d) return 0;
  i++;
  const tzHour = two(b, i);
  if (tzHour < 0 || tzHour > 23) return 0;
  i += 2;
  if (i === end) return T_TIMESTAMP;
  if (b[i] === 0x3a) i++;
  const tzMinute = two(b, i);
  return tzMinute >= 0 && tzMinute <= 59 && i + 2 === end ? T_TIMESTAMP : 0;
}

/** The narrowest type of a column whose values fit every type in `mask`. */
export function typeOf(mask: number, sawValue: boolean): ColumnType {
  if (!sawValue) return "string";
  if (mask & T_INTEGER) return "integer";
  if (mask & T_FLOAT) return "float";
  if (mask & T_BOOLEAN) return "boolean";
  if (mask & T_DATE) return "date";
  if (mask & T_TIMESTAMP) return "timestamp";
  return "string";
}

// --- Header -----------------------------------------------------------------------------

/** Collects the header's names, checking that each is present and unique. */
export class HeaderReader {
  readonly names: string[] = [];
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  cell(bytes: Buffer, start: number, end: number): void {
    this.names.push(bytes.toString("utf8", start, end));
  }

  finish(line: number): string[] {
    const seen = new Map<string, number>();
    this.names.forEach((name, i) => {
      if (!name.trim()) {
        throw new TableFormatError(
          this.file,
          `column ${i + 1} of the header (line ${line}) has no name`,
          "The first line must name every column. Add the missing name, or remove the extra delimiter at the end of the header.",
        );
      }
      const before = seen.get(name);
      if (before !== undefined) {
        throw new TableFormatError(
          this.file,
          `the header (line ${line}) names the column '${name}' twice (columns ${before + 1} and ${i + 1})`,
          "Give every column its own name in the first line.",
        );
      }
      seen.set(name, i);
    });
    return this.names;
  }
}

export function raggedRow(file: string, line: number, fields: number, columns: number): TableFormatError {
  return new TableFormatError(
    file,
    `line ${line} has ${fields} ${fields === 1 ? "value" : "values"}, but the header has ${columns} ${columns === 1 ? "column" : "columns"}`,
    `Every row needs one value per column (an empty value is fine: a,,c). A value that contains the delimiter or a line break must be in double quotes. Check line ${line}.`,
  );
}

// --- Profile ----------------------------------------------------------------------------

class ProfileSink implements CsvSink {
  private readonly file: string;
  private header: HeaderReader | null;
  names: string[] = [];
  rows = 0;
  private width = 0;
  private col = 0;
  /** Per column: the T_* types every value seen so far fits. */
  private masks = new Uint8Array(0);
  private nulls = new Float64Array(0);

  constructor(file: string) {
    this.file = file;
    this.header = new HeaderReader(file);
  }

  cell(bytes: Buffer, start: number, end: number, kinds: number): void {
    const col = this.col++;
    if (col >= this.width) {
      if (this.header) this.header.cell(bytes, start, end);
      return;
    }
    if (isMissing(bytes, start, end, kinds)) {
      this.nulls[col]++;
      return;
    }
    const mask = this.masks[col];
    if (mask !== 0) this.masks[col] = mask & classify(bytes, start, end, kinds);
  }

  record(fields: number, line: number): boolean {
    this.col = 0;
    if (this.header) {
      this.names = this.header.finish(line);
      this.header = null;
      const n = this.names.length;
      this.width = n;
      this.masks = new Uint8Array(n).fill(T_ALL);
      this.nulls = new Float64Array(n);
      return true;
    }
    if (fields !== this.width) throw raggedRow(this.file, line, fields, this.width);
    this.rows++;
    return true;
  }

  columns(): ColumnProfile[] {
    if (this.header) {
      throw new TableFormatError(this.file, "the file is empty: there is no header line", "A CSV or TSV file starts with a line that names its columns.");
    }
    return this.names.map((name, i) => ({ name, type: typeOf(this.masks[i], this.nulls[i] < this.rows), nulls: this.nulls[i] }));
  }
}

/** Columns, types, rows and nulls of a CSV (or TSV) file, in one pass and constant memory. */
export async function profileCsv(file: string, source: ByteSource, delimiter = delimiterFor(file)): Promise<TableProfile> {
  const sink = new ProfileSink(file);
  await tokenize(file, delimiter, await source.stream(), sink);
  const columns = sink.columns();
  return { format: delimiter === TAB ? "tsv" : "csv", rows: sink.rows, columns };
}
