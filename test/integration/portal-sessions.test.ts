import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";

// Signing in to the portal: a token (sent as a Bearer header) exchanged for an HttpOnly session cookie, the cookie
// accepted beside Bearer tokens, CSRF protection for cookie requests that change things,
// and sign-out.

async function signIn(url: string, token: string) {
  const res = await fetch(`${url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  const setCookie = res.headers.get("set-cookie") ?? "";
  const secret = /plinth_session=([^;]*)/.exec(setCookie)?.[1] ?? "";
  return { status: res.status, body: (await res.json()) as any, setCookie, cookie: `plinth_session=${secret}`, secret };
}

function withCookie(url: string, cookie: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { cookie, ...(body !== undefined && { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text && /json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : text, headers: res.headers };
  };
}

for (const db of testDatabases()) {
  describe(`portal sessions (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "portal_sessions");
    });
    afterAll(async () => {
      await t?.close();
    });

    it("refuses a wrong token with a problem that says what is wrong", async () => {
      const r = await signIn(t.url, "plt_not_a_real_token_000000000000");
      expect(r.status).toBe(401);
      expect(r.body.title).toBe("Not signed in");
      expect(r.body.detail).toMatch(/unknown, revoked or expired/);
      expect(r.body.hint).toMatch(/Tokens page/);
      expect(r.setCookie).toBe("");
    });

    it("starts sessions only from a token, not from another session", async () => {
      const { cookie } = await signIn(t.url, TOKEN);
      const again = await withCookie(t.url, cookie)("POST", "/api/v1/sessions", undefined, { "x-plinth-csrf": "1" });
      expect(again.status).toBe(400);
      expect(again.body.hint).toMatch(/Bearer/);
    });

    it("exchanges a token for an HttpOnly, SameSite=Strict session cookie stored only hashed", async () => {
      const r = await signIn(t.url, TOKEN);
      expect(r.status).toBe(201);
      expect(r.body.user).toMatchObject({ name: "admin", role: "admin" });
      expect(r.body.session.method).toBe("token");
      expect(r.setCookie).toMatch(/HttpOnly/);
      expect(r.setCookie).toMatch(/SameSite=Strict/);
      expect(r.setCookie).toMatch(/Path=\//);
      expect(r.secret.length).toBeGreaterThanOrEqual(43);
      const rows = await (t.platform.database.db as any).selectFrom("sessions").selectAll().where("id", "=", r.body.session.id).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0].secret_hash).toBe(createHash("sha256").update(r.secret).digest("hex"));
      expect(JSON.stringify(rows[0])).not.toContain(r.secret);
    });

    it("accepts the cookie for reads, and for changes only with the CSRF header", async () => {
      const { cookie } = await signIn(t.url, TOKEN);
      const api = withCookie(t.url, cookie);
      expect((await api("GET", "/api/v1/me")).body).toMatchObject({ name: "admin" });

      const forged = await api("POST", "/api/v1/tokens", { name: "forged" });
      expect(forged.status).toBe(403);
      expect(forged.body.title).toBe("Request not from the portal");
      expect(forged.body.hint).toBeTruthy();

      const made = await api("POST", "/api/v1/tokens", { name: "from the portal" }, { "x-plinth-csrf": "1" });
      expect(made.status).toBe(201);
      expect(made.body.token).toMatch(/^plt_/);
      // The new token works as a Bearer token: both ways of signing in live side by side.
      expect((await t.api("GET", "/api/v1/me", undefined, made.body.token)).status).toBe(200);
      // Bearer requests need no CSRF header: no browser sends them on its own.
      expect((await t.api("POST", "/api/v1/tokens", { name: "script" })).status).toBe(201);
    });

    it("signs out: clears the cookie and the session stops working", async () => {
      const { cookie } = await signIn(t.url, TOKEN);
      const api = withCookie(t.url, cookie);
      expect((await api("DELETE", "/api/v1/sessions/current")).status).toBe(403);
      const out = await api("DELETE", "/api/v1/sessions/current", undefined, { "x-plinth-csrf": "1" });
      expect(out.status).toBe(200);
      expect(out.headers.get("set-cookie")).toMatch(/plinth_session=;.*Max-Age=0/);
      const after = await api("GET", "/api/v1/me");
      expect(after.status).toBe(401);
      expect(after.body.title).toBe("Not signed in");
    });

    it("ignores made-up and malformed cookies", async () => {
      for (const cookie of ["plinth_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "plinth_session=%zz", "other=1"]) {
        expect((await withCookie(t.url, cookie)("GET", "/api/v1/me")).status).toBe(401);
      }
    });

    it("describes the session routes in the OpenAPI document", async () => {
      const { body } = await t.api("GET", "/api/v1/openapi.json");
      expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/api/v1/sessions", "/api/v1/sessions/current", "/api/v1/events", "/api/v1/guides", "/api/v1/portal/start"]));
      expect(body.components.schemas.SignedIn).toBeTruthy();
    });
  });
}
