import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, NODE, REPO, runCli, startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";
import { describeWithPodman, podmanOutput } from "../helpers/podman.ts";

// `plinth workspace up --local`, for real: the image is built with podman from the generated
// Containerfile on the Debian base image (which has no Python: the Containerfile installs
// Debian's, then uv and JupyterLab from PyPI), the container runs with a project folder
// mounted, JupyterLab answers on the printed address with its token and shows the folder's
// file, Ctrl-C (SIGINT) stops it and nothing is left running. The same environment uses the
// image built before; a workspace's spec is read from the server.

const CA_FOLDER = "/usr/local/share/ca-certificates";
const BASE = "localhost/plinth-test-workspace-base:1";

describeWithPodman("plinth workspace up --local", ({ podman, test }) => {
  let dir: string;
  let project: string;
  let env: Record<string, string>;
  let t: TestPlatform | undefined;
  const built = new Set<string>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plinth-workspace-local-"));
    project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "notes.txt"), "from the project folder\n");
    // The tests' containers.conf gives containers no network; building and publishing a port need one.
    const conf = join(dir, "containers.conf");
    writeFileSync(conf, readFileSync(podman.config, "utf8").replace(/^netns\s*=.*$/m, ""));
    env = { CONTAINERS_CONF: conf, PATH: `${join(podman.program, "..")}:${process.env.PATH ?? "/usr/bin:/bin"}` };
    // Where this machine reaches PyPI through a proxy that signs with its own CA, the base carries
    // that CA (the Containerfile's apt step installs ca-certificates, which takes it in).
    const context = join(dir, "base");
    mkdirSync(join(context, "cas"), { recursive: true });
    const cas = existsSync(CA_FOLDER) ? readdirSync(CA_FOLDER).filter((f) => f.endsWith(".crt")) : [];
    for (const f of cas) writeFileSync(join(context, "cas", f), readFileSync(join(CA_FOLDER, f)));
    writeFileSync(
      join(context, "Containerfile"),
      `FROM ${podman.image}\nCOPY cas/ ${CA_FOLDER}/\nENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\n`,
    );
    podmanWith(["build", "--quiet", "--tag", BASE, context]);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    for (const tag of [...built, BASE]) podmanWith(["rmi", "--force", tag], true);
    rmSync(dir, { recursive: true, force: true });
  });

  function podmanWith(args: string[], tolerant = false): string {
    if (tolerant) {
      try {
        return podmanOutput({ ...podman, config: env.CONTAINERS_CONF! }, args);
      } catch {
        return "";
      }
    }
    return podmanOutput({ ...podman, config: env.CONTAINERS_CONF! }, args);
  }

  test("builds the environment once, runs JupyterLab on the printed address with the project folder, and stops on Ctrl-C", async () => {
    const up = startUp(["workspace", "up", "--local", "--base", BASE, "--packages", "six", "--dir", project], env);
    const { url, port, token } = await up.opened(170_000);
    expect(up.stderr()).toMatch(/Building localhost\/plinth-workspace:[0-9a-f]{12} for the packages given/);
    built.add(up.stderr().match(/localhost\/plinth-workspace:[0-9a-f]{12}/)![0]);
    expect(url).toBe(`http://127.0.0.1:${port}/lab?token=${token}`);

    expect((await fetch(url)).status).toBe(200);
    const file = await fetch(`http://127.0.0.1:${port}/api/contents/notes.txt?content=1`, { headers: { authorization: `token ${token}` } });
    expect(file.status).toBe(200);
    expect(((await file.json()) as { content: string }).content).toBe("from the project folder\n");
    expect((await fetch(`http://127.0.0.1:${port}/api/contents/notes.txt`)).status).toBe(403);
    // The token is nowhere in the container's command line.
    const name = up.stderr().match(/container (plinth-local-[0-9a-f]+)/)![1]!;
    expect(podmanWith(["ps", "--format", "{{.Command}}", "--filter", `name=${name}`])).not.toContain(token);

    up.child.kill("SIGINT");
    expect(await up.exited(60_000)).toBe(0);
    expect(podmanWith(["ps", "--all", "--quiet", "--filter", `name=${name}`]).trim()).toBe("");
  });

  test("uses the image built before for the same environment, on the port asked for", async () => {
    const port = await freePort();
    const up = startUp(["workspace", "up", "--local", "--base", BASE, "--packages", "six", "--dir", project, "--port", String(port)], env);
    const opened = await up.opened(120_000);
    expect(opened.port).toBe(port);
    expect(up.stderr()).toMatch(/Using localhost\/plinth-workspace:[0-9a-f]{12} \(the packages given\), built before/);
    expect(up.stderr()).not.toContain("Building");
    up.child.kill("SIGTERM");
    expect(await up.exited(60_000)).toBe(0);
  });

  test("takes a workspace's environment from the server", async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "workspace-local");
    // No packages: the server pins none (no uv needed), and JupyterLab alone is built here.
    const created = await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "analysis", resources: { cpus: 0.2, memory: "256M" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await t.api("POST", `/api/v1/workspaces/${created.body.id}/stop`);
    expect((await t.api("GET", "/api/v1/workspaces/analysis")).body.environmentSpec).toBeNull();

    const up = startUp(["workspace", "up", "--local", "analysis", "--base", BASE, "--dir", project], { ...env, PLINTH_URL: t.url, PLINTH_TOKEN: TOKEN });
    const { port, token } = await up.opened(150_000);
    built.add(up.stderr().match(/localhost\/plinth-workspace:[0-9a-f]{12}/)![0]);
    expect(up.stderr()).toMatch(/serves ssh on the server; here its environment runs JupyterLab/);
    expect(up.stderr()).toMatch(/localhost\/plinth-workspace:[0-9a-f]{12} for workspace analysis/);
    const listing = await fetch(`http://127.0.0.1:${port}/api/contents/`, { headers: { authorization: `token ${token}` } });
    expect(((await listing.json()) as { content: Array<{ name: string }> }).content.map((c) => c.name)).toContain("notes.txt");
    up.child.kill("SIGTERM");
    expect(await up.exited(60_000)).toBe(0);
  });
});

describe("plinth workspace up refuses what it cannot do", () => {
  const cli = (args: string[]) => runCli(args, { url: "http://127.0.0.1:9" });
  it("without --local, with --app ssh, or with a workspace and packages both", async () => {
    const noLocal = await cli(["workspace", "up"]);
    expect(noLocal.code).toBe(2);
    expect(noLocal.stderr).toContain("give --local");
    const ssh = await cli(["workspace", "up", "--local", "--app", "ssh"]);
    expect(ssh.code).toBe(2);
    expect(ssh.stderr).toMatch(/--app ssh makes no sense on your own computer[\s\S]*terminal/);
    const both = await cli(["workspace", "up", "--local", "analysis", "--packages", "six", "--engine", "/bin/true"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("not both");
  });
});

/** `plinth workspace up` running in the background, its output collected. */
function startUp(args: string[], env: Record<string, string>) {
  const child: ChildProcessWithoutNullStreams = spawn(NODE, [join(REPO, "src/main.ts"), ...args], {
    cwd: REPO,
    env: { ...process.env, XDG_CONFIG_HOME: join(tmpdir(), "plinth-cli-test-config"), ...env },
  });
  const out = { stdout: "", stderr: "" };
  for (const stream of ["stdout", "stderr"] as const) child[stream].on("data", (d) => (out[stream] += d));
  const exit = new Promise<number>((done) => child.on("close", (code) => done(code ?? -1)));
  child.stdin.end();
  return {
    child,
    stderr: () => out.stderr,
    async opened(timeoutMs: number): Promise<{ url: string; port: number; token: string }> {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until && child.exitCode === null) {
        const m = out.stdout.match(/^Open (http:\/\/127\.0\.0\.1:(\d+)\/lab\?token=([0-9a-f]+))$/m);
        if (m) return { url: m[1]!, port: Number(m[2]), token: m[3]! };
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill("SIGKILL");
      throw new Error(`no Open line (exit ${child.exitCode})\nstdout: ${out.stdout}\nstderr: ${out.stderr.slice(-4000)}`);
    },
    exited(timeoutMs: number): Promise<number> {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      return exit.finally(() => clearTimeout(timer));
    },
  };
}
