import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";

// Bad input on every route: a problem document with a hint and the offending field's path,
// never a 500, and never any other kind of error body — whatever part of the stack refuses the
// request (a route, Fastify's router, Node's HTTP parser).

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** An error answer is a problem document: its media type, a title, the same status, a hint. */
function expectProblem(r: Answer, status: number, what: string): void {
  expect(r.status, what).toBe(status);
  expect(r.headers.get("content-type"), what).toMatch(/^application\/problem\+json/);
  expect(r.body.status, what).toBe(status);
  expect(r.body.type, what).toMatch(/^https:\/\/plinth\.dev\/problems\//);
  expect(r.body.title, what).toBeTruthy();
  expect(r.body.hint, what).toBeTruthy();
}

/** Sends bytes as they are, for requests no HTTP client would send, and reads the one answer. */
function rawRequest(url: string, request: string): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let received = Buffer.alloc(0);
    let answer: Answer | null = null;
    socket.on("data", (d) => {
      received = Buffer.concat([received, d]);
      answer = parseAnswer(received);
      // A refused request's connection is closed by the server; others may be kept alive.
      if (answer) socket.destroy();
    });
    // The server may reset a connection it refused once it has answered; the answer is what counts.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (answer) resolve(answer);
      else reject(new Error(`no whole HTTP answer to ${JSON.stringify(request.slice(0, 60))}: ${JSON.stringify(received.toString("utf8").slice(0, 200))}`));
    });
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

/** A complete HTTP/1.1 answer with a Content-Length body, or null while bytes are missing. */
function parseAnswer(bytes: Buffer): Answer | null {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine = "", ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]);
  const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()] as [string, string]));
  const length = Number(headers.get("content-length"));
  if (!status || !Number.isInteger(length) || bytes.length < end + 4 + length) return null;
  const body = bytes.subarray(end + 4, end + 4 + length).toString("utf8");
  return { status, headers, body: body ? JSON.parse(body) : undefined };
}

/** An example URL for a route: its path parameters filled in. */
const exampleUrl = (path: string, fill = "x") => path.replace(/\{[^}]+\}/g, fill);

/** The methods each route of the OpenAPI document answers, HEAD beside GET, as in an Allow header. */
/**
 * Each documented path with the methods its example URL answers: its own, and those of any
 * route with a parameter where this path has a fixed word (DELETE /invitations/{id} answers at
 * /invitations/preview too, with a 404 for an invitation named "preview").
 */
function routeMethods(doc: any): Array<[path: string, methods: string[]]> {
  const patterns = Object.entries<any>(doc.paths).map(([path, ops]) => ({
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    methods: Object.keys(ops).map((m) => m.toUpperCase()),
  }));
  return Object.keys(doc.paths).map((path) => {
    const url = exampleUrl(path);
    const methods = new Set(patterns.filter((p) => p.pattern.test(url)).flatMap((p) => p.methods));
    if (methods.has("GET")) methods.add("HEAD");
    return [path, [...methods].sort()];
  });
}
for (const db of testDatabases()) {
  describe(`API errors (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "api_errors", { fakeGpus: 1 });
    });
    afterAll(async () => {
      await t?.close();
    });

    it("serves health without a token and the OpenAPI document", async () => {
      const h = await t.api("GET", "/healthz", undefined, "");
      expect(h.status).toBe(200);
      expect(h.body.database).toBe(db.name);
      const doc = await t.api("GET", "/api/v1/openapi.json", undefined, "");
      expect(doc.body.openapi).toBe("3.1.0");
      expect(doc.body.paths["/api/v1/jobs"].post.requestBody).toBeTruthy();
      expect(doc.body.components.schemas.JobSpec).toBeTruthy();
    });

    it("asks for a token on every API route but health and the ways to sign in", async () => {
      const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, "")).body;
      const open = new Set(t.platform.routes.routes.filter((r) => r.def.access === "public").map((r) => `${r.def.method} ${r.def.url}`));
      expect([...open].sort()).toEqual(
        [
          "GET /healthz",
          "GET /api/v1/auth/methods",
          "GET /api/v1/auth/oidc/callback",
          "GET /api/v1/auth/oidc/login",
          "POST /api/v1/invitations/accept",
          "POST /api/v1/invitations/preview",
          "POST /api/v1/sessions/password",
          // A presigned download link: its signature is its credential.
          "GET /api/v1/data/signed",
        ].sort(),
      );
      for (const [path, ops] of Object.entries<any>(doc.paths)) {
        for (const method of Object.keys(ops)) {
          if (open.has(`${method.toUpperCase()} ${path}`)) continue;
          const url = path.replace(/\{[^}]+\}/g, "x");
          const anonymous = await t.api(method.toUpperCase(), url, method === "get" || method === "delete" ? undefined : {}, "");
          const bad = await t.api(method.toUpperCase(), url, method === "get" || method === "delete" ? undefined : {}, "plt_wrong_token_wrong_token_wrong");
          expect(anonymous.status, `${method} ${path}`).toBe(401);
          expect(bad.status, `${method} ${path}`).toBe(401);
          expect(anonymous.body.hint).toMatch(/plinth login/);
        }
      }
    });

    it("rejects bad bodies on every route with field paths, never a 500", async () => {
      const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, "")).body;
      const garbage = [{ unexpected: true }, { name: 12 }, [], "just text", { command: "not-a-list" }];
      for (const [path, ops] of Object.entries<any>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(ops)) {
          if (!op.requestBody?.content?.["application/json"]) continue;
          const url = path.replace(/\{[^}]+\}/g, "x");
          for (const body of garbage) {
            const r = await t.api(method.toUpperCase(), url, body);
            expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
            expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
            expectProblem(r, r.status, `${method} ${path} ${JSON.stringify(body)}`);
          }
        }
      }
    });

    it("answers 405 with an Allow header for a method a route's path does not take, on every route", async () => {
      const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, "")).body;
      const routes = [...routeMethods(doc), ["/api/v1/openapi.json", ["GET", "HEAD"]] as [string, string[]]];
      for (const [path, methods] of routes) {
        const url = exampleUrl(path);
        for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"]) {
          if (methods.includes(method)) continue;
          const r = await t.api(method, url);
          expectProblem(r, 405, `${method} ${path}`);
          expect(r.headers.get("allow"), `${method} ${path}`).toBe(methods.join(", "));
          expect(r.body.detail, `${method} ${path}`).toContain(method);
        }
        // A method Node's parser does not know at all gets the same answer.
        const foo = await rawRequest(t.url, `FOO ${url} HTTP/1.1\r\nHost: plinth\r\n\r\n`);
        expectProblem(foo, 405, `FOO ${path}`);
        expect(foo.headers.get("allow"), `FOO ${path}`).toBe(methods.join(", "));
      }
      // Unknown methods on unknown paths stay 404s.
      expectProblem(await t.api("PATCH", "/api/v1/nowhere"), 404, "PATCH /api/v1/nowhere");
      expectProblem(await rawRequest(t.url, "FOO /api/v1/nowhere HTTP/1.1\r\nHost: plinth\r\n\r\n"), 404, "FOO /api/v1/nowhere");
      expectProblem(await rawRequest(t.url, "CONNECT plinth:443 HTTP/1.1\r\nHost: plinth\r\n\r\n"), 404, "CONNECT");
    });

    it("refuses an empty or non-numeric value of every numeric query parameter, naming it", async () => {
      const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, "")).body;
      let checked = 0;
      for (const [path, ops] of Object.entries<any>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(ops)) {
          const query: any[] = (op.parameters ?? []).filter((p: any) => p.in === "query");
          // Required parameters other than the one under test get a valid value.
          const others = (name: string) => query.filter((p) => p.required && p.name !== name).map((p) => `&${p.name}=${p.schema.type === "string" ? "x" : (p.schema.minimum ?? 1)}`);
          for (const p of query) {
            if (p.schema.type !== "integer" && p.schema.type !== "number") continue;
            for (const value of ["", "x", "1e2"]) {
              const r = await t.api(method.toUpperCase(), `${exampleUrl(path)}?${p.name}=${value}${others(p.name).join("")}`, method === "get" || method === "delete" ? undefined : {});
              const what = `${method} ${path}?${p.name}=${value}`;
              expectProblem(r, 400, what);
              expect(r.body.errors?.map((e: any) => e.path), what).toContain(`query.${p.name}`);
              expect(r.body.detail, what).toContain(p.name);
            }
            checked++;
          }
        }
      }
      // jobs list limit, logs offset and tail, guide search limit at least.
      expect(checked).toBeGreaterThanOrEqual(4);
      const empty = await t.api("GET", "/api/v1/jobs?limit=");
      expect(empty.body.detail).toBe("query.limit: is empty; give a whole number, or leave the parameter out");
      expect((await t.api("GET", "/api/v1/jobs?limit=3")).status).toBe(200);
    });

    it("answers 414 for an over-long path parameter on every route that has one", async () => {
      const doc = (await t.api("GET", "/api/v1/openapi.json", undefined, "")).body;
      for (const [path, methods] of routeMethods(doc)) {
        if (!path.includes("{")) continue;
        for (const method of methods) {
          const r = await t.api(method, exampleUrl(path, "a".repeat(600)), method === "POST" || method === "PUT" ? {} : undefined);
          if (method === "HEAD") expect(r.status, `${method} ${path}`).toBe(414);
          else expectProblem(r, 414, `${method} ${path}`);
        }
      }
    });

    it("answers what Node's HTTP parser and Fastify's router refuse with problem documents too", async () => {
      const cases: Array<[what: string, request: string, status: number]> = [
        ["a request line without a path", "GET\r\n\r\n", 400],
        ["an unknown HTTP version", "GET /api/v1/jobs HTTP/7.0\r\nHost: plinth\r\n\r\n", 400],
        ["a header name with a space", "GET /api/v1/jobs HTTP/1.1\r\nHost: plinth\r\nBad Header: 1\r\n\r\n", 400],
        ["two Content-Lengths", "POST /api/v1/jobs HTTP/1.1\r\nHost: plinth\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400],
        ["no Host header", "GET /api/v1/jobs HTTP/1.1\r\n\r\n", 400],
        ["a malformed percent escape", "GET /api/v1/jobs/%zz HTTP/1.1\r\nHost: plinth\r\n\r\n", 400],
        ["headers too large", `GET /api/v1/jobs HTTP/1.1\r\nHost: plinth\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
        ["a URL too long for the header limit", `GET /api/v1/jobs?q=${"a".repeat(20_000)} HTTP/1.1\r\nHost: plinth\r\n\r\n`, 431],
        ["an unknown expectation", `GET /api/v1/jobs HTTP/1.1\r\nHost: plinth\r\nAuthorization: Bearer ${TOKEN}\r\nExpect: teapot\r\n\r\n`, 417],
      ];
      for (const [what, request, status] of cases) expectProblem(await rawRequest(t.url, request), status, what);
      // The server still answers normally afterwards.
      expect((await t.api("GET", "/api/v1/me")).status).toBe(200);
    });

    it("names the offending field", async () => {
      const unknown = await t.api("POST", "/api/v1/jobs", { command: ["true"], gpu: 1 });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors.map((e: any) => e.path)).toContain("body");
      expect(JSON.stringify(unknown.body.errors)).toContain("gpu");
      const wrongType = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { gpus: "two" } });
      expect(wrongType.body.errors[0].path).toBe("body.resources.gpus");
      const badMemory = await t.api("POST", "/api/v1/jobs", { command: ["true"], resources: { memory: "lots" } });
      expect(badMemory.body.errors[0].path).toBe("body.resources.memory");
      expect(badMemory.body.errors[0].message).toMatch(/8G/);
      const nothing = await t.api("POST", "/api/v1/jobs", {});
      expect(nothing.body.errors[0].path).toBe("body.command");
    });

    it("handles broken JSON, wrong content types, huge bodies and unknown routes", async () => {
      const broken = await t.api("POST", "/api/v1/jobs", "{not json");
      expect(broken.status).toBe(400);
      expect(broken.body.title).toBe("Body is not valid JSON");
      const text = await fetch(`${t.url}/api/v1/jobs`, { method: "POST", headers: { authorization: "Bearer plt_test_admin_token_0123456789abcdef", "content-type": "text/plain" }, body: "hi" });
      expect(text.status).toBe(415);
      const huge = await t.api("POST", "/api/v1/jobs", { command: ["echo", "x".repeat(11 * 1024 * 1024)] });
      expect(huge.status).toBe(413);
      expect(huge.body.hint).toBeTruthy();
      const nowhere = await t.api("GET", "/api/v1/nowhere");
      expect(nowhere.status).toBe(404);
      expect(nowhere.body.hint).toMatch(/openapi/);
      const noJob = await t.api("GET", "/api/v1/jobs/job_doesnotexist");
      expect(noJob.status).toBe(404);
      expect(noJob.body.hint).toBeTruthy();
    });

    it("checks uploaded code blobs against their hash", async () => {
      const hash = "0".repeat(64);
      const r = await fetch(`${t.url}/api/v1/code/blobs/${hash}`, { method: "PUT", headers: { authorization: "Bearer plt_test_admin_token_0123456789abcdef", "content-type": "application/octet-stream" }, body: "hello" });
      expect(r.status).toBe(400);
      const missing = await t.api("POST", "/api/v1/jobs", { command: ["true"], code: { bundle: "a".repeat(64) } });
      expect(missing.status).toBe(422);
      const outside = await t.api("POST", "/api/v1/code/bundles", { files: [{ path: "../etc/passwd", sha256: hash, size: 1 }] });
      expect(outside.status).toBe(400);
    });
  });
}
