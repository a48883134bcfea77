import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { profileCsv } from "../../src/data/tabular/csv.ts";
import { previewTable } from "../../src/data/tabular/preview.ts";
import { profileTable } from "../../src/data/tabular/profile.ts";
import type { ByteSource, ColumnType } from "../../src/data/tabular/types.ts";
import { bufferSource, tableFormatError } from "../helpers/tabular.ts";

const profile = (text: string, file = "t.csv", chunks?: number[]) => profileCsv(file, bufferSource(text, chunks));
const typesOf = async (text: string) => (await profile(text)).columns.map((c) => c.type);
/** The type of a one-column table holding these values. */
const typeOfValues = async (...values: string[]) => (await typesOf(`v\n${values.map((v) => `"${v}"`).join("\n")}\n`))[0];


describe("profiling a CSV file", () => {
  it("counts rows and reads names, types and nulls", async () => {
    const text = [
      "id,name,score,day,at,ok",
      "1,Ada,1.5,2024-01-02,2024-01-02T03:04:05Z,true",
      '2,"Lovelace, Ada",NA,2024-02-29,2024-01-02 03:04,False',
      '3,"said ""hi""\non two lines",-2e3,,2024-01-02T03:04:05.123+02:00,TRUE',
      "4,,inf,2024-12-31,2024-01-02,false",
    ].join("\r\n");
    expect(await profile(text)).toEqual({
      format: "csv",
      rows: 4,
      columns: [
        { name: "id", type: "integer", nulls: 0 },
        { name: "name", type: "string", nulls: 1 },
        { name: "score", type: "float", nulls: 1 },
        { name: "day", type: "date", nulls: 1 },
        { name: "at", type: "timestamp", nulls: 0 },
        { name: "ok", type: "boolean", nulls: 0 },
      ],
    });
  });

  it("infers the narrowest type every value fits", async () => {
    const cases: Array<[string[], ColumnType]> = [
      [["1", "-2", "+3", "0042"], "integer"],
      [["1", "2.5"], "float"],
      [["1e3", ".5", "5.", "-1.5E-7"], "float"],
      [["-inf", "Infinity", "3"], "float"],
      [["true", "FALSE", "True"], "boolean"],
      [["true", "1"], "string"],
      [["2024-01-02", "1999-12-31"], "date"],
      [["2024-01-02", "2024-01-02T10:00"], "timestamp"],
      [["2024-01-02T10:00:00Z", "2024-01-02 10:00:00.5", "2024-01-02T10:00+0530"], "timestamp"],
      [["2024-13-01"], "string"],
      [["2024-01-02T25:00"], "string"],
      [["2024-01-02", "3"], "string"],
      [[" 7 ", "8"], "integer"],
      [["1.2.3"], "string"],
      [["1e"], "string"],
      [["-"], "string"],
      [["9".repeat(300)], "string"],
      [["12", "x"], "string"],
    ];
    for (const [values, type] of cases) expect([values, await typeOfValues(...values)]).toEqual([values, type]);
  });

  it("counts pandas' default missing markers as nulls, quoted or not, and a column of only those is text", async () => {
    const markers = ["", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-NaN", "-nan", "None", "<NA>", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"];
    const text = `a,b\n${markers.map((m, i) => (i % 2 ? `"${m}",1` : `${m},1`)).join("\n")}\n`;
    expect((await profile(text)).columns).toEqual([
      { name: "a", type: "string", nulls: markers.length },
      { name: "b", type: "integer", nulls: 0 },
    ]);
    expect((await profile("a,b\nNA,n.a.\nnone,NAN\n")).columns.map((c) => c.nulls)).toEqual([1, 0]);
  });

  it("reads a header-only file as no rows, and skips blank lines", async () => {
    expect(await profile("a,b\n")).toEqual({ format: "csv", rows: 0, columns: [{ name: "a", type: "string", nulls: 0 }, { name: "b", type: "string", nulls: 0 }] });
    expect((await profile("\n\r\na,b\n\n1,2\r\n\r\n3,4\n\n")).rows).toBe(2);
  });

  it("reads CR, LF and CRLF line ends and a byte order mark, split anywhere between chunks", async () => {
    const text = '\ufeffname,n\r"x\r\ny",1\r\nz,2\nw,3\r';
    for (let size = 1; size <= text.length; size++) {
      const p = await profile(text, "t.csv", [size]);
      expect(p.rows).toBe(3);
      expect(p.columns).toEqual([
        { name: "name", type: "string", nulls: 0 },
        { name: "n", type: "integer", nulls: 0 },
      ]);
    }
  });

  it("reads stray quotes as pandas does: text after a closing quote joins the value, a quote inside a bare value is kept", async () => {
    const text = 'a,b\n"ab"cd,1\nx"y,2\n"12"3,3\n';
    for (const size of [1, 2, 3, 5, 100]) {
      expect((await previewTable("t.csv", bufferSource(text, [size]))).rows).toEqual([
        ["abcd", 1],
        ['x"y', 2],
        ["123", 3],
      ]);
    }
  });

  it("takes the delimiter from the extension: tab for .tsv", async () => {
    const tsv = "name\tvalue\n\"a, b\"\t1\nc,d\t2.5\n";
    expect(await profileTable("dir/t.TSV", bufferSource(tsv))).toEqual({
      format: "tsv",
      rows: 2,
      columns: [
        { name: "name", type: "string", nulls: 0 },
        { name: "value", type: "float", nulls: 0 },
      ],
    });
    expect((await tableFormatError(() => profileTable("t.csv", bufferSource(tsv)))).message).toBe("t.csv: line 3 has 2 values, but the header has 1 column");
    expect(await profileTable("notes.txt", bufferSource(tsv))).toBeNull();
  });

  it("reads values far longer than a chunk as text, in constant memory", async () => {
    const long = "x".repeat(200_000);
    const text = `a,b\n"${long}",1\n${long},2\n"${"7".repeat(100_000)}",3\n`;
    const p = await profile(text, "t.csv", [4096]);
    expect(p).toEqual({ format: "csv", rows: 3, columns: [{ name: "a", type: "string", nulls: 0 }, { name: "b", type: "integer", nulls: 0 }] });
  });

  it("names the line of a row with too few or too many values, counting lines inside quotes", async () => {
    const e = await tableFormatError(() => profile('a,b,c\n1,"two\nlines",3\n4,5\n6,7,8\n'));
    expect(e.file).toBe("t.csv");
    expect(e.message).toBe("t.csv: line 4 has 2 values, but the header has 3 columns");
    expect(e.hint).toContain("double quotes");
    expect((await tableFormatError(() => profile("a\n1\n2,3\n"))).message).toContain("line 3 has 2 values, but the header has 1 column");
  });

  it("refuses an unterminated quote, naming the line where it opened", async () => {
    const e = await tableFormatError(() => profile('a,b\n1,2\n3,"four\n5,6\n7,8\n'));
    expect(e.message).toBe("t.csv: the quoted value that starts on line 3 is never closed");
    expect(e.hint).toContain('written twice ("")');
  });

  it("refuses a header with an empty or repeated name, and an empty file", async () => {
    expect((await tableFormatError(() => profile("a,,c\n1,2,3\n"))).message).toContain("column 2 of the header (line 1) has no name");
    expect((await tableFormatError(() => profile("\n\nid,x,id\n1,2,3\n"))).message).toContain("the header (line 3) names the column 'id' twice (columns 1 and 3)");
    expect((await tableFormatError(() => profile(""))).message).toContain("the file is empty");
    expect((await tableFormatError(() => profile("\n\r\n\n"))).message).toContain("the file is empty");
  });
});

// --- Random tables --------------------------------------------------------------------------

type Kind = Exclude<ColumnType, "binary" | "other">;
const KINDS: Kind[] = ["integer", "float", "boolean", "date", "timestamp", "string"];
const day = fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2199-12-31T23:59:59Z"), noInvalidDate: true });
/** Text with everything CSV must escape: quotes, both delimiters, line ends, unicode. */
const awkward = fc.string({ unit: fc.constantFrom("a", "Z", " ", '"', ",", "\t", "\n", "\r", "\r\n", "é", "😀", "0", "-"), maxLength: 12 });
const VALUES: Record<Kind, fc.Arbitrary<string>> = {
  integer: fc.oneof(fc.integer().map(String), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String)),
  float: fc.oneof(
    fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.nat(99_999)).map(([a, b]) => `${a}.${b}`),
    fc.tuple(fc.nat(9), fc.nat(999), fc.integer({ min: -300, max: 300 })).map(([a, b, e]) => `${a}.${b}e${e}`),
  ),
  boolean: fc.constantFrom("true", "false", "True", "False", "TRUE", "FALSE"),
  date: day.map((d) => d.toISOString().slice(0, 10)),
  timestamp: fc.tuple(day, fc.constantFrom("Z", "", "+02:00", "-0130")).map(([d, tz]) => d.toISOString().slice(0, 23) + tz),
  string: awkward.map((s) => `s${s}`),
};
const NULLS = fc.constantFrom("", "NA", "null", "NaN", "N/A");

const table = fc
  .array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 6 })
  .chain((kinds) =>
    fc.record({
      kinds: fc.constant(kinds),
      names: fc.tuple(...kinds.map((_, i) => awkward.map((s) => `c${i}${s}`))),
      rows: fc.array(fc.tuple(...kinds.map((k) => fc.oneof({ weight: 1, arbitrary: NULLS.map((v) => ({ v, null: true })) }, { weight: 4, arbitrary: VALUES[k].map((v) => ({ v, null: false })) }))), { maxLength: 25 }),
      crlf: fc.boolean(),
      bom: fc.boolean(),
      trailingNewline: fc.boolean(),
      quoteAll: fc.boolean(),
      tab: fc.boolean(),
      chunks: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
    }),
  );

function field(value: string, delim: string, quoteAll: boolean, alone: boolean): string {
  const needsQuotes = quoteAll || value.includes(delim) || /["\r\n]/.test(value) || (alone && value === "");
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

describe("random tables written as RFC 4180 CSV", () => {
  it("read back with their rows, names, types and nulls, however the bytes are split", async () => {
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        const delim = t.tab ? "\t" : ",";
        const eol = t.crlf ? "\r\n" : "\n";
        const line = (cells: string[]) => cells.map((c) => field(c, delim, t.quoteAll, cells.length === 1)).join(delim);
        const lines = [line(t.names), ...t.rows.map((r) => line(r.map((c) => c.v)))];
        const text = (t.bom ? "\ufeff" : "") + lines.join(eol) + (t.trailingNewline ? eol : "");
        const p = await profileCsv(t.tab ? "t.tsv" : "t.csv", bufferSource(text, t.chunks));
        expect(p.rows).toBe(t.rows.length);
        expect(p.columns.map((c) => c.name)).toEqual(t.names);
        t.kinds.forEach((kind, i) => {
          const nulls = t.rows.filter((r) => r[i].null).length;
          expect(p.columns[i]).toEqual({ name: t.names[i], type: nulls === t.rows.length ? "string" : kind, nulls });
        });
      }),
      { numRuns: 300 },
    );
  });
});

// --- Preview --------------------------------------------------------------------------------

describe("previewing a CSV file", () => {
  const text = "id,x,ok,day,name,big\n1,1.5,true,2024-01-02,a,1\n2,,FALSE,2024-01-03,\"b, c\",99999999999999999999\n3,2,true,,NA,3\n";

  it("gives the first rows as JSON values of each column's type", async () => {
    expect(await previewTable("t.csv", bufferSource(text))).toEqual({
      columns: [
        { name: "id", type: "integer" },
        { name: "x", type: "float" },
        { name: "ok", type: "boolean" },
        { name: "day", type: "date" },
        { name: "name", type: "string" },
        { name: "big", type: "integer" },
      ],
      rows: [
        [1, 1.5, true, "2024-01-02", "a", 1],
        [2, null, false, "2024-01-03", "b, c", "99999999999999999999"],
        [3, 2, true, null, null, 3],
      ],
    });
    expect((await previewTable("t.csv", bufferSource(text), 1)).rows).toEqual([[1, 1.5, true, "2024-01-02", "a", 1]]);
    expect((await previewTable("t.csv", bufferSource(text), 0)).rows).toEqual([]);
  });

  it("types values by the stored profile when it is given", async () => {
    const stored = await profile("id,x\n1,2\nx,3.5\n");
    const preview = await previewTable("t.csv", bufferSource("id,x\n1,2\nx,3.5\n"), 1, { profile: stored });
    expect(preview).toEqual({ columns: [{ name: "id", type: "string" }, { name: "x", type: "float" }], rows: [["1", 2]] });
  });

  it("stops reading once it has its rows", async () => {
    let pulled = 0;
    const row = Buffer.from("1,2,3\n".repeat(1000));
    const endless: ByteSource = {
      size: Number.MAX_SAFE_INTEGER,
      read: async () => {
        throw new Error("a CSV preview does not read ranges");
      },
      stream: async () =>
        Readable.from(
          (function* () {
            yield Buffer.from("a,b,c\n");
            for (let i = 0; i < 100_000; i++) {
              pulled++;
              yield row;
            }
          })(),
        ),
    };
    const preview = await previewTable("t.csv", endless, 50);
    expect(preview.rows).toHaveLength(50);
    expect(pulled).toBeLessThan(100);
  });

  it("refuses a ragged row among the rows it shows, and a file that is not a table", async () => {
    expect((await tableFormatError(() => previewTable("t.csv", bufferSource("a,b\n1\n")))).message).toContain("line 2 has 1 value");
    expect((await tableFormatError(() => previewTable("t.json", bufferSource("{}")))).hint).toContain("CSV");
  });
});
