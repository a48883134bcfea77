import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectDataFiles } from "../../src/cli/data-files.ts";
import { hashFile } from "../../src/core/hash-file.ts";
import { partRange } from "../../src/cli/data-push.ts";

// Which files `plinth data push` takes from a folder on disk, and how it cuts a file in parts.

describe("files of a push", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "plinth-data-files-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes every file, .gitignore'd ones too, but .git folders and --exclude patterns", async () => {
    const root = join(dir, "data");
    mkdirSync(join(root, ".git"), { recursive: true });
    mkdirSync(join(root, "raw/tmp"), { recursive: true });
    writeFileSync(join(root, ".gitignore"), "*.csv\n");
    writeFileSync(join(root, ".plinthignore"), "raw/\n");
    writeFileSync(join(root, ".git/HEAD"), "ref: main\n");
    writeFileSync(join(root, "train.csv"), "a,b\n1,2\n");
    writeFileSync(join(root, "raw/x.bin"), "x");
    writeFileSync(join(root, "raw/scratch.tmp"), "t");
    writeFileSync(join(root, "raw/tmp/y.bin"), "y");
    const { files, skipped } = await collectDataFiles(root, ["*.tmp", "raw/tmp/"]);
    expect(files.map((f) => f.path)).toEqual([".gitignore", ".plinthignore", "raw/x.bin", "train.csv"]);
    expect(files.find((f) => f.path === "train.csv")).toMatchObject({ abs: join(root, "train.csv"), size: 8 });
    expect(skipped).toEqual([]);
  });

  it("follows links to files, and names links to folders and dangling links as left out", async () => {
    const root = join(dir, "data");
    mkdirSync(join(dir, "elsewhere"), { recursive: true });
    mkdirSync(root);
    writeFileSync(join(dir, "elsewhere/big.bin"), "big");
    symlinkSync(join(dir, "elsewhere/big.bin"), join(root, "big.bin"));
    symlinkSync(join(dir, "elsewhere"), join(root, "loop"));
    symlinkSync(join(dir, "nowhere"), join(root, "dangling"));
    const { files, skipped } = await collectDataFiles(root);
    expect(files.map((f) => [f.path, f.size])).toEqual([["big.bin", 3]]);
    expect(skipped).toEqual(["dangling", "loop"]);
  });

  it("takes a single file by its own name", async () => {
    writeFileSync(join(dir, "scores.parquet"), "PAR1");
    const { files } = await collectDataFiles(join(dir, "scores.parquet"));
    expect(files.map((f) => f.path)).toEqual(["scores.parquet"]);
  });

  it("hashes small files in one read and large ones in pieces, alike", async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    writeFileSync(join(dir, "f"), bytes);
    const expected = createHash("sha256").update(bytes).digest("hex");
    let seen = 0;
    expect(await hashFile(join(dir, "f"), (n) => (seen += n), bytes.length)).toBe(expected);
    expect(seen).toBe(bytes.length);
    writeFileSync(join(dir, "g"), "small");
    expect(await hashFile(join(dir, "g"), undefined, 5)).toBe(createHash("sha256").update("small").digest("hex"));
  });

  it("cuts a file in parts of the session's size, the last one shorter", () => {
    const session = { size: 25, partSize: 10 };
    expect([1, 2, 3].map((n) => partRange(session, n))).toEqual([
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 20, end: 25 },
    ]);
  });
});
