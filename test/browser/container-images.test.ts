import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithPodman, podmanOutput } from "../helpers/podman.ts";
import { expectAccessible, expectStyled, loaded, poll, type PortalSession, signIn, startPortal } from "./helpers/portal.ts";

// Container images in the portal, in a real Chromium: the Environments page lists the images
// the real podman has (a Debian image imported from a root filesystem), the New job form
// offers them, and a job submitted from it runs in the image and shows it on its page. A
// server without containers says so in a sentence, not as an error.

describeWithPodman("container images in the portal (Chromium)", ({ podman, test }) => {
  let s: PortalSession;
  let id = "";

  beforeAll(async () => {
    id = podmanOutput(podman, ["image", "inspect", "--format", "{{.Id}}", podman.image]).trim().replace(/^sha256:/, "");
    s = await startPortal("container_images", { extra: { environments: { containers: { engine: podman.program, config: podman.config } } } });
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  test("the Environments page lists the image with its short id and the line a job spec gives", async () => {
    const { page } = s;
    await page.goto("/environments");
    await loaded(page, "environments");
    const table = page.getByRole("table", { name: "Container images" });
    const row = table.getByRole("row").filter({ hasText: podman.image });
    await poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain(id.slice(0, 12));
    expect(await row.getByRole("button", { name: "Copy spec line" }).count()).toBe(1);
    // Other names the machine gives the same image may come first; the row's line uses its first name.
    const listed = (await s.t.api("GET", "/api/v1/environments/images")).body.items.find((i: { id: string }) => i.id === id);
    expect(listed.names).toContain(podman.image);
    expect(await row.textContent()).toContain(`environment: {image: ${listed.reference}}`);
    await expectAccessible(page, "/environments (with images)");
    await expectStyled(page, "/environments (with images)");
    expect(s.pageErrors).toEqual([]);
  });

  test("a job submitted from the New job form with the image chosen runs in it, and its page shows the image", async () => {
    const { page } = s;
    await page.goto("/jobs/new");
    await loaded(page, "new-job");
    await page.locator('input[data-path="command"]').fill("cat /etc/debian_version");
    const select = page.locator('select[data-path="environment"]');
    const label = `image ${podman.image} (${id.slice(0, 12)})`;
    await poll(async () => (await select.locator("option").allTextContents()).join(" | ")).toContain(label);
    await select.selectOption({ label });
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.waitForURL(/\/jobs\/job_/);
    const jobId = new URL(page.url()).pathname.split("/").pop()!;

    const done = await s.t.waitFor(jobId, undefined, 120_000);
    const log = (await s.t.api("GET", `/api/v1/jobs/${jobId}/logs`)).body as string;
    expect(done.state, log).toBe("succeeded");
    expect(log).toMatch(/^12\.\d+/m);
    expect(done.spec.environment).toEqual({ image: podman.image });

    const panel = page.getByTestId("job-environment");
    await poll(() => panel.textContent(), { timeout: 30_000 }).toContain(`Image ${podman.image}`);
    expect(await panel.textContent()).toContain(id.slice(0, 12));
    expect(await panel.textContent()).not.toContain("Python");
    await expectAccessible(page, "a job's page (in an image)");
    expect(s.pageErrors).toEqual([]);
  });
});

describe("container images in the portal without containers (Chromium)", () => {
  let s: PortalSession;

  beforeAll(async () => {
    s = await startPortal("containers_off", { extra: { environments: { containers: { engine: "none" } } } });
    await signIn(s.page);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it("says in a sentence that containers are not available, with the hint, and no error", async () => {
    const { page } = s;
    await page.goto("/environments");
    await loaded(page, "environments");
    const note = page.getByTestId("containers-unavailable");
    await poll(() => note.textContent()).toContain("Containers are not available on this server.");
    expect(await note.textContent()).toContain("podman");
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await page.getByRole("table", { name: "Container images" }).count()).toBe(0);

    await page.goto("/jobs/new");
    await loaded(page, "new-job");
    const options = await page.locator('select[data-path="environment"] option').allTextContents();
    expect(options.filter((o) => o.startsWith("image "))).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
