import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { push } from "../helpers/data.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, type TestPlatform } from "../helpers/platform.ts";

// Every API route, listed with how it decides who may use it. A route added without a line
// here fails the first test, so nobody adds one without thinking about access. The other
// tests probe the classes on a real server: Keeper routes refuse members, and every route that
// takes the id of something a person owns answers 404 to anyone else, as if it did not exist.

type Access =
  /** Open to anyone, saying nothing about anyone: the health check. */
  | "open"
  /** Open to anyone: the ways to sign in. */
  | "sign-in"
  /** Anyone signed in, by design: who is who, the teams, the guides, how busy the machines are. */
  | "directory"
  /** Only the caller's own things (their tokens, keys, secrets…), or their teams' as the policy says. */
  | "own"
  /** Keepers only: `access: "admin"` on the route. */
  | "keeper"
  /** Through the one policy, per resource (jobs: test/integration/authorization-matrix.test.ts). */
  | "policy";

const ROUTES: Record<string, Access> = {
  "GET /healthz": "open",
  "GET /api/v1/me": "own",
  "GET /api/v1/tokens": "own",
  "POST /api/v1/tokens": "own",
  "DELETE /api/v1/tokens/{id}": "own",
  "GET /api/v1/users/{name}/tokens": "keeper",
  "DELETE /api/v1/users/{name}/tokens/{id}": "keeper",
  "GET /api/v1/users": "directory",
  "GET /api/v1/users/{name}": "directory",
  "POST /api/v1/users": "keeper",
  "PATCH /api/v1/users/{name}": "own",
  "DELETE /api/v1/users/{name}": "keeper",
  "GET /api/v1/teams": "directory",
  "POST /api/v1/teams": "keeper",
  "GET /api/v1/teams/{team}/members": "directory",
  "PUT /api/v1/teams/{team}/members/{name}": "policy",
  "DELETE /api/v1/teams/{team}/members/{name}": "policy",
  "POST /api/v1/jobs": "policy",
  "GET /api/v1/jobs": "policy",
  "GET /api/v1/jobs/{id}": "policy",
  "GET /api/v1/jobs/{id}/logs": "policy",
  "GET /api/v1/jobs/{id}/environment-log": "policy",
  "GET /api/v1/jobs/{id}/lineage": "policy",
  "POST /api/v1/jobs/{id}/cancel": "policy",
  "POST /api/v1/jobs/{id}/retry": "policy",
  "GET /api/v1/cluster": "policy",
  "POST /api/v1/code/bundles": "own",
  "PUT /api/v1/code/blobs/{sha256}": "own",
  "GET /api/v1/audit": "policy",
  "GET /api/v1/audit/export": "policy",
  "POST /api/v1/sessions": "sign-in",
  "DELETE /api/v1/sessions/current": "own",
  "GET /api/v1/me/sessions": "own",
  "DELETE /api/v1/me/sessions/{id}": "own",
  "DELETE /api/v1/users/{name}/sessions": "keeper",
  "GET /api/v1/events": "policy",
  "GET /api/v1/schemas/job-spec.json": "directory",
  "GET /api/v1/portal/start": "own",
  "GET /api/v1/guides": "directory",
  "GET /api/v1/guides/search": "directory",
  "GET /api/v1/guides/{id}": "directory",
  "GET /api/v1/auth/methods": "sign-in",
  "POST /api/v1/sessions/password": "sign-in",
  "PUT /api/v1/me/password": "own",
  "PUT /api/v1/users/{name}/password": "keeper",
  "POST /api/v1/invitations": "keeper",
  "GET /api/v1/invitations": "keeper",
  "DELETE /api/v1/invitations/{id}": "keeper",
  "POST /api/v1/invitations/preview": "sign-in",
  "POST /api/v1/invitations/accept": "sign-in",
  "GET /api/v1/auth/oidc/login": "sign-in",
  "GET /api/v1/auth/oidc/callback": "sign-in",
  "GET /api/v1/ssh-keys": "own",
  "POST /api/v1/ssh-keys": "own",
  "DELETE /api/v1/ssh-keys/{id}": "own",
  "GET /api/v1/ssh-keys/authorized-keys": "policy",
  "GET /api/v1/users/{name}/ssh-keys": "own",
  "POST /api/v1/users/{name}/ssh-keys": "own",
  "GET /api/v1/secrets": "policy",
  "PUT /api/v1/secrets/{name}": "policy",
  "DELETE /api/v1/secrets/{name}": "policy",
  "POST /api/v1/secrets/rotate-key": "keeper",
  "GET /api/v1/access-keys": "own",
  "POST /api/v1/access-keys": "own",
  "DELETE /api/v1/access-keys/{id}": "own",
  "GET /api/v1/quotas": "policy",
  "GET /api/v1/quotas/{kind}/{name}": "policy",
  "PUT /api/v1/quotas/{kind}/{name}": "keeper",
  "DELETE /api/v1/quotas/{kind}/{name}": "keeper",
  "GET /api/v1/datasets": "policy",
  "GET /api/v1/experiments": "policy",
  "GET /api/v1/runs": "policy",
  "GET /api/v1/runs/{id}": "policy",
  "GET /api/v1/runs/{id}/metrics": "policy",
  "GET /api/v1/datasets/{name}": "policy",
  "PATCH /api/v1/datasets/{name}": "policy",
  "DELETE /api/v1/datasets/{name}": "policy",
  "POST /api/v1/datasets/{name}/versions": "policy",
  "GET /api/v1/datasets/{name}/versions": "policy",
  "GET /api/v1/datasets/{name}/versions/{version}": "policy",
  "DELETE /api/v1/datasets/{name}/versions/{version}": "policy",
  "PUT /api/v1/datasets/{name}/aliases/{alias}": "policy",
  "DELETE /api/v1/datasets/{name}/aliases/{alias}": "policy",
  "GET /api/v1/datasets/{name}/versions/{version}/files/{*path}": "policy",
  "GET /api/v1/datasets/{name}/versions/{version}/preview": "policy",
  "GET /api/v1/datasets/{name}/diff": "policy",
  "POST /api/v1/datasets/{name}/versions/{version}/url": "policy",
  // The link's signature stands for its maker, whose access is checked again when it is opened.
  "GET /api/v1/data/signed": "sign-in",
  "POST /api/v1/data/blobs/missing": "own",
  "PUT /api/v1/data/blobs/{sha256}": "own",
  "POST /api/v1/data/uploads": "own",
  "GET /api/v1/data/uploads/{id}": "own",
  "PUT /api/v1/data/uploads/{id}/parts/{n}": "own",
  "POST /api/v1/data/uploads/{id}/complete": "own",
  "DELETE /api/v1/data/uploads/{id}": "own",
  "POST /api/v1/data/gc": "keeper",
  // What packages a job gets is no secret; only Keepers see where environments live on disk.
  "GET /api/v1/environments": "directory",
  "GET /api/v1/environments/{key}": "directory",
  // Anyone who may add work somewhere (not a person who is a viewer wherever they belong).
  "POST /api/v1/environments": "policy",
  "DELETE /api/v1/environments/{key}": "keeper",
  // A team's named environments: its people read them, its admins and Keepers change them,
  // anyone else finds nothing (test/integration/named-environments.test.ts).
  "GET /api/v1/environments/named": "policy",
  "GET /api/v1/environments/named/{name}": "policy",
  "POST /api/v1/environments/named/{name}": "policy",
  "PATCH /api/v1/environments/named/{name}": "policy",
  "DELETE /api/v1/environments/named/{name}": "policy",
  // Container images: one built from a folder holds its files, so it is listed and usable for
  // those who uploaded that folder, their teams and Keepers; others are listed like
  // environments. A build's log is its starter's and the Keepers'
  // (test/integration/container-jobs.test.ts).
  "GET /api/v1/environments/images": "policy",
  "GET /api/v1/environments/images/{key}": "policy",
  "POST /api/v1/environments/images": "policy",
  "GET /api/v1/environments/images/{key}/log": "own",
  "DELETE /api/v1/environments/images/{reference}": "keeper",
  // Workspaces: seen and stopped through the policy, entered (their app under /w/<id>/ and their
  // SSH) only by their owner and, when shared, their team (test/integration/authorization-matrix.test.ts).
  "GET /api/v1/workspaces": "policy",
  "POST /api/v1/workspaces": "policy",
  "GET /api/v1/workspaces/{ref}": "policy",
  "GET /api/v1/workspaces/{ref}/events": "policy",
  "POST /api/v1/workspaces/{ref}/start": "policy",
  "POST /api/v1/workspaces/{ref}/stop": "policy",
  "DELETE /api/v1/workspaces/{ref}": "policy",
  "GET /api/v1/workspaces/{ref}/ssh": "policy",
  // A team's settings: its people read them, its admins and Keepers change them.
  "GET /api/v1/teams/{team}/workspace-settings": "policy",
  "PUT /api/v1/teams/{team}/workspace-settings": "policy",
};

for (const db of testDatabases()) {
  describe(`authorization of every route (${db.name})`, () => {
    let t: TestPlatform;
    let alice: string;
    let mallory: string;
    beforeAll(async () => {
      t = await startTestPlatform(db, "routes", { sandbox: "none" });
      alice = (await t.api("POST", "/api/v1/users", { name: "alice" })).body.token;
      mallory = (await t.api("POST", "/api/v1/users", { name: "mallory" })).body.token;
    });
    afterAll(() => t?.close());

    it("knows how every route decides access, and every route in this list exists", () => {
      const registered = t.platform.routes.routes.map((r) => `${r.def.method} ${r.def.url}`);
      const unlisted = registered.filter((key) => !(key in ROUTES));
      expect(unlisted, "routes with no line in ROUTES: add one, and a test for its access").toEqual([]);
      expect(Object.keys(ROUTES).filter((key) => !registered.includes(key)), "lines in ROUTES for routes that are gone").toEqual([]);
      for (const r of t.platform.routes.routes) {
        const access = ROUTES[`${r.def.method} ${r.def.url}`];
        // The class is what the route declares: the keeper ones are closed in the registry itself.
        if (access === "keeper") expect(r.def.access, r.def.url).toBe("admin");
        if (access === "sign-in") expect(["public", "user"], r.def.url).toContain(r.def.access ?? "user");
        if (access === "open") expect(r.def.access, r.def.url).toBe("public");
        if (access !== "keeper" && access !== "sign-in" && access !== "open") expect(r.def.access ?? "user", r.def.url).toBe("user");
      }
    });

    it("answers a member 403 on every Keeper route, before reading anything", async () => {
      for (const r of t.platform.routes.routes.filter((x) => ROUTES[`${x.def.method} ${x.def.url}`] === "keeper")) {
        const path = r.def.url.replace(/\{kind\}/, "user").replace(/\{\w+\}/g, "alice");
        const res = await t.api(r.def.method, path, r.def.method === "GET" || r.def.method === "DELETE" ? undefined : {}, mallory);
        expect(res.status, `${r.def.method} ${path}`).toBe(403);
      }
    });

    it("answers 404 to anyone else for the id of something a person owns", async () => {
      const token = (await t.api("POST", "/api/v1/tokens", { name: "laptop" }, alice)).body.info.id as string;
      const job = (await t.api("POST", "/api/v1/jobs", { command: ["true"], visibility: "private" }, alice)).body.id as string;
      const key = (await t.api("POST", "/api/v1/ssh-keys", { publicKey: ed25519Line("alice@laptop") }, alice)).body.id as string;
      const access = (await t.api("POST", "/api/v1/access-keys", { name: "boto" }, alice)).body;
      const accessId = (access.info ?? access.key ?? access).id as string;
      expect((await t.api("PUT", "/api/v1/secrets/WANDB_API_KEY", { value: "alice-secret-value" }, alice)).status).toBeLessThan(300);
      const session = (await t.api("POST", "/api/v1/sessions", undefined, alice)).body.session.id as string;
      expect((await push(t, "private-data", { "a.csv": "x,y\n1,2\n" }, { token: alice, body: { visibility: "private", tags: ["prod"] } })).body.created).toBe(true);
      const upload = (await t.api("POST", "/api/v1/data/uploads", { sha256: "ab".repeat(32), size: 10 }, alice)).body.id as string;
      // A private job's run is as private as the job.
      expect((await t.waitFor(job)).state).toBe("succeeded");
      const run = (await t.api("GET", "/api/v1/runs", undefined, alice)).body.items.find((x: { jobId: string }) => x.jobId === job)?.id as string;
      expect(run).toMatch(/^[0-9a-f]{32}$/);
      const set = "/api/v1/datasets/private-data";
      const probes: Array<[string, string]> = [
        ["GET", `${set}?team=default`],
        ["GET", `${set}/versions`],
        ["GET", `${set}/versions/v1`],
        ["GET", `${set}/versions/prod/files/a.csv`],
        ["GET", `${set}/versions/v1/preview?path=a.csv`],
        ["GET", `${set}/diff?from=v1&to=v1`],
        ["DELETE", `${set}/aliases/prod`],
        ["DELETE", `${set}/versions/v1`],
        ["DELETE", set],
        ["GET", `/api/v1/data/uploads/${upload}`],
        ["POST", `/api/v1/data/uploads/${upload}/complete`],
        ["DELETE", `/api/v1/data/uploads/${upload}`],
        ["DELETE", `/api/v1/tokens/${token}`],
        ["GET", `/api/v1/jobs/${job}`],
        ["GET", `/api/v1/jobs/${job}/logs`],
        ["GET", `/api/v1/jobs/${job}/environment-log`],
        ["GET", `/api/v1/jobs/${job}/lineage`],
        ["POST", `/api/v1/jobs/${job}/cancel`],
        ["POST", `/api/v1/jobs/${job}/retry`],
        ["DELETE", `/api/v1/ssh-keys/${key}`],
        ["DELETE", `/api/v1/access-keys/${accessId}`],
        ["DELETE", "/api/v1/secrets/WANDB_API_KEY"],
        ["DELETE", `/api/v1/me/sessions/${session}`],
        ["GET", `/api/v1/runs/${run}`],
        ["GET", `/api/v1/runs/${run}/metrics?keys=loss`],
      ];
      for (const [method, path] of probes) {
        const res = await t.api(method, path, undefined, mallory);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(JSON.stringify(res.body)).not.toContain("alice");
      }
      // And the things are still there for their owner.
      expect((await t.api("GET", "/api/v1/tokens", undefined, alice)).body.items.some((x: { id: string; revokedAt: string | null }) => x.id === token && x.revokedAt === null)).toBe(true);
      expect((await t.api("GET", "/api/v1/ssh-keys", undefined, alice)).body.items.map((x: { id: string }) => x.id)).toContain(key);
      expect((await t.api("GET", "/api/v1/secrets", undefined, alice)).body.items.map((x: { name: string }) => x.name)).toContain("WANDB_API_KEY");
      expect((await t.api("GET", `${set}/versions/prod`, undefined, alice)).body.number).toBe(1);
      expect((await t.api("GET", `/api/v1/data/uploads/${upload}`, undefined, alice)).status).toBe(200);
      const browsers = (await t.api("GET", "/api/v1/me/sessions", undefined, alice)).body.items;
      expect(browsers.map((x: { id: string }) => x.id)).toEqual([session]);
      expect((await t.api("GET", "/api/v1/me/sessions", undefined, mallory)).body.items).toEqual([]);
      // Its owner signs that browser out; then it is gone for them too.
      expect((await t.api("DELETE", `/api/v1/me/sessions/${session}`, undefined, alice)).status).toBe(200);
      expect((await t.api("DELETE", `/api/v1/me/sessions/${session}`, undefined, alice)).status).toBe(404);
    });
  });
}

/** An OpenSSH ed25519 public key line, made here. */
function ed25519Line(comment: string): string {
  const { publicKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(raw)]).toString("base64")} ${comment}`;
}
