import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HashCache, hashCachePath } from "../../src/cli/hash-cache.ts";

// The CLI's cache of file hashes, in a real SQLite file under a temporary XDG_CACHE_HOME.

describe("hash cache", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "plinth-hash-cache-"));
    env = { XDG_CACHE_HOME: join(dir, "cache") };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const oldFile = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const stat = (path: string) => statSync(path, { bigint: true });
  const afterASecond = () => new Promise((r) => setTimeout(r, 1100));

  it("remembers a hash across runs while the file is unchanged", async () => {
    const path = oldFile("a.csv", "x,y\n1,2\n");
    await afterASecond();
    const first = HashCache.open(env);
    first.set(path, stat(path), "a".repeat(64));
    first.close();
    expect(hashCachePath(env)).toBe(join(dir, "cache", "plinth", "hashes.sqlite"));
    const second = HashCache.open(env);
    expect(second.get(path, stat(path))).toBe("a".repeat(64));
    second.close();
  });

  it("forgets a file once it is written, even to the same size with its old modification time", async () => {
    const path = oldFile("b.csv", "x,y\n1,2\n");
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    await afterASecond();
    const cache = HashCache.open(env);
    const before = stat(path);
    cache.set(path, before, "b".repeat(64));
    cache.close();
    writeFileSync(path, "x,y\n3,4\n");
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect(stat(path).mtimeNs).toBe(before.mtimeNs);
    expect(stat(path).size).toBe(before.size);
    const again = HashCache.open(env);
    expect(again.get(path, stat(path))).toBeUndefined();
    again.close();
  });

  it("does not remember a file changed less than a second ago, unless it wrote the bytes itself", () => {
    const fresh = oldFile("c.csv", "fresh");
    const pulled = oldFile("d.csv", "pulled");
    const cache = HashCache.open(env);
    cache.set(fresh, stat(fresh), "c".repeat(64));
    cache.set(pulled, stat(pulled), "d".repeat(64), true);
    cache.close();
    const again = HashCache.open(env);
    expect(again.get(fresh, stat(fresh))).toBeUndefined();
    expect(again.get(pulled, stat(pulled))).toBe("d".repeat(64));
    again.close();
  });

  it("works without a cache where none can be made", () => {
    const path = oldFile("e.csv", "e");
    writeFileSync(join(dir, "not-a-folder"), "");
    const cache = HashCache.open({ XDG_CACHE_HOME: join(dir, "not-a-folder") });
    cache.set(path, stat(path), "e".repeat(64), true);
    expect(cache.get(path, stat(path))).toBeUndefined();
    cache.close();
  });
});
