import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type TestProvider } from "../helpers/oidc-provider.ts";
import { expectAccessible, loaded, type PortalSession, poll, screenshot, startPortal } from "./helpers/portal.ts";

// Signing in without a token, in a real Chromium: single sign-on through a real OpenID Connect
// provider (its own sign-in and consent pages) landing in the portal with the teams the
// person's groups give; a refused sign-on explained on the sign-in page; joining with an
// invitation link; signing in with the password chosen there.

describe("sign-in without a token (Chromium)", () => {
  let idp: TestProvider;
  let s: PortalSession;
  beforeAll(async () => {
    idp = await startOidcProvider({
      mira: { preferred_username: "mira", name: "Mira Lind", email: "mira@lab.example", groups: ["lab-vision", "lab-keepers"] },
      stray: { preferred_username: "Not A Name!", groups: [] },
    });
    s = await startPortal("sign_in_browser", {
      extra: {
        auth: {
          oidc: {
            issuer: idp.issuer,
            name: "Lab Login",
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            scopes: ["openid", "profile", "email", "groups"],
            teams: { "lab-vision": { team: "vision", role: "member" }, "lab-keepers": { platformRole: "admin" } },
          },
        },
      },
    });
    idp.register(`${s.t.url}/api/v1/auth/oidc/callback`);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await idp?.close();
  });

  /** Goes through the provider's own pages as the person would. */
  async function throughProvider(login: string): Promise<void> {
    const { page } = s;
    await page.getByRole("link", { name: "Sign in with Lab Login" }).click();
    await page.waitForURL((u) => u.origin === idp.issuer, { waitUntil: "commit" });
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill("whatever the provider checks");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
  }

  it("signs in through the provider and lands where the person was going, with their teams", async () => {
    const { page } = s;
    await page.goto("/jobs");
    await page.getByRole("link", { name: "Sign in with Lab Login" }).waitFor();
    await expectAccessible(page, "sign-in with single sign-on");
    await screenshot(page, "portal-sign-in-sso");
    await throughProvider("mira");
    await page.waitForURL((u) => u.origin === s.t.url && u.pathname === "/jobs");
    await loaded(page, "jobs");
    const me = await page.evaluate(async () => (await fetch("/api/v1/me")).json());
    expect(me).toMatchObject({ name: "mira", displayName: "Mira Lind", role: "admin", teams: [{ team: "vision", role: "member" }] });
    expect(s.pageErrors).toEqual([]);
  });

  it("explains a refused sign-on on the sign-in page", async () => {
    const { page } = s;
    await s.context.clearCookies();
    await page.goto("/");
    // Hold back the Start-here data a moment: its 401 then arrives after the sign-in page is up
    // and makes the portal ask "who am I" again, which shows the sign-in page a second time.
    await page.route("**/api/v1/portal/start", async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      // The page may have moved on meanwhile (its request cancelled, the route let go): nothing to send then.
      await route.continue().catch(() => undefined);
    });
    await throughProvider("stray");
    const problem = page.getByTestId("problem");
    // Back through the callback to the portal, which then loads: give a busy machine time.
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.textContent()).toContain("No usable user name");
    expect(await problem.textContent()).toContain("usernameClaim");
    expect(new URL(page.url()).hash).toBe("");
    await page.unroute("**/api/v1/portal/start");
  });

  it("joins with an invitation link, then signs in with the password chosen there", async () => {
    const { page, t } = s;
    await s.context.clearCookies();
    const made = await t.api("POST", "/api/v1/invitations", { team: "vision", role: "member" });
    await page.goto(new URL(made.body.url).pathname);
    await loaded(page, "join");
    expect(await page.locator("main").textContent()).toContain("the team vision as a member");
    await expectAccessible(page, "join");
    await page.getByLabel("User name").fill("ruth");
    await page.getByLabel("Your name").fill("Ruth Ng");
    await page.getByLabel("Email").fill("ruth@lab.example");
    await page.getByLabel("Password", { exact: true }).fill("ruth's long password");
    await page.getByLabel("Password again").fill("ruth's long password");
    await screenshot(page, "portal-join");
    await page.getByRole("button", { name: "Join" }).click();
    await page.getByRole("heading", { name: "Start here", level: 1 }).waitFor();

    await s.context.clearCookies();
    await page.goto("/");
    await page.getByLabel("User name").fill("ruth");
    await page.getByLabel("Password", { exact: true }).fill("not ruth's password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await poll(() => page.getByTestId("problem").textContent()).toContain("Wrong user name or password");
    await page.getByLabel("Password", { exact: true }).fill("ruth's long password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Start here", level: 1 }).waitFor();
    const me = await page.evaluate(async () => (await fetch("/api/v1/me")).json());
    expect(me).toMatchObject({ name: "ruth", displayName: "Ruth Ng", teams: [{ team: "vision", role: "member" }] });

    // Ruth changes her password on her profile page: the wrong current one is refused there.
    await page.goto("/profile");
    await page.getByLabel("Current password", { exact: true }).fill("not ruth's password");
    await page.getByLabel("New password", { exact: true }).fill("ruth's newer password");
    await page.getByLabel("New password again").fill("ruth's newer password");
    await page.getByRole("button", { name: "Set password" }).click();
    await poll(() => page.getByTestId("problem").textContent()).toContain("Current password is wrong");
    await page.getByLabel("Current password", { exact: true }).fill("ruth's long password");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByText("Password set.").waitFor();
    expect((await t.api("GET", "/api/v1/me")).status).toBe(200);

    // The link worked once.
    await s.context.clearCookies();
    await page.goto(new URL(made.body.url).pathname);
    await poll(() => page.getByTestId("problem").textContent()).toContain("Invitation already used");
    expect(s.pageErrors).toEqual([]);
  });
});
