import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { freePort, NODE, REPO, runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// What a new user meets in the first hour, with real processes: a saved sign-in that points at
// a stopped server or at another program, `plinth up` on a taken port and what it says when it
// starts, and a GPU job on a machine without GPUs.
const db = testDatabases()[0]!;
const work = mkdtempSync(join(tmpdir(), "plinth-first-hour-"));
// Plinth's data directories go below: as root, jobs run as nobody, who must be able to pass.
chmodSync(work, 0o711);
afterAll(() => rmSync(work, { recursive: true, force: true }));

let homes = 0;
/** A config folder (XDG_CONFIG_HOME) holding a saved sign-in to `url`, as `plinth login` writes it. */
function savedSignIn(url: string, token = "plt_saved_token_0123456789abcdef"): string {
  const home = join(work, `home-${++homes}`);
  mkdirSync(join(home, "plinth"), { recursive: true });
  writeFileSync(join(home, "plinth", "credentials.json"), JSON.stringify({ url, token }));
  return home;
}

/** The CLI with only the saved sign-in in `home` (no PLINTH_URL / PLINTH_TOKEN). */
const withSaved = (args: string[], home: string) => runCli(args, { url: "", token: "", env: { XDG_CONFIG_HOME: home } });

describe("a saved sign-in that points at no Plinth", () => {
  let other: Server;
  let otherUrl: string;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  beforeAll(async () => {
    // Another program on the address: a web site, a JSON API and a proxy with nothing behind it.
    other = createServer((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      if (req.url?.startsWith("/site/")) res.writeHead(404, { "content-type": "text/html" }).end("<html><body>Not Found</body></html>");
      else if (req.url?.startsWith("/app/")) res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><div id=root></div>");
      else if (req.url?.startsWith("/proxy/")) res.writeHead(502, { "content-type": "text/html" }).end("<h1>502 Bad Gateway</h1>");
      else res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ detail: "Not Found" }));
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => other.close(() => r())));

  it("says no Plinth is running when the port is closed, and how to start one or sign in elsewhere", async () => {
    const gone = `http://127.0.0.1:${await freePort()}`;
    const home = savedSignIn(gone);
    const r = await withSaved(["jobs", "ls"], home);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: No Plinth server is running at ${gone} (saved in ${join(home, "plinth", "credentials.json")} by \`plinth login\`)`);
    expect(r.stderr).toMatch(/hint: .*`plinth up`.*`plinth login URL --token TOKEN`/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("says another program answers, for an HTML 404, a JSON API, a web app and a proxy", async () => {
    const cases: Array<[string, RegExp]> = [
      ["/site", /is not Plinth: it answered 404 Not Found with an HTML page/],
      ["/api-server", /is not Plinth: it answered 404 Not Found with JSON that is not Plinth's/],
      ["/app", /is not Plinth: it answered 200 OK with an HTML page/],
      ["/proxy", /answered 502 Bad Gateway with an HTML page: a proxy answers there, but no Plinth behind it/],
    ];
    for (const [path, message] of cases) {
      const r = await withSaved(["jobs", "ls"], savedSignIn(otherUrl + path));
      expect(r.code, path).toBe(2);
      expect(r.stderr, path).toMatch(message);
      expect(r.stderr, path).toMatch(/\nhint: .*plinth (login|up)/);
      expect(r.stderr, path).not.toContain("The server answered");
    }
  });

  it("plinth login refuses another program before sending it the token", async () => {
    const home = join(work, "login-home");
    seen.length = 0;
    const r = await runCli(["login", `${otherUrl}/site`, "--token", "plt_not_for_strangers_0123456789"], { url: "", token: "", env: { XDG_CONFIG_HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not Plinth/);
    expect(seen.map((s) => s.url)).toEqual(["/site/healthz"]);
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(existsSync(join(home, "plinth", "credentials.json"))).toBe(false);
  });
});

/** PATH with a failing nvidia-smi first: no real GPUs, on any machine. */
function pathWithoutGpus(): string {
  const bin = join(work, "no-gpus-bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "nvidia-smi"), "#!/bin/sh\nexit 9\n");
  chmodSync(join(bin, "nvidia-smi"), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/** Starts `plinth up` as its own process; resolves with its output once it has started or ended. */
function plinthUp(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; output: string; code: number | null }> {
  const child = spawn(NODE, [join(REPO, "src/main.ts"), "up", ...args], {
    env: { ...process.env, PATH: pathWithoutGpus(), CI: "", PLINTH_URL: "", PLINTH_TOKEN: "", PLINTH_BOOTSTRAP_TOKEN: "", PLINTH_LOG_LEVEL: "warn", PLINTH_EXECUTOR_SANDBOX: "none", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`plinth up ${args.join(" ")} neither started nor ended:\n${output}`));
    }, 30_000);
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolve({ child, output, code });
    };
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes("Stop with Ctrl-C")) done(null);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => done(code));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

describe("plinth up", () => {
  it("says in one line that the port is taken, naming PLINTH_SERVER_PORT and server.port, before creating anything", async () => {
    const taken = createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("another program"));
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as AddressInfo).port;
    try {
      for (const [args, env, source] of [
        [["--port", String(port)], {}, "--port"],
        [[], { PLINTH_SERVER_PORT: String(port) }, "PLINTH_SERVER_PORT"],
      ] as const) {
        const dataDir = join(work, `taken-${source}`);
        const r = await plinthUp(["--data-dir", dataDir, ...args], env);
        expect(r.code).toBe(2);
        const lines = r.output.trim().split("\n");
        expect(lines).toEqual([`error: Port ${port} (set by ${source}) is already in use by another program.`, expect.stringMatching(/^hint: .*PLINTH_SERVER_PORT=8421 npm start.*server\.port in plinth\.yaml/)]);
        // Nothing was set up: a first admin token made now would be lost.
        expect(existsSync(join(dataDir, "plinth.db"))).toBe(false);
      }
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it("says Plinth is already running when the port is its own", async () => {
    const t = await startTestPlatform(db, "first-hour-running");
    try {
      const r = await plinthUp(["--data-dir", join(work, "second"), "--port", new URL(t.url).port], {});
      expect(r.code).toBe(2);
      expect(r.output).toContain(`error: Plinth is already running at ${t.url}.`);
    } finally {
      await t.close();
    }
  });

  it("lists pretend GPUs as pretend, or says it found none and how to pretend", async () => {
    const withFakes = await plinthUp(["--data-dir", join(work, "fakes"), "--port", "0"], { PLINTH_EXECUTOR_FAKE_GPUS: "2", XDG_CONFIG_HOME: join(work, "fakes-home") });
    await stop(withFakes.child);
    expect(withFakes.output).toMatch(/GPUs found:\n\s+GPU 0\s+Fake GPU[^\n]*\s24 GiB\s+\(pretend\)\n\s+GPU 1\s+Fake GPU[^\n]*\s24 GiB\s+\(pretend\)/);
    const none = await plinthUp(["--data-dir", join(work, "none"), "--port", "0"], { XDG_CONFIG_HOME: join(work, "none-home") });
    await stop(none.child);
    expect(none.output).toContain("No GPUs found");
    expect(none.output).toContain("PLINTH_EXECUTOR_FAKE_GPUS=2 npm start");
    expect(none.output).not.toContain("GPUs found:");
  });

  it("signs the CLI in on the first start and does not ask again while that sign-in works", async () => {
    const home = join(work, "signed-in-home");
    const dataDir = join(work, "signed-in");
    const port = String(await freePort());
    const first = await plinthUp(["--data-dir", dataDir, "--port", port], { XDG_CONFIG_HOME: home });
    await stop(first.child);
    expect(first.output).toMatch(/Admin token \(shown once/);
    expect(first.output).toContain("This machine's CLI is signed in (");
    const saved = JSON.parse(readFileSync(join(home, "plinth", "credentials.json"), "utf8"));
    expect(saved.url).toBe(`http://127.0.0.1:${port}`);

    const again = await plinthUp(["--data-dir", dataDir, "--port", port], { XDG_CONFIG_HOME: home });
    await stop(again.child);
    expect(again.output).toContain("This machine's CLI is signed in to it as admin.");
    expect(again.output).not.toContain("plinth login");

    // Signed in to another server: say so, and how to sign in here.
    const elsewhere = savedSignIn("http://gpu-box.example:8420");
    const other = await plinthUp(["--data-dir", dataDir, "--port", port], { XDG_CONFIG_HOME: elsewhere });
    await stop(other.child);
    expect(other.output).toContain(`plinth login http://127.0.0.1:${port} --token`);
    expect(other.output).toContain("(The CLI is signed in to http://gpu-box.example:8420 now.)");
  });
});

describe("a GPU job on a machine without GPUs", () => {
  let t: TestPlatform;
  const path = process.env.PATH;
  beforeAll(async () => {
    process.env.PATH = pathWithoutGpus();
    t = await startTestPlatform(db, "first-hour-no-gpus", { fakeGpus: 0 });
  });
  afterAll(async () => {
    process.env.PATH = path;
    await t?.close();
  });

  it("is refused with a hint that names --gpus and pretend GPUs", async () => {
    const r = await runCli(["run", "--no-code", "--gpus", "1", "--", "nvidia-smi"], { url: t.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("This job can never run here");
    expect(r.stderr).toMatch(/hint: .*leave out `--gpus`.*PLINTH_EXECUTOR_FAKE_GPUS=2/);
  });
});
