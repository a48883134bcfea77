import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, TOKEN as ADMIN, type TestPlatform } from "../helpers/platform.ts";

// The audit log on a real server and each database: every change recorded with who, what,
// from where, before and after, never a secret value; filters, keyset pages and the JSON-lines
// export; and who may read what (admins everything, team admins their teams', members their own).

const AGENT = "audit-test/1.0";

for (const db of testDatabases()) {
  describe(`audit log (${db.name})`, () => {
    let t: TestPlatform;
    /** A request with a User-Agent of our own, so the event's `from` can be checked. */
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = { "user-agent": AGENT, authorization: `Bearer ${token ?? ADMIN}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(t.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text && /json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : text, headers: res.headers };
    };
    const events = async (query: string, token?: string) => {
      const r = await call("GET", `/api/v1/audit?${query}`, undefined, token);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as { items: any[]; nextCursor: string | null };
    };
    const addUser = async (name: string, extra: Record<string, unknown> = {}) => {
      const r = await call("POST", "/api/v1/users", { name, ...extra });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.token as string;
    };
    const job = { command: ["sleep", "30"], name: "audited", resources: { cpus: 0.1, memory: "16M" } };

    beforeAll(async () => {
      t = await startTestPlatform(db, "audit_log");
    });
    afterAll(async () => {
      await t?.close();
    });

    it("records a job's submit and cancel with who, from where, before and after", async () => {
      const submitted = await call("POST", "/api/v1/jobs", job);
      expect(submitted.status).toBe(201);
      const id = submitted.body.id as string;
      const cancelled = await call("POST", `/api/v1/jobs/${id}/cancel`);
      expect(cancelled.status).toBe(200);

      const page = await events(`target=${id}`);
      expect(page.items.map((e) => e.action)).toEqual(["job.cancel", "job.submit"]);
      const [cancel, submit] = page.items;
      expect(submit.actor).toMatchObject({ name: "admin", id: expect.any(String), credentialId: expect.stringMatching(/^tok_/) });
      expect(submit.from.userAgent).toBe(AGENT);
      expect(submit.from.address).toMatch(/127\.0\.0\.1|::1/);
      expect(submit.target).toEqual({ kind: "job", id, name: "audited" });
      expect(submit.before).toBeNull();
      expect(submit.after).toMatchObject({ name: "audited", state: "queued", resources: { cpus: 0.1 } });
      expect(Date.parse(submit.at)).toBeGreaterThan(Date.now() - 60_000);
      expect(cancel.before).toMatchObject({ state: expect.stringMatching(/queued|starting|running/) });
      expect(cancel.after).toMatchObject({ state: "cancelled" });

      const retried = await call("POST", `/api/v1/jobs/${id}/retry`);
      expect(retried.status).toBe(201);
      const [retry] = (await events(`action=job.retry&target=${id}`)).items;
      expect(retry.after).toMatchObject({ id: retried.body.id, attempt: 2 });
      await call("POST", `/api/v1/jobs/${retried.body.id}/cancel`);
    });

    it("records tokens, people and sign-ins without any secret value", async () => {
      const created = await call("POST", "/api/v1/tokens", { name: "laptop" });
      expect(created.status).toBe(201);
      const secret = created.body.token as string;
      const tokenId = created.body.info.id as string;
      expect((await call("DELETE", `/api/v1/tokens/${tokenId}`)).status).toBe(200);
      const firstToken = await addUser("audrey");
      const signIn = await fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${firstToken}`, "user-agent": AGENT } });
      expect(signIn.status).toBe(201);
      const cookie = /plinth_session=([^;]*)/.exec(signIn.headers.get("set-cookie") ?? "")![1]!;
      const signOut = await fetch(`${t.url}/api/v1/sessions/current`, { method: "DELETE", headers: { cookie: `plinth_session=${cookie}`, "x-plinth-csrf": "1" } });
      expect(signOut.status).toBe(200);

      const mine = await events("action=token");
      expect(mine.items.map((e) => e.action).slice(0, 2)).toEqual(["token.revoke", "token.create"]);
      expect(mine.items[1]).toMatchObject({ target: { kind: "token", id: tokenId, name: "laptop" }, before: null, after: { name: "laptop" } });
      expect(mine.items[0]).toMatchObject({ target: { kind: "token", id: tokenId }, after: { revokedAt: expect.any(String) } });
      const [added] = (await events("action=user.add&target=audrey")).items;
      expect(added).toMatchObject({ target: { kind: "user", name: "audrey" }, after: { name: "audrey", role: "member" } });
      const sessions = (await events("action=session")).items;
      expect(sessions.map((e) => e.action).slice(0, 2)).toEqual(["session.end", "session.start"]);
      expect(sessions[1]).toMatchObject({ actor: { name: "audrey" }, after: { method: "token" } });

      // Nothing secret anywhere: not the tokens, their digests, nor the session cookie.
      const exported = await (await fetch(`${t.url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      for (const value of [secret, firstToken, cookie, ADMIN]) {
        expect(exported).not.toContain(value);
        expect(exported).not.toContain(createHash("sha256").update(value).digest("hex"));
      }
      expect(exported).not.toContain(secret.slice(0, 12));
    });

    it("hides a field named like a secret, and a credential-like string, whatever the caller passes", async () => {
      await t.platform.audit.record({
        actor: "system",
        action: "secret.set",
        target: { kind: "secret", id: "sec_1", name: "WANDB_API_KEY" },
        before: null,
        after: { name: "WANDB_API_KEY", value: "wandb-s3cr3t-value", nested: { password: "hunter2", note: "plt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } },
        from: null,
      });
      const [event] = (await events("action=secret.set")).items;
      expect(event.actor).toEqual({ id: null, name: "system", credentialId: null });
      expect(event.after).toEqual({ name: "WANDB_API_KEY", value: "[hidden]", nested: { password: "[hidden]", note: "[hidden]" } });
      expect(JSON.stringify(event)).not.toMatch(/wandb-s3cr3t-value|hunter2|plt_A/);
    });

    it("filters by actor, action, target and time, and pages newest first without gaps or repeats", async () => {
      const before = new Date(Date.now() - 1).toISOString();
      for (let i = 0; i < 7; i++) await t.platform.audit.record({ actor: "system", action: "test.ping", target: { kind: "test", id: `p${i}`, name: `ping-${i}` }, after: { i } });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await events(`action=test.ping&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...page.items.map((e) => e.target.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(["p6", "p5", "p4", "p3", "p2", "p1", "p0"]);

      expect((await events("action=test&limit=100")).items).toHaveLength(7);
      expect((await events("target=ping-3")).items.map((e) => e.target.id)).toEqual(["p3"]);
      expect((await events("actor=system&action=test.ping&limit=100")).items).toHaveLength(7);
      expect((await events("actor=me&action=test.ping")).items).toHaveLength(0);
      expect((await events(`action=test.ping&since=${encodeURIComponent(before)}&limit=100`)).items).toHaveLength(7);
      expect((await events("action=test.ping&since=1h&limit=100")).items).toHaveLength(7);
      expect((await events(`action=test.ping&until=${encodeURIComponent(before)}`)).items).toHaveLength(0);
      expect((await events("action=test.ping&until=1h")).items).toHaveLength(0);

      const wrong = await call("GET", "/api/v1/audit?since=yesterday");
      expect(wrong.status).toBe(400);
      expect(wrong.body.detail).toMatch(/since/);
      expect(wrong.body.hint).toBeTruthy();
    });

    it("exports JSON lines, oldest first, with the same filters", async () => {
      const res = await fetch(`${t.url}/api/v1/audit/export?action=test.ping`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
      const text = await res.text();
      expect(text.endsWith("\n")).toBe(true);
      const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
      expect(lines.map((e) => e.target.id)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
      const all = (await fetch(`${t.url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.text())).trimEnd().split("\n");
      for (const line of all) expect(() => JSON.parse(line)).not.toThrow();
      expect(all.length).toBeGreaterThan(lines.length);
    });

    it("shows a member their own actions only, a team admin their team's, and never answers 403", async () => {
      expect((await call("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
      const bob = await addUser("bob");
      const carol = await addUser("carol", { team: "vision", teamRole: "admin" });
      const dave = await addUser("dave", { team: "vision" });
      const bobJob = await call("POST", "/api/v1/jobs", job, bob);
      const daveJob = await call("POST", "/api/v1/jobs", job, dave);
      expect([bobJob.status, daveJob.status]).toEqual([201, 201]);
      await call("POST", `/api/v1/jobs/${bobJob.body.id}/cancel`, undefined, bob);
      await call("POST", `/api/v1/jobs/${daveJob.body.id}/cancel`, undefined, dave);

      const bobSees = (await events("limit=500", bob)).items;
      expect(bobSees.length).toBeGreaterThan(0);
      expect(new Set(bobSees.map((e) => e.actor.name))).toEqual(new Set(["bob"]));
      expect((await events("actor=admin", bob)).items).toEqual([]);
      expect((await events(`target=${daveJob.body.id}`, bob)).items).toEqual([]);
      const bobExport = await fetch(`${t.url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${bob}` } }).then((r) => r.text());
      for (const line of bobExport.trimEnd().split("\n")) expect(JSON.parse(line).actor.name).toBe("bob");

      // Carol administers vision: she sees dave's job events, not bob's (team default).
      const carolSees = await events("action=job&limit=500", carol);
      expect(carolSees.items.map((e) => e.target.id)).toEqual(expect.arrayContaining([daveJob.body.id]));
      expect(carolSees.items.some((e) => e.target.id === bobJob.body.id)).toBe(false);
      // Dave, a plain member of vision, sees only his own.
      expect(new Set((await events("limit=500", dave)).items.map((e) => e.actor.name))).toEqual(new Set(["dave"]));
    });

    it("lists and exports with the CLI", async () => {
      const ls = await runCli(["audit", "ls", "--action", "test.ping", "--limit", "2"], { url: t.url });
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toMatch(/WHEN\s+WHO\s+ACTION\s+TARGET\s+FROM/);
      expect(ls.stdout).toContain("test ping-6 (p6)");
      expect(ls.stdout).toMatch(/more: plinth audit ls --cursor aud_/);
      const since = await runCli(["audit", "ls", "--actor", "system", "--since", "1d", "--json"], { url: t.url });
      expect(since.code, since.stderr).toBe(0);
      expect(JSON.parse(since.stdout).items.length).toBeGreaterThan(0);

      const file = join(mkdtempSync(join(tmpdir(), "plinth-audit-")), "audit.jsonl");
      const exported = await runCli(["audit", "export", "--action", "test.ping", "-o", file], { url: t.url });
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toContain(`wrote 7 events to ${file}`);
      expect(readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l).target.id)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);

      // A change made with the CLI says so in its User-Agent.
      expect((await runCli(["tokens", "create", "--name", "from-the-cli"], { url: t.url })).code).toBe(0);
      const [fromCli] = (await events("action=token.create&target=from-the-cli")).items;
      expect(fromCli.from.userAgent).toMatch(/^plinth-cli\/\S+ node\//);

      const bad = await runCli(["audit", "ls", "--since", "last tuesday"], { url: t.url });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/since/);
    });
  });
}
