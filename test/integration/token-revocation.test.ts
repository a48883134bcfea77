import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import * as m001 from "../../src/db/migrations/001-initial.ts";
import * as m002 from "../../src/db/migrations/002-portal-sessions.ts";
import { testDatabases } from "../helpers/databases.ts";
import { databaseUrlFor, runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Revoking a token ends the browser sessions signed in with it, and admins (only admins) can
// revoke anyone's tokens and sign anyone out of every browser: over HTTP and with the CLI, on
// a real server and each database.

async function signIn(url: string, token: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(201);
  const secret = /plinth_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  expect(secret).toBeTruthy();
  return `plinth_session=${secret}`;
}

/** A request signed in by a session cookie, as the portal makes it. */
async function asBrowser(url: string, cookie: string, method: string, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method, headers: { cookie, "x-plinth-csrf": "1" } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

for (const db of testDatabases()) {
  describe(`token revocation and sessions (${db.name})`, () => {
    let t: TestPlatform;
    /** Makes a member with a first token, as `plinth users add` does. */
    const addUser = async (name: string) => {
      const r = await t.api("POST", "/api/v1/users", { name });
      expect(r.status).toBe(201);
      return r.body.token as string;
    };
    const tokenIdOf = async (token: string) => {
      const mine = await t.api("GET", "/api/v1/tokens", undefined, token);
      return mine.body.items.find((i: any) => token.startsWith(i.prefix)).id as string;
    };
    const me = (cookie: string) => asBrowser(t.url, cookie, "GET", "/api/v1/me");

    beforeAll(async () => {
      t = await startTestPlatform(db, "token_revocation");
    });
    afterAll(async () => {
      await t?.close();
    });

    it("ends the browser sessions signed in with a token when it is revoked, and only those", async () => {
      const first = await addUser("ada");
      const firstId = await tokenIdOf(first);
      const second = (await t.api("POST", "/api/v1/tokens", { name: "laptop" }, first)).body.token as string;
      const fromFirst = [await signIn(t.url, first), await signIn(t.url, first)];
      const fromSecond = await signIn(t.url, second);
      for (const cookie of [...fromFirst, fromSecond]) expect((await me(cookie)).body.name).toBe("ada");
      const rows = await (t.platform.database.db as any).selectFrom("sessions").select(["token_id"]).where("user_id", "=", (await me(fromSecond)).body.id).execute();
      expect(rows.map((r: any) => r.token_id).sort()).toEqual([firstId, firstId, await tokenIdOf(second)].sort());

      expect((await t.api("DELETE", `/api/v1/tokens/${firstId}`, undefined, second)).status).toBe(200);
      for (const cookie of fromFirst) {
        const after = await me(cookie);
        expect(after.status).toBe(401);
        expect(after.body.hint).toBeTruthy();
      }
      expect((await t.api("GET", "/api/v1/me", undefined, first)).status).toBe(401);
      // The other token, and the browser signed in with it, go on working.
      expect((await me(fromSecond)).status).toBe(200);
      expect((await t.api("GET", "/api/v1/me", undefined, second)).status).toBe(200);
    });

    it("never leaves a live session from a sign-in that races the revocation of its token", async () => {
      const owner = await addUser("racer");
      for (let round = 0; round < 20; round++) {
        const token = (await t.api("POST", "/api/v1/tokens", { name: `round ${round}` }, owner)).body.token as string;
        const id = await tokenIdOf(token);
        const [signedIn] = await Promise.all([
          fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } }),
          t.api("DELETE", `/api/v1/tokens/${id}`, undefined, owner),
        ]);
        const cookie = /plinth_session=[^;]*/.exec(signedIn.headers.get("set-cookie") ?? "")?.[0];
        if (cookie) expect((await me(cookie)).status, `round ${round}`).toBe(401);
        else expect(signedIn.status, `round ${round}`).toBe(401);
        const live = await (t.platform.database.db as any).selectFrom("sessions").select("id").where("token_id", "=", id).where("revoked_at", "is", null).execute();
        expect(live, `round ${round}`).toEqual([]);
      }
    });

    it("signs out the very browser that revokes the token it was signed in with", async () => {
      const token = await addUser("grace");
      const cookie = await signIn(t.url, token);
      const revoked = await asBrowser(t.url, cookie, "DELETE", `/api/v1/tokens/${await tokenIdOf(token)}`);
      expect(revoked.status).toBe(200);
      expect((await me(cookie)).status).toBe(401);
    });

    it("lets a member neither see, revoke nor sign out anyone else", async () => {
      const alice = await addUser("alice");
      const mallory = await addUser("mallory");
      const aliceTokenId = await tokenIdOf(alice);
      const aliceCookie = await signIn(t.url, alice);
      const malloryCookie = await signIn(t.url, mallory);

      for (const [method, path] of [
        ["GET", "/api/v1/users/alice/tokens"],
        ["DELETE", `/api/v1/users/alice/tokens/${aliceTokenId}`],
        ["DELETE", "/api/v1/users/alice/sessions"],
      ] as const) {
        const byToken = await t.api(method, path, undefined, mallory);
        expect(byToken.status, `${method} ${path}`).toBe(403);
        expect(byToken.body.hint, `${method} ${path}`).toMatch(/admin/);
        expect((await asBrowser(t.url, malloryCookie, method, path)).status, `${method} ${path} from the portal`).toBe(403);
      }
      // Her own revoke route takes only her own tokens: someone else's is not found.
      const notHers = await t.api("DELETE", `/api/v1/tokens/${aliceTokenId}`, undefined, mallory);
      expect(notHers.status).toBe(404);
      expect(notHers.body.hint).toBeTruthy();
      expect((await t.api("GET", "/api/v1/tokens", undefined, mallory)).body.items.map((i: any) => i.id)).not.toContain(aliceTokenId);

      // Nothing of Alice's changed.
      expect((await t.api("GET", "/api/v1/me", undefined, alice)).status).toBe(200);
      expect((await me(aliceCookie)).status).toBe(200);
      const hers = (await t.api("GET", "/api/v1/users/alice/tokens")).body.items;
      expect(hers.find((i: any) => i.id === aliceTokenId).revokedAt).toBeNull();
    });

    it("lets an admin list and revoke anyone's tokens, which signs their browsers out", async () => {
      const token = await addUser("barbara");
      const cookie = await signIn(t.url, token);
      const listed = await t.api("GET", "/api/v1/users/barbara/tokens");
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(1);
      const id = listed.body.items[0].id;

      const revoked = await t.api("DELETE", `/api/v1/users/barbara/tokens/${id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ revoked: true });
      expect((await me(cookie)).status).toBe(401);
      expect((await t.api("GET", "/api/v1/me", undefined, token)).status).toBe(401);
      expect((await t.api("GET", "/api/v1/users/barbara/tokens")).body.items[0].revokedAt).toBeTruthy();

      const again = await t.api("DELETE", `/api/v1/users/barbara/tokens/${id}`);
      expect(again.status).toBe(404);
      expect(again.body.hint).toMatch(/plinth tokens ls --user barbara/);
      // A token ID is revoked only through the user it belongs to.
      const other = await addUser("claude");
      const wrongUser = await t.api("DELETE", `/api/v1/users/barbara/tokens/${await tokenIdOf(other)}`);
      expect(wrongUser.status).toBe(404);
      expect((await t.api("GET", "/api/v1/me", undefined, other)).status).toBe(200);
      const nobody = await t.api("GET", "/api/v1/users/nobody/tokens");
      expect(nobody.status).toBe(404);
      expect(nobody.body.hint).toMatch(/plinth users ls/);
    });

    it("lets an admin sign someone out of every browser while their tokens keep working", async () => {
      const token = await addUser("dennis");
      const cookies = [await signIn(t.url, token), await signIn(t.url, token)];
      const adminCookie = await signIn(t.url, (await t.api("POST", "/api/v1/tokens", { name: "admin portal" })).body.token);

      const out = await t.api("DELETE", "/api/v1/users/dennis/sessions");
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ ended: 2 });
      for (const cookie of cookies) expect((await me(cookie)).status).toBe(401);
      expect((await t.api("GET", "/api/v1/me", undefined, token)).status).toBe(200);
      expect((await me(adminCookie)).status).toBe(200);
      expect((await t.api("DELETE", "/api/v1/users/dennis/sessions")).body).toEqual({ ended: 0 });
      expect((await t.api("DELETE", "/api/v1/users/nobody/sessions")).status).toBe(404);
    });

    it("does all of it from the CLI: tokens ls --user, tokens revoke --user, users sign-out", async () => {
      const token = await addUser("edsger");
      const cookie = await signIn(t.url, token);
      const ls = await runCli(["tokens", "ls", "--user", "edsger", "--json"], { url: t.url });
      expect(ls.code).toBe(0);
      const [info] = JSON.parse(ls.stdout).items;
      const table = await runCli(["tokens", "ls", "--user", "edsger"], { url: t.url });
      expect(table.stdout).toContain(info.id);
      expect(table.stdout).toContain("active");

      const denied = await runCli(["tokens", "ls", "--user", "edsger"], { url: t.url, token: await addUser("eve") });
      expect(denied.code).toBe(2);
      expect(denied.stderr).toMatch(/Not allowed/);
      expect(denied.stderr).toMatch(/hint: .*admin/);

      const second = (await t.api("POST", "/api/v1/tokens", { name: "second" }, token)).body.token as string;
      const secondCookie = await signIn(t.url, second);
      const signOut = await runCli(["users", "sign-out", "edsger"], { url: t.url });
      expect(signOut.code).toBe(0);
      expect(signOut.stdout).toBe("signed edsger out of 2 browser sessions\n");
      expect((await me(secondCookie)).status).toBe(401);

      const fresh = await signIn(t.url, token);
      const revoke = await runCli(["tokens", "revoke", "--user", "edsger", info.id], { url: t.url });
      expect(revoke.code).toBe(0);
      expect(revoke.stdout).toBe(`revoked ${info.id}\n`);
      expect((await me(fresh)).status).toBe(401);
      expect((await me(cookie)).status).toBe(401);
      const missing = await runCli(["tokens", "revoke", info.id], { url: t.url });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--user/);
    });
  });

  describe(`upgrading to sessions that know their token (${db.name})`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-migrate-"));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it("ends the sessions made before, which cannot say which token they came from", async () => {
      const url = await databaseUrlFor(db, "session_upgrade");
      const database = openDatabase(url.url, dataDir);
      try {
        const raw = database.db as unknown as Kysely<any>;
        // The schema as the two migrations before this one left it, with a signed-in browser.
        await raw.schema.createTable("plinth_migrations").addColumn("name", "text", (c) => c.primaryKey()).addColumn("applied_at", "bigint", (c) => c.notNull()).execute();
        for (const [name, m] of [["001-initial", m001], ["002-portal-sessions", m002]] as const) {
          await m.up(raw, database.dialect);
          await raw.insertInto("plinth_migrations").values({ name, applied_at: 1 }).execute();
        }
        await raw.insertInto("users").values({ id: "usr_1", name: "ada", role: "member", created_at: 1 }).execute();
        const session = { user_id: "usr_1", method: "token", created_at: 1, last_seen_at: 1, expires_at: Date.now() + 86_400_000, user_agent: null };
        await raw.insertInto("sessions").values([{ ...session, id: "ses_live", secret_hash: "a", revoked_at: null }, { ...session, id: "ses_gone", secret_hash: "b", revoked_at: 5 }]).execute();

        expect(await migrate(database)).toContain("003-session-tokens");
        const rows = await raw.selectFrom("sessions").select(["id", "token_id", "revoked_at"]).orderBy("id").execute();
        expect(rows[0]).toMatchObject({ id: "ses_gone", token_id: null, revoked_at: 5 });
        expect(rows[1]).toMatchObject({ id: "ses_live", token_id: null });
        expect(rows[1].revoked_at).toBeGreaterThan(0);
        expect(await migrate(database)).toEqual([]);
      } finally {
        await database.close();
        await url.cleanup();
      }
    });
  });
}
