import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { type CliResult, type CommandStep, followGuide, readGuide } from "../helpers/doc-commands.ts";
import { runCli, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { portalPost, tokenSignIn } from "../helpers/sign-in.ts";

// Follows docs/how-to/onboard-a-colleague.md command by command (the conventions a guide keeps
// for this are in test/helpers/doc-commands.ts), with the real CLI against a real server on
// each database, and checks through the API that each command did what the guide says it
// does. The guide's commands run as the Keeper; those it writes as `PLINTH_TOKEN=$ADA_TOKEN …`
// run with the token an earlier command of the guide printed.
//
// What the test supplies, and nothing else:
// - `ada.pub`, Ada's public key: made with the real `plinth gen ssh-key` in a folder of its own
//   (her computer) and copied into the folder the guide's commands run in, as she would send it;
// - before `plinth users rm ada`, Ada signs in to the portal with her token, so that the
//   removal has a browser session to end, as the guide's output shows;
// - after `plinth users invite`, someone opens the link and joins, as the guide says they can.

const guide = readGuide("docs/how-to/onboard-a-colleague.md");

/** Commands that only read; the guide's expected output is their check, and may be all of it. */
const READS = /^(?:\w+=\S+\s+)*plinth\s+(?:(?:teams|users|ssh-keys|quotas)\s+(?:ls|show|invitations)|jobs\s+(?:ls|show|logs)|audit\s+ls)\b/;

interface Check {
  /** The command exactly as the guide writes it. */
  command: string;
  before?(): Promise<void>;
  after(r: CliResult): Promise<void>;
}

for (const db of testDatabases()) {
  describe(`${guide.name} (${db.name})`, () => {
    let t: TestPlatform;
    let work: string;
    let laptop: string;
    let fingerprint = "";
    let publicKey = "";
    let adaCookie = "";
    const vars: Record<string, string> = {};
    const as = (token: string, method: string, path: string, body?: unknown) => t.api(method, path, body, token);
    const teamId = async (name: string) => ((await t.api("GET", "/api/v1/teams")).body.items as Array<{ id: string; name: string }>).find((x) => x.name === name)!.id;

    beforeAll(async () => {
      t = await startTestPlatform(db, "onboard", { sandbox: "none" });
      work = mkdtempSync(join(tmpdir(), "plinth-onboard-"));
      laptop = mkdtempSync(join(tmpdir(), "plinth-onboard-ada-"));
      const made = await runCli(["gen", "ssh-key", "-f", join(laptop, "id_ed25519"), "-C", "ada@laptop"], { url: t.url, cwd: laptop });
      expect(made.code, made.stderr).toBe(0);
      fingerprint = /fingerprint (SHA256:\S+?)\.?$/m.exec(made.stderr)![1]!;
      publicKey = readFileSync(join(laptop, "id_ed25519.pub"), "utf8").trim();
      copyFileSync(join(laptop, "id_ed25519.pub"), join(work, "ada.pub"));
    });
    afterAll(async () => {
      await t?.close();
      for (const dir of [work, laptop]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const checks: Check[] = [
      {
        command: 'plinth teams add vision --description "Image models"',
        after: async () => {
          const teams = (await t.api("GET", "/api/v1/teams")).body.items;
          expect(teams).toContainEqual(expect.objectContaining({ name: "vision", description: "Image models" }));
        },
      },
      {
        command: 'ADA_TOKEN=$(plinth users add ada --team vision --role member --ssh-key ada.pub --display-name "Ada Lovelace" --email ada@example.org)',
        after: async () => {
          expect(vars.ADA_TOKEN).toMatch(/^plt_\S+$/);
          const me = await as(vars.ADA_TOKEN!, "GET", "/api/v1/me");
          expect(me.status).toBe(200);
          expect(me.body).toMatchObject({ name: "ada", role: "member", teams: [{ team: "vision", role: "member" }] });
          const ada = (await t.api("GET", "/api/v1/users/ada")).body;
          expect(ada).toMatchObject({ displayName: "Ada Lovelace", email: "ada@example.org" });
          const keys = (await t.api("GET", "/api/v1/users/ada/ssh-keys")).body.items;
          expect(keys).toHaveLength(1);
          expect(keys[0]).toMatchObject({ fingerprint, name: "ada@laptop" });
        },
      },
      {
        command: 'GRACE_TOKEN=$(plinth users add grace --team vision --role viewer --display-name "Grace Hopper")',
        after: async () => {
          expect((await as(vars.GRACE_TOKEN!, "GET", "/api/v1/me")).body).toMatchObject({ name: "grace", role: "member", teams: [{ team: "vision", role: "viewer" }] });
        },
      },
      {
        command: "plinth users invite --team vision --role member --expires 3d",
        after: async (r) => {
          const link = r.stdout.trim();
          expect(link).toMatch(new RegExp(`^${t.url}/join/\\S+$`));
          const open = (await t.api("GET", "/api/v1/invitations")).body.items;
          expect(open).toContainEqual(expect.objectContaining({ team: "vision", role: "member", state: "open" }));
          // Whoever opens the link chooses a name and a password, and is in the team, once.
          const secret = link.slice(link.lastIndexOf("/") + 1);
          const joined = await portalPost(t.url, "/api/v1/invitations/accept", { secret, name: "alan", password: "a long password 42" });
          expect(joined.status, JSON.stringify(joined.body)).toBe(201);
          expect((await t.api("GET", "/api/v1/users/alan")).body.teams).toEqual([{ team: "vision", role: "member" }]);
          const again = await portalPost(t.url, "/api/v1/invitations/accept", { secret, name: "alan2", password: "a long password 42" });
          expect(again.status).not.toBe(201);
        },
      },
      {
        command: "SHARED=$(PLINTH_TOKEN=$ADA_TOKEN plinth run --detach --no-code --name shared -- echo results for the team)",
        after: async () => {
          const job = await t.waitFor(vars.SHARED!);
          expect(job).toMatchObject({ state: "succeeded", visibility: "team", teamId: await teamId("vision"), userId: (await t.api("GET", "/api/v1/users/ada")).body.id });
        },
      },
      {
        command: "DRAFT=$(PLINTH_TOKEN=$ADA_TOKEN plinth run --detach --no-code --name draft --visibility private -- echo a draft for Ada alone)",
        after: async () => {
          expect(await t.waitFor(vars.DRAFT!)).toMatchObject({ state: "succeeded", visibility: "private", teamId: await teamId("vision") });
        },
      },
      {
        command: "PLINTH_TOKEN=$GRACE_TOKEN plinth jobs ls",
        after: async (r) => {
          const seen = (await as(vars.GRACE_TOKEN!, "GET", "/api/v1/jobs")).body.items.map((j: { id: string }) => j.id);
          expect(seen).toContain(vars.SHARED);
          expect(seen).not.toContain(vars.DRAFT);
          expect(r.stdout).not.toContain(vars.DRAFT);
        },
      },
      {
        command: "PLINTH_TOKEN=$GRACE_TOKEN plinth jobs show $DRAFT",
        after: async (r) => {
          expect((await as(vars.GRACE_TOKEN!, "GET", `/api/v1/jobs/${vars.DRAFT}`)).status).toBe(404);
          expect(r.stdout + r.stderr).not.toContain("a draft for Ada alone");
        },
      },
      {
        command: "PLINTH_TOKEN=$GRACE_TOKEN plinth run --no-code -- echo hello",
        after: async () => {
          expect((await as(vars.GRACE_TOKEN!, "POST", "/api/v1/jobs", { command: ["true"], team: "vision" })).status).toBe(403);
          const grace = (await t.api("GET", "/api/v1/users/grace")).body.id;
          const all = (await t.api("GET", "/api/v1/jobs?limit=500")).body.items;
          expect(all.filter((j: { userId: string }) => j.userId === grace)).toEqual([]);
        },
      },
      {
        command: "plinth teams set-role vision grace --role member",
        after: async () => {
          expect((await as(vars.GRACE_TOKEN!, "GET", "/api/v1/me")).body.teams).toEqual([{ team: "vision", role: "member" }]);
        },
      },
      {
        command: "plinth ssh-keys export --user ada -o authorized_keys",
        after: async () => {
          const file = join(work, "authorized_keys");
          expect(statSync(file).mode & 0o777).toBe(0o600);
          const keys = readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l && !l.startsWith("#"));
          expect(keys).toEqual([`${publicKey.split(" ").slice(0, 2).join(" ")} plinth:ada:ada@laptop`]);
        },
      },
      {
        command: "plinth users set ada --unix-user ada",
        after: async () => {
          expect((await t.api("GET", "/api/v1/users/ada")).body.unixUser).toBe("ada");
        },
      },
      {
        command: "plinth quotas set --team vision --gpus 4 --gpu-hours-per-week 300",
        after: async () => {
          const quota = (await t.api("GET", "/api/v1/quotas/team/vision")).body;
          expect(quota.limits).toEqual({ gpus: 4, runningJobs: null, gpuHoursPerWeek: 300, storageBytes: null });
          // Ada sees her team's quota too.
          const hers = (await as(vars.ADA_TOKEN!, "GET", "/api/v1/quotas")).body.items;
          expect(hers).toContainEqual(expect.objectContaining({ scope: "team", name: "vision", limits: quota.limits }));
        },
      },
      {
        command: "plinth users rm ada",
        before: async () => {
          adaCookie = await tokenSignIn(t.url, vars.ADA_TOKEN!);
          expect((await fetch(`${t.url}/api/v1/me`, { headers: { cookie: adaCookie } })).status).toBe(200);
        },
        after: async () => {
          expect((await as(vars.ADA_TOKEN!, "GET", "/api/v1/me")).status).toBe(401);
          expect((await fetch(`${t.url}/api/v1/me`, { headers: { cookie: adaCookie } })).status).toBe(401);
          expect((await t.api("GET", "/api/v1/users/ada")).body.removedAt).toEqual(expect.any(String));
          expect((await t.api("GET", "/api/v1/users/ada/ssh-keys")).body.items ?? []).toEqual([]);
          expect((await t.api("GET", `/api/v1/jobs/${vars.DRAFT}`)).body.visibility).toBe("team");
          const members = (await t.api("GET", "/api/v1/teams/vision/members")).body.items.map((m: { user: string }) => m.user);
          expect(members).not.toContain("ada");
        },
      },
      {
        command: "plinth ssh-keys export --team vision -o authorized_keys",
        after: async () => {
          const text = readFileSync(join(work, "authorized_keys"), "utf8");
          expect(text).not.toContain(publicKey.split(" ")[1]);
          expect(text.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([]);
        },
      },
      {
        command: "PLINTH_TOKEN=$GRACE_TOKEN plinth jobs show $DRAFT",
        after: async () => {
          const handed = await as(vars.GRACE_TOKEN!, "GET", `/api/v1/jobs/${vars.DRAFT}`);
          expect(handed.status).toBe(200);
          expect(handed.body.visibility).toBe("team");
        },
      },
      {
        command: "plinth users add ada",
        after: async () => {
          const named = (await t.api("GET", "/api/v1/users?removed=true")).body.items.filter((u: { name: string }) => u.name === "ada");
          expect(named).toHaveLength(1);
          expect(named[0].removedAt).toEqual(expect.any(String));
        },
      },
      {
        command: "plinth audit ls --target ada",
        after: async () => {
          const events = (await t.api("GET", "/api/v1/audit?target=ada&limit=100")).body.items.map((e: { action: string }) => e.action);
          expect(events).toEqual(expect.arrayContaining(["user.add", "user.remove"]));
        },
      },
    ];

    it("covers a Keeper's whole round: team, person with key, invitation, visibility, keys for hosts, Unix account, quota, removal, audit", () => {
      const commands = guide.steps.filter((s): s is CommandStep => s.kind === "command").map((s) => s.text);
      for (const needed of ["plinth teams add", "plinth users add ada --team vision --role member --ssh-key", "plinth users invite", "--visibility private", "plinth ssh-keys export", "plinth users set ada --unix-user", "plinth quotas set --team vision", "plinth users rm ada", "plinth audit ls"]) {
        expect(
          commands.some((c) => c.includes(needed)),
          `the guide has no command with '${needed}'`,
        ).toBe(true);
      }
    });

    it("checks every command that changes something, in the guide's order", () => {
      let next = 0;
      for (const step of guide.steps) {
        if (step.kind !== "command") continue;
        if (checks[next]?.command === step.text) {
          next++;
          continue;
        }
        expect(READS.test(step.text), `${guide.name}:${step.line}: \`${step.text}\` changes something, and this test has no check of its effect after it`).toBe(true);
        expect(step.expected.length, `${guide.name}:${step.line}: \`${step.text}\` shows no output for the test to hold it to`).toBeGreaterThan(0);
      }
      expect(checks.slice(next).map((c) => c.command), "checks for commands the guide no longer has, or has in another order").toEqual([]);
    });

    let next = 0;
    const checkAt = (step: CommandStep): Check | undefined => (checks[next]?.command === step.text ? checks[next] : undefined);
    followGuide(guide, {
      vars,
      context: () => ({ url: t.url, cwd: work }),
      before: async (step) => {
        await checkAt(step)?.before?.();
      },
      after: async (step, r) => {
        const check = checkAt(step);
        if (!check) return;
        next++;
        await check.after(r);
      },
    });

    it("refuses a whole addition when a key given with it is someone else's or given twice (besides the guide)", async () => {
      const other = await runCli(["users", "add", "mallory", "--ssh-key", join(laptop, "id_ed25519.pub")], { url: t.url, cwd: work });
      // Ada's key was deleted with her, so it is free again: make it someone's first.
      expect(other.code, other.stderr).toBe(0);
      const fresh = await runCli(["gen", "ssh-key", "-f", join(laptop, "second"), "-C", "oscar@laptop"], { url: t.url, cwd: laptop });
      expect(fresh.code, fresh.stderr).toBe(0);
      for (const args of [
        ["users", "add", "oscar", "--ssh-key", join(laptop, "second.pub"), "--ssh-key", join(laptop, "id_ed25519.pub")],
        ["users", "add", "oscar", "--ssh-key", join(laptop, "second.pub"), "--ssh-key", join(laptop, "second.pub")],
      ]) {
        const r = await runCli(args, { url: t.url, cwd: work });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/already belongs to someone else|given twice/);
        expect((await t.api("GET", "/api/v1/users/oscar")).status).toBe(404);
      }
    });
  });
}
