import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkKey, compareKeys, datasetKey, prefixEnd } from "../../src/s3/keys.ts";
import { type KeySource, type ListEntry, listKeys } from "../../src/s3/listing.ts";

// ListObjects' walk: pages of keys and common prefixes, merged from several sorted sources,
// compared with the plain definition — every key under the prefix, folded at the delimiter,
// in UTF-8 byte order, each once — for any keys, prefix, delimiter and page size.

/** A sorted in-memory source, as the database and the dataset versions are. */
class ArrayKeys implements KeySource {
  readonly #keys: string[];
  #taken: string | null = null;
  peeks = 0;
  constructor(keys: string[]) {
    this.#keys = [...keys].sort(compareKeys);
  }
  async peek(bound: { after?: string; from?: string }): Promise<ListEntry | null> {
    this.peeks++;
    const key = this.#keys.find((k) => (bound.after === undefined || compareKeys(k, bound.after) > 0) && (bound.from === undefined || compareKeys(k, bound.from) >= 0));
    this.#taken = key ?? null;
    return key === undefined ? null : { key, size: key.length, etag: "e", lastModified: 0, ownerId: null };
  }
  take(): void {
    expect(this.#taken).not.toBeNull();
  }
}

function expected(keys: string[], prefix: string, delimiter: string): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
    out.add(at < 0 ? key : key.slice(0, at + delimiter.length));
  }
  return [...out].sort(compareKeys);
}

async function walk(sources: () => KeySource[], prefix: string, delimiter: string, maxKeys: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await listKeys(sources(), { prefix, delimiter, after, maxKeys });
    const items = [...page.entries.map((e) => e.key), ...page.commonPrefixes].sort(compareKeys);
    expect(items.length).toBeLessThanOrEqual(maxKeys);
    seen.push(...items);
    if (!page.truncated) return seen;
    expect(page.last).toBe(items[items.length - 1]);
    after = page.last;
  }
  throw new Error("no end");
}

const char = fc.constantFrom("a", "b", "/", "-", ".", "é", "😀", "z", "0");
const keyArb = fc.array(char, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(""));

describe("ListObjects walk", () => {
  it("pages through exactly the keys and common prefixes of the definition, from two sources", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 40 }),
        fc.array(char, { maxLength: 2 }).map((cs) => cs.join("")),
        fc.constantFrom("", "/", "a", "é"),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 40 }),
        async (keys, prefix, delimiter, maxKeys, split) => {
          const left = keys.slice(0, split);
          const right = keys.slice(split);
          const got = await walk(() => [new ArrayKeys(left), new ArrayKeys(right)], prefix, delimiter, maxKeys);
          expect(got).toEqual(expected(keys, prefix, delimiter));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("jumps past a common prefix instead of reading every key under it", async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `logs/${String(i).padStart(5, "0")}`).concat(["readme", "data/a"]);
    const source = new ArrayKeys(keys);
    const page = await listKeys([source], { prefix: "", delimiter: "/", after: null, maxKeys: 1000 });
    expect(page.commonPrefixes).toEqual(["data/", "logs/"]);
    expect(page.entries.map((e) => e.key)).toEqual(["readme"]);
    expect(source.peeks).toBeLessThan(10);
  });

  it("a common prefix as the marker goes on after everything under it", async () => {
    const page = await listKeys([new ArrayKeys(["a/1", "a/2", "b/1", "c"])], { prefix: "", delimiter: "/", after: "a/", maxKeys: 10 });
    expect([...page.commonPrefixes, ...page.entries.map((e) => e.key)]).toEqual(["b/", "c"]);
  });
});

describe("keys", () => {
  it("sorts by UTF-8 bytes, not UTF-16 units", () => {
    // U+FF61 is above the surrogates in UTF-16 but below U+1F600 in UTF-8.
    expect(["😀", "｡", "a"].sort(compareKeys)).toEqual(["a", "｡", "😀"]);
  });

  it("prefixEnd is above every key under the prefix and below every other greater key", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 4 }), fc.string({ unit: "grapheme", maxLength: 4 }), (prefix, rest) => {
        const end = prefixEnd(prefix)!;
        expect(compareKeys(prefix + rest, end)).toBeLessThan(0);
        expect(compareKeys(prefix, end)).toBeLessThan(0);
      }),
    );
    expect(prefixEnd("logs/")).toBe("logs0");
  });

  it("refuses keys with control characters, a leading slash, or . and .. segments", () => {
    for (const bad of ["", "a\u0000b", "a\nb", "/etc/passwd", "a/../b", "..", "./a", "a/.", "x".repeat(1025)]) expect(() => checkKey(bad), JSON.stringify(bad)).toThrow();
    for (const good of ["a", "dir/", "a b/c (1).csv", "données/é.parquet", "a..b/c.", "x".repeat(1024)]) expect(() => checkKey(good)).not.toThrow();
  });

  it("reads datasets/<name>/<version>/<path>", () => {
    expect(datasetKey("datasets/iris/v2/train/a.csv")).toEqual({ dataset: "iris", version: "v2", path: "train/a.csv" });
    expect(datasetKey("datasets/iris/latest/")).toEqual({ dataset: "iris", version: "latest", path: "" });
    expect(datasetKey("datasets/iris")).toBeNull();
    expect(datasetKey("datasets/Iris/v1/a")).toBeNull();
    expect(datasetKey("datasets/iris/2/a")).toBeNull();
    expect(datasetKey("other/iris/v1/a")).toBeNull();
  });
});
