import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../src/identity/generators/ssh-keypair.ts";
import { expectAccessible, expectStyled, loaded, type PortalSession, poll, screenshot, signIn, startPortal } from "./helpers/portal.ts";

// People and teams in a real Chromium: a Keeper creates a team and adds a person to it (their
// token shown once), the person signs in with it and sees their team but no Keeper's buttons,
// a private job of someone else stays out of their list, the new-job form's team and
// visibility, a team admin managing their team, and removal with what it did.

describe("people and teams pages (Chromium)", () => {
  let s: PortalSession;
  let adaContext: BrowserContext;
  let ada: Page;
  let adaToken = "";
  let adaKey = "";
  const bob = { token: "", privateJob: "", teamJob: "" };
  const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name, exact: true });
  const field = (page: Page, path: string) => page.locator(`input[data-path="${path}"], textarea[data-path="${path}"], select[data-path="${path}"]`);

  beforeAll(async () => {
    s = await startPortal("people_teams");
    adaContext = await s.browser.newContext({ baseURL: s.t.url, bypassCSP: true });
    ada = await adaContext.newPage();
    adaKey = (await generateSshKeyPair("ada@laptop")).publicKey;
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    await adaContext?.close();
    await s?.close();
  });

  it("lets a Keeper create a team and add a person to it, showing their token once", async () => {
    const { page } = s;
    await nav(page, "Teams").click();
    await loaded(page, "teams");
    await page.getByLabel("New team").fill("vision");
    await page.getByLabel("Description").fill("Image models");
    await page.getByRole("button", { name: "Create team" }).click();
    await page.getByRole("heading", { name: "Team vision", level: 1 }).waitFor();
    await loaded(page, "team");
    await page.getByTestId("team-empty").waitFor();

    await nav(page, "People").click();
    await loaded(page, "people");
    await page.getByRole("button", { name: "Add person" }).click();
    await page.getByLabel("User name").fill("ada");
    await page.getByLabel("Display name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill("ada@lab.example");
    await page.getByLabel("Team", { exact: true }).selectOption("vision");
    await page.getByLabel("SSH public key (optional)").fill(adaKey);
    await expectAccessible(page, "/people with the add form");
    await expectStyled(page, "/people with the add form");
    await page.getByRole("button", { name: "Add person" }).click();

    const added = page.getByTestId("new-person");
    await added.waitFor();
    adaToken = (await page.getByTestId("new-person-token").textContent()) ?? "";
    expect(adaToken).toMatch(/^plt_\S{20,}$/);
    expect(await page.getByTestId("new-person-login").textContent()).toBe(`plinth login ${s.t.url} --token ${adaToken}`);
    await expectAccessible(page, "/people with a new token");
    await screenshot(page, "portal-people");
    const row = page.locator('[data-user="ada"]');
    await poll(() => row.textContent()).toContain("vision · member");
    expect(await row.textContent()).toContain("Ada Lovelace");
    expect(await row.textContent()).toContain("ada@lab.example");
    // The key went in with the person.
    const keys = await s.t.api("GET", "/api/v1/users/ada/ssh-keys");
    expect(keys.body.items.map((k: { comment: string }) => k.comment)).toEqual(["ada@laptop"]);

    // Shown once: after a reload the token is nowhere on the page.
    await page.reload();
    await loaded(page, "people");
    expect(await page.getByTestId("new-person").count()).toBe(0);
    expect(await page.content()).not.toContain(adaToken);

    const teams = await s.t.api("GET", "/api/v1/teams");
    expect(teams.body.items.find((t: { name: string }) => t.name === "vision")).toMatchObject({ description: "Image models", members: 1 });
  });

  it("refuses a bad name at its field, a taken one with what to do, and a private key before sending it", async () => {
    const { page } = s;
    await page.getByRole("button", { name: "Add person" }).click();
    await page.getByLabel("User name").fill("Ada!");
    await page.getByRole("button", { name: "Add person" }).click();
    const name = page.getByLabel("User name");
    await poll(() => name.getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("User name").fill("ada");
    await page.getByRole("button", { name: "Add person" }).click();
    await poll(() => page.getByTestId("problem").textContent()).toContain("already on the platform");

    // A private key pasted by mistake is refused in the page: no request carries it.
    const { privateKey } = await generateSshKeyPair("oops");
    const sent: string[] = [];
    page.on("request", (r) => sent.push(r.postData() ?? ""));
    await page.getByLabel("User name").fill("grace");
    await page.getByLabel("SSH public key (optional)").fill(privateKey);
    await poll(() => page.getByText("This is a private key", { exact: false }).count()).toBe(1);
    await page.getByRole("button", { name: "Add person" }).click();
    await page.getByLabel("SSH public key (optional)").fill("");
    expect(sent.filter((body) => body.includes("PRIVATE KEY"))).toEqual([]);
    expect((await s.t.api("GET", "/api/v1/users/grace")).status).toBe(404);
    await page.getByRole("button", { name: "Cancel" }).click();
  });

  it("signs the person in with that token; they see their team and no Keeper's buttons", async () => {
    await signIn(ada, adaToken);
    await nav(ada, "People").click();
    await loaded(ada, "people");
    await poll(() => ada.locator('[data-user="ada"]').textContent()).toContain("(you)");
    expect(await ada.getByRole("button", { name: "Add person" }).count()).toBe(0);
    expect(await ada.getByRole("button", { name: /^Remove/ }).count()).toBe(0);
    // Emails are for Keepers and the person themselves.
    expect(await ada.getByTestId("people-table").textContent()).not.toContain("Email");
    await expectAccessible(ada, "/people as a member");

    await nav(ada, "Teams").click();
    await loaded(ada, "teams");
    await poll(() => ada.locator('[data-team="vision"]').textContent()).toContain("member");
    expect(await ada.locator('[data-team="default"]').textContent()).toContain("not in it");
    expect(await ada.getByLabel("New team").count()).toBe(0);

    await ada.getByRole("link", { name: "vision" }).click();
    await loaded(ada, "team");
    await poll(() => ada.getByTestId("members-table").textContent()).toContain("Ada Lovelace");
    expect(await ada.getByRole("form", { name: "Add someone to vision" }).count()).toBe(0);
    expect(await ada.getByRole("button", { name: /^Remove/ }).count()).toBe(0);
    expect(await ada.getByRole("combobox", { name: /^Role of/ }).count()).toBe(0);
    await expectAccessible(ada, "/teams/vision as a member");
  });

  it("keeps someone else's private job out of the person's list, and says who sees the others", async () => {
    const { t } = s;
    bob.token = (await t.api("POST", "/api/v1/users", { name: "bob", team: "vision" })).body.token;
    bob.privateJob = (await t.api("POST", "/api/v1/jobs", { name: "bob-private", command: ["true"], visibility: "private" }, bob.token)).body.id;
    bob.teamJob = (await t.api("POST", "/api/v1/jobs", { name: "bob-shared", command: ["true"] }, bob.token)).body.id;
    expect(bob.privateJob).toMatch(/^job_/);
    expect(bob.teamJob).toMatch(/^job_/);

    await ada.goto("/jobs");
    await loaded(ada, "jobs");
    const table = ada.getByTestId("jobs-table");
    await poll(() => table.textContent()).toContain("bob-shared");
    expect(await table.textContent()).not.toContain("bob-private");
    expect(await ada.locator(`[data-job-id="${bob.teamJob}"]`).textContent()).toContain("vision");

    // The private job's address answers as if it did not exist; the page says so and goes on.
    await ada.goto(`/jobs/${bob.privateJob}`);
    await ada.getByTestId("problem").waitFor();
    expect(await ada.getByTestId("problem").textContent()).toMatch(/not found/i);
    await nav(ada, "Jobs").click();
    await loaded(ada, "jobs");

    await ada.goto(`/jobs/${bob.teamJob}`);
    await loaded(ada, "job");
    await poll(() => ada.getByTestId("job-team").textContent()).toBe("vision");
    const badge = ada.getByTestId("visibility-badge");
    expect(await badge.textContent()).toBe("Visible to its team");
    expect(await badge.getAttribute("aria-label")).toContain("Everyone in team vision sees it");
    await badge.focus();
    await ada.getByRole("tooltip").waitFor();
    expect(await ada.getByRole("tooltip").textContent()).toBe("Everyone in team vision sees it, its spec and its log.");
    await expectAccessible(ada, "a team job's page");

    // The Keeper sees both, each with its team.
    await s.page.goto("/jobs");
    await loaded(s.page, "jobs");
    await poll(() => s.page.getByTestId("jobs-table").textContent()).toContain("bob-private");
    expect(await s.page.locator(`[data-job-id="${bob.privateJob}"]`).textContent()).toContain("visionprivate");
  });

  it("offers the person's teams and a visibility on the new-job form, with the matching command", async () => {
    await ada.goto("/jobs/new");
    await loaded(ada, "new-job");
    // Ada is in one team: it is the job's team, and the command needs no --team.
    expect(await field(ada, "team").inputValue()).toBe("vision");
    await field(ada, "name").fill("ada-private");
    await field(ada, "command").fill("echo hello");
    await field(ada, "visibility").selectOption("private");
    await poll(() => ada.getByTestId("cli-preview").textContent()).toBe("plinth run --name ada-private --visibility private -- echo hello");
    expect(await ada.getByText("Only its owner, the admins of team vision and the platform's Keepers see it.", { exact: false }).count()).toBe(1);
    await expectAccessible(ada, "/jobs/new with a visibility");
    await ada.getByRole("button", { name: "Submit job" }).click();
    await ada.waitForURL(/\/jobs\/job_/);
    await loaded(ada, "job");
    await poll(() => ada.getByTestId("job-visibility").textContent()).toBe("visionPrivate");
    const jobId = ada.url().split("/").pop()!;
    // Bob, in the same team, does not see it.
    expect((await s.t.api("GET", `/api/v1/jobs/${jobId}`, undefined, bob.token)).status).toBe(404);

    // A Keeper may add work to any team: the form names the one picked.
    const { page } = s;
    await page.goto("/jobs/new");
    await loaded(page, "new-job");
    await field(page, "command").fill("echo hi");
    await field(page, "team").selectOption("vision");
    await field(page, "visibility").selectOption("public");
    await poll(() => page.getByTestId("cli-preview").textContent()).toBe("plinth run --team vision --visibility public -- echo hi");
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.waitForURL(/\/jobs\/job_/);
    await loaded(page, "job");
    await poll(() => page.getByTestId("job-visibility").textContent()).toBe("visionPublic");
  });

  it("lets a Keeper make the person the team's admin, who then manages its members", async () => {
    const { page } = s;
    await page.goto("/teams/vision");
    await loaded(page, "team");
    await page.getByRole("combobox", { name: "Role of ada in vision" }).selectOption("admin");
    await poll(async () => (await s.t.api("GET", "/api/v1/teams/vision/members")).body.items.find((m: { user: string }) => m.user === "ada")?.role).toBe("admin");
    await expectAccessible(page, "/teams/vision as a Keeper");
    await screenshot(page, "portal-team");
    await expectStyled(page, "/teams/vision");

    await ada.goto("/teams/vision");
    await loaded(ada, "team");
    const add = ada.getByRole("form", { name: "Add someone to vision" });
    await add.waitFor();
    await add.getByLabel("Add to the team").selectOption("admin");
    await add.getByLabel("As", { exact: true }).selectOption("viewer");
    await add.getByRole("button", { name: "Add", exact: true }).click();
    await ada.locator('[data-member="admin"]').waitFor();
    expect(await ada.getByRole("combobox", { name: "Role of admin in vision" }).inputValue()).toBe("viewer");
    await ada.getByRole("combobox", { name: "Role of bob in vision" }).selectOption("viewer");
    await poll(async () => (await s.t.api("GET", "/api/v1/teams/vision/members")).body.items.find((m: { user: string }) => m.user === "bob")?.role).toBe("viewer");
    await ada.getByRole("button", { name: "Remove admin from vision" }).click();
    await ada.getByTestId("confirm-remove-member").click();
    await poll(() => ada.locator('[data-member="admin"]').count()).toBe(0);
    await expectAccessible(ada, "/teams/vision as its admin");
    // A team admin is no Keeper: no Add person on the People page.
    await ada.goto("/people");
    await loaded(ada, "people");
    expect(await ada.getByRole("button", { name: "Add person" }).count()).toBe(0);
  });

  it("lets a Keeper remove the person, saying what happens and then what was done", async () => {
    const { page } = s;
    await page.goto("/people");
    await loaded(page, "people");
    await page.getByRole("button", { name: "Remove ada" }).click();
    const dialog = page.getByRole("dialog", { name: "Remove ada?" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("stop working at once");
    expect(await dialog.textContent()).toContain("Their work stays with their team (vision)");
    await expectAccessible(page, "/people asking before removing");
    await page.getByTestId("confirm-remove").click();
    const done = page.getByTestId("removed-done");
    await done.waitFor();
    const lines = await done.locator("li").allTextContents();
    expect(lines).toContain("1 API token revoked");
    expect(lines).toContain("1 SSH key deleted");
    expect(lines).toContain("1 private job made visible to its team");
    await poll(() => page.locator('[data-user="ada"]').count()).toBe(0);

    // Her browser is signed out at once.
    await ada.reload();
    await ada.getByLabel("API token").waitFor();
    expect((await s.t.api("GET", "/api/v1/me", undefined, adaToken)).status).toBe(401);
    expect(s.pageErrors).toEqual([]);
  });
});
