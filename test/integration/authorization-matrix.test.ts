import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// The authorization policy as a table: every role a person can hold towards a resource ×
// every visibility × every action, on a real server and each database. The table below is
// the specification, written out by hand; the server must answer each cell exactly so, in
// single reads, lists, logs, live events and changes. A resource you may not see is a 404,
// never a 403, and never shows up in a list.

type Subject = "owner" | "teamAdmin" | "teamMember" | "teamViewer" | "outsider" | "keeper";
type Visibility = "private" | "team" | "public";
const SUBJECTS: Subject[] = ["owner", "teamAdmin", "teamMember", "teamViewer", "outsider", "keeper"];
const VISIBILITIES: Visibility[] = ["private", "team", "public"];

/** Who may read a resource of team `vision` owned by `owner`, by its visibility. */
const READ: Record<Visibility, Record<Subject, boolean>> = {
  private: { owner: true, teamAdmin: true, teamMember: false, teamViewer: false, outsider: false, keeper: true },
  team: { owner: true, teamAdmin: true, teamMember: true, teamViewer: true, outsider: false, keeper: true },
  public: { owner: true, teamAdmin: true, teamMember: true, teamViewer: true, outsider: true, keeper: true },
};
/** Who may change it (cancel, retry): the same whatever its visibility. */
const WRITE: Record<Subject, boolean> = { owner: true, teamAdmin: true, teamMember: false, teamViewer: false, outsider: false, keeper: true };
/** Who may add work to team `vision`. */
const CREATE_IN_TEAM: Record<Subject, boolean> = { owner: true, teamAdmin: true, teamMember: true, teamViewer: false, outsider: false, keeper: true };

for (const db of testDatabases()) {
  describe(`authorization matrix (${db.name})`, () => {
    let t: TestPlatform;
    const tokens = {} as Record<Subject, string>;
    const jobs = {} as Record<Visibility, string>;
    const as = (who: Subject, method: string, path: string, body?: unknown) => t.api(method, path, body, tokens[who]);

    beforeAll(async () => {
      t = await startTestPlatform(db, "authz", { sandbox: "none", fakeGpus: 1 });
      tokens.keeper = (await t.api("POST", "/api/v1/users", { name: "keeper", role: "admin" })).body.token;
      for (const team of ["vision", "nlp"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      const people: Array<[Subject, string, string]> = [
        ["owner", "vision", "member"],
        ["teamAdmin", "vision", "admin"],
        ["teamMember", "vision", "member"],
        ["teamViewer", "vision", "viewer"],
        ["outsider", "nlp", "member"],
      ];
      for (const [who, team, teamRole] of people) {
        const r = await t.api("POST", "/api/v1/users", { name: who.toLowerCase(), team, teamRole });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        tokens[who] = r.body.token;
      }
      for (const visibility of VISIBILITIES) {
        const r = await as("owner", "POST", "/api/v1/jobs", { name: `v-${visibility}`, command: ["echo", `log of ${visibility}`], visibility });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        expect(r.body.visibility).toBe(visibility);
        jobs[visibility] = r.body.id;
      }
      for (const id of Object.values(jobs)) await t.waitFor(id);
    }, 60_000);
    afterAll(() => t?.close());

    for (const visibility of VISIBILITIES) {
      for (const who of SUBJECTS) {
        const mayRead = READ[visibility][who];
        const mayWrite = WRITE[who];
        it(`${who} × ${visibility} job: read ${mayRead ? "yes" : "no"}, change ${mayWrite ? "yes" : "no"}`, async () => {
          const id = jobs[visibility];
          const one = await as(who, "GET", `/api/v1/jobs/${id}`);
          expect(one.status).toBe(mayRead ? 200 : 404);
          if (!mayRead) expect(JSON.stringify(one.body)).not.toContain("log of");

          const log = await fetch(`${t.url}/api/v1/jobs/${id}/logs`, { headers: { authorization: `Bearer ${tokens[who]}` } });
          const text = await log.text();
          expect(log.status).toBe(mayRead ? 200 : 404);
          expect(text.includes(`log of ${visibility}`)).toBe(mayRead);

          const listed = await as(who, "GET", "/api/v1/jobs?limit=500");
          expect(listed.status).toBe(200);
          expect(listed.body.items.some((j: { id: string }) => j.id === id)).toBe(mayRead);
          const byName = await as(who, "GET", `/api/v1/jobs?name=v-${visibility}`);
          // Retries by earlier cells share the name; the filter must still hold to the policy.
          expect(byName.body.items.length > 0).toBe(mayRead);
          expect(byName.body.items.every((j: { visibility: string }) => j.visibility === visibility)).toBe(true);

          // Cancelling an ended job is a 409 for whoever may cancel it: the answer tells the cells apart.
          const cancel = await as(who, "POST", `/api/v1/jobs/${id}/cancel`);
          expect(cancel.status).toBe(!mayRead ? 404 : mayWrite ? 409 : 403);
          const retry = await as(who, "POST", `/api/v1/jobs/${id}/retry`);
          expect(retry.status).toBe(!mayRead ? 404 : mayWrite ? 201 : 403);
          if (retry.status === 201) {
            // A retry stays in its job's team with its visibility, whoever asked for it.
            expect(retry.body.teamId).toBe(one.body.teamId);
            expect(retry.body.visibility).toBe(visibility);
            await as("keeper", "POST", `/api/v1/jobs/${retry.body.id}/cancel`);
          }
        });
      }
    }

    for (const who of SUBJECTS) {
      it(`${who}: may add jobs to team vision: ${CREATE_IN_TEAM[who] ? "yes" : "no"}`, async () => {
        const r = await as(who, "POST", "/api/v1/jobs", { command: ["true"], team: "vision" });
        expect(r.status, JSON.stringify(r.body)).toBe(CREATE_IN_TEAM[who] ? 201 : 403);
        if (r.status === 403) expect(r.body.hint).toMatch(/team/);
      });
    }

    it("live events carry exactly the jobs each person may read", async () => {
      const streams = SUBJECTS.map((who) => openEvents(t.url, tokens[who]));
      await Promise.all(streams.map((s) => s.ready));
      const fresh = {} as Record<Visibility, string>;
      for (const visibility of VISIBILITIES) {
        fresh[visibility] = (await as("owner", "POST", "/api/v1/jobs", { command: ["true"], visibility })).body.id;
      }
      for (const id of Object.values(fresh)) await t.waitFor(id);
      await new Promise((r) => setTimeout(r, 300));
      for (const [i, who] of SUBJECTS.entries()) {
        const seen = streams[i]!.stop();
        for (const visibility of VISIBILITIES) expect(seen.has(fresh[visibility]), `${who} / ${visibility}`).toBe(READ[visibility][who]);
      }
    });

    it("the cluster view names only the GPU holders and queued jobs a person may read", async () => {
      const holder = await as("owner", "POST", "/api/v1/jobs", { command: ["sleep", "30"], visibility: "private", resources: { gpus: 1 } });
      await t.waitFor(holder.body.id, ["running"]);
      const waiting = await as("owner", "POST", "/api/v1/jobs", { command: ["true"], visibility: "team", resources: { gpus: 1 } });
      // The cluster's queue is a forecast refreshed at most once a second: wait until it has the job.
      for (let i = 0; i < 40; i++) {
        const c = await as("keeper", "GET", "/api/v1/cluster");
        if (c.body.queue.some((q: { jobId: string }) => q.jobId === waiting.body.id)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const who of SUBJECTS) {
        const c = await as(who, "GET", "/api/v1/cluster");
        expect(c.status).toBe(200);
        const gpu = c.body.nodes[0].gpus[0];
        expect(gpu.busy).toBe(true);
        expect(gpu.jobId, who).toBe(READ.private[who] ? holder.body.id : null);
        expect(c.body.queue.some((q: { jobId: string }) => q.jobId === waiting.body.id), who).toBe(READ.team[who]);
      }
      await as("owner", "POST", `/api/v1/jobs/${waiting.body.id}/cancel`);
      await as("owner", "POST", `/api/v1/jobs/${holder.body.id}/cancel`);
    });

    it("uploaded code runs only for who sent its bytes, whatever else they may see", async () => {
      const bytes = Buffer.from("print('owner code')\n");
      const hash = (await import("node:crypto")).createHash("sha256").update(bytes).digest("hex");
      const manifest = { files: [{ path: "main.py", sha256: hash, size: bytes.length, executable: false }] };
      const send = (who: Subject) =>
        fetch(`${t.url}/api/v1/code/blobs/${hash}`, { method: "PUT", headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/octet-stream" }, body: bytes });
      expect((await send("owner")).status).toBe(200);
      const bundle = (await as("owner", "POST", "/api/v1/code/bundles", manifest)).body.bundle as string;
      expect(bundle).toMatch(/^[0-9a-f]{64}$/);
      for (const who of SUBJECTS) {
        const r = await as(who, "POST", "/api/v1/jobs", { command: ["cat", "main.py"], code: { bundle }, team: who === "outsider" ? "nlp" : "vision" });
        if (who === "owner") {
          expect(r.status).toBe(201);
          continue;
        }
        // Not even a Keeper: code is reached through the jobs one may see, not by its hash.
        expect(r.status, who).toBe(who === "teamViewer" ? 403 : 422);
        const again = await as(who, "POST", "/api/v1/code/bundles", manifest);
        expect(again.body.missing, who).toEqual([hash]);
      }
    });

    describe("workspaces", () => {
      /** Who may enter (open, SSH into) a workspace of the owner's in team vision: its owner; its team's members and admins when shared. */
      const ENTER: Record<"private" | "team", Record<Subject, boolean>> = {
        private: { owner: true, teamAdmin: false, teamMember: false, teamViewer: false, outsider: false, keeper: false },
        team: { owner: true, teamAdmin: true, teamMember: true, teamViewer: false, outsider: false, keeper: false },
      };
      const spaces = {} as Record<"private" | "team", string>;
      const tunnel = (id: string, token: string) =>
        fetch(`${t.url}/api/v1/workspaces/${id}/ssh`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }));
      const upgrade = (id: string, token: string) =>
        new Promise<number>((done, fail) => {
          const req = request(`${t.url}/api/v1/workspaces/${id}/ssh`, { headers: { authorization: `Bearer ${token}`, connection: "Upgrade", upgrade: "plinth-ssh" } });
          req.on("upgrade", (res, socket) => {
            socket.destroy();
            done(res.statusCode ?? 0);
          });
          req.on("response", (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          });
          req.on("error", fail);
          req.end();
        });
      beforeAll(async () => {
        for (const kind of ["private", "team"] as const) {
          const r = await as("owner", "POST", "/api/v1/workspaces", { app: "ssh", name: `matrix-${kind}`, team: "vision", shared: kind === "team", resources: { cpus: 0.1, memory: "64M" } });
          expect(r.status, JSON.stringify(r.body)).toBe(201);
          spaces[kind] = r.body.id;
        }
      });
      afterAll(async () => {
        for (const id of Object.values(spaces)) await as("keeper", "POST", `/api/v1/workspaces/${id}/stop`);
      });

      for (const kind of ["private", "team"] as const) {
        for (const who of SUBJECTS) {
          const mayRead = READ[kind][who];
          const mayEnter = ENTER[kind][who];
          it(`${who} × ${kind === "team" ? "shared" : "private"} workspace: see ${mayRead ? "yes" : "no"}, enter ${mayEnter ? "yes" : "no"}, stop ${mayRead && WRITE[who] ? "yes" : "no"}`, async () => {
            const id = spaces[kind];
            expect((await as(who, "GET", `/api/v1/workspaces/${id}`)).status).toBe(mayRead ? 200 : 404);
            expect((await as(who, "GET", `/api/v1/workspaces/${id}/events`)).status).toBe(mayRead ? 200 : 404);
            const listed = (await as(who, "GET", "/api/v1/workspaces?all=true")).body.items.map((w: { id: string }) => w.id);
            expect(listed.includes(id)).toBe(mayRead);
            // Entering: a workspace one may not enter does not exist for them; one they may is found
            // (then it answers that it has no app in the browser, or is not running yet).
            const app = await fetch(`${t.url}/w/${id}/`, { headers: { authorization: `Bearer ${tokens[who]}` } });
            expect(app.status === 404, `${who} /w/`).toBe(!mayEnter);
            expect((await tunnel(id, tokens[who])).status === 404, `${who} ssh info`).toBe(!mayEnter);
            expect((await upgrade(id, tokens[who])) === 404, `${who} ssh tunnel`).toBe(!mayEnter);
            // Only those who may not stop it are asked to: the others would stop it for the rest.
            if (!(mayRead && WRITE[who])) expect((await as(who, "POST", `/api/v1/workspaces/${id}/stop`)).status).toBe(mayRead ? 403 : 404);
          });
        }
      }

      it("a token that may only read cannot enter even its owner's workspace", async () => {
        const read = (await as("owner", "POST", "/api/v1/tokens", { name: "ro-ws", scopes: ["read"] })).body.token as string;
        expect((await fetch(`${t.url}/w/${spaces.private}/`, { headers: { authorization: `Bearer ${read}` } })).status).toBe(403);
        expect(await upgrade(spaces.private, read)).toBe(403);
      });
    });

    it("a token's scopes narrow what it may do, and it cannot mint a wider one", async () => {
      const read = (await as("owner", "POST", "/api/v1/tokens", { name: "ro", scopes: ["read"] })).body.token as string;
      expect((await t.api("GET", "/api/v1/jobs", undefined, read)).status).toBe(200);
      const submit = await t.api("POST", "/api/v1/jobs", { command: ["true"] }, read);
      expect(submit.status).toBe(403);
      expect(submit.body.hint).toMatch(/--scope jobs/);
      expect((await t.api("POST", "/api/v1/tokens", { name: "wider" }, read)).status).toBe(403);
      const jobsToken = (await as("owner", "POST", "/api/v1/tokens", { name: "ci", scopes: ["jobs"] })).body.token as string;
      expect((await t.api("POST", "/api/v1/jobs", { command: ["true"] }, jobsToken)).status).toBe(201);
      expect((await t.api("POST", "/api/v1/sessions", undefined, jobsToken)).status).toBe(403);
    });
  });
}

/** Reads a person's live events in the background; `stop` ends it and returns the job ids seen. */
function openEvents(url: string, token: string): { ready: Promise<void>; stop(): Set<string> } {
  const seen = new Set<string>();
  const controller = new AbortController();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markReady = r;
  });
  void (async () => {
    const res = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        if (buffer.includes(": connected")) markReady();
        for (const m of buffer.matchAll(/"jobId":"([^"]+)"/g)) seen.add(m[1]!);
      }
    } catch {
      // aborted
    }
  })();
  return {
    ready,
    stop() {
      controller.abort();
      return seen;
    },
  };
}
