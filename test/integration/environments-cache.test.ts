import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { LOCK_FILE, METADATA_FILE } from "../../src/environments/build.ts";
import { cacheDirFor, EnvironmentCache } from "../../src/environments/cache.ts";
import { SYSTEM_ROOTS } from "../../src/environments/interpreters.ts";
import { environmentKey, type ResolvedEnvironment, resolveEnvironment } from "../../src/environments/resolve.ts";
import { Environments } from "../../src/environments/service.ts";
import { EnvironmentSpecSchema } from "../../src/environments/spec.ts";
import { locateUv } from "../../src/environments/uv.ts";
import { problemOf } from "../helpers/problem-of.ts";
import { describeWithUv } from "../helpers/uv.ts";

// Building environments with the real uv from small real PyPI packages: built once, usable
// after the rename into place, readable by other users, deduplicated, never half visible,
// evicted least recently used first. One environment is built at the start and reused.

function runPython(python: string, code: string, uid?: number) {
  return spawnSync(python, ["-c", code], { encoding: "utf8", cwd: "/", env: { PATH: "/usr/bin:/bin" }, ...(uid !== undefined && { uid, gid: uid }) });
}

describe("environments: without uv", () => {
  it("says how to install uv when there is none", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-env-nouv-"));
    try {
      const { config } = loadConfig({ env: {}, overrides: { dataDir, environments: { uv: "/nonexistent/bin/uv" } } });
      const environments = new Environments(config);
      const problem = await problemOf(environments.resolve(EnvironmentSpecSchema.parse({ packages: ["six"] })));
      expect(problem.status).toBe(503);
      expect(problem.title).toBe("uv is not installed");
      expect(problem.detail).toContain("/nonexistent/bin/uv");
      expect(problem.hint).toContain("pip install uv");
      expect(problem.hint).toContain("scripts/peers/uv.sh");
      expect(() => locateUv(undefined, "/nonexistent")).toThrow(/No uv program was found/);
      // A spec without packages needs no uv at all.
      expect((await environments.resolve(EnvironmentSpecSchema.parse({}))).bare).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("reads PLINTH_UV and the size cap from the configuration", () => {
    const { config, unknownVariables } = loadConfig({ env: { PLINTH_UV: "/opt/uv/bin/uv", PLINTH_ENVIRONMENTS_MAX_SIZE: "5G" }, overrides: { dataDir: "/tmp/x" } });
    expect(unknownVariables).toEqual([]);
    expect(config.environments.uv).toBe("/opt/uv/bin/uv");
    expect(new Environments(config).maxBytes).toBe(5 * 1024 ** 3);
    expect(new Environments(loadConfig({ env: {}, overrides: { dataDir: "/tmp/x" } }).config).maxBytes).toBe(20 * 1024 ** 3);
  });
});

describeWithUv("environments: the cache", ({ uv, test }) => {
  let dir: string;
  let root: string;
  let cache: EnvironmentCache;
  let six: ResolvedEnvironment;
  const settings = () => ({ program: uv, cacheDir: cacheDirFor(root), sourceBuilds: false });
  const resolve = (packages: string[]) => resolveEnvironment(EnvironmentSpecSchema.parse({ packages }), { uv: settings, timeoutMs: 120_000, visibleRoots: SYSTEM_ROOTS });
  const newCache = () => new EnvironmentCache({ root, uv: settings, buildTimeoutMs: 300_000 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "plinth-env-cache-"));
    // Other users (the jobs') must be able to reach the environments, as under a data directory.
    chmodSync(dir, 0o755);
    root = join(dir, "environments");
    cache = newCache();
    six = await resolve(["six==1.16.0"]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("two concurrent ensure() of one new environment make one build, which works after the rename", async () => {
    let log = "";
    const [a, b] = await Promise.all([cache.ensure(six, { log: (t) => (log += t) }), cache.ensure(six)]);
    expect(cache.buildsRun).toBe(1);
    expect([a.built, b.built].sort()).toEqual([false, true]);
    expect(a.path).toBe(join(root, six.key));
    expect(b.path).toBe(a.path);
    expect(log).toContain("uv venv --relocatable");
    expect(log).toContain("six==1.16.0");

    const ran = runPython(a.python, "import sys, six; print(sys.prefix); print(six.__version__); print(six.__file__)");
    expect(ran.stderr).toBe("");
    const [prefix, version, file] = ran.stdout.trim().split("\n");
    expect(prefix).toBe(a.path);
    expect(version).toBe("1.16.0");
    expect(file!.startsWith(`${a.path}/`)).toBe(true);
    // Built once: a later ensure finds it.
    expect((await cache.ensure(six)).built).toBe(false);
    expect(cache.buildsRun).toBe(1);
    expect(readdirSync(root).filter((n) => n.startsWith(".build-"))).toEqual([]);
  });

  test("the environment is readable and runnable by other users, and writable by none of them", async () => {
    const env = await cache.ensure(six);
    for (const path of [env.path, join(env.path, "bin"), join(env.path, METADATA_FILE), join(env.path, LOCK_FILE)]) {
      expect(statSync(path).mode & 0o007, path).toBe(statSync(path).isDirectory() ? 0o005 : 0o004);
    }
    if (process.getuid?.() !== 0) {
      console.warn("environments: running the environment as another user skipped: the tests do not run as root");
      return;
    }
    const ran = runPython(env.python, "import six; print(six.__version__)", 65534);
    expect(ran.stderr).toBe("");
    expect(ran.stdout.trim()).toBe("1.16.0");
  });

  test("two caches on one folder (two processes) build a new environment once, through the lock file", async () => {
    const idna = await resolve(["idna==3.7"]);
    const [first, second] = [newCache(), newCache()];
    const [a, b] = await Promise.all([first.ensure(idna), second.ensure(idna)]);
    expect(first.buildsRun + second.buildsRun).toBe(1);
    expect(a.path).toBe(b.path);
    expect(runPython(a.python, "import idna; print(idna.__version__)").stdout.trim()).toBe("3.7");
    expect(readdirSync(join(root, ".locks"))).toEqual([]);
  });

  test("a failed build leaves nothing behind", async () => {
    const python = six.python;
    const lock = "six==99.0.0\n";
    const broken: ResolvedEnvironment = { key: environmentKey(lock, python), python, lock, packages: [{ name: "six", version: "99.0.0" }], bare: false };
    let log = "";
    const problem = await problemOf(cache.ensure(broken, { log: (t) => (log += t), acquire: true }));
    expect(problem.status).toBe(422);
    expect(problem.detail).toContain("six");
    expect(log).toContain("uv pip sync");
    expect(existsSync(join(root, broken.key))).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith(".build-"))).toEqual([]);
    expect(cache.inUse(broken.key)).toBe(false);
  });

  test("list() describes each environment", async () => {
    const listed = await cache.list();
    const entry = listed.find((e) => e.key === six.key);
    expect(entry).toMatchObject({ key: six.key, path: join(root, six.key), packages: ["six==1.16.0"], pythonVersion: six.python.version, interpreter: six.python.path, inUse: 0 });
    expect(entry!.sizeBytes).toBeGreaterThan(0);
    expect(Date.parse(entry!.created)).toBeLessThanOrEqual(Date.parse(entry!.lastUsed));
  });

  test("remove() refuses an environment in use", async () => {
    const packaging = await resolve(["packaging==24.1"]);
    await cache.ensure(packaging, { acquire: true });
    const problem = await problemOf(cache.remove(packaging.key));
    expect(problem.status).toBe(409);
    cache.release(packaging.key);
    await cache.remove(packaging.key);
    expect(existsSync(join(root, packaging.key))).toBe(false);
    expect(() => cache.acquire(packaging.key)).toThrow(/not found/);
  });

  test("eviction under a cap removes the least recently used environment, never one in use", async () => {
    const both = await resolve(["six==1.16.0", "idna==3.7"]);
    await cache.ensure(both);
    const idna = await resolve(["idna==3.7"]);
    await cache.ensure(idna);
    // Oldest to newest use: six (held by a job), idna, both.
    const at = (key: string, secondsAgo: number) => {
      const t = new Date(Date.now() - secondsAgo * 1000);
      utimesSync(join(root, key, METADATA_FILE), t, t);
    };
    at(six.key, 300);
    at(idna.key, 200);
    at(both.key, 100);
    cache.acquire(six.key);

    // Over the cap, uv's download cache goes first; environments keep their own links to its files.
    const first = await cache.evict((await cache.usage()) - 1);
    expect(first.cacheCleared).toBe(true);
    expect(runPython(join(root, both.key, "bin/python"), "import six, idna").status).toBe(0);

    const second = await cache.evict((await cache.usage()) - 1);
    expect(second.removed).toEqual([idna.key]);
    expect(second.bytesAfter).toBeLessThan(second.bytesBefore);
    expect(existsSync(join(root, idna.key))).toBe(false);

    const all = await cache.evict(0);
    expect(all.removed).toEqual([both.key]);
    expect(existsSync(join(root, six.key))).toBe(true);
    expect(runPython(join(root, six.key, "bin/python"), "import six").status).toBe(0);
    cache.release(six.key);
  });
});
