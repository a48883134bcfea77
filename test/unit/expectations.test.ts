import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { problems } from "../../src/core/errors.ts";
import { type Expectations, ExpectationsSchema, type Violation } from "../../src/data/expectation-spec.ts";
import { checkExpectations, checkExpectationsResolving, type ExpectationFile, formatViolations, globMatcher } from "../../src/data/expectations.ts";
import { profileTable } from "../../src/data/tabular/profile.ts";
import { COLUMN_TYPES, type ColumnType, type TableProfile } from "../../src/data/tabular/types.ts";
import { bufferSource } from "../helpers/tabular.ts";

const exp = (rules: Record<string, unknown>): Expectations => ExpectationsSchema.parse(rules);
const table = (format: TableProfile["format"], rows: number, columns: Array<[string, ColumnType, number?]>): TableProfile => ({
  format,
  rows,
  columns: columns.map(([name, type, nulls = 0]) => ({ name, type, nulls })),
});
const IRIS: Array<[string, ColumnType]> = [
  ["sepal_length", "float"],
  ["sepal_width", "float"],
  ["petal_length", "float"],
  ["petal_width", "float"],
  ["species", "string"],
];
const train: ExpectationFile[] = [
  { path: "train.csv", profile: table("csv", 120, IRIS) },
  { path: "README.md", profile: null },
];
const rulesOf = (vs: Violation[]) => vs.map((v) => [v.file, v.column ?? null, v.rule]);

describe("checking expectations against table profiles", () => {
  it("passes a version whose tables meet every rule, and checks nothing when there is no rule", () => {
    const rules = exp({ columns: { species: "string", sepal_length: "number", petal_width: "float" }, nonNull: ["species"], rows: { min: 100, max: 200 } });
    expect(checkExpectations(train, rules)).toEqual([]);
    expect(checkExpectations([], exp({}))).toEqual([]);
    expect(checkExpectations([], exp({ files: "*.csv", rows: {} }))).toEqual([]);
  });

  it("names the file, the column and the rule of a training table that lacks its label", () => {
    const [v, ...rest] = checkExpectations(train, exp({ columns: { label: "string" } }));
    expect(rest).toEqual([]);
    expect(v).toEqual({
      file: "train.csv",
      column: "label",
      rule: "columns",
      message: "train.csv has no column 'label'.",
      hint: "Add the column 'label' to train.csv, or remove 'label' from columns in the dataset's expectations.",
    });
  });

  it("names the job input and suggests another version when checking for a job", () => {
    const [v] = checkExpectations(train, exp({ columns: { Species: "any" } }), { input: "train", dataset: "iris@v2" });
    expect(v.input).toBe("train");
    expect(v.message).toBe("train.csv has no column 'Species' (it has 'species').");
    expect(v.hint).toBe("Use a version that has it (plinth data show iris lists them), or remove 'Species' from columns in the expectations of the dataset or of the input 'train'.");
  });

  it("checks types: number, the wider float and timestamp, any, and text in CSV", () => {
    const csv = table("csv", 10, [
      ["i", "integer"],
      ["f", "float"],
      ["d", "date"],
      ["t", "timestamp"],
      ["s", "string"],
      ["b", "boolean"],
      ["empty", "string", 10],
    ]);
    const files = [{ path: "a.csv", profile: csv }];
    const broken = (columns: Record<string, string>) => rulesOf(checkExpectations(files, exp({ columns })));
    expect(broken({ i: "number", f: "number", d: "timestamp", t: "timestamp", s: "string", b: "boolean", empty: "integer" })).toEqual([]);
    expect(broken({ i: "float", i2: "any" })).toEqual([["a.csv", "i2", "columns"]]);
    // Every CSV value is text, so `string` takes any column of a CSV file.
    expect(broken({ i: "string", d: "string" })).toEqual([]);
    expect(broken({ f: "integer", s: "number", t: "date", b: "string", i: "boolean" })).toEqual([
      ["a.csv", "f", "type"],
      ["a.csv", "s", "type"],
      ["a.csv", "t", "type"],
      ["a.csv", "i", "type"],
    ]);
    const [v] = checkExpectations(files, exp({ columns: { s: "integer" } }));
    expect(v.message).toBe("a.csv: column 's' holds text (string); the expectations ask for integers (integer).");
    expect(v.hint).toBe("Make every value of 's' integers (integer) (empty cells and NA are missing values and fit any type), or expect 'string' (or 'any') for 's' in the dataset's expectations.");
  });

  it("holds Parquet to its declared types", () => {
    const pq = [{ path: "a.parquet", profile: table("parquet", 10, [["i", "integer"], ["nothing", "float", 10], ["tags", "other"]]) }];
    expect(rulesOf(checkExpectations(pq, exp({ columns: { i: "string", nothing: "string", tags: "any" } })))).toEqual([
      ["a.parquet", "i", "type"],
      ["a.parquet", "nothing", "type"],
    ]);
    expect(checkExpectations(pq, exp({ columns: { i: "string" } }))[0].hint).toMatch(/^Write 'i' as text \(string\)/);
  });

  it("counts missing values against nonNull, and reports a missing column once", () => {
    const files = [{ path: "t.csv", profile: table("csv", 1000, [["label", "string", 12], ["x", "float"]]) }];
    const vs = checkExpectations(files, exp({ columns: { y: "float" }, nonNull: ["label", "x", "y", "z"] }));
    expect(rulesOf(vs)).toEqual([
      ["t.csv", "y", "columns"],
      ["t.csv", "label", "nonNull"],
      ["t.csv", "z", "nonNull"],
    ]);
    expect(vs[1].message).toBe("t.csv: column 'label' has 12 missing values (of 1,000 rows); nonNull allows none.");
    expect(vs[1].hint).toContain("df.dropna(subset=['label'])");
    expect(vs[2].message).toBe("t.csv has no column 'z', which nonNull lists.");
  });

  it("checks the row count of every table", () => {
    const files = [
      { path: "a.csv", profile: table("csv", 5, [["x", "integer"]]) },
      { path: "b.parquet", profile: table("parquet", 500, [["x", "integer"]]) },
    ];
    const vs = checkExpectations(files, exp({ rows: { min: 10, max: 100 } }));
    expect(vs.map((v) => v.message)).toEqual(["a.csv has 5 rows; the expectations ask for at least 10 rows.", "b.parquet has 500 rows; the expectations ask for at most 100 rows."]);
    expect(vs.every((v) => v.rule === "rows" && v.column === undefined)).toBe(true);
    expect(checkExpectations(files, exp({ rows: { min: 1 } }))).toEqual([]);
  });

  it("applies the rules to the tables that `files` selects, like a .gitignore line", () => {
    const files = [
      { path: "train/a.csv", profile: table("csv", 1, [["x", "integer"]]) },
      { path: "test/b.csv", profile: table("csv", 1, [["y", "integer"]]) },
      { path: "c.parquet", profile: table("parquet", 1, [["z", "integer"]]) },
      { path: "notes.csv.txt", profile: null },
    ];
    const files_ = (pattern: string) => rulesOf(checkExpectations(files, exp({ files: pattern, columns: { x: "any" } })));
    expect(files_("train/**")).toEqual([]);
    expect(files_("*.csv")).toEqual([["test/b.csv", "x", "columns"]]);
    expect(files_("**/*")).toEqual([
      ["test/b.csv", "x", "columns"],
      ["c.parquet", "x", "columns"],
    ]);
    expect(files_("/a.csv")).toEqual([["/a.csv", null, "noTable"]]);
    const [none] = checkExpectations(files, exp({ files: "*.tsv", columns: { x: "any" } }));
    expect(none.message).toBe("No CSV, TSV or Parquet file matches '*.tsv' (its tables are train/a.csv, test/b.csv, c.parquet), so the expectations cannot be checked.");
    const [empty] = checkExpectations([{ path: "model.pt", profile: null }], exp({ nonNull: ["x"] }), { input: "model" });
    expect(empty).toMatchObject({ input: "model", file: "**/*", rule: "noTable" });
    expect(empty.message).toContain("it has no CSV, TSV or Parquet file");
  });

  it("matches globs case-sensitively, with * within a folder, ** across folders and ?", () => {
    const m = (pattern: string, p: string) => globMatcher(pattern)({ path: p });
    expect([m("*.csv", "a/b/c.csv"), m("*.CSV", "c.csv"), m("a/*.csv", "a/b/c.csv"), m("a/**/*.csv", "a/b/c.csv"), m("d?.csv", "d1.csv"), m("d?.csv", "d10.csv")]).toEqual([true, false, false, true, true, false]);
  });
});

describe("sameColumnsAs", () => {
  const reference = (files: ExpectationFile[]) => ({ ref: "ml/iris-train@v3", files });
  const rules = exp({ sameColumnsAs: { dataset: "iris-train@prod", except: ["species"] } });
  const predict = (columns: Array<[string, ColumnType, number?]>) => [{ path: "predict.csv", profile: table("csv", 30, columns) }];

  it("passes a prediction table that keeps every feature, whatever its name and the label it lacks", () => {
    expect(checkExpectations(predict(IRIS.slice(0, 4)), rules, { reference: reference(train) })).toEqual([]);
  });

  it("catches a prediction table that lost a feature", () => {
    const vs = checkExpectations(predict(IRIS.slice(0, 3)), rules, { input: "x", reference: reference(train) });
    expect(vs).toEqual([
      {
        input: "x",
        file: "predict.csv",
        column: "petal_width",
        rule: "sameColumnsAs",
        message: "predict.csv has no column 'petal_width', which ml/iris-train@v3's train.csv has.",
        hint: "Add 'petal_width' to predict.csv (what reads it was made with it), or list it in sameColumnsAs.except.",
      },
    ]);
  });

  it("compares type families: integer and float are numbers, date and timestamp are times", () => {
    const ref = reference([{ path: "t.parquet", profile: table("parquet", 9, [["n", "float"], ["when", "date"], ["flag", "boolean"], ["code", "string"]]) }]);
    const pq = (columns: Array<[string, ColumnType]>) => [{ path: "p.parquet", profile: table("parquet", 3, columns) }];
    expect(checkExpectations(pq([["n", "integer"], ["when", "timestamp"], ["flag", "boolean"], ["code", "string"]]), rules, { reference: ref })).toEqual([]);
    const vs = checkExpectations(pq([["n", "string"], ["when", "timestamp"], ["flag", "integer"], ["code", "integer"]]), rules, { reference: ref });
    expect(rulesOf(vs)).toEqual([
      ["p.parquet", "n", "sameColumnsAs"],
      ["p.parquet", "flag", "sameColumnsAs"],
      ["p.parquet", "code", "sameColumnsAs"],
    ]);
    expect(vs[0].message).toBe("p.parquet: column 'n' holds text (string), but in ml/iris-train@v3's t.parquet it holds numbers (float) (float).");
  });

  it("picks the reference table at the same path, then by file name, then the first `files` selects, then the only one", () => {
    const t = (name: string, col: string) => ({ path: name, profile: table("csv", 1, [[col, "integer"]]) });
    const check = (target: string, files: ExpectationFile[], pattern = "**/*") =>
      rulesOf(checkExpectations([{ path: target, profile: table("csv", 1, [["a", "integer"]]) }], exp({ files: pattern, sameColumnsAs: { dataset: "r" } }), { reference: reference(files) }));
    expect(check("x/p.csv", [t("b.csv", "b"), t("x/p.csv", "a"), t("p.csv", "c")])).toEqual([]);
    expect(check("x/p.csv", [t("b.csv", "b"), t("y/p.csv", "a")])).toEqual([]);
    expect(check("p.csv", [t("a.csv", "a"), t("b.csv", "b")])).toEqual([]);
    expect(check("p.csv", [t("b.csv", "b"), t("a.csv", "a")])).toEqual([]);
    expect(check("p.csv", [t("only.tsv", "a"), { path: "notes.md", profile: null }], "p.csv")).toEqual([]);
    expect(check("p.csv", [t("a.tsv", "a"), t("b.tsv", "b")], "p.csv")).toEqual([["p.csv", null, "sameColumnsAs"]]);
    expect(check("p.csv", [{ path: "notes.md", profile: null }])).toEqual([["p.csv", null, "sameColumnsAs"]]);
  });

  it("is broken when the other dataset cannot be read", () => {
    const [v] = checkExpectations(predict(IRIS), rules, { reference: null });
    expect(v).toMatchObject({ file: "predict.csv", rule: "sameColumnsAs" });
    expect(v.message).toBe("predict.csv cannot be compared with 'iris-train@prod': that dataset cannot be found or read.");
    expect(v.hint).toContain("plinth data show iris-train");
  });

  it("resolves the other dataset through the data service, a missing one being a violation", async () => {
    const asked: string[] = [];
    const resolve = async (ref: string) => {
      asked.push(ref);
      if (ref !== "iris-train@prod") throw problems.notFound("Dataset", ref, "Check the name.");
      return { dataset: { name: "iris-train", teamName: "ml" }, version: { number: 3 }, files: train };
    };
    expect(await checkExpectationsResolving(predict(IRIS.slice(0, 4)), rules, { resolve })).toEqual([]);
    const lost = await checkExpectationsResolving(predict(IRIS.slice(1, 4)), rules, { input: "features", resolve });
    expect(lost.map((v) => [v.input, v.message])).toEqual([["features", "predict.csv has no column 'sepal_length', which ml/iris-train@v3's train.csv has."]]);
    const gone = exp({ sameColumnsAs: { dataset: "gone" } });
    expect(rulesOf(await checkExpectationsResolving(predict(IRIS), gone, { resolve }))).toEqual([["predict.csv", null, "sameColumnsAs"]]);
    expect(asked).toEqual(["iris-train@prod", "iris-train@prod", "gone"]);
    const failing = async () => {
      throw new Error("database unavailable");
    };
    await expect(checkExpectationsResolving(predict(IRIS), gone, { resolve: failing })).rejects.toThrow("database unavailable");
    expect(await checkExpectationsResolving(predict(IRIS), exp({ nonNull: ["species"] }), { resolve: failing })).toEqual([]);
  });

  it("works on real profiles: a CSV prediction table against a Parquet training table", async () => {
    const parquet = readFileSync(path.join(import.meta.dirname, "../fixtures/parquet/iris.parquet"));
    const trained = { ref: "ml/iris@v1", files: [{ path: "iris.parquet", profile: await profileTable("iris.parquet", bufferSource(parquet)) }] };
    const csv = async (text: string) => [{ path: "new.csv", profile: await profileTable("new.csv", bufferSource(text)) }];
    const ok = await csv("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6,3,4,1\n");
    expect(checkExpectations(ok, rules, { reference: trained })).toEqual([]);
    const lost = await csv("sepal_length,sepal_width,petal_width\n5.1,3.5,0.2\n");
    expect(rulesOf(checkExpectations(lost, rules, { reference: trained }))).toEqual([["new.csv", "petal_length", "sameColumnsAs"]]);
    const texty = await csv("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,n/a?\n");
    expect(rulesOf(checkExpectations(texty, rules, { reference: trained }))).toEqual([["new.csv", "petal_width", "sameColumnsAs"]]);
  });
});

describe("formatViolations", () => {
  const v = (n: number, input?: string): Violation => ({ input, file: `f${n}.csv`, rule: "rows", message: `f${n}.csv has 0 rows.`, hint: "h" });

  it("writes one violation as its message, naming the input", () => {
    expect(formatViolations([v(1)])).toBe("f1.csv has 0 rows.");
    expect(formatViolations([v(1, "train")])).toBe("Input 'train': f1.csv has 0 rows.");
  });

  it("lists several, up to twenty", () => {
    expect(formatViolations([v(1, "a"), v(2)])).toBe("2 expectations are not met:\n- Input 'a': f1.csv has 0 rows.\n- f2.csv has 0 rows.");
    const many = formatViolations(Array.from({ length: 25 }, (_, i) => v(i)));
    expect(many.split("\n")).toHaveLength(22);
    expect(many.endsWith("- and 5 more")).toBe(true);
  });
});

// --- Properties -----------------------------------------------------------------------------

const name = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom("a", "b", "c", "_", "1", "X") });
const profile = fc
  .record({
    format: fc.constantFrom<TableProfile["format"]>("csv", "tsv", "parquet"),
    rows: fc.nat(1000),
    columns: fc.uniqueArray(fc.record({ name, type: fc.constantFrom(...COLUMN_TYPES), nulls: fc.nat(1000) }), { selector: (c) => c.name, minLength: 1, maxLength: 8 }),
  })
  .map((p) => ({ ...p, columns: p.columns.map((c) => ({ ...c, nulls: Math.min(c.nulls, p.rows) })) }));

describe("expectations taken from a table itself", () => {
  it("always hold for that table, and every column removed from it breaks each rule that names it", () => {
    fc.assert(
      fc.property(profile, fc.nat(), (p, pick) => {
        const columns = Object.fromEntries(p.columns.map((c) => [c.name, c.type]));
        const nonNull = p.columns.filter((c) => c.nulls === 0).map((c) => c.name);
        const rules = exp({ columns, nonNull, rows: { min: p.rows, max: p.rows }, sameColumnsAs: { dataset: "self" } });
        const self = { ref: "t/self@v1", files: [{ path: "a.csv", profile: p }] };
        expect(checkExpectations([{ path: "a.csv", profile: p }], rules, { reference: self })).toEqual([]);

        const gone = p.columns[pick % p.columns.length];
        const lessened = { ...p, columns: p.columns.filter((c) => c !== gone) };
        const vs = checkExpectations([{ path: "a.csv", profile: lessened }], rules, { reference: self });
        expect(vs.map((v) => [v.column, v.rule])).toEqual([
          [gone.name, "columns"],
          [gone.name, "sameColumnsAs"],
        ]);
        for (const v of vs) {
          expect(v.message).toContain("a.csv");
          expect(v.message).toContain(`'${gone.name}'`);
          expect(v.hint.length).toBeGreaterThan(20);
        }
      }),
      { numRuns: 300 },
    );
  });
});
