import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../src/identity/generators/ssh-keypair.ts";
import { parseSshPublicKey } from "../../src/identity/ssh-keys/parse.ts";
import { TOKEN } from "../helpers/platform.ts";
import { expectAccessible, expectStyled, loaded, poll, type PortalSession, screenshot, startPortal } from "./helpers/portal.ts";

// The profile page in a real Chromium: SSH keys added by pasting, listed with fingerprints and
// deleted; an ed25519 key pair made in the browser that ssh-keygen reads back, whose private
// half no request ever carries; tokens and passwords of the length and alphabet asked for.

const sshKeygen = spawnSync("ssh-keygen", ["-?"]).error === undefined;

describe("profile page (Chromium)", () => {
  let s: PortalSession;
  let dir: string;
  /** Everything the page sent: each request's method, URL and body. */
  const sent: Array<{ method: string; url: string; body: string }> = [];
  const keyPosts = () => sent.filter((r) => r.method === "POST" && r.url.endsWith("/api/v1/ssh-keys"));

  beforeAll(async () => {
    s = await startPortal("profile");
    dir = mkdtempSync(join(tmpdir(), "plinth-profile-"));
    s.page.on("request", (r) => sent.push({ method: r.method(), url: r.url(), body: r.postData() ?? "" }));
    // Signed in through the session API: this page, not the sign-in page, is under test here.
    const res = await fetch(`${s.t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    const secret = /plinth_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
    expect(secret).toBeTruthy();
    await s.context.addCookies([{ name: "plinth_session", value: secret!, url: s.t.url, httpOnly: true, sameSite: "Strict" }]);
    await s.page.goto("/");
    await s.page.getByRole("heading", { name: "Start here", level: 1 }).waitFor();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is reached from the navigation, and is accessible and styled", async () => {
    const { page } = s;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Profile" }).click();
    await page.getByRole("heading", { name: "Profile", level: 1 }).waitFor();
    await loaded(page, "ssh-keys");
    expect(await page.getByText("You have no SSH keys here yet.").isVisible()).toBe(true);
    await expectAccessible(page, "/profile");
    await expectStyled(page, "/profile");
  });

  it("adds a pasted public key, shows its fingerprint, refuses it twice, and deletes it", async () => {
    const { page } = s;
    const pair = await generateSshKeyPair("ada@laptop");
    await page.getByTestId("ssh-key-text").fill(pair.publicKey);
    await page.getByLabel("Name (optional)").fill("laptop");
    await page.getByRole("button", { name: "Add key" }).click();
    await page.getByTestId("ssh-key-added").waitFor();
    const row = page.getByRole("table", { name: "Your SSH keys" }).getByRole("row", { name: /laptop/ });
    await poll(() => row.textContent()).toContain(pair.fingerprint);
    expect(await row.textContent()).toContain("ed25519 256");

    await page.getByTestId("ssh-key-text").fill(pair.publicKey);
    await page.getByRole("button", { name: "Add key" }).click();
    await poll(() => page.getByTestId("problem").textContent()).toMatch(/already has this key, named 'laptop'/);

    await page.getByRole("button", { name: "Delete SSH key laptop" }).click();
    await page.getByTestId("confirm-delete-ssh-key").click();
    await page.getByText("You have no SSH keys here yet.").waitFor();
    expect((await s.t.api("GET", "/api/v1/ssh-keys")).body.items).toEqual([]);
  });

  it("refuses a pasted private key in the page, sending nothing", async () => {
    const { page } = s;
    const pair = await generateSshKeyPair("oops");
    const before = keyPosts().length;
    await page.getByTestId("ssh-key-text").fill(pair.privateKey);
    await page.getByText(/This is a private key.*It was not sent/).waitFor();
    expect(await page.getByRole("button", { name: "Add key" }).isDisabled()).toBe(true);
    await page.getByTestId("ssh-key-text").press("Control+Enter");
    expect(keyPosts().length).toBe(before);
    expect(sent.some((r) => r.body.includes(pair.privateKey.split("\n")[1]!))).toBe(false);
    await page.getByTestId("ssh-key-text").fill("");
  });

  it("makes an ed25519 key pair in the browser that ssh-keygen reads back, and sends only its public half", async () => {
    const { page } = s;
    await page.getByLabel("Comment").fill("ada@browser");
    await page.getByTestId("generate-key-pair").click();
    await page.getByTestId("key-pair").waitFor();
    const publicKey = (await page.getByTestId("generated-public-key").textContent())!.trim();
    const parsed = parseSshPublicKey(publicKey);
    expect(parsed.comment).toBe("ada@browser");
    expect(await page.getByTestId("key-pair").textContent()).toContain(parsed.fingerprint);

    const [privateDownload] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-private-key").click()]);
    expect(privateDownload.suggestedFilename()).toBe("id_ed25519");
    const privateKey = readFileSync((await privateDownload.path())!, "utf8");
    expect(privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    const [publicDownload] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-public-key").click()]);
    expect(publicDownload.suggestedFilename()).toBe("id_ed25519.pub");
    expect(readFileSync((await publicDownload.path())!, "utf8")).toBe(`${publicKey}\n`);
    if (sshKeygen) {
      const file = join(dir, "id_ed25519");
      writeFileSync(file, privateKey, { mode: 0o600 });
      const derived = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
      expect(derived.status, derived.stderr).toBe(0);
      expect(derived.stdout.split(" ").slice(0, 2)).toEqual(publicKey.split(" ").slice(0, 2));
    }
    await screenshot(page, "portal-profile", { fullPage: true });

    await page.getByTestId("add-generated-key").click();
    await page.getByRole("button", { name: "Added to your SSH keys" }).waitFor();
    await poll(() => page.getByRole("table", { name: "Your SSH keys" }).textContent()).toContain(parsed.fingerprint);
    expect((await s.t.api("GET", "/api/v1/ssh-keys")).body.items.map((k: any) => k.fingerprint)).toEqual([parsed.fingerprint]);

    // No request the page made carried the private key, whole or any line of it.
    const secretLines = privateKey.split("\n").filter((l) => l && !l.startsWith("-----"));
    expect(secretLines.length).toBeGreaterThan(2);
    for (const request of sent) {
      for (const line of secretLines) {
        expect(request.body.includes(line) || request.url.includes(line), `${request.method} ${request.url} carries the private key`).toBe(false);
      }
    }
    expect(keyPosts().at(-1)!.body).toContain(publicKey.split(" ")[1]);
  });

  it("makes tokens and passwords of the length and alphabet asked for", async () => {
    const { page } = s;
    await page.locator("label").filter({ hasText: /^Token$/ }).click();
    expect(await page.getByRole("radio", { name: "Token" }).isChecked()).toBe(true);
    await page.getByTestId("generate-length").fill("50");
    await page.getByTestId("generate-text").click();
    await poll(async () => (await page.getByTestId("generated-text").textContent())?.trim()).toMatch(/^[A-Za-z0-9]{50}$/);

    await page.locator("label").filter({ hasText: /^Password$/ }).click();
    await page.getByTestId("generate-length").fill("64");
    await page.getByTestId("generate-alphabet").fill("01");
    await page.getByTestId("generate-text").click();
    await poll(async () => (await page.getByTestId("generated-text").textContent())?.trim()).toMatch(/^[01]{64}$/);
    expect(await page.getByText("64 bits of randomness.").isVisible()).toBe(true);

    await page.getByTestId("generate-alphabet").fill("aaa");
    await page.getByText("The alphabet needs at least two different characters.").waitFor();
    await page.getByTestId("generate-alphabet").fill("");
    await page.getByTestId("generate-length").fill("3");
    await page.getByText("The length must be a whole number from 8 to 1024.").waitFor();
    await expectAccessible(page, "/profile with generated values and errors");
    expect(s.pageErrors).toEqual([]);
  });
});
