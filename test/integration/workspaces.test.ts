import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { startPlatform } from "../../src/app.ts";
import { push } from "../helpers/data.ts";
import { describeWithPeer } from "../helpers/describe-with-peer.ts";
import { freePort, makeApi, REPO, runCli, startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";
import { runProgram } from "../../src/core/run-program.ts";
import { registeredKey, sshdPeer, waitForWorkspace } from "../helpers/workspaces.ts";

// Workspaces on a real server with the bubblewrap sandbox: SSH-only workspaces (no Python
// environment to build) reached by the real OpenSSH client through `plinth ssh` and
// `plinth config-ssh`, their lifecycle, idle stop, restarts and who may enter them.
// JupyterLab through the proxy is in test/browser/workspaces.test.ts.

/** An HTTP upgrade to a workspace's SSH as someone: the status and problem the server answers (101 when let through). */
function tunnelAs(url: string, id: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(`${url}/api/v1/workspaces/${id}/ssh`, { headers: { authorization: `Bearer ${token}`, connection: "Upgrade", upgrade: "plinth-ssh" } });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      done({ status: res.statusCode ?? 0, body: "" });
    });
    req.on("response", async (res) => done({ status: res.statusCode ?? 0, body: await new Response(res as unknown as ReadableStream).text() }));
    req.on("error", fail);
    req.end();
  });
}

describeWithPeer("workspaces", sshdPeer, ({ test }) => {
  let t: TestPlatform;
  let key: { keyFile: string; home: string };
  let bob: string;
  const cli = (args: string[], token = TOKEN) => runCli(args, { url: t.url, token, env: { HOME: key.home }, timeoutMs: 60_000 });

  beforeAll(async () => {
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "workspaces", { sandbox: "bubblewrap", fakeGpus: 2, extra: { workspaces: { checkInterval: "500ms" } } });
    key = await registeredKey(t, TOKEN, "laptop");
    bob = (await t.api("POST", "/api/v1/users", { name: "bob", team: "default", teamRole: "member" })).body.token;
  }, 60_000);
  afterAll(() => t?.close());

  test("an SSH workspace runs commands with its GPU, takes files by scp, forwards a port, and keeps its home across sessions", async () => {
    const created = await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "shell", resources: { cpus: 0.5, memory: "512M", gpus: 1 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.state).toBe("requested");
    const ws = await waitForWorkspace(t, created.body.id, ["running"]);
    const job = (await t.api("GET", `/api/v1/jobs/${ws.jobId}`)).body;

    const shell = await cli(["ssh", "-i", key.keyFile, "shell", "--", "sh", "-c", "'echo gpus=$CUDA_VISIBLE_DEVICES; id -un; pwd; echo hello > note.txt'"]);
    expect(shell.code, shell.stderr).toBe(0);
    const [gpus, login, cwd] = shell.stdout.trim().split("\n");
    expect(gpus).toBe(`gpus=${job.assignedGpus.map((g: { index: number }) => g.index).join(",")}`);
    expect(login).toBe("admin");
    expect(cwd).toBe("/home/admin");

    const config = join(key.home, "ssh_config");
    const written = await cli(["config-ssh", "--file", config]);
    expect(written.code, written.stderr).toBe(0);
    expect(readFileSync(config, "utf8")).toContain("Host plinth-shell");
    const local = join(key.home, "data.txt");
    writeFileSync(local, "copied by scp\n");
    const scp = await runProgram({ program: "scp", args: ["-F", config, "-i", key.keyFile, local, "plinth-shell:copied.txt"], env: { ...process.env, HOME: key.home, PLINTH_URL: t.url, PLINTH_TOKEN: TOKEN } as Record<string, string>, timeoutMs: 60_000 });
    expect(scp.code, scp.stderr).toBe(0);
    const homeOnHost = join(t.dataDir, "homes", ws.ownerId);
    expect(readFileSync(join(homeOnHost, "copied.txt"), "utf8")).toBe("copied by scp\n");

    // A web app started inside (TensorBoard's place), reached through `plinth ssh -L`.
    const inside = await freePort();
    const outside = await freePort();
    const server = await cli(["ssh", "-i", key.keyFile, "shell", "--", "sh", "-c", `'nohup python3 -m http.server ${inside} --bind 127.0.0.1 >/dev/null 2>&1 & sleep 1'`]);
    expect(server.code, server.stderr).toBe(0);
    const forward = spawn(process.execPath, [join(REPO, "src/main.ts"), "ssh", "-i", key.keyFile, "-L", `${outside}:127.0.0.1:${inside}`, "shell", "--", "sleep", "20"], {
      env: { ...process.env, HOME: key.home, PLINTH_URL: t.url, PLINTH_TOKEN: TOKEN },
      stdio: "ignore",
    });
    try {
      let listing = "";
      for (let i = 0; i < 50 && !listing.includes("note.txt"); i++) {
        listing = await fetch(`http://127.0.0.1:${outside}/`).then((r) => r.text(), () => "");
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(listing).toContain("note.txt");
    } finally {
      forward.kill();
    }

    const stopped = await t.api("POST", "/api/v1/workspaces/shell/stop");
    expect(stopped.status).toBe(200);
    const after = await waitForWorkspace(t, ws.id, ["stopped"]);
    expect(after.stopReason).toBe("owner");
    expect((await t.waitFor(ws.jobId)).state).toBe("cancelled");

    const again = await t.api("POST", "/api/v1/workspaces/shell/start");
    expect(again.status).toBe(200);
    const second = await waitForWorkspace(t, ws.id, ["running"]);
    expect(second.jobId).not.toBe(ws.jobId);
    const kept = await cli(["ssh", "-i", key.keyFile, "shell", "--", "cat", "note.txt"]);
    expect(kept.stdout).toBe("hello\n");
    const events = (await t.api("GET", `/api/v1/workspaces/${ws.id}/events`)).body.items.map((e: { to: string }) => e.to);
    expect(events).toEqual(["requested", "starting", "running", "stopping", "stopped", "requested", "starting", "running"]);
    await t.api("POST", "/api/v1/workspaces/shell/stop");
    await waitForWorkspace(t, ws.id, ["stopped"]);
  });

  test("a workspace mounts its team's datasets read-only, by name, in ~/datasets", async () => {
    expect((await push(t, "iris", { "iris.csv": "a,b\n1,2\n" })).status).toBeLessThan(300);
    const ws = (await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "with-data", datasets: ["iris"], resources: { cpus: 0.2, memory: "256M" } })).body;
    await waitForWorkspace(t, ws.id, ["running"]);
    const r = await cli(["ssh", "-i", key.keyFile, "with-data", "--", "sh", "-c", "'cat ~/datasets/iris/iris.csv; touch ~/datasets/iris/new 2>/dev/null || echo read-only'"]);
    expect(r.stdout, r.stderr).toBe("a,b\n1,2\nread-only\n");
    await t.api("POST", `/api/v1/workspaces/${ws.id}/stop`);
    await waitForWorkspace(t, ws.id, ["stopped"]);
  });

  test("another member cannot see, open or SSH into a workspace not shared with them; one without a key is refused when it is shared", async () => {
    const mine = (await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "private-one", resources: { cpus: 0.2, memory: "256M" } })).body;
    const shared = (await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "shared-one", shared: true, resources: { cpus: 0.2, memory: "256M" } })).body;
    await waitForWorkspace(t, mine.id, ["running"]);
    await waitForWorkspace(t, shared.id, ["running"]);

    expect((await t.api("GET", `/api/v1/workspaces/${mine.id}`, undefined, bob)).status).toBe(404);
    expect((await t.api("GET", "/api/v1/workspaces?all=true", undefined, bob)).body.items.map((w: { id: string }) => w.id)).toEqual([shared.id]);
    expect((await fetch(`${t.url}/w/${mine.id}/`, { headers: { authorization: `Bearer ${bob}` } })).status).toBe(404);
    expect((await tunnelAs(t.url, mine.id, bob)).status).toBe(404);
    expect((await t.api("POST", `/api/v1/workspaces/${mine.id}/stop`, undefined, bob)).status).toBe(404);
    expect((await t.api("POST", `/api/v1/workspaces/${shared.id}/stop`, undefined, bob)).status).toBe(403);

    const refused = await tunnelAs(t.url, shared.id, bob);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).hint).toContain("plinth ssh-keys add");
    const viaCli = await cli(["ssh", "shared-one"], bob);
    expect(viaCli.code).not.toBe(0);
    expect(`${viaCli.stdout}${viaCli.stderr}`).not.toContain("Welcome");
    // Without any credential there is nothing to see at all.
    expect((await fetch(`${t.url}/w/${mine.id}/`)).status).toBe(401);
    expect((await tunnelAs(t.url, mine.id, "plt_not_a_real_token_000000000000000000000")).status).toBe(401);

    for (const w of [mine, shared]) await t.api("POST", `/api/v1/workspaces/${w.id}/stop`);
    for (const w of [mine, shared]) await waitForWorkspace(t, w.id, ["stopped"]);
  });

  test("a workspace's user cannot turn the server's connections or writes elsewhere with links", async () => {
    const ws = (await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "links", resources: { cpus: 0.2, memory: "256M" } })).body;
    await waitForWorkspace(t, ws.id, ["running"]);
    // A socket of root's that the workspace must never reach through the server.
    const bait = join(t.dataDir, "..", `plinth-bait-${ws.id}.sock`);
    let reached = 0;
    const server = createServer((c) => {
      reached++;
      c.destroy();
    });
    await new Promise<void>((r) => server.listen(bait, r));
    try {
      const state = join(t.dataDir, "runs", ws.jobId, "work", ".plinth");
      const keys = join(t.dataDir, "runs", ws.jobId, "ssh", "authorized_keys");
      const swap = await cli(["ssh", "-i", key.keyFile, "links", "--", "sh", "-c", `'ln -sf ${bait} ${state}/app.sock; echo x >> ${keys} 2>/dev/null || echo keys-read-only; mv ${state}/ssh.sock ${state}/moved.sock && ln -s ${bait} ${state}/ssh.sock && echo swapped'`]);
      expect(swap.stdout, swap.stderr).toBe("keys-read-only\nswapped\n");
      expect((await tunnelAs(t.url, ws.id, TOKEN)).status).toBe(502);
      expect(reached).toBe(0);
    } finally {
      server.close();
      await t.api("POST", `/api/v1/workspaces/${ws.id}/stop`);
      await waitForWorkspace(t, ws.id, ["stopped"]);
    }
  });

  test("a workspace no machine could hold is refused with the reason, and none is kept; one that must wait says why", async () => {
    const refused = await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "too-big", resources: { gpus: 5 } });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/5 GPUs/);
    expect((await t.api("GET", "/api/v1/workspaces")).body.items.some((w: { name: string }) => w.name === "too-big")).toBe(false);

    const holder = await t.api("POST", "/api/v1/jobs", { command: ["sleep", "60"], resources: { gpus: 2, cpus: 0.1, memory: "16M" } });
    await t.waitFor(holder.body.id, ["running"]);
    const waiting = (await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "waits", resources: { gpus: 1, cpus: 0.2, memory: "256M" } })).body;
    const seen = await waitForWorkspace(t, waiting.id, ["requested"]);
    expect(seen.message).toMatch(/Waiting|queue/);
    await t.api("POST", `/api/v1/jobs/${holder.body.id}/cancel`);
    await waitForWorkspace(t, waiting.id, ["running"]);
    await t.api("POST", `/api/v1/workspaces/${waiting.id}/stop`);
    await waitForWorkspace(t, waiting.id, ["stopped"]);
  });

  test("an unused workspace is warned, then stopped, and its GPUs go straight to the queue", async () => {
    const ws = (await t.api("POST", "/api/v1/workspaces", { app: "ssh", name: "idle", idleStop: "4s", resources: { gpus: 2, cpus: 0.2, memory: "256M" } })).body;
    await waitForWorkspace(t, ws.id, ["running"]);
    const queued = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: 2, cpus: 0.1, memory: "16M" } });
    const stopped = await waitForWorkspace(t, ws.id, ["stopped"], 30_000);
    expect(stopped.stopReason).toBe("idle");
    const events = (await t.api("GET", `/api/v1/workspaces/${ws.id}/events`)).body.items.map((e: { to: string }) => e.to);
    expect(events).toContain("idle_warned");
    expect((await t.waitFor(queued.body.id)).state).toBe("succeeded");
  });
});

describeWithPeer("workspaces across a server restart", sshdPeer, ({ test }) => {
  test("a running workspace keeps running when the server restarts, and answers SSH after", async () => {
    const first = await startTestPlatform({ name: "sqlite", url: undefined }, "workspaces-restart", { sandbox: "bubblewrap" });
    const key = await registeredKey(first, TOKEN, "laptop");
    const ws = (await first.api("POST", "/api/v1/workspaces", { app: "ssh", name: "kept", resources: { cpus: 0.2, memory: "256M" } })).body;
    await waitForWorkspace(first, ws.id, ["running"]);
    await first.platform.close();

    const { config } = loadConfig({ env: {}, cwd: first.dataDir, overrides: { dataDir: first.dataDir, server: { port: 0 }, executor: { sandbox: "bubblewrap", cancelGracePeriod: "2s" }, log: { level: "warn" } } });
    const second = await startPlatform(config, { bootstrapToken: TOKEN });
    try {
      const api = makeApi(second.url);
      const again = (await api("GET", `/api/v1/workspaces/${ws.id}`)).body;
      expect(again.state).toBe("running");
      expect(again.jobId).toBe(ws.jobId);
      const r = await runCli(["ssh", "-i", key.keyFile, "kept", "--", "echo", "still here"], { url: second.url, env: { HOME: key.home } });
      expect(r.stdout, r.stderr).toBe("still here\n");
      await api("POST", `/api/v1/workspaces/${ws.id}/stop`);
      await waitForWorkspace({ ...first, api, url: second.url }, ws.id, ["stopped"]);
    } finally {
      await second.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
