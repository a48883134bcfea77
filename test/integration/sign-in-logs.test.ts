import type { ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type TestProvider } from "../helpers/oidc-provider.ts";
import { freePort, makeApi, spawnServer } from "../helpers/platform.ts";
import { passwordSignIn, portalPost, withCookie } from "../helpers/sign-in.ts";

// Passwords and the sign-on client secret never reach the server's output, at the most
// talkative log level, whatever happens to them: right, wrong, too short, rate-limited, set by
// a Keeper, changed, chosen when joining, and a sign-on that fails at the provider.

describe("sign-in secrets stay out of the server's logs", () => {
  let dir: string;
  let server: ChildProcess;
  let idp: TestProvider;
  let url: string;
  let output = "";
  const passwords = ["first-Password-4417", "second-Password-8810", "wrong-Password-2291", "invitee-Password-7734", "x7Q!"];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "plinth-sign-in-logs-"));
    // Run as root, jobs run as another user, who must pass through to the data directory.
    chmodSync(dir, 0o755);
    idp = await startOidcProvider({ lena: { preferred_username: "lena", groups: [] } });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    idp.register(`${url}/api/v1/auth/oidc/callback`);
    writeFileSync(join(dir, "client-secret"), `${idp.clientSecret}\n`, { mode: 0o600 });
    writeFileSync(join(dir, "plinth.yaml"), `auth:\n  oidc:\n    issuer: ${idp.issuer}\n    clientId: ${idp.clientId}\n    clientSecretFile: ${join(dir, "client-secret")}\n`);
    server = await spawnServer({ dataDir: join(dir, "data"), port, env: { PLINTH_LOG_LEVEL: "trace", PLINTH_CONFIG: join(dir, "plinth.yaml") } });
    server.stdout!.on("data", (d) => {
      output += d;
    });
    server.stderr!.on("data", (d) => {
      output += d;
    });
  }, 60_000);
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
    await idp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("never prints a password or the client secret", async () => {
    const api = makeApi(url);
    expect((await api("POST", "/api/v1/users", { name: "lena" })).status).toBe(201);
    expect((await api("PUT", "/api/v1/users/lena/password", { password: passwords[0] })).status).toBe(200);
    expect((await api("PUT", "/api/v1/users/lena/password", { password: passwords[4] })).status).toBe(422);
    const { cookie } = await passwordSignIn(url, "lena", passwords[0]!);
    expect((await withCookie(url, cookie!)("PUT", "/api/v1/me/password", { current: passwords[0], password: passwords[1] })).status).toBe(200);
    for (let i = 0; i < 6; i++) await passwordSignIn(url, "lena", passwords[2]!);
    expect((await passwordSignIn(url, "lena", passwords[2]!)).status).toBe(429);
    const invitation = await api("POST", "/api/v1/invitations", {});
    const secret = invitation.body.url.split("/join/")[1];
    expect((await portalPost(url, "/api/v1/invitations/accept", { secret, name: "olaf", password: passwords[3] })).status).toBe(201);
    // A sign-on that fails at the token endpoint: the client secret is sent there.
    const start = await fetch(`${url}/api/v1/auth/oidc/login`, { redirect: "manual" });
    const state = new URL(start.headers.get("location")!).searchParams.get("state")!;
    const stateCookie = /plinth_oidc=[^;]+/.exec(start.headers.get("set-cookie")!)![0];
    const callback = await fetch(`${url}/api/v1/auth/oidc/callback?code=forged&state=${state}&iss=${encodeURIComponent(idp.issuer)}`, { redirect: "manual", headers: { cookie: stateCookie } });
    expect(callback.headers.get("location")).toMatch(/^\/#sso-problem=/);

    await new Promise((r) => setTimeout(r, 300));
    expect(output).toMatch(/single sign-on failed/);
    for (const p of passwords) expect(output).not.toContain(p);
    expect(output).not.toContain(idp.clientSecret);
    expect(output).not.toContain(secret);
  });
});
