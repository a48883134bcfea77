import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyText, MANAGED_PREVIOUS_KEY_FILE } from "../../src/identity/sealing.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor, freePort, makeApi, runCli, spawnServer, startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";

// Secrets and access keys on a real server and both databases: set, listed and removed by
// the CLI and the API; given to a job in its environment and nowhere else (not in the job, its
// spec, the database, the server's log); masked wherever its log is shown; team secrets for
// members only; keys rotated and a wrong key refused at start-up with a hint.

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const newValue = () => `v4l-${randomBytes(18).toString("base64url")}`;
const stars = (s: string) => "*".repeat(Buffer.byteLength(s));

/** A job that proves it has `name` (by its digest) and prints it whole, split across two writes, and on stderr. */
function leakyJob(name: string, opts: { fail?: boolean; wait?: number } = {}) {
  const script = [
    `sleep ${opts.wait ?? 0}`,
    `printf 'sha=%s\\n' "$(printf %s "$${name}" | sha256sum | cut -c1-64)"`,
    `printf 'whole=%s\\n' "$${name}"`,
    `printf 'split=%s' "\${${name}:0:10}"`,
    "sleep 0.3",
    `printf '%s\\n' "\${${name}:10}"`,
    `echo "failing with $${name}" >&2`,
    `exit ${opts.fail ? 3 : 0}`,
  ].join("; ");
  return { command: ["bash", "-c", script], secrets: [name] };
}

/** Everything the database holds for secrets, access keys and jobs, as text. */
function databaseText(t: TestPlatform): string {
  if (!t.databaseUrl) {
    return ["plinth.db", "plinth.db-wal"]
      .map((f) => join(t.dataDir, f))
      .filter(existsSync)
      .map((f) => readFileSync(f).toString("latin1"))
      .join("\n");
  }
  const tables = ["secrets", "job_secret_values", "access_keys", "jobs", "job_events"].flatMap((name) => ["-t", name]);
  const dump = spawnSync("pg_dump", ["--data-only", ...tables, t.databaseUrl], { encoding: "utf8" });
  expect(dump.status, dump.stderr).toBe(0);
  expect(dump.stdout).toContain("COPY public.secrets");
  return dump.stdout;
}

for (const db of testDatabases()) {
  describe(`secrets and access keys (${db.name})`, () => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};
    const as = (who: string) => (method: string, path: string, body?: unknown) => t.api(method, path, body, who === "admin" ? TOKEN : tokens[who]);
    const cli = (who: string, args: string[], input?: string) => runCli(args, { url: t.url, token: who === "admin" ? TOKEN : tokens[who]!, ...(input !== undefined && { input }) });
    const seen: string[] = [];
    const remember = (v: string) => {
      seen.push(v);
      return v;
    };
    const submit = async (who: string, spec: unknown) => {
      const r = await as(who)("POST", "/api/v1/jobs", spec);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    const logOf = async (id: string, query = "", headers: Record<string, string> = {}) => {
      const res = await fetch(`${t.url}/api/v1/jobs/${id}/logs${query}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
      return { status: res.status, text: await res.text(), headers: res.headers };
    };

    beforeAll(async () => {
      t = await startTestPlatform(db, "secrets");
      expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
      for (const [name, team, teamRole] of [
        ["alice", "vision", "member"],
        ["victor", "vision", "viewer"],
        ["olga", undefined, undefined],
        ["bob", undefined, undefined],
      ] as const) {
        const r = await t.api("POST", "/api/v1/users", { name, ...(team && { team, teamRole }) });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        tokens[name] = r.body.token;
      }
    });
    afterAll(async () => {
      await t?.close();
    });

    it("sets, lists and removes secrets with the CLI, reading values from stdin and never showing them", async () => {
      const value = remember(newValue());
      expect((await cli("alice", ["secrets", "set", "WANDB_API_KEY"], `${value}\n`)).code).toBe(0);
      const ls = await cli("alice", ["secrets", "ls"]);
      expect(ls.code).toBe(0);
      expect(ls.stdout).toMatch(/WANDB_API_KEY\s+alice\s+alice/);
      const listed = await as("alice")("GET", "/api/v1/secrets");
      expect(listed.body.items).toEqual([expect.objectContaining({ name: "WANDB_API_KEY", scope: "user", owner: "alice", setBy: "alice", team: null })]);
      expect(JSON.stringify(listed.body) + ls.stdout + ls.stderr).not.toContain(value);
      // Another person sees none of it.
      expect((await as("olga")("GET", "/api/v1/secrets")).body.items).toEqual([]);

      // A value is never taken from the command line.
      const argv = await cli("alice", ["secrets", "set", "WANDB_API_KEY", value]);
      expect(argv.code).toBe(2);
      for (const [name, why] of [
        ["PLINTH_TOKEN", "PLINTH_"],
        ["lower_case", "capital letters"],
      ]) {
        const r = await as("alice")("PUT", `/api/v1/secrets/${name}`, { value: "x" });
        expect(r.status).toBe(400);
        expect(JSON.stringify(r.body)).toContain(why);
      }

      expect((await cli("alice", ["secrets", "rm", "WANDB_API_KEY"])).stdout).toContain("removed WANDB_API_KEY");
      expect((await as("alice")("GET", "/api/v1/secrets")).body.items).toEqual([]);
      const again = await cli("alice", ["secrets", "rm", "WANDB_API_KEY"]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("Secret not found");
      expect(again.stderr).toContain("hint: `plinth secrets ls`");
    }, 180_000);

    it("gives a job its secret in its environment only, and masks it wherever the log is shown", async () => {
      const value = remember(newValue());
      expect((await as("alice")("PUT", "/api/v1/secrets/JOB_TOKEN", { value })).status).toBe(200);
      const id = await submit("alice", leakyJob("JOB_TOKEN", { fail: true, wait: 0.5 }));
      // Followed from the start: the split value arrives in two reads and is still masked.
      const followed = await logOf(id, "?follow=true");
      const job = await t.waitFor(id);
      const { text: log } = await logOf(id);
      expect(log).toContain(`sha=${sha(value)}`);
      expect(log).toContain(`whole=${stars(value)}\n`);
      expect(log).toContain(`split=${stars(value)}\n`);
      expect(log).toContain(`failing with ${stars(value)}`);
      expect(followed.text).toBe(log);
      for (const part of [value, value.slice(0, 10), value.slice(10)]) expect(log).not.toContain(part);

      // A byte range that starts in the middle of the value, as curl -r asks for it: offsets are the file's.
      const at = log.indexOf("split=") + "split=".length;
      const ranged = await logOf(id, "", { range: `bytes=${at + 5}-${at + 14}` });
      expect(ranged.status).toBe(206);
      expect(ranged.text).toBe("**********");
      expect(ranged.headers.get("content-range")).toBe(`bytes ${at + 5}-${at + 14}/${Buffer.byteLength(log)}`);
      const tail = await logOf(id, "?tail=2");
      expect(tail.text).toBe(`split=${stars(value)}\nfailing with ${stars(value)}\n`);
      expect((await logOf(id, `?follow=true&offset=${at + 3}`)).text).toBe(log.slice(at + 3));

      // The job, its spec, its failure and its stored tail hold the name only.
      expect(job.state).toBe("failed");
      expect(job.spec.secrets).toEqual(["JOB_TOKEN"]);
      expect(job.failure.logTail).toContain(`failing with ${stars(value)}`);
      expect(JSON.stringify(job)).not.toContain(value);
      expect(JSON.stringify((await t.api("GET", "/api/v1/jobs?limit=10")).body)).not.toContain(value);
      const cliShow = await runCli(["jobs", "show", id], { url: t.url });
      expect(cliShow.stdout + cliShow.stderr).not.toContain(value);

      // A job that names no secret is shown as it wrote its log, untouched.
      const plain = await submit("alice", { command: ["bash", "-c", "echo '****' plain"] });
      await t.waitFor(plain);
      expect((await logOf(plain)).text).toBe("**** plain\n");
    });

    it("refuses an unknown secret at submit, naming it, with a hint", async () => {
      const r = await as("alice")("POST", "/api/v1/jobs", { command: ["true"], secrets: ["NO_SUCH_SECRET"] });
      expect(r.status).toBe(400);
      expect(r.body.detail).toContain("NO_SUCH_SECRET");
      expect(r.body.hint).toContain("plinth secrets set NO_SUCH_SECRET");
      expect(r.body.errors).toEqual([{ path: "secrets[0]", message: "unknown secret NO_SUCH_SECRET" }]);
      const run = await cli("alice", ["run", "--no-code", "-d", "--secret", "NO_SUCH_SECRET", "--", "true"]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("hint: Set it with `plinth secrets set NO_SUCH_SECRET`");
      // A name both in env and in secrets is refused before anything is looked up.
      const both = await as("alice")("POST", "/api/v1/jobs", { command: ["true"], env: { X_KEY: "1" }, secrets: ["X_KEY"] });
      expect(both.status).toBe(400);
      expect(JSON.stringify(both.body)).toContain("also in env");
    });

    it("lets a team's admins set its secrets and its members (not viewers, not others) use them", async () => {
      const value = remember(newValue());
      expect((await as("admin")("PUT", "/api/v1/secrets/TEAM_TOKEN?team=vision", { value })).status).toBe(200);
      // A member may use but not set; someone outside the team does not see the team's secrets at all.
      expect((await as("alice")("PUT", "/api/v1/secrets/TEAM_TOKEN?team=vision", { value: "x-x-x-x" })).status).toBe(403);
      expect((await as("olga")("GET", "/api/v1/secrets?team=vision")).status).toBe(404);
      expect((await as("olga")("PUT", "/api/v1/secrets/TEAM_TOKEN?team=vision", { value: "x-x-x-x" })).status).toBe(404);
      expect((await as("olga")("DELETE", "/api/v1/secrets/TEAM_TOKEN?team=vision")).status).toBe(404);
      expect((await as("victor")("GET", "/api/v1/secrets?team=vision")).body.items.map((s: any) => s.name)).toEqual(["TEAM_TOKEN"]);
      expect((await as("alice")("GET", "/api/v1/secrets")).body.items).toContainEqual(expect.objectContaining({ name: "TEAM_TOKEN", scope: "team", team: "vision", setBy: "admin" }));

      const job = await submit("alice", { ...leakyJob("TEAM_TOKEN"), team: "vision" });
      expect((await t.waitFor(job)).state).toBe("succeeded");
      expect((await logOf(job)).text).toContain(`sha=${sha(value)}`);
      // Outside the team the name is as unknown as one never set.
      const olga = await as("olga")("POST", "/api/v1/jobs", { command: ["true"], secrets: ["TEAM_TOKEN"] });
      expect(olga.status).toBe(400);
      expect(olga.body.detail).toContain("Unknown secret TEAM_TOKEN");
      // A viewer sees the names but runs no job in the team, so never with its secrets.
      expect((await as("victor")("POST", "/api/v1/jobs", { command: ["true"], team: "vision", secrets: ["TEAM_TOKEN"] })).status).toBe(403);

      // A person's own secret of the same name comes first.
      const own = remember(newValue());
      await as("alice")("PUT", "/api/v1/secrets/TEAM_TOKEN", { value: own });
      const second = await submit("alice", { ...leakyJob("TEAM_TOKEN"), team: "vision" });
      await t.waitFor(second);
      expect((await logOf(second)).text).toContain(`sha=${sha(own)}`);
      await as("alice")("DELETE", "/api/v1/secrets/TEAM_TOKEN");
    });

    it("makes access keys whose secret is shown once, stored sealed, and found again for a signature check", async () => {
      const made = await cli("alice", ["access-keys", "create", "--name", "laptop"]);
      expect(made.code).toBe(0);
      const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(made.stdout)![1]!;
      const secret = remember(/AWS_SECRET_ACCESS_KEY=(\S+)/.exec(made.stdout)![1]!);
      expect(id).toMatch(/^PLKA[A-Z2-7]{16}$/);
      expect(secret).toMatch(/^[A-Za-z0-9]{40}$/);
      const listed = await as("alice")("GET", "/api/v1/access-keys");
      expect(listed.body.items).toEqual([expect.objectContaining({ id, name: "laptop", revokedAt: null })]);
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      const found = await t.platform.secrets.accessKeys.accessKeySecret(id);
      expect(found?.secret).toBe(secret);
      expect(found?.principal.name).toBe("alice");
      expect(await t.platform.secrets.accessKeys.accessKeySecret("PLKAAAAAAAAAAAAAAAAA")).toBeNull();
      // Someone else's key is not there for them to revoke.
      expect((await as("olga")("DELETE", `/api/v1/access-keys/${id}`)).status).toBe(404);
      expect((await cli("alice", ["access-keys", "rm", id])).stdout).toContain(`revoked ${id}`);
      expect(await t.platform.secrets.accessKeys.accessKeySecret(id)).toBeNull();
      expect((await as("alice")("DELETE", `/api/v1/access-keys/${id}`)).status).toBe(404);
    }, 120_000);

    it("deletes a removed person's secrets and revokes their access keys", async () => {
      remember(newValue());
      await as("bob")("PUT", "/api/v1/secrets/BOB_TOKEN", { value: seen.at(-1) });
      const key = (await as("bob")("POST", "/api/v1/access-keys", { name: "s3" })).body;
      remember(key.secretAccessKey);
      const removed = await t.api("DELETE", "/api/v1/users/bob");
      expect(removed.status).toBe(200);
      expect(removed.body.done).toContain("1 secret deleted; 1 access key revoked");
      expect(await t.platform.secrets.accessKeys.accessKeySecret(key.accessKeyId)).toBeNull();
    });

    it("rotates its own key: everything is re-sealed and still readable, the old key is gone", async () => {
      const value = remember(newValue());
      await as("alice")("PUT", "/api/v1/secrets/ROTATED", { value });
      const before = await submit("alice", leakyJob("ROTATED"));
      await t.waitFor(before);
      expect((await as("alice")("POST", "/api/v1/secrets/rotate-key")).status).toBe(403);
      const rotated = await cli("admin", ["secrets", "rotate-key"]);
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toMatch(/New key [0-9a-f]{16}; re-encrypted \d+ secrets, \d+ access keys/);
      expect(existsSync(join(t.dataDir, MANAGED_PREVIOUS_KEY_FILE))).toBe(false);
      // The new key opens the secret for a new job, and the old job's values to mask its log.
      const after = await submit("alice", leakyJob("ROTATED"));
      await t.waitFor(after);
      expect((await logOf(after)).text).toContain(`sha=${sha(value)}`);
      expect((await logOf(before)).text).toContain(`whole=${stars(value)}`);
    }, 120_000);

    it("holds no value in clear in the database", () => {
      const text = databaseText(t);
      expect(text).toContain("JOB_TOKEN");
      for (const value of seen) expect(text).not.toContain(value);
    });
  });

  describe(`the secrets key across restarts (${db.name})`, () => {
    let dataDir = "";
    let database: Awaited<ReturnType<typeof databaseUrlFor>>;
    let server: ChildProcess | null = null;
    let output = "";
    const keys = [generateKeyText(), generateKeyText(), generateKeyText()];
    const value = newValue();

    const start = async (env: Record<string, string>) => {
      const port = await freePort();
      server = await spawnServer({ dataDir, port, env: { PLINTH_LOG_LEVEL: "trace", ...(database.url && { PLINTH_DATABASE_URL: database.url }), ...env } });
      for (const stream of [server.stdout!, server.stderr!]) stream.on("data", (d) => (output += d));
      return makeApi(`http://127.0.0.1:${port}`);
    };
    const stop = async () => {
      const s = server;
      server = null;
      if (!s || s.exitCode !== null) return;
      await new Promise((done) => {
        s.once("exit", done);
        s.kill("SIGTERM");
      });
    };
    const runJob = async (api: ReturnType<typeof makeApi>) => {
      const submitted = await api("POST", "/api/v1/jobs", leakyJob("RESTART_TOKEN", { fail: true }));
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
      let job: any;
      for (let i = 0; i < 600 && !["succeeded", "failed"].includes(job?.state); i++) {
        await new Promise((r) => setTimeout(r, 50));
        job = (await api("GET", `/api/v1/jobs/${submitted.body.id}`)).body;
      }
      expect(job.state).toBe("failed");
      return (await api("GET", `/api/v1/jobs/${job.id}/logs`)).body as string;
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "plinth-secrets-restart-"));
      database = await databaseUrlFor(db, "secrets_restart");
    });
    afterAll(async () => {
      await stop();
      await database?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("re-seals under a new key at start-up, and refuses a key that cannot open what is stored", async () => {
      let api = await start({ PLINTH_SECRETS_KEY: keys[0]! });
      expect((await api("PUT", "/api/v1/secrets/RESTART_TOKEN", { value })).status).toBe(200);
      expect(await runJob(api)).toContain(`sha=${sha(value)}`);
      await stop();

      // Rotation by configuration: the new key, the old one as previous; everything is re-sealed.
      api = await start({ PLINTH_SECRETS_KEY: keys[1]!, PLINTH_SECRETS_PREVIOUS_KEYS: JSON.stringify([keys[0]]) });
      expect(await runJob(api)).toContain(`sha=${sha(value)}`);
      await stop();
      api = await start({ PLINTH_SECRETS_KEY: keys[1]! });
      expect(await runJob(api)).toContain(`whole=${stars(value)}`);
      await stop();

      // A key that opens nothing stored: one clear error with a hint, no stack trace.
      const refused = await start({ PLINTH_SECRETS_KEY: keys[2]! }).then(
        () => null,
        (err: Error) => err.message,
      );
      expect(refused).toContain("error: Secrets were sealed with a key this server does not have");
      expect(refused).toContain("hint: Give Plinth the key it used before");
      expect(refused).not.toMatch(/\n\s+at /);
      expect(output).not.toContain(value);
      expect(output.length).toBeGreaterThan(0);
    }, 240_000);
  });
}
