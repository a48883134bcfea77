import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { describeWithUv } from "../helpers/uv.ts";
import { expectAccessible, expectStyled, loaded, poll, type PortalSession, signIn, startPortal } from "./helpers/portal.ts";

// A JupyterLab workspace from the portal's form, in a real Chromium, on a real Plinth with two
// fake GPUs: its environment is built by the real uv from PyPI, JupyterLab runs in the job's
// sandbox and opens through Plinth at /w/<id>/lab with the portal's session. A notebook run
// there sees the GPU the job was given, is saved, and is still in the home folder after the
// workspace is stopped and started again. Another member of the team gets 404 for it.

const NAME = "gpu-lab";
const NOTEBOOK = "gpu-check.ipynb";
// The first start builds an environment with JupyterLab (30–60 s on a quiet machine).
const FIRST_START_MS = 300_000;
const START_AGAIN_MS = 120_000;

interface WorkspaceInfo {
  id: string;
  state: string;
  jobId: string | null;
  url: string | null;
  message: string | null;
}

describeWithUv("workspaces in the portal (Chromium)", ({ uv, test }) => {
  let s: PortalSession;
  let memberToken = "";
  let workspace: WorkspaceInfo;

  beforeAll(async () => {
    // The session's home folder is mounted at /home/<login> inside the job's sandbox.
    s = await startPortal("workspaces_page", { sandbox: "bubblewrap", extra: { environments: { uv } } });
    memberToken = (await s.t.api("POST", "/api/v1/users", { name: "mia", team: "default" })).body.token;
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    if (workspace) await s?.t.api("POST", `/api/v1/workspaces/${workspace.id}/stop`);
    await s?.close();
  });

  const row = () => s.page.locator(`[data-workspace="${NAME}"]`);
  const byApi = async (): Promise<WorkspaceInfo> => (await s.t.api("GET", `/api/v1/workspaces/${NAME}`)).body;
  /** Waits until the workspace is in a state and its row shows it; fails at once, with its message, when it fails. */
  const untilState = async (state: string, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const w = await byApi();
      if (w.state === state) break;
      if (w.state === "failed") throw new Error(`workspace ${NAME} failed: ${w.message}`);
      if (Date.now() > until) throw new Error(`workspace ${NAME} still ${w.state} after ${timeoutMs / 1000} s, waiting to be ${state}: ${w.message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await poll(() => row().getAttribute("data-state"), { timeout: 15_000 }).toBe(state);
  };
  /** Opens the workspace with its Open button: JupyterLab in a new tab of the same browser. */
  const openLab = async (): Promise<Page> => {
    const [lab] = await Promise.all([s.context.waitForEvent("page"), row().getByRole("link", { name: `Open ${NAME} in JupyterLab (new tab)` }).click()]);
    await lab.waitForURL(new RegExp(`/w/${workspace.id}/lab`));
    await lab.locator(".jp-LabShell").waitFor({ timeout: 60_000 });
    return lab;
  };

  test(
    "creates a JupyterLab workspace with a GPU from the form; the notebook sees that GPU",
    async () => {
      const { page } = s;
      // Start here offers it as the step after the first five, not yet done.
      const step = page.getByTestId("step-notebook");
      await poll(() => step.getAttribute("data-done")).toBe("false");
      await step.getByRole("link", { name: "Open a notebook on a GPU" }).click();
      await page.waitForURL(/\/workspaces$/);
      await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Workspaces" }).click();
      await page.getByRole("heading", { name: "Workspaces", level: 1 }).waitFor();
      await loaded(page, "workspaces");
      expect(await page.getByTestId("no-workspaces").textContent()).toContain("no workspaces yet");
      await expectAccessible(page, "/workspaces (empty)");
      await expectStyled(page, "/workspaces");

      const form = page.getByRole("form", { name: "New workspace" });
      await form.getByLabel("Name").fill(NAME);
      await form.getByLabel("CPUs").fill("1");
      await form.getByLabel("Memory").fill("2G");
      await form.getByLabel("GPUs").fill("1");
      await form.getByRole("button", { name: "Create and start" }).click();
      await poll(() => page.getByTestId("workspace-created").textContent()).toContain(NAME);
      await row().waitFor();
      expect(await row().textContent()).toMatch(/JupyterLab.*1 CPU, 2G memory, 1 GPU/);

      workspace = await byApi();
      await untilState("running", FIRST_START_MS);
      workspace = await byApi();
      expect(workspace.url).toBe(`/w/${workspace.id}/lab`);
      const job = (await s.t.api("GET", `/api/v1/jobs/${workspace.jobId}`)).body;
      expect(job.assignedGpus).toHaveLength(1);
      const gpu = String(job.assignedGpus[0].index);

      // Running: how long it has been unused and when it stops, and how to connect by SSH.
      await poll(() => row().textContent()).toMatch(/stops at \d\d:\d\d unless used/);
      await poll(() => page.getByTestId(`ssh-${NAME}`).textContent()).toBe(`plinth ssh ${NAME}`);
      expect(await page.getByTestId("config-ssh").textContent()).toBe("plinth config-ssh");
      await expectAccessible(page, "/workspaces (one running)");

      const lab = await openLab();
      // The Launcher's notebook tile: a new notebook on the environment's Python 3 kernel.
      await lab.locator('.jp-LauncherCard[data-category="Notebook"]').first().click({ timeout: 60_000 });
      const notebook = lab.locator(".jp-NotebookPanel").last();
      await notebook.waitFor();
      // The kernel up first: a cell run before the notebook has its kernel is not run at all.
      await poll(() => lab.locator(".jp-StatusBar-Widget").allTextContents(), { timeout: 120_000 }).toContainEqual(expect.stringMatching(/Python 3 \(ipykernel\) \| Idle/));
      const cell = notebook.locator(".jp-CodeCell").first();
      const editor = cell.locator(".jp-InputArea-editor .cm-content");
      await editor.click();
      await lab.keyboard.type('import os; print(os.environ["CUDA_VISIBLE_DEVICES"])');
      await poll(() => editor.textContent()).toContain("CUDA_VISIBLE_DEVICES");
      const output = cell.locator(".jp-OutputArea-output");
      await expect.poll(
        async () => {
          // Run it (Ctrl+Enter keeps the cell), again if its prompt still shows it never ran.
          if ((await cell.locator(".jp-InputPrompt").textContent())?.includes("[ ]")) {
            await editor.click();
            await lab.keyboard.press("Control+Enter");
          }
          return (await output.count()) > 0 ? (await output.first().textContent())?.trim() : undefined;
        },
        { timeout: 120_000, interval: 2_000 },
      ).toBe(gpu);

      await saveAs(lab, notebook, NOTEBOOK);
      // What the notebook holds on disk, read through the same proxy: the cell and its output.
      const saved = await s.context.request.get(`/w/${workspace.id}/api/contents/${NOTEBOOK}?content=1`);
      expect(saved.status()).toBe(200);
      const cells = (await saved.json()).content.cells;
      expect(JSON.stringify(cells)).toContain("CUDA_VISIBLE_DEVICES");
      expect([cells[0].outputs[0].text].flat().join("").trim()).toBe(gpu);
      await lab.close();
    },
    FIRST_START_MS + 240_000,
  );

  test("keeps another member of the team out of a workspace not shared with them", async () => {
    const other: BrowserContext = await s.browser.newContext({ baseURL: s.t.url, viewport: { width: 1280, height: 800 } });
    try {
      const page = await other.newPage();
      await signIn(page, memberToken);
      const answer = await page.goto(`/w/${workspace.id}/lab`);
      expect(answer?.status()).toBe(404);
      // Nor is it in their list.
      await page.goto("/workspaces");
      await loaded(page, "workspaces");
      expect(await page.locator(`[data-workspace="${NAME}"]`).count()).toBe(0);
      expect(await page.getByTestId("all-workspaces").count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  test(
    "stops it from the portal, starts it again, and the notebook is still in the home folder",
    async () => {
      const { page } = s;
      await page.bringToFront();
      await row().getByRole("button", { name: `Stop ${NAME}` }).click();
      await expectAccessible(page, "/workspaces (stop dialog)");
      await page.getByTestId("confirm-stop-workspace").click();
      await untilState("stopped", 60_000);
      expect(await row().textContent()).toContain("stopped by its owner");
      // Stopped: its GPU is back, and it may be started again or deleted, not opened.
      expect(await row().getByRole("link", { name: /^Open/ }).count()).toBe(0);
      expect(await row().getByRole("button", { name: `Delete ${NAME}` }).count()).toBe(1);

      await row().getByRole("button", { name: `Start ${NAME} again` }).click();
      await untilState("running", START_AGAIN_MS);
      workspace = await byApi();
      const lab = await openLab();
      await lab.locator(`.jp-DirListing-item[title^="Name: ${NOTEBOOK}"]`).waitFor({ timeout: 60_000 });
      await lab.close();

      // A Keeper's view of everyone's workspaces names the owner.
      await page.getByTestId("all-workspaces").click();
      await poll(() => page.getByRole("heading", { name: "All workspaces" }).count()).toBe(1);
      await poll(() => page.getByRole("columnheader", { name: "Owner" }).count()).toBe(1);
      expect(await row().textContent()).toContain("admin");

      // The team's settings, for its admins and Keepers.
      const settings = page.getByRole("form", { name: "Workspace settings of team default" });
      await poll(() => settings.getByLabel("Idle stop").inputValue()).toBe("2h");
      await settings.getByLabel("Idle stop").fill("45m");
      await settings.getByRole("button", { name: "Save" }).click();
      await poll(() => page.getByTestId("workspace-settings-saved").textContent()).toContain("45m");
      expect((await s.t.api("GET", "/api/v1/teams/default/workspace-settings")).body).toMatchObject({ idleStop: "45m", isDefault: false });
      await expectAccessible(page, "/workspaces (all, as a Keeper)");

      await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Start here" }).click();
      await poll(() => page.getByTestId("step-notebook").getAttribute("data-done")).toBe("true");
      await expectAccessible(page, "/ (Start here, with a workspace)");
      expect(s.pageErrors).toEqual([]);
    },
    START_AGAIN_MS + 180_000,
  );
});

/**
 * Saves the notebook under a name of its own: Ctrl+S, then the name in the dialog JupyterLab
 * shows on an untitled notebook's first save (or File › Rename where it shows none).
 */
async function saveAs(lab: Page, notebook: ReturnType<Page["locator"]>, name: string): Promise<void> {
  await notebook.locator(".jp-Cell").first().click();
  await lab.keyboard.press("Control+s");
  const dialog = lab.locator(".jp-Dialog");
  const asked = await dialog
    .waitFor({ timeout: 10_000 })
    .then(() => true)
    .catch(() => false);
  if (!asked) {
    await lab.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").click({ button: "right" });
    await lab.getByRole("menuitem", { name: /^Rename/ }).click();
    await dialog.waitFor();
  }
  await dialog.getByRole("textbox", { name: "File name" }).fill(name);
  await dialog.getByRole("button", { name: /^Rename/ }).click();
  await lab.locator(`.jp-DirListing-item[title^="Name: ${name}"]`).waitFor({ timeout: 30_000 });
  // Saved: the tab no longer shows unsaved changes.
  await lab.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty").waitFor({ state: "detached", timeout: 30_000 });
}
