import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// People and teams over the API and the CLI, on a real server and each database: a Keeper
// adds a person to a team in one command and removes them in one; removal stops every
// credential at once and keeps their work, handed to their team.

for (const db of testDatabases()) {
  describe(`people and teams (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "people", { sandbox: "none" });
    });
    afterAll(() => t?.close());

    it("adds a person to a team in one command, and their work goes to that team", async () => {
      const team = await runCli(["teams", "add", "vision", "--description", "image models"], { url: t.url });
      expect(team.code, team.stderr).toBe(0);
      const add = await runCli(["users", "add", "alice", "--team", "vision", "--display-name", "Alice Liddell", "--email", "alice@example.org"], { url: t.url });
      expect(add.code, add.stderr).toBe(0);
      const token = add.stdout.trim();
      expect(token).toMatch(/^plt_/);
      expect(add.stderr).toContain("alice joined vision (member)");
      expect(add.stderr).toContain(`plinth login ${t.url}`);

      const me = await t.api("GET", "/api/v1/me", undefined, token);
      expect(me.body).toMatchObject({ name: "alice", displayName: "Alice Liddell", role: "member", teams: [{ team: "vision", role: "member" }], scopes: null });
      const job = await t.api("POST", "/api/v1/jobs", { command: ["true"] }, token);
      const teams = await t.api("GET", "/api/v1/teams");
      expect(job.body.teamId).toBe(teams.body.items.find((x: { name: string }) => x.name === "vision").id);
      expect(job.body.visibility).toBe("team");

      const shown = await runCli(["users", "show", "alice"], { url: t.url });
      expect(shown.stdout).toMatch(/teams:\s+vision:member/);
      expect(shown.stdout).toContain("alice@example.org");
      // Emails are for Keepers and the person: another member sees the name only.
      const bob = (await t.api("POST", "/api/v1/users", { name: "bob", team: "vision" })).body.token as string;
      const seenByBob = await t.api("GET", "/api/v1/users/alice", undefined, bob);
      expect(seenByBob.body.email).toBeUndefined();
      expect(seenByBob.body.displayName).toBe("Alice Liddell");
    });

    it("refuses a team that does not exist, naming the close one", async () => {
      const r = await runCli(["users", "add", "carol", "--team", "visoin"], { url: t.url });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("Did you mean 'vision'?");
      expect((await t.api("GET", "/api/v1/users/carol")).status).toBe(404);
    });

    it("lets a team's admin manage its members, and nobody else", async () => {
      const dana = (await t.api("POST", "/api/v1/users", { name: "dana", team: "vision", teamRole: "admin" })).body.token as string;
      const erin = (await t.api("POST", "/api/v1/users", { name: "erin" })).body.token as string;
      expect((await runCli(["teams", "add-member", "vision", "erin", "--role", "viewer"], { url: t.url, token: dana })).code).toBe(0);
      const members = await runCli(["teams", "show", "vision"], { url: t.url, token: erin });
      expect(members.stdout).toMatch(/erin\s+-\s+viewer/);
      // A viewer reads the team's work but adds none to it.
      const submit = await t.api("POST", "/api/v1/jobs", { command: ["true"], team: "vision" }, erin);
      expect(submit.status).toBe(403);
      expect(submit.body.detail).toContain("viewer");
      const refused = await runCli(["teams", "rm-member", "vision", "dana"], { url: t.url, token: erin });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("Only Keepers and the admins of team vision");
      // A role change reaches the person's next request at once, not after a cache expires.
      expect((await runCli(["teams", "set-role", "vision", "erin", "--role", "member"], { url: t.url, token: dana })).code).toBe(0);
      expect((await t.api("POST", "/api/v1/jobs", { command: ["true"], team: "vision" }, erin)).status).toBe(201);
    });

    it("removes a person in one command: every credential stops at once, their private work goes to the team", async () => {
      const frank = (await t.api("POST", "/api/v1/users", { name: "frank", team: "vision" })).body.token as string;
      const second = (await t.api("POST", "/api/v1/tokens", { name: "laptop" }, frank)).body.token as string;
      const cookie = await signIn(t.url, frank);
      const secret = await t.api("POST", "/api/v1/jobs", { command: ["echo", "frank's notes"], visibility: "private" }, frank);
      await t.waitFor(secret.body.id);
      const bob = (await t.api("POST", "/api/v1/users", { name: "grace", team: "vision" })).body.token as string;
      expect((await t.api("GET", `/api/v1/jobs/${secret.body.id}`, undefined, bob)).status).toBe(404);
      // Used once so that it sits in the server's cache of verified tokens.
      expect((await t.api("GET", "/api/v1/me", undefined, second)).status).toBe(200);

      const rm = await runCli(["users", "rm", "frank"], { url: t.url });
      expect(rm.code, rm.stderr).toBe(0);
      expect(rm.stdout).toContain("removed frank");
      expect(rm.stdout).toContain("2 API tokens revoked");
      expect(rm.stdout).toContain("1 browser session ended");
      expect(rm.stdout).toContain("1 private job made visible to its team");

      for (const token of [frank, second]) expect((await t.api("GET", "/api/v1/me", undefined, token)).status).toBe(401);
      const browser = await fetch(`${t.url}/api/v1/me`, { headers: { cookie } });
      expect(browser.status).toBe(401);
      const handed = await t.api("GET", `/api/v1/jobs/${secret.body.id}`, undefined, bob);
      expect(handed.status).toBe(200);
      expect(handed.body.visibility).toBe("team");
      // The name stays with the past work: it is not given to someone else.
      const again = await t.api("POST", "/api/v1/users", { name: "frank" });
      expect(again.status).toBe(409);
      const all = await runCli(["users", "ls", "--removed"], { url: t.url });
      expect(all.stdout).toMatch(/frank .*ago/);
      expect((await runCli(["users", "ls"], { url: t.url })).stdout).not.toContain("frank");
    });

    it.skipIf(process.getuid?.() !== 0)("runs a person's jobs as the Unix account a Keeper maps them to", async () => {
      const account = `plinth-map-${db.name}`;
      const made = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", account]);
      expect([0, 9]).toContain(made.status);
      try {
        const ivy = (await t.api("POST", "/api/v1/users", { name: "ivy", unixUser: account })).body.token as string;
        const job = await t.api("POST", "/api/v1/jobs", { command: ["id", "-un"] }, ivy);
        await t.waitFor(job.body.id);
        expect((await (await fetch(`${t.url}/api/v1/jobs/${job.body.id}/logs`, { headers: { authorization: `Bearer ${ivy}` } })).text()).trim()).toBe(account);
        // Unmapped again: the default unprivileged user.
        expect((await runCli(["users", "set", "ivy", "--unix-user", "none"], { url: t.url })).code).toBe(0);
        const again = await t.api("POST", "/api/v1/jobs", { command: ["id", "-un"] }, ivy);
        await t.waitFor(again.body.id);
        expect((await (await fetch(`${t.url}/api/v1/jobs/${again.body.id}/logs`, { headers: { authorization: `Bearer ${ivy}` } })).text()).trim()).toBe("nobody");
      } finally {
        spawnSync("userdel", [account]);
      }
    });

    it("keeps at least one Keeper, and lets nobody remove themselves", async () => {
      const self = await t.api("DELETE", "/api/v1/users/admin");
      expect(self.status).toBe(409);
      expect(self.body.detail).toContain("yourself");
      const demote = await t.api("PATCH", "/api/v1/users/admin", { role: "member" });
      expect(demote.status).toBe(409);
      expect(demote.body.hint).toContain("--role admin");
      const member = (await t.api("POST", "/api/v1/users", { name: "henry" })).body.token as string;
      expect((await t.api("DELETE", "/api/v1/users/alice", undefined, member)).status).toBe(403);
      // A person changes their own profile, but not their role or Unix account.
      expect((await t.api("PATCH", "/api/v1/users/henry", { displayName: "Henry" }, member)).body.displayName).toBe("Henry");
      expect((await t.api("PATCH", "/api/v1/users/henry", { role: "admin" }, member)).status).toBe(403);
      expect((await t.api("PATCH", "/api/v1/users/henry", { unixUser: "root" }, member)).status).toBe(403);
    });
  });
}

async function signIn(url: string, token: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(201);
  return `plinth_session=${/plinth_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1]}`;
}
