import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { SYSTEM_ROOTS } from "../../src/environments/interpreters.ts";
import { resolveEnvironment, type ResolveOptions } from "../../src/environments/resolve.ts";
import { EnvironmentSpecSchema } from "../../src/environments/spec.ts";
import { uvEnvironment } from "../../src/environments/uv.ts";
import { problemOf } from "../helpers/problem-of.ts";
import { describeWithUv } from "../helpers/uv.ts";

// Resolution with the real uv against the real PyPI: requirements become a pinned lock and a
// key, and what cannot be resolved is refused naming the package.

describeWithUv("environments: resolving with uv", ({ uv, test }) => {
  let dir: string;
  let opts: ResolveOptions;
  const spec = (value: unknown) => EnvironmentSpecSchema.parse(value);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plinth-env-resolve-"));
    opts = {
      uv: () => ({ program: uv, cacheDir: join(dir, "uv-cache"), sourceBuilds: false }),
      codeDir: join(dir, "code"),
      timeoutMs: 120_000,
      visibleRoots: SYSTEM_ROOTS,
    };
    mkdirSync(join(dir, "code"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("pins every package and gives the same key however the requirements are worded", async () => {
    const inline = await resolveEnvironment(spec({ packages: ["six==1.16.0"] }), opts);
    expect(inline.lock).toBe("six==1.16.0\n");
    expect(inline.packages).toEqual([{ name: "six", version: "1.16.0" }]);
    expect(inline.key).toMatch(/^[0-9a-f]{64}$/);
    expect(inline.bare).toBe(false);

    writeFileSync(join(dir, "code", "requirements.txt"), "# what the job needs\nSix == 1.16.0   # pinned\n\n");
    const fromFile = await resolveEnvironment(spec({ requirements: "requirements.txt" }), opts);
    expect(fromFile.key).toBe(inline.key);

    const loose = await resolveEnvironment(spec({ packages: ["packaging"] }), opts);
    expect(loose.lock).toMatch(/^packaging==\d+(\.\d+)*\n$/);
    expect(loose.key).not.toBe(inline.key);
  });

  test("a package that does not exist is refused by name", async () => {
    const name = `plinth-no-such-package-${process.pid}`;
    const problem = await problemOf(resolveEnvironment(spec({ packages: [name] }), opts));
    expect(problem.status).toBe(422);
    expect(problem.type).toMatch(/package-not-found$/);
    expect(problem.title).toContain(name);
    expect(problem.packages).toEqual([name]);
    expect(problem.detail).toContain("was not found in the package registry");
    expect(problem.hint).toContain("spelling");
  });

  test("a version that does not exist is refused naming the package", async () => {
    const problem = await problemOf(resolveEnvironment(spec({ packages: ["six==99.0.0"] }), opts));
    expect(problem.status).toBe(422);
    expect(problem.type).toMatch(/package-version-not-found$/);
    expect(problem.title).toBe("No such version of six");
    expect(problem.detail).toContain("six==99.0.0");
  });

  test("requirements that contradict each other are refused as a conflict, with uv's explanation", async () => {
    const problem = await problemOf(resolveEnvironment(spec({ packages: ["six==1.16.0", "six==1.15.0"] }), opts));
    expect(problem.status).toBe(422);
    expect(problem.title).toContain("six");
    expect(problem.detail).toMatch(/six==1\.1[56]\.0/);
    expect(problem.detail).not.toMatch(/[×╰▶]/);
  });

  test("options in a requirements file are refused before uv runs, naming the line", async () => {
    writeFileSync(join(dir, "code", "options.txt"), "six==1.16.0\n--index-url http://example.invalid/simple\n");
    const problem = await problemOf(resolveEnvironment(spec({ requirements: "options.txt" }), opts));
    expect(problem.detail).toContain("options.txt line 2");
    expect(problem.detail).toContain("--index-url");
  });

  test("a requirements file outside the code folder is refused", async () => {
    symlinkSync("/etc/hostname", join(dir, "code", "escape.txt"));
    const problem = await problemOf(resolveEnvironment(spec({ requirements: "escape.txt" }), opts));
    expect(problem.detail).toContain("outside the job's code folder");
  });

  test("a project's uv.lock gives its locked packages, the project itself left out", async () => {
    const project = join(dir, "code", "project");
    mkdirSync(project);
    writeFileSync(join(project, "pyproject.toml"), '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.9"\ndependencies = ["six==1.16.0"]\n');
    const lock = spawnSync(uv, ["lock", "--quiet"], { cwd: project, encoding: "utf8", env: uvEnvironment(opts.uv()) });
    expect(lock.status, lock.stderr).toBe(0);
    const resolved = await resolveEnvironment(spec({ project: "project" }), opts);
    expect(resolved.lock).toBe("six==1.16.0\n");
  });

  test("a Python version that is not installed is refused, naming the installed ones", async () => {
    const problem = await problemOf(resolveEnvironment(spec({ python: "3.2", packages: ["six"] }), opts));
    expect(problem.title).toBe("Python 3.2 is not installed");
    expect(problem.detail).toMatch(/Installed: 3\.\d+\.\d+ \(\/usr/);
    expect(problem.hint).toMatch(/Ask for "3\.\d+"/);
  });

  test("an interpreter jobs cannot see is refused", async () => {
    const hidden = join(dir, "python3");
    symlinkSync("/usr/bin/python3", hidden);
    const problem = await problemOf(resolveEnvironment(spec({ python: hidden, packages: ["six"] }), opts));
    expect(problem.title).toBe("Python interpreter not visible to jobs");
    expect(problem.hint).toContain("executor.readOnlyPaths");
  });

  test("a spec with only a Python needs no uv and builds nothing", async () => {
    const resolved = await resolveEnvironment(spec({ python: "/usr/bin/python3" }), {
      ...opts,
      uv: () => {
        throw new Error("uv asked for");
      },
    });
    expect(resolved.bare).toBe(true);
    expect(resolved.python.path).toBe("/usr/bin/python3");
    expect(resolved.python.version).toMatch(/^3\.\d+\.\d+$/);
  });
});
