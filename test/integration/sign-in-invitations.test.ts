import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { passwordSignIn, portalPost, withCookie } from "../helpers/sign-in.ts";

// Invitation links: a Keeper makes one (API and CLI), the invitee joins once with a name and a
// password and lands signed in, in the invitation's team; a used, expired, withdrawn or wrong
// link answers a problem that says so.

const secretOf = (url: string) => url.split("/join/")[1]!;

for (const db of testDatabases()) {
  describe(`invitations (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "sign_in_invitations");
      expect((await t.api("POST", "/api/v1/teams", { name: "vision" })).status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
    });

    it("lets one person join once with a link, signed in and in the invitation's team", async () => {
      const made = await t.api("POST", "/api/v1/invitations", { team: "vision", role: "viewer", expiresIn: "2d" });
      expect(made.status).toBe(201);
      expect(made.body.url).toMatch(new RegExp(`^${t.url}/join/[A-Za-z0-9_-]{43}$`));
      expect(made.body.invitation).toMatchObject({ team: "vision", role: "viewer", state: "open", createdBy: "admin", name: null });
      const secret = secretOf(made.body.url);

      const preview = await portalPost(t.url, "/api/v1/invitations/preview", { secret });
      expect(preview.body).toMatchObject({ team: "vision", role: "viewer", name: null });

      const joined = await portalPost(t.url, "/api/v1/invitations/accept", { secret, name: "dana", displayName: "Dana Scully", email: "dana@example.org", password: "dana's good password" });
      expect(joined.status).toBe(201);
      expect(joined.body.user).toMatchObject({ name: "dana", role: "member" });
      const me = await withCookie(t.url, joined.cookie!)("GET", "/api/v1/me");
      expect(me.body).toMatchObject({ name: "dana", displayName: "Dana Scully", teams: [{ team: "vision", role: "viewer" }] });
      expect((await passwordSignIn(t.url, "dana", "dana's good password")).status).toBe(201);

      const again = await portalPost(t.url, "/api/v1/invitations/accept", { secret, name: "dana2", password: "another good password" });
      expect(again.status).toBe(410);
      expect(again.body.title).toBe("Invitation already used");
      expect(again.body.hint).toMatch(/sign in with your user name/);
      const list = await t.api("GET", "/api/v1/invitations");
      expect(list.body.items.find((i: any) => i.id === made.body.invitation.id)).toMatchObject({ state: "used", usedBy: "dana" });
    });

    it("answers a wrong link with 404 and an expired one with 410, saying what to do", async () => {
      const wrong = await portalPost(t.url, "/api/v1/invitations/accept", { secret: "x".repeat(43), name: "erin", password: "erin's good password" });
      expect(wrong.status).toBe(404);
      expect(wrong.body.title).toBe("Invitation not found");
      expect(wrong.body.hint).toMatch(/whole link/);

      const made = await t.api("POST", "/api/v1/invitations", { expiresIn: "1m" });
      // The clock is real: move the expiry into the past rather than wait for it.
      await (t.platform.database.db as any).updateTable("invitations").set({ expires_at: Date.now() - 1000 }).where("id", "=", made.body.invitation.id).execute();
      const expired = await portalPost(t.url, "/api/v1/invitations/preview", { secret: secretOf(made.body.url) });
      expect(expired.status).toBe(410);
      expect(expired.body.title).toBe("Invitation expired");
      expect(expired.body.hint).toMatch(/new one/);
      const joined = await portalPost(t.url, "/api/v1/invitations/accept", { secret: secretOf(made.body.url), name: "erin", password: "erin's good password" });
      expect(joined.status).toBe(410);
      expect((await t.api("GET", "/api/v1/users/erin")).status).toBe(404);
    });

    it("holds the invitee to a fixed name, a free name and the password rules, and leaves the link usable meanwhile", async () => {
      const made = await t.api("POST", "/api/v1/invitations", { name: "frank" });
      const secret = secretOf(made.body.url);
      const other = await portalPost(t.url, "/api/v1/invitations/accept", { secret, name: "francis", password: "frank's good password" });
      expect(other.status).toBe(400);
      expect(other.body.detail).toMatch(/for the user name 'frank'/);
      const short = await portalPost(t.url, "/api/v1/invitations/accept", { secret, name: "frank", password: "short" });
      expect(short.status).toBe(422);
      const open = await portalPost(t.url, "/api/v1/invitations/accept", { secret: secretOf((await t.api("POST", "/api/v1/invitations", {})).body.url), name: "dana", password: "someone else's password" });
      expect(open.status).toBe(409);
      expect(open.body.title).toBe("User name taken");
      const joined = await portalPost(t.url, "/api/v1/invitations/accept", { secret, name: "frank", password: "frank's good password" });
      expect(joined.status).toBe(201);
      expect((await t.api("GET", "/api/v1/users/frank")).body.teams).toEqual([{ team: "default", role: "member" }]);
    });

    it("withdraws an invitation, and keeps making them to Keepers", async () => {
      const made = await t.api("POST", "/api/v1/invitations", {});
      expect((await t.api("DELETE", `/api/v1/invitations/${made.body.invitation.id}`)).status).toBe(200);
      const withdrawn = await portalPost(t.url, "/api/v1/invitations/preview", { secret: secretOf(made.body.url) });
      expect(withdrawn.status).toBe(410);
      expect(withdrawn.body.title).toBe("Invitation withdrawn");
      const { cookie } = await passwordSignIn(t.url, "dana", "dana's good password");
      const byMember = await withCookie(t.url, cookie!)("POST", "/api/v1/invitations", {});
      expect(byMember.status).toBe(403);
    });

    it("withdraws the open links of a Keeper who is removed, whose password stops working too", async () => {
      const kim = await t.api("POST", "/api/v1/users", { name: "kim", role: "admin" });
      expect((await t.api("PUT", "/api/v1/users/kim/password", { password: "kim's long password" })).status).toBe(200);
      const made = await t.api("POST", "/api/v1/invitations", {}, kim.body.token);
      expect(made.status).toBe(201);
      const removed = await t.api("DELETE", "/api/v1/users/kim");
      expect(removed.status).toBe(200);
      expect(removed.body.done).toContain("1 open invitation withdrawn");
      const withdrawn = await portalPost(t.url, "/api/v1/invitations/preview", { secret: secretOf(made.body.url) });
      expect(withdrawn.body.title).toBe("Invitation withdrawn");
      const signIn = await passwordSignIn(t.url, "kim", "kim's long password");
      expect(signIn.status).toBe(401);
      expect(signIn.body.title).toBe("Wrong user name or password");
    });

    it("makes and lists invitations from the CLI", async () => {
      const r = await runCli(["users", "invite", "--team", "vision", "--role", "member", "--expires", "3d"], { url: t.url });
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(new RegExp(`^${t.url}/join/[A-Za-z0-9_-]{43}$`));
      expect(r.stderr).toMatch(/works once, until .* UTC/);
      const preview = await portalPost(t.url, "/api/v1/invitations/preview", { secret: secretOf(r.stdout.trim()) });
      expect(preview.body).toMatchObject({ team: "vision", role: "member" });
      const list = await runCli(["users", "invitations"], { url: t.url });
      expect(list.stdout).toMatch(/used by dana/);
      const bad = await runCli(["users", "invite", "--expires", "a year"], { url: t.url });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/expiresIn: a duration from 1m to 90d/);
    });

    it("sets passwords from the CLI: a Keeper's --generate, then the person's own passwd", async () => {
      const gen = await runCli(["users", "set-password", "frank", "--generate"], { url: t.url });
      expect(gen.code).toBe(0);
      const generated = gen.stdout.trim();
      expect(generated).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect((await passwordSignIn(t.url, "frank", generated)).status).toBe(201);
      const ginaToken = (await t.api("POST", "/api/v1/users", { name: "gina" })).body.token as string;
      const passwd = await runCli(["passwd"], { url: t.url, token: ginaToken, input: "gina's first password\n" });
      expect(passwd.code).toBe(0);
      expect((await passwordSignIn(t.url, "gina", "gina's first password")).status).toBe(201);
      const change = await runCli(["passwd"], { url: t.url, token: ginaToken, input: "wrong current one\ngina's second password\n" });
      expect(change.code).toBe(2);
      expect(change.stderr).toMatch(/Current password is wrong/);
    });
  });
}
