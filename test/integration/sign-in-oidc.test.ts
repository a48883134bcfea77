import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startOidcProvider, type TestProvider } from "../helpers/oidc-provider.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { withCookie } from "../helpers/sign-in.ts";

// Single sign-on against a real OpenID Connect provider (oidc-provider on loopback), driven
// over HTTP as a browser would: redirects, cookies per site, the provider's own sign-in and
// consent forms. Group claims become teams and roles, synced at every sign-in; what a Keeper
// set by hand stays.

/** A browser's cookie jar and redirect-following, enough for the sign-on's round trip. */
class Browser {
  readonly #jar = new Map<string, Map<string, string>>();

  async get(url: string): Promise<Response> {
    return this.#send(url, { method: "GET" });
  }

  async postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.#send(url, { method: "POST", body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
  }

  cookie(origin: string, name: string): string | undefined {
    return this.#jar.get(origin)?.get(name);
  }

  async #send(url: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Response> {
    const origin = new URL(url).origin;
    const cookies = [...(this.#jar.get(origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...init.headers, ...(cookies && { cookie: cookies }) } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const jar = this.#jar.get(origin) ?? new Map<string, string>();
      const value = pair!.slice(eq + 1);
      if (value === "" || /Max-Age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(pair!.slice(0, eq));
      else jar.set(pair!.slice(0, eq), value);
      this.#jar.set(origin, jar);
    }
    return res;
  }
}

/**
 * Signs on from Plinth's start URL: follows redirects, fills the provider's sign-in form with
 * `login`, confirms consent, and returns Plinth's last answer (the redirect into the portal).
 */
async function signOn(plinth: string, login: string, opts: { returnTo?: string; browser?: Browser } = {}): Promise<{ res: Response; browser: Browser; location: string }> {
  const browser = opts.browser ?? new Browser();
  let url = `${plinth}/api/v1/auth/oidc/login${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ""}`;
  let res = await browser.get(url);
  for (let hops = 0; hops < 20; hops++) {
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location")!, url).href;
      if (url.startsWith(plinth) && !url.includes("/api/v1/auth/oidc/")) return { res, browser, location: url.slice(plinth.length) };
      res = await browser.get(url);
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`unexpected page at ${url} (${res.status}):\n${html.slice(0, 500)}`);
    const fields: Record<string, string> = prompt === "login" ? { prompt, login, password: "any password" } : { prompt };
    url = new URL(action.replace(/&amp;/g, "&"), url).href;
    res = await browser.postForm(url, fields);
  }
  throw new Error("too many redirects");
}

function problemIn(location: string): any {
  const m = /#sso-problem=([A-Za-z0-9_-]+)$/.exec(location);
  return m ? JSON.parse(Buffer.from(m[1]!, "base64url").toString("utf8")) : null;
}

const sessionOf = (b: Browser, plinth: string) => `plinth_session=${b.cookie(plinth, "plinth_session")}`;

for (const db of testDatabases()) {
  describe(`single sign-on (${db.name})`, () => {
    let idp: TestProvider;
    let t: TestPlatform;
    let closed: TestPlatform;
    beforeAll(async () => {
      idp = await startOidcProvider({
        mira: { preferred_username: "mira", name: "Mira Lind", email: "mira@lab.example", groups: ["lab-vision", "lab-nlp-readers", "lab-keepers"] },
        otto: { preferred_username: "otto", groups: [] },
        "noah@lab.example": { preferred_username: "noah", groups: ["lab-vision"] },
        "bad name": { preferred_username: "Bad Name!", groups: [] },
      });
      const oidc = {
        issuer: idp.issuer,
        name: "Lab Login",
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        scopes: ["openid", "profile", "email", "groups"],
        teams: {
          "lab-vision": { team: "vision", role: "member" },
          "lab-vision-leads": { team: "vision", role: "admin" },
          "lab-nlp-readers": { team: "nlp", role: "viewer" },
          "lab-keepers": { platformRole: "admin" },
        },
      };
      t = await startTestPlatform(db, "sign_in_oidc", { extra: { auth: { oidc } } });
      closed = await startTestPlatform(db, "sign_in_oidc_closed", { extra: { auth: { oidc: { ...oidc, createUsers: false } } } });
      idp.register(`${t.url}/api/v1/auth/oidc/callback`, `${closed.url}/api/v1/auth/oidc/callback`);
    });
    afterAll(async () => {
      await t?.close();
      await closed?.close();
      await idp?.close();
    });

    it("tells the portal that single sign-on is there, under the provider's name", async () => {
      const r = await fetch(`${t.url}/api/v1/auth/methods`);
      expect(await r.json()).toEqual({ password: true, token: true, sso: { name: "Lab Login", url: "/api/v1/auth/oidc/login" } });
    });

    it("signs a new person in through the provider, with teams and the Keeper role from their groups", async () => {
      const { res, browser, location } = await signOn(t.url, "mira", { returnTo: "/jobs" });
      expect(res.status).toBe(302);
      expect(location).toBe("/jobs");
      // The sign-on's state cookie is gone once used.
      expect(browser.cookie(t.url, "plinth_oidc")).toBeUndefined();
      const me = await withCookie(t.url, sessionOf(browser, t.url))("GET", "/api/v1/me");
      expect(me.body).toMatchObject({ name: "mira", displayName: "Mira Lind", role: "admin" });
      expect(me.body.teams).toEqual([
        { team: "nlp", role: "viewer" },
        { team: "vision", role: "member" },
      ]);
      const members = await t.api("GET", "/api/v1/teams/vision/members");
      expect(members.body.items).toEqual([expect.objectContaining({ user: "mira", role: "member", source: "sso" })]);
    });

    it("syncs teams at the next sign-in: groups gone take their teams along, hand-set memberships stay", async () => {
      expect((await t.api("POST", "/api/v1/teams", { name: "ops" })).status).toBe(201);
      expect((await t.api("PUT", "/api/v1/teams/ops/members/mira", { role: "member" })).status).toBe(200);
      idp.accounts.get("mira")!.groups = ["lab-vision", "lab-vision-leads"];
      const { browser } = await signOn(t.url, "mira");
      const me = await withCookie(t.url, sessionOf(browser, t.url))("GET", "/api/v1/me");
      expect(me.body.role).toBe("member");
      expect(me.body.teams).toEqual([
        { team: "ops", role: "member" },
        { team: "vision", role: "admin" },
      ]);
      const ops = await t.api("GET", "/api/v1/teams/ops/members");
      expect(ops.body.items).toEqual([expect.objectContaining({ user: "mira", source: "keeper" })]);
      // Each sign-on is in the audit log with what it changed.
      const audit = await t.api("GET", "/api/v1/audit?action=session.oidc&target=mira");
      expect(audit.body.items.map((e: any) => e.after.changes)).toEqual([
        ["vision: member → admin", "left nlp", "no longer a Keeper"],
        ["account made", "joined vision as member", "joined nlp as viewer", "made a Keeper"],
      ]);
    });

    it("links the account a Keeper added under the same name, and takes an email address's first part as the name", async () => {
      const added = await t.api("POST", "/api/v1/users", { name: "otto" });
      const { browser } = await signOn(t.url, "otto");
      const me = await withCookie(t.url, sessionOf(browser, t.url))("GET", "/api/v1/me");
      expect(me.body.id).toBe(added.body.user.id);
      expect(me.body.teams).toEqual([{ team: "default", role: "member" }]);
      idp.accounts.get("noah@lab.example")!.preferred_username = "noah@lab.example";
      const noah = await signOn(t.url, "noah@lab.example");
      expect((await withCookie(t.url, sessionOf(noah.browser, t.url))("GET", "/api/v1/me")).body).toMatchObject({ name: "noah", teams: [{ team: "vision", role: "member" }] });
    });

    it("refuses, on the sign-in page, someone whose name does not fit, and someone unknown where accounts are not made", async () => {
      const bad = await signOn(t.url, "bad name");
      expect(problemIn(bad.location)).toMatchObject({ title: "No usable user name", status: 403 });
      expect(bad.browser.cookie(t.url, "plinth_session")).toBeUndefined();
      const refused = await signOn(closed.url, "mira");
      expect(refused.location).toMatch(/^\/#sso-problem=/);
      expect(problemIn(refused.location)).toMatchObject({ title: "No account here", hint: expect.stringContaining("plinth users add mira") });
    });

    it("finishes a sign-on only in the browser that started it, once, and only to a page of Plinth's own", async () => {
      // Another browser cannot finish it: the state cookie is missing there.
      const starter = new Browser();
      const start = await starter.get(`${t.url}/api/v1/auth/oidc/login?returnTo=${encodeURIComponent("//evil.example/")}`);
      const state = new URL(start.headers.get("location")!).searchParams.get("state")!;
      const elsewhere = await new Browser().get(`${t.url}/api/v1/auth/oidc/callback?code=made-up&state=${state}`);
      expect(problemIn(elsewhere.headers.get("location")!)).toMatchObject({ title: "Single sign-on failed", detail: expect.stringContaining("not started in this browser") });
      // A forged code in the right browser is refused by the provider, and uses the sign-on up.
      const forged = await starter.get(`${t.url}/api/v1/auth/oidc/callback?code=made-up&state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
      expect(problemIn(forged.headers.get("location")!)).toMatchObject({ title: "Single sign-on failed" });
      const { location } = await signOn(t.url, "otto", { returnTo: "//evil.example/" });
      expect(location).toBe("/");
    });

    it("answers a provider that says no with the provider's reason", async () => {
      const b = new Browser();
      const start = await b.get(`${t.url}/api/v1/auth/oidc/login`);
      const state = new URL(start.headers.get("location")!).searchParams.get("state")!;
      const denied = await b.get(`${t.url}/api/v1/auth/oidc/callback?error=access_denied&error_description=End-User+aborted&state=${state}`);
      expect(problemIn(denied.headers.get("location")!)).toMatchObject({ detail: "Lab Login did not sign you in: access_denied (End-User aborted)." });
    });
  });
}
