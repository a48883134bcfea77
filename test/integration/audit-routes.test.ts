import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_PATTERN } from "../../src/audit/spec.ts";
import { METADATA_FILE } from "../../src/environments/build.ts";
import { podmanOutput, testPodman } from "../helpers/podman.ts";
import { generateSshKeyPair } from "../../src/identity/generators/ssh-keypair.ts";
import { push } from "../helpers/data.ts";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";
import { testUv } from "../helpers/uv.ts";

// Every change is audited: this enumerates every route the server registered that is not a
// GET, and fails for one that neither records an audit event when called nor says, in its
// `audit: { notAudited: "why" }` declaration, why it records none.
//
// A new changing route needs two things: an `audit:` declaration (see src/http/route-audit.ts
// and docs/explanation/architecture.md), and a request below that calls it successfully, so
// this test can see the event it records.

interface Fixture {
  t: TestPlatform;
  api: TestPlatform["api"];
  /** A member's token. */
  member: string;
  /** A job of the admin's that is still queued or running. */
  activeJob(): Promise<string>;
  /** A browser session cookie, signed in with the member's token. */
  signIn(token: string): Promise<string>;
  /** Secret values a request sent or received: none may appear in the audit log. */
  secrets: string[];
}

type Call = (f: Fixture) => Promise<{ status: number; body?: unknown }>;

const sleepy = { command: ["sleep", "30"], resources: { cpus: 0.1, memory: "16M" } };
let names = 0;
const unique = (prefix: string) => `${prefix}${++names}`;

/** One successful call of each audited route, keyed "METHOD /url" as declared. */
/** A workspace of the admin's (SSH only: no Python environment to build), waited for until it has settled. */
async function workspace(api: TestPlatform["api"], settled: string[]): Promise<string> {
  const id = (await api("POST", "/api/v1/workspaces", { app: "ssh", name: unique("ws"), resources: { cpus: 0.1, memory: "64M" } })).body.id as string;
  await api("POST", `/api/v1/workspaces/${id}/stop`);
  for (let i = 0; i < 200; i++) {
    if (settled.includes((await api("GET", `/api/v1/workspaces/${id}`)).body.state)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return id;
}

const REQUESTS: Record<string, Call> = {
  "POST /api/v1/workspaces": ({ api }) => api("POST", "/api/v1/workspaces", { app: "ssh", name: unique("ws"), resources: { cpus: 0.1, memory: "64M" } }),
  "POST /api/v1/workspaces/{ref}/start": async ({ api }) => api("POST", `/api/v1/workspaces/${await workspace(api, ["stopped"])}/start`),
  "POST /api/v1/workspaces/{ref}/stop": async ({ api }) => api("POST", `/api/v1/workspaces/${await workspace(api, ["stopped"])}/stop`),
  "DELETE /api/v1/workspaces/{ref}": async ({ api }) => api("DELETE", `/api/v1/workspaces/${await workspace(api, ["stopped"])}`),
  "PUT /api/v1/teams/{team}/workspace-settings": ({ api }) => api("PUT", "/api/v1/teams/default/workspace-settings", { idleStop: "90m", maxLifetime: "7d" }),
  "POST /api/v1/jobs": ({ api }) => api("POST", "/api/v1/jobs", sleepy),
  "POST /api/v1/jobs/{id}/cancel": async ({ api, activeJob }) => api("POST", `/api/v1/jobs/${await activeJob()}/cancel`),
  "POST /api/v1/jobs/{id}/retry": async ({ api, activeJob }) => {
    const id = await activeJob();
    await api("POST", `/api/v1/jobs/${id}/cancel`);
    const r = await api("POST", `/api/v1/jobs/${id}/retry`);
    await api("POST", `/api/v1/jobs/${r.body.id}/cancel`);
    return r;
  },
  // A bundle is recorded once, when its manifest is posted with every blob present.
  "POST /api/v1/code/bundles": async ({ t, api }) => {
    const bytes = Buffer.from(`print(${names++})\n`);
    const manifest = { files: [{ path: "main.py", sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length }] };
    const first = await api("POST", "/api/v1/code/bundles", manifest);
    for (const hash of first.body.missing as string[]) {
      const res = await fetch(`${t.url}/api/v1/code/blobs/${hash}`, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/octet-stream" }, body: bytes });
      expect(res.status).toBe(200);
    }
    return api("POST", "/api/v1/code/bundles", manifest);
  },
  "POST /api/v1/tokens": async ({ api, secrets }) => {
    const r = await api("POST", "/api/v1/tokens", { name: unique("tok") });
    secrets.push(r.body.token);
    return r;
  },
  "DELETE /api/v1/tokens/{id}": async ({ api }) => {
    const created = await api("POST", "/api/v1/tokens", { name: unique("tok") });
    return api("DELETE", `/api/v1/tokens/${created.body.info.id}`);
  },
  "DELETE /api/v1/users/{name}/tokens/{id}": async ({ api }) => {
    const name = unique("tina");
    const token = (await api("POST", "/api/v1/users", { name })).body.token as string;
    const mine = await api("GET", "/api/v1/tokens", undefined, token);
    return api("DELETE", `/api/v1/users/${name}/tokens/${mine.body.items[0].id}`);
  },
  "POST /api/v1/users": async ({ api, secrets }) => {
    const r = await api("POST", "/api/v1/users", { name: unique("ursula") });
    secrets.push(r.body.token);
    return r;
  },
  "PATCH /api/v1/users/{name}": async ({ api }) => {
    const name = unique("paula");
    await api("POST", "/api/v1/users", { name });
    return api("PATCH", `/api/v1/users/${name}`, { displayName: "Paula P." });
  },
  "DELETE /api/v1/users/{name}": async ({ api }) => {
    const name = unique("rita");
    await api("POST", "/api/v1/users", { name });
    return api("DELETE", `/api/v1/users/${name}`);
  },
  "POST /api/v1/teams": ({ api }) => api("POST", "/api/v1/teams", { name: unique("team") }),
  "PUT /api/v1/teams/{team}/members/{name}": async ({ api }) => {
    const team = unique("team");
    const name = unique("mona");
    await api("POST", "/api/v1/teams", { name: team });
    await api("POST", "/api/v1/users", { name });
    return api("PUT", `/api/v1/teams/${team}/members/${name}`, { role: "viewer" });
  },
  "DELETE /api/v1/teams/{team}/members/{name}": async ({ api }) => {
    const team = unique("team");
    const name = unique("mona");
    await api("POST", "/api/v1/teams", { name: team });
    await api("POST", "/api/v1/users", { name, team });
    return api("DELETE", `/api/v1/teams/${team}/members/${name}`);
  },
  "POST /api/v1/sessions": async ({ t, member }) => {
    const res = await fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${member}` } });
    return { status: res.status };
  },
  "DELETE /api/v1/sessions/current": async ({ t, member, signIn }) => {
    const cookie = await signIn(member);
    const res = await fetch(`${t.url}/api/v1/sessions/current`, { method: "DELETE", headers: { cookie, "x-plinth-csrf": "1" } });
    return { status: res.status };
  },
  "DELETE /api/v1/me/sessions/{id}": async ({ t, api }) => {
    const session = (await fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json())) as { session: { id: string } };
    return api("DELETE", `/api/v1/me/sessions/${session.session.id}`);
  },
  "DELETE /api/v1/users/{name}/sessions": async ({ t, api }) => {
    const name = unique("sam");
    const token = (await api("POST", "/api/v1/users", { name })).body.token as string;
    await fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    return api("DELETE", `/api/v1/users/${name}/sessions`);
  },
  "POST /api/v1/sessions/password": async ({ t, api, secrets }) => {
    const name = unique("pia");
    const password = `correct horse ${name}`;
    secrets.push(password);
    await api("POST", "/api/v1/users", { name });
    await api("PUT", `/api/v1/users/${name}/password`, { password });
    return noToken(t, "POST", "/api/v1/sessions/password", { name, password });
  },
  "PUT /api/v1/me/password": async ({ api, secrets }) => {
    const name = unique("meg");
    const token = (await api("POST", "/api/v1/users", { name })).body.token as string;
    secrets.push(`battery staple ${name}`);
    return api("PUT", "/api/v1/me/password", { password: `battery staple ${name}` }, token);
  },
  "PUT /api/v1/users/{name}/password": async ({ api, secrets }) => {
    const name = unique("ria");
    await api("POST", "/api/v1/users", { name });
    secrets.push(`tr0ub4dor and 3 ${name}`);
    return api("PUT", `/api/v1/users/${name}/password`, { password: `tr0ub4dor and 3 ${name}` });
  },
  "POST /api/v1/invitations": async ({ api, secrets }) => {
    const r = await api("POST", "/api/v1/invitations", {});
    secrets.push(invitationSecret(r.body.url));
    return r;
  },
  "DELETE /api/v1/invitations/{id}": async ({ api }) => {
    const r = await api("POST", "/api/v1/invitations", {});
    return api("DELETE", `/api/v1/invitations/${r.body.invitation.id}`);
  },
  "POST /api/v1/invitations/accept": async ({ t, api, secrets }) => {
    const secret = invitationSecret((await api("POST", "/api/v1/invitations", {})).body.url);
    const name = unique("ines");
    secrets.push(secret, `an invited password ${name}`);
    return noToken(t, "POST", "/api/v1/invitations/accept", { secret, name, password: `an invited password ${name}` });
  },
  "POST /api/v1/ssh-keys": async ({ api }) => api("POST", "/api/v1/ssh-keys", { publicKey: (await generateSshKeyPair("audit@laptop")).publicKey }),
  "DELETE /api/v1/ssh-keys/{id}": async ({ api }) => {
    const added = await api("POST", "/api/v1/ssh-keys", { publicKey: (await generateSshKeyPair("audit@laptop")).publicKey });
    return api("DELETE", `/api/v1/ssh-keys/${added.body.id}`);
  },
  "POST /api/v1/users/{name}/ssh-keys": async ({ api, secrets }) => {
    const name = unique("sol");
    await api("POST", "/api/v1/users", { name });
    const pair = await generateSshKeyPair(`${name}@laptop`);
    secrets.push(pair.privateKey);
    return api("POST", `/api/v1/users/${name}/ssh-keys`, { publicKey: pair.publicKey });
  },
  "PUT /api/v1/secrets/{name}": ({ api, secrets }) => {
    secrets.push("wandb-value-that-must-stay-hidden");
    return api("PUT", `/api/v1/secrets/AUDIT_${unique("S")}`, { value: "wandb-value-that-must-stay-hidden" });
  },
  "DELETE /api/v1/secrets/{name}": async ({ api }) => {
    const name = `AUDIT_${unique("S")}`;
    await api("PUT", `/api/v1/secrets/${name}`, { value: "short-lived" });
    return api("DELETE", `/api/v1/secrets/${name}`);
  },
  "POST /api/v1/secrets/rotate-key": ({ api }) => api("POST", "/api/v1/secrets/rotate-key"),
  "POST /api/v1/access-keys": async ({ api, secrets }) => {
    const r = await api("POST", "/api/v1/access-keys", { name: unique("s3-") });
    secrets.push(r.body.secretAccessKey);
    return r;
  },
  "DELETE /api/v1/access-keys/{id}": async ({ api }) => {
    const r = await api("POST", "/api/v1/access-keys", { name: unique("s3-") });
    return api("DELETE", `/api/v1/access-keys/${r.body.info.id}`);
  },
  "PUT /api/v1/quotas/{kind}/{name}": ({ api }) => api("PUT", "/api/v1/quotas/team/default", { gpus: 4 }),
  "DELETE /api/v1/quotas/{kind}/{name}": async ({ api }) => {
    await api("PUT", "/api/v1/quotas/team/default", { gpus: 4 });
    return api("DELETE", "/api/v1/quotas/team/default");
  },
  "POST /api/v1/datasets/{name}/versions": ({ t }) => push(t, unique("set"), { "a.txt": unique("content") }),
  "PATCH /api/v1/datasets/{name}": async ({ t, api }) => api("PATCH", `/api/v1/datasets/${await dataset(t)}`, { description: "audited" }),
  "DELETE /api/v1/datasets/{name}": async ({ t, api }) => api("DELETE", `/api/v1/datasets/${await dataset(t)}`),
  "DELETE /api/v1/datasets/{name}/versions/{version}": async ({ t, api }) => api("DELETE", `/api/v1/datasets/${await dataset(t)}/versions/v1`),
  "PUT /api/v1/datasets/{name}/aliases/{alias}": async ({ t, api }) => api("PUT", `/api/v1/datasets/${await dataset(t)}/aliases/prod`, { version: 1 }),
  "DELETE /api/v1/datasets/{name}/aliases/{alias}": async ({ t, api }) => {
    const name = await dataset(t);
    await api("PUT", `/api/v1/datasets/${name}/aliases/prod`, { version: 1 });
    return api("DELETE", `/api/v1/datasets/${name}/aliases/prod`);
  },
  "POST /api/v1/datasets/{name}/versions/{version}/url": async ({ t, api }) => api("POST", `/api/v1/datasets/${await dataset(t)}/versions/v1/url`, { path: "a.txt" }),
  "POST /api/v1/data/gc": ({ api }) => api("POST", "/api/v1/data/gc"),
  "DELETE /api/v1/environments/{key}": async ({ t, api }) => api("DELETE", `/api/v1/environments/${plantEnvironment(t)}`),
  // Publishing pins the packages with the real uv (six: one small wheel; later ones are remembered).
  "POST /api/v1/environments/named/{name}": ({ api }) => api("POST", `/api/v1/environments/named/${unique("env-")}`, { packages: ["six==1.16.0"] }),
  "PATCH /api/v1/environments/named/{name}": async ({ api }) => api("PATCH", `/api/v1/environments/named/${await namedEnvironment(api)}`, { description: "audited" }),
  "DELETE /api/v1/environments/named/{name}": async ({ api }) => api("DELETE", `/api/v1/environments/named/${await namedEnvironment(api)}`),
  // A second name for the container tests' image, which the Keeper then removes.
  "DELETE /api/v1/environments/images/{reference}": async ({ api }) => {
    const podman = testPodman()!;
    const name = `localhost/${unique("audit-")}:1`;
    podmanOutput(podman, ["tag", podman.image, name]);
    return api("DELETE", `/api/v1/environments/images/${encodeURIComponent(name)}`);
  },
};

/** A new named environment of the admin's team; its name. */
async function namedEnvironment(api: Fixture["api"]): Promise<string> {
  const name = unique("env-");
  const res = await api("POST", `/api/v1/environments/named/${name}`, { packages: ["six==1.16.0"] });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return name;
}

/**
 * An environment as the cache finds one on disk: its folder with its metadata file. Building a
 * real one needs uv and the package index, which test/integration/environments-api.test.ts has.
 */
function plantEnvironment(t: TestPlatform): string {
  const key = createHash("sha256").update(unique("environment")).digest("hex");
  const dir = join(t.dataDir, "environments", key);
  mkdirSync(dir, { recursive: true });
  const metadata = { key, interpreter: "/usr/bin/python3", pythonVersion: "3.11.2", implementation: "cpython", platform: "linux-x86_64", packages: ["six==1.16.0"], created: new Date().toISOString(), sizeBytes: 1, buildMs: 1 };
  writeFileSync(join(dir, METADATA_FILE), JSON.stringify(metadata));
  return key;
}

/** A new dataset of the admin's with one version holding `a.txt`; its name. */
async function dataset(t: TestPlatform): Promise<string> {
  const name = unique("set");
  expect((await push(t, name, { "a.txt": unique("content") })).body.created).toBe(true);
  return name;
}

/** The last part of an invitation link: its secret. */
const invitationSecret = (url: string) => url.slice(url.lastIndexOf("/") + 1);

/** A request with no token, as a browser that is not signed in makes it. */
async function noToken(t: TestPlatform, method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(t.url + path, { method, headers: { "content-type": "application/json", "x-plinth-csrf": "1" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}


for (const db of testDatabases()) {
  describe(`every changing route is audited (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      // The real uv, for publishing named environments (testUv() fails loudly in CI without it).
      // And podman, for removing an image (testPodman() fails loudly in CI without it).
      const podman = testPodman();
      t = await startTestPlatform(db, "audit_routes", { extra: { environments: { uv: testUv(), ...(podman && { containers: { engine: podman.program, config: podman.config } }) } } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it("records an event for each route that is not a GET, or says why not", async () => {
      const member = (await t.api("POST", "/api/v1/users", { name: "member-of-audit" })).body.token as string;
      const fixture: Fixture = {
        t,
        api: t.api,
        member,
        activeJob: async () => (await t.api("POST", "/api/v1/jobs", sleepy)).body.id as string,
        secrets: [],
        signIn: async (token) => {
          const res = await fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
          return `plinth_session=${/plinth_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1]}`;
        },
      };
      const count = async (action: string) => (await t.api("GET", `/api/v1/audit?action=${action}&limit=500`)).body.items.length as number;

      const problems: string[] = [];
      const changing = t.platform.routes.routes.map((r) => r.def).filter((d) => d.method !== "GET");
      expect(changing.length).toBeGreaterThan(5);
      for (const def of changing) {
        const key = `${def.method} ${def.url}`;
        const audit = def.audit;
        if (!audit) {
          problems.push(`${key}: no audit declaration. Add \`audit:\` to the route (src/http/route-audit.ts says how), or \`audit: { notAudited: "why" }\`.`);
          continue;
        }
        if ("notAudited" in audit) {
          if (audit.notAudited.trim().length < 15) problems.push(`${key}: says it is not audited, but not why ('${audit.notAudited}').`);
          continue;
        }
        if (!ACTION_PATTERN.test(audit.action)) problems.push(`${key}: action '${audit.action}' is not <kind>.<verb> in lower case.`);
        const request = REQUESTS[key];
        if (!request) {
          problems.push(`${key}: declares '${audit.action}' but this test has no request for it. Add one to REQUESTS in test/integration/audit-routes.test.ts.`);
          continue;
        }
        const before = await count(audit.action);
        const res = await request(fixture);
        if (res.status >= 300) {
          problems.push(`${key}: the test's request failed with ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
          continue;
        }
        const after = await count(audit.action);
        if (after <= before) problems.push(`${key}: succeeded but recorded no '${audit.action}' event.`);
      }
      expect(problems, problems.join("\n")).toEqual([]);

      // Whatever the routes recorded, no secret value they sent or answered is in the log.
      const log = await (await fetch(`${t.url}/api/v1/audit/export`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      expect(fixture.secrets.length).toBeGreaterThan(5);
      for (const secret of fixture.secrets) expect(log.includes(secret), `a secret value is in the audit log: ${secret.slice(0, 6)}…`).toBe(false);
    });
  });
}
