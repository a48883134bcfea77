import { describe, expect, it } from "vitest";
import { defaultColumns, namedColumns, nextSort, searchKey } from "../../web/src/pages/runs/columns.ts";
import { align, smooth } from "../../web/src/pages/runs/smooth.ts";

// The runs pages' pure parts: which columns a filter and sort name, how a header click sorts,
// and the charts' smoothing and alignment of several runs on one set of steps.

describe("runs table columns", () => {
  it("finds the metrics and params a filter and sort name, in MLflow's spellings", () => {
    expect(namedColumns("-metrics.acc metrics.`val loss` < 0.3 and params.lr = '0.1' and param.\"batch size\" = '8' and tags.x = 'y'")).toEqual([
      { kind: "metrics", key: "acc" },
      { kind: "metrics", key: "val loss" },
      { kind: "params", key: "lr" },
      { kind: "params", key: "batch size" },
    ]);
    expect(defaultColumns([{ kind: "metrics", key: "f1" }], ["acc", "f1", "loss", "z"], ["lr"])).toEqual([
      { kind: "metrics", key: "f1" },
      { kind: "metrics", key: "acc" },
      { kind: "metrics", key: "loss" },
      { kind: "params", key: "lr" },
    ]);
  });

  it("quotes keys MLflow cannot read bare, and flips a sort on a second click", () => {
    expect(searchKey({ kind: "metrics", key: "train.acc" })).toBe("metrics.train.acc");
    expect(searchKey({ kind: "params", key: "batch size" })).toBe("params.`batch size`");
    expect(nextSort("", "metrics.acc", true)).toBe("-metrics.acc");
    expect(nextSort("-metrics.acc", "metrics.acc", true)).toBe("metrics.acc");
    expect(nextSort("metrics.acc", "run_name", false)).toBe("run_name");
  });
});

describe("chart series", () => {
  it("smooths with a debiased moving average, leaving gaps as gaps", () => {
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = smooth([2, null, 2, 4], 0.5);
    expect(s[0]).toBeCloseTo(2);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeCloseTo(2);
    // Three points seen: 2·½³ + 2·½² + 4·½ over the weights they had, 1 − ½³.
    expect(s[3]).toBeCloseTo((2 * 0.125 + 2 * 0.25 + 4 * 0.5) / (1 - 0.125));
  });

  it("aligns runs on the union of their steps, and drops what a log scale cannot show", () => {
    const series = [
      { label: "a", points: [{ step: 0, value: 1 }, { step: 2, value: 0 }] },
      { label: "b", points: [{ step: 1, value: 5 }, { step: 2, value: Number.NaN }] },
    ];
    expect(align(series, { weight: 0, log: false })).toEqual([[0, 1, 2], [1, null, 0], [null, 5, null]]);
    expect(align(series, { weight: 0, log: true })).toEqual([[0, 1, 2], [1, null, null], [null, 5, null]]);
  });
});
