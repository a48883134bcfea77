import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, expectStyled, loaded, poll, type PortalSession, signIn, startPortal } from "./helpers/portal.ts";

// The Secrets page and the access keys on the Tokens page, in a real Chromium: a value typed
// into a password field goes out in one request and never comes back in any answer or on the
// page; an access key's secret is shown once.

describe("secrets page (Chromium)", () => {
  let s: PortalSession;
  /** The bodies of every request the page sent and every answer it got. */
  const sent: Array<{ method: string; url: string; body: string }> = [];
  const answers: string[] = [];

  beforeAll(async () => {
    s = await startPortal("secrets_page");
    s.page.on("request", (r) => sent.push({ method: r.method(), url: r.url(), body: r.postData() ?? "" }));
    s.page.on("response", (r) => {
      void r.text().then(
        (t) => answers.push(t),
        () => {},
      );
    });
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it("sets a secret from a password field, lists it by name, never shows the value, and removes it", async () => {
    const { page } = s;
    const value = `pw-${randomBytes(16).toString("hex")}`;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Secrets" }).click();
    await page.getByRole("heading", { name: "Secrets", level: 1 }).waitFor();
    await loaded(page, "secrets");
    await expectAccessible(page, "/secrets");
    await expectStyled(page, "/secrets");

    await page.getByLabel("Name").fill("hf_token");
    const field = page.getByTestId("secret-value");
    expect(await field.getAttribute("type")).toBe("password");
    await field.fill(value);
    await page.getByRole("button", { name: "Set secret" }).click();
    await page.getByTestId("secret-saved").waitFor();
    expect(await field.inputValue()).toBe("");
    const row = page.getByRole("table", { name: "Secrets" }).getByRole("row", { name: /HF_TOKEN/ });
    await poll(() => row.textContent()).toContain("yours");
    expect(await page.content()).not.toContain(value);
    // One request carried the value; no answer ever did.
    expect(sent.filter((r) => r.body.includes(value)).map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(["PUT /api/v1/secrets/HF_TOKEN"]);
    await poll(() => answers.length).toBeGreaterThan(0);
    expect(answers.some((a) => a.includes(value))).toBe(false);

    await page.getByRole("button", { name: "Remove secret HF_TOKEN" }).click();
    await page.getByTestId("confirm-remove-secret").click();
    await poll(() => page.getByText("No secrets yet.").isVisible()).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });

  it("creates an access key on the Tokens page, shows its secret once, and revokes it", async () => {
    const { page } = s;
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Tokens" }).click();
    await page.getByRole("heading", { name: "Access keys", level: 2 }).waitFor();
    await page.getByRole("form", { name: "Create an access key" }).getByLabel("What is it for?").fill("rclone");
    await page.getByRole("button", { name: "Create access key" }).click();
    const shown = (await page.getByTestId("new-access-key-value").textContent()) ?? "";
    const id = /AWS_ACCESS_KEY_ID=(PLKA[A-Z2-7]{16})/.exec(shown)?.[1];
    const secret = /AWS_SECRET_ACCESS_KEY=([A-Za-z0-9]{40})/.exec(shown)?.[1];
    expect(id && secret).toBeTruthy();
    await expectAccessible(page, "/tokens");

    await page.reload();
    const row = page.getByRole("table", { name: "Your access keys" }).getByRole("row", { name: /rclone/ });
    await poll(() => row.textContent()).toContain(id!);
    expect(await page.content()).not.toContain(secret!);
    await row.getByRole("button", { name: "Revoke access key rclone" }).click();
    await page.getByTestId("confirm-revoke-access-key").click();
    await poll(() => row.textContent()).toContain("revoked");
    expect(s.pageErrors).toEqual([]);
  });
});
