import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  baseImage,
  buildArgv,
  containerfile,
  findEngine,
  imageTag,
  jupyterCommand,
  labUrl,
  localFromNamed,
  localFromSpec,
  requirements,
  runArgv,
} from "../../src/cli/workspace-local.ts";
import type { NamedEnvironmentDetailView, NamedEnvironmentVersionView } from "../../src/environments/named/spec.ts";

// `plinth workspace up --local`: what it builds (the Containerfile, the requirements, the tag)
// and the argv it gives podman or docker, from a workspace's environment, a named one's
// pinned packages, or packages given directly.

const version = (n: number, pinned: Partial<NamedEnvironmentVersionView["pinned"]> = {}): NamedEnvironmentVersionView => ({
  version: n,
  python: "3.12",
  packages: ["numpy"],
  pinned: { key: `k${n}`, python: "3.12.7", packages: [`numpy==2.${n}.0`, "jupyterlab==4.4.1"], image: null, ...pinned },
  publishedBy: "ada",
  createdAt: "2026-11-01T00:00:00Z",
});
const detail = (versions: NamedEnvironmentVersionView[]): NamedEnvironmentDetailView => ({
  name: "pytorch",
  team: "vision",
  teamId: "t1",
  description: "",
  owner: "ada",
  latest: versions[0]!,
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
  versions,
  recentJobs: [],
});

describe("the environment built locally", () => {
  it("takes packages as given, with JupyterLab added once", () => {
    expect(localFromSpec({ python: "3.11", packages: ["pandas>=2", " six "] }, "x")).toEqual({ python: "3.11", packages: ["pandas>=2", "six", "jupyterlab"], source: "x" });
    expect(localFromSpec({ packages: ["jupyterlab==4.4.1"] }, "x").packages).toEqual(["jupyterlab==4.4.1"]);
    expect(localFromSpec(null, "x")).toEqual({ python: null, packages: ["jupyterlab"], source: "x" });
  });

  it("takes a named environment's pinned packages and Python, the latest or the version asked", () => {
    const d = detail([version(3), version(2)]);
    expect(localFromNamed(d, "pytorch")).toEqual({ python: "3.12.7", packages: ["numpy==2.3.0", "jupyterlab==4.4.1"], source: "vision/pytorch@3" });
    expect(localFromNamed(d, "pytorch@2").packages[0]).toBe("numpy==2.2.0");
    expect(() => localFromNamed(d, "pytorch@9")).toThrow(/no version 9/);
    expect(localFromNamed(detail([version(1, { packages: ["numpy==2.0.0"] })]), "pytorch").packages).toEqual(["numpy==2.0.0", "jupyterlab"]);
  });

  it("refuses what only the server has: an image, or requirements from a job's code", () => {
    expect(() => localFromSpec({ image: "localhost/plinth-env:abc" }, "workspace w")).toThrow(/image localhost\/plinth-env:abc/);
    expect(() => localFromSpec({ requirements: "requirements.txt" }, "workspace w")).toThrow(/requirements\.txt/);
    const reference = { reference: "localhost/r:4.4", id: "sha256:1", digest: null };
    expect(() => localFromNamed(detail([version(1, { image: reference })]), "pytorch")).toThrow(/localhost\/r:4\.4/);
    const said: string[] = [];
    expect(localFromSpec({ python: "/opt/conda/bin/python", packages: [] }, "workspace w", (l) => said.push(l)).python).toBeNull();
    expect(said.join()).toContain("/opt/conda/bin/python");
  });
});

describe("the image", () => {
  it("starts from the slim Python image of the version's minor release, or --base", () => {
    expect(baseImage("3.12.7")).toBe("docker.io/library/python:3.12-slim");
    expect(baseImage("3.11")).toBe("docker.io/library/python:3.11-slim");
    expect(baseImage(null)).toBe("docker.io/library/python:3.12-slim");
    expect(baseImage("3.11", "localhost/plinth-test-base:1")).toBe("localhost/plinth-test-base:1");
  });

  it("installs uv from PyPI, then the packages from requirements.txt, never spelled in a shell line", () => {
    const file = containerfile("docker.io/library/python:3.12-slim");
    const lines = file.trim().split("\n");
    expect(lines[0]).toBe("FROM docker.io/library/python:3.12-slim");
    expect(file).toContain("pip install --no-cache-dir --disable-pip-version-check uv");
    expect(file).toMatch(/apt-get install -y --no-install-recommends python3 python3-venv/);
    expect(file).toContain("COPY requirements.txt /opt/plinth/requirements.txt");
    expect(file).toContain("uv pip install --no-cache --python /opt/plinth/bin/python -r /opt/plinth/requirements.txt");
    expect(lines.filter((l) => l.startsWith("FROM"))).toHaveLength(1);
    expect(requirements({ python: null, packages: ["numpy==2.1.0", "jupyterlab"], source: "" })).toBe("numpy==2.1.0\njupyterlab\n");
  });

  it("is tagged by a short hash of what goes into it: the same environment, the same tag", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(==[0-9]\.[0-9])?$/), { maxLength: 6 }), fc.constantFrom("a:1", "b:2"), (packages, base) => {
        const env = localFromSpec({ packages }, "x");
        const reqs = requirements(env);
        const tag = imageTag(containerfile(base), reqs);
        expect(tag).toMatch(/^localhost\/plinth-workspace:[0-9a-f]{12}$/);
        expect(imageTag(containerfile(base), reqs)).toBe(tag);
        expect(imageTag(containerfile(base === "a:1" ? "b:2" : "a:1"), reqs)).not.toBe(tag);
        expect(imageTag(containerfile(base), `${reqs}extra\n`)).not.toBe(tag);
        expect(reqs.split("\n").filter((l) => l === "jupyterlab")).toHaveLength(packages.includes("jupyterlab") ? packages.filter((p) => p === "jupyterlab").length : 1);
      }),
    );
  });

  it("is built from a folder of its own, by argv", () => {
    expect(buildArgv("localhost/plinth-workspace:0123456789ab", "/tmp/ctx")).toEqual(["build", "--tag", "localhost/plinth-workspace:0123456789ab", "--file", "/tmp/ctx/Containerfile", "/tmp/ctx"]);
  });
});

describe("the container", () => {
  const base = { tag: "localhost/plinth-workspace:0123456789ab", name: "plinth-local-1", port: 41234, dir: "/home/ada/project" };

  it("publishes JupyterLab on 127.0.0.1 only, mounts the folder SELinux-safe, and keeps the token out of argv", () => {
    const argv = runArgv({ ...base, engine: "podman", tty: true });
    expect(argv).toEqual([
      "run",
      "--rm",
      "-it",
      "--init",
      "--name",
      "plinth-local-1",
      "-p",
      "127.0.0.1:41234:8888",
      "-v",
      "/home/ada/project:/home/project:Z",
      "-w",
      "/home/project",
      "-e",
      "JUPYTER_TOKEN",
      "localhost/plinth-workspace:0123456789ab",
      ...jupyterCommand(),
    ]);
    expect(jupyterCommand()).toEqual(expect.arrayContaining(["--ip=0.0.0.0", "--port=8888", "--ServerApp.root_dir=/home/project"]));
    expect(argv.join(" ")).not.toMatch(/token=/i);
    expect(labUrl(41234, "abc")).toBe("http://127.0.0.1:41234/lab?token=abc");
  });

  it("asks for a terminal only when there is one, and runs docker as the person", () => {
    expect(runArgv({ ...base, engine: "podman", tty: false })).not.toContain("-it");
    const docker = runArgv({ ...base, engine: "docker", tty: false, user: "1000:1000" });
    expect(docker.slice(docker.indexOf("--user"), docker.indexOf("--user") + 4)).toEqual(["--user", "1000:1000", "-e", "HOME=/tmp"]);
    expect(runArgv({ ...base, engine: "podman", tty: false, user: "1000:1000" })).not.toContain("--user");
  });
});

describe("the engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "plinth-engine-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const program = (folder: string, name: string) => {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, name), "#!/bin/sh\n");
    chmodSync(join(dir, folder, name), 0o755);
    return join(dir, folder, name);
  };

  it("is podman where it is on PATH, else docker, else an error saying how to install one", () => {
    const docker = program("a", "docker");
    const podman = program("b", "podman");
    expect(findEngine(undefined, `${join(dir, "a")}:${join(dir, "b")}`)).toEqual({ program: podman, kind: "podman" });
    expect(findEngine(undefined, join(dir, "a"))).toEqual({ program: docker, kind: "docker" });
    expect(findEngine("docker", `${join(dir, "b")}:${join(dir, "a")}`)).toEqual({ program: docker, kind: "docker" });
    expect(findEngine(docker, "")).toEqual({ program: docker, kind: "docker" });
    expect(() => findEngine(undefined, join(dir, "none"))).toThrow(/Neither podman nor docker/);
    const thrown = (() => {
      try {
        findEngine(undefined, "");
      } catch (err) {
        return err as { hint?: string };
      }
    })();
    expect(thrown?.hint).toMatch(/apt install podman/);
  });
});
