import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DiskLedger } from "../../src/environments/disk-usage.ts";
import { normaliseLock } from "../../src/environments/resolve.ts";
import { EnvironmentSpecSchema, requirementLineProblem, requirementLines } from "../../src/environments/spec.ts";
import { uvExplanation, uvFailure } from "../../src/environments/uv-errors.ts";
import { uvEnvironment } from "../../src/environments/uv.ts";

// The environment spec, requirement lines, uv's messages and the disk ledger: the parts of
// environments that need no uv.

const issues = (value: unknown) => {
  const r = EnvironmentSpecSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("environment spec", () => {
  it("accepts versions, interpreter paths, requirements files, packages and projects", () => {
    expect(issues({ python: "3.12", requirements: "requirements.txt" })).toEqual([]);
    expect(issues({ python: "3.11.2", packages: ["numpy==2.1.*", "pandas>=2; python_version >= '3.10'"] })).toEqual([]);
    expect(issues({ python: "/opt/conda/envs/x/bin/python" })).toEqual([]);
    expect(issues({ project: "." })).toEqual([]);
    expect(issues({})).toEqual([]);
  });

  it("refuses what it cannot build, saying why", () => {
    expect(issues({ python: "python3" })[0]).toMatch(/^python: a Python version such as "3.12"/);
    expect(issues({ requirements: "../secrets.txt" })[0]).toMatch(/^requirements: .*without '\.\.'/);
    expect(issues({ requirements: "/etc/passwd" })[0]).toMatch(/^requirements: .*relative/);
    expect(issues({ project: ".", packages: ["six"] })[0]).toMatch(/^project: .*not both/);
    expect(issues({ packages: ["-e ."] })[0]).toMatch(/^packages\.0: editable installs/);
    expect(issues({ packages: ["six", "--extra-index-url=http://x"] })[0]).toMatch(/^packages\.1: the option --extra-index-url is not accepted/);
    expect(issues({ color: "red" })).toHaveLength(1);
  });

  it("takes packages from the index or https URLs only", () => {
    expect(requirementLineProblem("six==1.16.0")).toBeNull();
    expect(requirementLineProblem("torch @ https://download.example.org/torch-2.5.0-cp312-linux_x86_64.whl")).toMatch(/is a direct reference: only packages from the package index/);
    expect(requirementLineProblem("https://internal.example/x.whl")).toMatch(/is a direct reference/);
    expect(requirementLineProblem("x @ etc/passwd")).toMatch(/is a direct reference/);
    expect(requirementLineProblem('six==1.16.0 ; python_version >= "3.8"')).toBeNull();
    expect(requirementLineProblem("./vendor/pkg")).toMatch(/local path/);
    expect(requirementLineProblem("pkg @ file:///etc/pkg")).toMatch(/is a direct reference/);
    expect(requirementLineProblem("pkg @ git+https://github.com/x/y")).toMatch(/is a direct reference/);
    expect(requirementLineProblem("-r other.txt")).toMatch(/-r is not followed/);
  });

  it("reads requirements files as pip writes them: comments, continuations, hashes", () => {
    const text = "# top\nsix==1.16.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\n\nidna  # why\r\ntorch @ https://x.org/t.whl#sha256=abc\n";
    expect(requirementLines(text)).toEqual([
      { text: "six==1.16.0", line: 2 },
      { text: "idna", line: 6 },
      { text: "torch @ https://x.org/t.whl#sha256=abc", line: 7 },
    ]);
  });
});

describe("locks", () => {
  it("are sorted name==version lines with names normalised", () => {
    const { lock, packages } = normaliseLock("Zope.Interface==7.1\nsix==1.16.0\n    # via -r -\nfoo_bar[extra]==1.0\n");
    expect(lock).toBe("foo-bar==1.0\nsix==1.16.0\nzope-interface==7.1\n");
    expect(packages.map((p) => p.name)).toEqual(["foo-bar", "six", "zope-interface"]);
  });
});

describe("uv's messages", () => {
  const failed = (stderr: string) => uvFailure({ code: 1, signal: null, stdout: "", stderr, timedOut: false }, { doing: "resolve the environment" }).problem;

  it("keep uv's explanation without its drawing characters", () => {
    const stderr = "  × No solution found when resolving dependencies:\n  ╰─▶ Because there is no version of six==99.0.0 and you require six==99.0.0, we can conclude that your requirements are unsatisfiable.\n";
    expect(uvExplanation(stderr)).toBe("No solution found when resolving dependencies:\nBecause there is no version of six==99.0.0 and you require six==99.0.0, we can conclude that your requirements are unsatisfiable.");
    const problem = failed(stderr);
    expect(problem.title).toBe("No such version of six");
    expect(problem.packages).toEqual(["six"]);
  });

  it("name a conflict's packages", () => {
    const problem = failed("  × No solution found when resolving dependencies:\n  ╰─▶ Because you require six==1.16.0 and you require six==1.15.0, we can conclude that your requirements are unsatisfiable.\n");
    expect(problem.title).toBe("Conflicting requirements: six");
  });

  it("tell an unreachable index from a bad requirement", () => {
    const problem = failed("error: Failed to fetch: `https://pypi.org/simple/six/`\n  Caused by: Request failed after 3 retries\n  Caused by: error sending request for url (https://pypi.org/simple/six/)\n  Caused by: client error (Connect)\n  Caused by: dns error: failed to lookup address information\n");
    expect(problem.status).toBe(503);
    expect(problem.title).toBe("Package index unreachable");
    expect(problem.hint).toContain("environments.indexUrl");
  });

  it("say when time ran out", () => {
    const problem = uvFailure({ code: null, signal: "SIGKILL", stdout: "", stderr: "", timedOut: true }, { doing: "install the packages" }).problem;
    expect(problem.status).toBe(504);
    expect(problem.hint).toContain("environments.buildTimeout");
  });
});

describe("uv's environment", () => {
  it("carries uv's own settings and the network's, nothing else", () => {
    const env = uvEnvironment({ program: "/x/uv", cacheDir: "/d/environments/.uv-cache", sourceBuilds: false }, { HTTPS_PROXY: "http://proxy:3128", PIP_INDEX_URL: "http://evil", UV_INDEX_URL: "http://evil", PYTHONPATH: "/x" });
    expect(env.HTTPS_PROXY).toBe("http://proxy:3128");
    expect(env.UV_PYTHON_DOWNLOADS).toBe("never");
    expect(env.UV_NO_CONFIG).toBe("1");
    expect(env.UV_CACHE_DIR).toBe("/d/environments/.uv-cache");
    expect(Object.keys(env).filter((k) => /INDEX|PYTHONPATH/.test(k))).toEqual([]);
  });
});

describe("disk ledger", () => {
  it("counts a hard-linked file once and frees it with its last link", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-ledger-"));
    try {
      for (const sub of ["cache", "a", "b"]) mkdirSync(join(dir, sub));
      writeFileSync(join(dir, "cache", "big"), Buffer.alloc(256 * 1024, 1));
      linkSync(join(dir, "cache", "big"), join(dir, "a", "big"));
      linkSync(join(dir, "cache", "big"), join(dir, "b", "big"));
      writeFileSync(join(dir, "a", "own"), Buffer.alloc(64 * 1024, 2));
      const ledger = new DiskLedger();
      const cache = await ledger.add(join(dir, "cache"));
      const a = await ledger.add(join(dir, "a"));
      const b = await ledger.add(join(dir, "b"));
      const total = ledger.bytes;
      expect(total).toBeGreaterThanOrEqual(320 * 1024);
      expect(total).toBeLessThan(400 * 1024);
      // a's own file and its folder go; the shared file stays while b and the cache link it.
      const freedA = ledger.remove(a);
      expect(freedA).toBeGreaterThanOrEqual(64 * 1024);
      expect(freedA).toBeLessThan(256 * 1024);
      ledger.remove(cache);
      expect(ledger.remove(b)).toBeGreaterThanOrEqual(256 * 1024);
      expect(ledger.bytes).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
