import { spawnSync } from "node:child_process";
import { chownSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { describeWithPeer } from "../helpers/describe-with-peer.ts";
import { REPO } from "../helpers/platform.ts";
import { loaded, poll, type PortalSession, signIn, startPortal } from "./helpers/portal.ts";
import { untilWorkspaceState, type WorkspaceInfo } from "./helpers/workspaces.ts";

// A VS Code workspace from the portal's form, in a real Chromium, on a real Plinth: code-server
// (scripts/peers/code-server.sh) runs in the job's bubblewrap sandbox and opens through Plinth
// at /w/<id>/. The Explorer lists a file put in the owner's home folder, which takes the
// websocket to the remote extension host through Plinth's proxy; the file opens in the editor,
// and is still there after the workspace is stopped and started again. Another member of the
// team gets 404 for it.

const NAME = "code";
const FILE = "hello-from-plinth.txt";
const TEXT = "Hello from Plinth, through the workspace proxy.";
// code-server takes a while to answer on a busy two-core machine.
const START_MS = 180_000;
const WORKBENCH_MS = 120_000;

const VARIABLE = "PLINTH_TEST_CODE_SERVER";

/** The code-server folder: PLINTH_TEST_CODE_SERVER, else the one scripts/peers/code-server.sh installed. */
function codeServer(): { value: string | undefined; missing: string } {
  const configured = process.env[VARIABLE];
  if (configured) {
    return existsSync(join(configured, "bin/code-server")) ? { value: configured, missing: "" } : { value: undefined, missing: `${VARIABLE} is ${configured}, which has no bin/code-server` };
  }
  const r = spawnSync("bash", [join(REPO, "scripts/peers/code-server.sh"), "--if-present"], { encoding: "utf8" });
  if (r.status === 0 && r.stdout.trim()) return { value: r.stdout.trim(), missing: "" };
  return { value: undefined, missing: r.status === 3 ? `${VARIABLE} is not set and scripts/peers/code-server.sh has not installed code-server` : `scripts/peers/code-server.sh --if-present failed: ${r.stderr.trim()}` };
}

const found = codeServer();
const peer = { value: found.value, missing: `code-server is missing (${found.missing})`, install: "run scripts/peers/code-server.sh once", timeoutMs: 180_000 };

describeWithPeer("VS Code workspaces in the portal (Chromium)", peer, ({ peer: folder, test }) => {
  let s: PortalSession;
  let memberToken = "";
  let workspace: WorkspaceInfo | undefined;

  beforeAll(async () => {
    s = await startPortal("workspaces_vscode", { sandbox: "bubblewrap", extra: { workspaces: { codeServer: folder } } });
    memberToken = (await s.t.api("POST", "/api/v1/users", { name: "noor", team: "default", teamRole: "member" })).body.token;
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    if (workspace) await s?.t.api("POST", `/api/v1/workspaces/${workspace.id}/stop`);
    await s?.close();
  });

  const untilState = (state: string, timeoutMs: number) => untilWorkspaceState(s.t.api, NAME, state, timeoutMs);
  /** Opens VS Code at /w/<id>/ in a new tab; accepts the folder's authors if asked; waits for the Explorer to list the file. */
  const openCode = async (): Promise<Page> => {
    const code = await s.context.newPage();
    const answer = await code.goto(`/w/${workspace!.id}/`);
    expect(answer?.status()).toBe(200);
    await code.locator(".monaco-workbench").waitFor({ timeout: WORKBENCH_MS });
    const item = code.locator(".explorer-folders-view .monaco-list-row", { hasText: FILE });
    const trust = code.getByRole("button", { name: /Yes, I trust the authors/ });
    await expect
      .poll(
        async () => {
          if (await trust.isVisible()) await trust.click();
          return item.count();
        },
        { timeout: WORKBENCH_MS, interval: 500 },
      )
      .toBeGreaterThan(0);
    return code;
  };

  test(
    "creates a VS Code workspace from the form; its Explorer lists a file of the home folder, which opens in the editor",
    async () => {
      const { page } = s;
      const row = () => page.locator(`[data-workspace="${NAME}"]`);
      await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Workspaces" }).click();
      await page.getByRole("heading", { name: "Workspaces", level: 1 }).waitFor();
      await loaded(page, "workspaces");
      const form = page.getByRole("form", { name: "New workspace" });
      await form.getByText("VS Code", { exact: true }).click();
      await form.getByLabel("Name").fill(NAME);
      await form.getByLabel("CPUs").fill("1");
      await form.getByLabel("Memory").fill("2G");
      await form.getByLabel("GPUs").fill("0");
      await form.getByRole("button", { name: "Create and start" }).click();
      await poll(() => page.getByTestId("workspace-created").textContent()).toContain(NAME);
      await row().waitFor();
      expect(await row().textContent()).toContain("VS Code");

      workspace = await untilState("running", START_MS);
      expect(workspace.url).toBe(`/w/${workspace.id}/`);
      await poll(() => row().getByRole("link", { name: `Open ${NAME} in VS Code (new tab)` }).count(), { timeout: 15_000 }).toBe(1);

      // The file, put in the owner's home folder on the host as the owner of that folder.
      const home = join(s.t.dataDir, "homes", workspace.ownerId);
      const owner = statSync(home);
      const file = join(home, FILE);
      writeFileSync(file, `${TEXT}\n`);
      chownSync(file, owner.uid, owner.gid);

      const code = await openCode();
      await code.locator(".explorer-folders-view .monaco-list-row", { hasText: FILE }).click();
      // Monaco draws spaces as no-break spaces.
      const shown = async () => ((await code.locator(".monaco-editor .view-lines").first().textContent()) ?? "").replace(/\u00a0/g, " ");
      await poll(shown, { timeout: 60_000 }).toContain(TEXT);
      await code.close();
    },
    START_MS + 2 * WORKBENCH_MS,
  );

  test("keeps another member of the team out of a workspace not shared with them", async () => {
    const other: BrowserContext = await s.browser.newContext({ baseURL: s.t.url, viewport: { width: 1280, height: 800 } });
    try {
      const page = await other.newPage();
      await signIn(page, memberToken);
      const answer = await page.goto(`/w/${workspace!.id}/`);
      expect(answer?.status()).toBe(404);
    } finally {
      await other.close();
    }
  });

  test(
    "stops it, starts it again, and the file is still in the Explorer",
    async () => {
      const id = workspace!.id;
      expect((await s.t.api("POST", `/api/v1/workspaces/${id}/stop`)).status).toBeLessThan(300);
      await untilState("stopped", 60_000);
      expect((await s.t.api("POST", `/api/v1/workspaces/${id}/start`)).status).toBeLessThan(300);
      workspace = await untilState("running", START_MS);
      const code = await openCode();
      await code.close();
      expect(s.pageErrors).toEqual([]);
    },
    START_MS + 60_000 + WORKBENCH_MS,
  );
});
