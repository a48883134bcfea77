import { readFileSync } from "node:fs";
import path from "node:path";
import type { SchemaElement, SchemaTree } from "hyparquet";
import { describe, expect, it } from "vitest";
import { TableFormatError } from "../../src/data/tabular/errors.ts";
import { parquetColumnType, profileParquet } from "../../src/data/tabular/parquet.ts";
import { previewTable } from "../../src/data/tabular/preview.ts";
import { profileTable } from "../../src/data/tabular/profile.ts";
import type { ByteSource } from "../../src/data/tabular/types.ts";
import { bufferSource, tableFormatError } from "../helpers/tabular.ts";

// The fixtures are written by test/fixtures/parquet/make.py (pyarrow); see its README.
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "../fixtures/parquet", name));

/** typed.parquet: ten rows, a column per kind of type, nulls where make.py puts them. */
const TYPED_COLUMNS = [
  { name: "id", type: "integer", nulls: 0 },
  { name: "small", type: "integer", nulls: 0 },
  { name: "count", type: "integer", nulls: 3 },
  { name: "big", type: "integer", nulls: 0 },
  { name: "score", type: "float", nulls: 4 },
  { name: "ratio", type: "float", nulls: 0 },
  { name: "price", type: "float", nulls: 0 },
  { name: "name", type: "string", nulls: 1 },
  { name: "flag", type: "boolean", nulls: 1 },
  { name: "day", type: "date", nulls: 0 },
  { name: "at", type: "timestamp", nulls: 0 },
  { name: "at_ms", type: "timestamp", nulls: 1 },
  { name: "blob", type: "binary", nulls: 0 },
  { name: "tags", type: "other", nulls: 1 },
  { name: "point", type: "other", nulls: 2 },
];


describe("profiling a Parquet file", () => {
  it("reads rows, columns, types and nulls from the footer's statistics", async () => {
    expect(await profileTable("typed.parquet", bufferSource(fixture("typed.parquet")))).toEqual({ format: "parquet", rows: 10, columns: TYPED_COLUMNS });
    expect(await profileTable("x/iris.PQ", bufferSource(fixture("iris.parquet")))).toEqual({
      format: "parquet",
      rows: 150,
      columns: [
        { name: "sepal_length", type: "float", nulls: 0 },
        { name: "sepal_width", type: "float", nulls: 0 },
        { name: "petal_length", type: "float", nulls: 0 },
        { name: "petal_width", type: "float", nulls: 0 },
        { name: "species", type: "string", nulls: 0 },
      ],
    });
  });

  it("counts the nulls of a file written without statistics by reading its columns", async () => {
    const source = bufferSource(fixture("no-stats.parquet"));
    expect(await profileParquet("no-stats.parquet", source)).toEqual({ format: "parquet", rows: 10, columns: TYPED_COLUMNS });
    // Each column chunk is read on its own range (after the footer, which is the whole of this small file).
    expect(source.reads.slice(3).every(([start, end]) => end - start < 1000)).toBe(true);
  });

  it("decompresses zstd and gzip pages with Node's zlib", async () => {
    expect((await profileParquet("zstd.parquet", bufferSource(fixture("zstd.parquet")))).columns).toEqual(TYPED_COLUMNS);
    expect((await profileParquet("gzip.parquet", bufferSource(fixture("gzip.parquet")))).columns).toEqual([
      { name: "id", type: "integer", nulls: 0 },
      { name: "name", type: "string", nulls: 1 },
      { name: "score", type: "float", nulls: 4 },
    ]);
  });

  it("reads legacy INT96 timestamps as timestamps, and a file with no rows", async () => {
    expect((await profileParquet("int96.parquet", bufferSource(fixture("int96.parquet")))).columns).toEqual([
      { name: "id", type: "integer", nulls: 0 },
      { name: "at", type: "timestamp", nulls: 0 },
    ]);
    const empty = await profileParquet("empty.parquet", bufferSource(fixture("empty.parquet")));
    expect(empty.rows).toBe(0);
    expect(empty.columns.map((c) => [c.name, c.type, c.nulls])).toEqual(TYPED_COLUMNS.map((c) => [c.name, c.type, 0]));
  });

  it("reads only the start marker and the end of the file", async () => {
    const bytes = fixture("noise.parquet");
    const source = bufferSource(bytes);
    expect(await profileParquet("noise.parquet", source)).toEqual({
      format: "parquet",
      rows: 2500,
      columns: [
        { name: "x", type: "float", nulls: 0 },
        { name: "k", type: "integer", nulls: 250 },
      ],
    });
    expect(source.reads[0]).toEqual([0, 4]);
    expect(source.reads.slice(1).every(([start]) => start >= bytes.length - 16 * 1024)).toBe(true);
    // The PAR1 at the start, the footer length and marker at the end, then the last 16 KiB.
    expect(source.bytesRead()).toBeLessThanOrEqual(4 + 8 + 16 * 1024);
  });

  it("maps physical and logical types", () => {
    const leaf = (element: Omit<SchemaElement, "name">): SchemaTree => ({ children: [], count: 1, path: ["c"], element: { name: "c", repetition_type: "OPTIONAL", ...element } });
    const cases: Array<[Omit<SchemaElement, "name">, string]> = [
      [{ type: "INT32", logical_type: { type: "TIME", isAdjustedToUTC: true, unit: "MILLIS" } }, "other"],
      [{ type: "INT64", converted_type: "TIMESTAMP_MILLIS" }, "timestamp"],
      [{ type: "INT32", converted_type: "DATE" }, "date"],
      [{ type: "INT64", logical_type: { type: "DECIMAL", precision: 18, scale: 2 } }, "float"],
      [{ type: "INT64", logical_type: { type: "INTEGER", bitWidth: 64, isSigned: false } }, "integer"],
      [{ type: "FIXED_LEN_BYTE_ARRAY", type_length: 2, logical_type: { type: "FLOAT16" } }, "float"],
      [{ type: "FIXED_LEN_BYTE_ARRAY", type_length: 16, logical_type: { type: "UUID" } }, "string"],
      [{ type: "FIXED_LEN_BYTE_ARRAY", type_length: 12, converted_type: "INTERVAL" }, "other"],
      [{ type: "FIXED_LEN_BYTE_ARRAY", type_length: 8 }, "binary"],
      [{ type: "BYTE_ARRAY", converted_type: "ENUM" }, "string"],
      [{ type: "BYTE_ARRAY", logical_type: { type: "JSON" } }, "string"],
      [{ type: "BYTE_ARRAY", logical_type: { type: "GEOMETRY" } }, "other"],
      [{ type: "BYTE_ARRAY" }, "binary"],
      [{ type: "INT32", repetition_type: "REPEATED" }, "other"],
    ];
    for (const [element, type] of cases) expect([element, parquetColumnType(leaf(element))]).toEqual([element, type]);
  });
});

describe("malformed Parquet", () => {
  const good = fixture("typed.parquet");

  it("refuses a file that does not start with PAR1", async () => {
    const e = await tableFormatError(() => profileTable("a.parquet", bufferSource(Buffer.concat([Buffer.from("PK\x03\x04"), good.subarray(4)]))));
    expect(e.file).toBe("a.parquet");
    expect(e.message).toBe("a.parquet: does not start with the Parquet marker PAR1, so it is not a Parquet file");
    expect(e.hint).toContain("to_parquet");
    expect((await tableFormatError(() => profileTable("a.parquet", bufferSource("id,x\n1,2\n3,4\n5,6\n")))).message).toContain("not a Parquet file");
    expect((await tableFormatError(() => profileTable("a.parquet", bufferSource("PAR1")))).message).toContain("too short to be a Parquet file (4 bytes)");
  });

  it("refuses a truncated file and a damaged footer", async () => {
    const cut = await tableFormatError(() => profileTable("a.parquet", bufferSource(good.subarray(0, good.length - 100))));
    expect(cut.message).toContain("truncated or damaged");
    expect(cut.hint).toContain("upload the complete file again");
    const length = Buffer.from(good.subarray(good.length - 8));
    length.writeUInt32LE(good.length, 0);
    expect((await tableFormatError(() => profileTable("a.parquet", bufferSource(Buffer.concat([good.subarray(0, good.length - 8), length]))))).message).toContain("says its footer is");
    const footerLength = good.readUInt32LE(good.length - 8);
    const zeroed = Buffer.from(good);
    zeroed.fill(0, good.length - 8 - footerLength, good.length - 8);
    expect((await tableFormatError(() => profileTable("a.parquet", bufferSource(zeroed)))).message).toContain("its footer");
  });

  it("refuses an encrypted file", async () => {
    const encrypted = Buffer.concat([good.subarray(0, good.length - 4), Buffer.from("PARE")]);
    expect((await tableFormatError(() => profileTable("a.parquet", bufferSource(encrypted)))).message).toContain("encrypted");
  });

  it("refuses damaged pages when it must read them", async () => {
    const damaged = Buffer.from(fixture("no-stats.parquet"));
    damaged.fill(0xff, 4, 2000);
    const e = await tableFormatError(() => profileTable("a.parquet", bufferSource(damaged)));
    expect(e.message).toMatch(/^a\.parquet: cannot be read as Parquet: /);
  });

  it("lets a failure of the store itself through unchanged", async () => {
    const failing: ByteSource = {
      size: good.length,
      read: async (start) => {
        if (start > 0) throw new Error("store unavailable");
        return good.subarray(0, 4);
      },
      stream: async () => {
        throw new Error("not used");
      },
    };
    await expect(profileTable("a.parquet", failing)).rejects.toThrow("store unavailable");
    await expect(profileTable("a.parquet", failing)).rejects.not.toBeInstanceOf(TableFormatError);
  });
});

describe("previewing a Parquet file", () => {
  it("gives the first rows as JSON: exact BigInts as numbers, others as text, dates as ISO text, bytes as base64", async () => {
    const preview = await previewTable("typed.parquet", bufferSource(fixture("typed.parquet")), 3);
    expect(preview.columns).toEqual(TYPED_COLUMNS.map(({ name, type }) => ({ name, type })));
    expect(preview.rows).toEqual([
      [0, -5, null, "4611686018427387904", null, 0, 0.05, "name 0", true, "2024-01-01", "2024-01-01T12:00:00.000Z", "2024-02-01T00:00:00.000Z", "AP8=", ["t0", "x"], { x: 0, y: 0 }],
      [1, -4, 1000, "4611686018427387905", 0.25, 0.125, 1.15, "name 1", false, "2024-01-02", "2024-01-01T12:01:00.000Z", "2024-02-01T00:00:01.000Z", "Af4=", null, { x: 1, y: -1 }],
      [2, -3, 2000, "4611686018427387906", 0.5, 0.25, 2.25, "name 2", null, "2024-01-03", "2024-01-01T12:02:00.000Z", "2024-02-01T00:00:02.000Z", "Av0=", ["t2", "x"], { x: 2, y: -2 }],
    ]);
    expect(JSON.parse(JSON.stringify(preview.rows))).toEqual(preview.rows);
  });

  it("reads rows across row groups, stops at the end of the table, and decompresses as profiling does", async () => {
    const ids = async (name: string, limit: number) => (await previewTable(name, bufferSource(fixture(name)), limit)).rows.map((r) => r[0]);
    expect(await ids("typed.parquet", 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await ids("typed.parquet", 500)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await ids("typed.parquet", 0)).toEqual([]);
    expect(await ids("empty.parquet", 5)).toEqual([]);
    for (const name of ["zstd.parquet", "no-stats.parquet"]) {
      expect((await previewTable(name, bufferSource(fixture(name)), 10)).rows).toEqual((await previewTable("typed.parquet", bufferSource(fixture("typed.parquet")), 10)).rows);
    }
  });

  it("reads only the row groups that hold the rows it shows", async () => {
    const bytes = fixture("noise.parquet");
    const opening = bufferSource(bytes);
    await profileParquet("noise.parquet", opening);
    const source = bufferSource(bytes);
    const preview = await previewTable("noise.parquet", source, 5);
    expect(preview.rows.map((r) => r[1])).toEqual([null, 1, 2, 3, 4]);
    // Its two row groups hold about half of the file each: the first one is read, not the second.
    const rowGroupBytes = source.bytesRead() - opening.bytesRead();
    expect(rowGroupBytes).toBeGreaterThan(bytes.length * 0.4);
    expect(rowGroupBytes).toBeLessThan(bytes.length * 0.6);
  });
});
