import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { passwordSignIn, portalPost, withCookie } from "../helpers/sign-in.ts";

// Signing in with a password: right, wrong and unknown (the same answer), the limits per
// user name and per client address (429 with Retry-After and a message naming the wait), a
// Keeper's reset lifting the limit, changing one's own password, and the password rules.

const ALICE = "correct horse battery";
const CAROL = "carol's long password";

for (const db of testDatabases()) {
  describe(`password sign-in (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "sign_in_password");
      for (const name of ["alice", "carol"]) expect((await t.api("POST", "/api/v1/users", { name })).status).toBe(201);
      expect((await t.api("PUT", "/api/v1/users/alice/password", { password: ALICE })).status).toBe(200);
      expect((await t.api("PUT", "/api/v1/users/carol/password", { password: CAROL })).status).toBe(200);
    });
    afterAll(async () => {
      await t?.close();
    });

    it("signs in with the right password: a session cookie that works like the token one", async () => {
      const r = await passwordSignIn(t.url, "alice", ALICE);
      expect(r.status).toBe(201);
      expect(r.body.user).toMatchObject({ name: "alice", role: "member" });
      expect(r.body.session.method).toBe("password");
      expect(r.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Strict/);
      const me = await withCookie(t.url, r.cookie!)("GET", "/api/v1/me");
      expect(me.body.name).toBe("alice");
    });

    it("needs the portal's CSRF header, so no other site can sign a browser in", async () => {
      const r = await portalPost(t.url, "/api/v1/sessions/password", { name: "alice", password: ALICE }, { csrf: false });
      expect(r.status).toBe(403);
      expect(r.cookie).toBeNull();
    });

    it("answers a wrong password and an unknown user alike, so names cannot be probed", async () => {
      const wrong = await passwordSignIn(t.url, "alice", "not the password at all");
      const unknown = await passwordSignIn(t.url, "nobody-here", "not the password at all");
      const token = await passwordSignIn(t.url, "admin", "the admin has no password");
      expect(wrong.status).toBe(401);
      expect(wrong.cookie).toBeNull();
      expect(unknown.body).toEqual(wrong.body);
      expect(token.body).toEqual(wrong.body);
      expect(wrong.body.title).toBe("Wrong user name or password");
    });

    it("pauses a name after 5 failures with 429, Retry-After and the wait in words, even for the right password", async () => {
      for (let i = 0; i < 5; i++) expect((await passwordSignIn(t.url, "carol", `guess number ${i}!`)).status).toBe(401);
      const limited = await passwordSignIn(t.url, "carol", CAROL);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(14 * 60);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(limited.body.detail).toBe("Too many failed sign-ins for carol; try again in 15 minutes, or ask a Keeper to reset your password.");
      expect(limited.body.hint).toMatch(/plinth users set-password/);
      expect(limited.cookie).toBeNull();
      // Another name is not held back by carol's failures.
      expect((await passwordSignIn(t.url, "alice", ALICE)).status).toBe(201);
    });

    it("lets a Keeper's new password lift the pause", async () => {
      const reset = await t.api("PUT", "/api/v1/users/carol/password", { password: "a brand new password" });
      expect(reset.status).toBe(200);
      expect((await passwordSignIn(t.url, "carol", CAROL)).status).toBe(401);
      expect((await passwordSignIn(t.url, "carol", "a brand new password")).status).toBe(201);
    });

    it("changes your own password only with the current one, and keeps the rules", async () => {
      const { cookie } = await passwordSignIn(t.url, "alice", ALICE);
      const as = withCookie(t.url, cookie!);
      const missing = await as("PUT", "/api/v1/me/password", { password: "new and long enough" });
      expect(missing.status).toBe(400);
      const wrong = await as("PUT", "/api/v1/me/password", { current: "not it at all", password: "new and long enough" });
      expect(wrong.status).toBe(403);
      expect(wrong.body.title).toBe("Current password is wrong");
      const short = await as("PUT", "/api/v1/me/password", { current: ALICE, password: "short" });
      expect(short.status).toBe(422);
      expect(short.body.title).toBe("Password too short");
      const own = await as("PUT", "/api/v1/me/password", { current: ALICE, password: "Alice-2024!" });
      expect(own.status).toBe(422);
      expect(own.body.title).toBe("Password is your user name");
      expect((await as("PUT", "/api/v1/me/password", { current: ALICE, password: "new and long enough" })).status).toBe(200);
      expect((await passwordSignIn(t.url, "alice", ALICE)).status).toBe(401);
      expect((await passwordSignIn(t.url, "alice", "new and long enough")).status).toBe(201);
    });

    it("keeps setting other people's passwords to Keepers", async () => {
      const { cookie } = await passwordSignIn(t.url, "alice", "new and long enough");
      const r = await withCookie(t.url, cookie!)("PUT", "/api/v1/users/carol/password", { password: "alice sets this one" });
      expect(r.status).toBe(403);
    });

    it("pauses an address after 20 failures, whatever the names tried", async () => {
      // Earlier tests left failures from this address; fill up to the limit with new names.
      let status = 401;
      let tries = 0;
      while (status === 401 && tries < 25) {
        status = (await passwordSignIn(t.url, `stranger${tries}`, "some password here")).status;
        tries++;
      }
      expect(status).toBe(429);
      expect(tries).toBeLessThanOrEqual(21);
      const limited = await passwordSignIn(t.url, "alice", "new and long enough");
      expect(limited.status).toBe(429);
      expect(limited.body.detail).toMatch(/^Too many failed sign-ins from this address; try again in \d+ minutes\.$/);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      // The token still works: the limit is on guessing passwords, not on the API.
      expect((await t.api("GET", "/api/v1/me")).status).toBe(200);
    });
  });
}
