import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer } from "../../src/http/server.ts";
import { webApp } from "../../src/portal/static.ts";

// Serving the built portal: files, the single-page-app fallback for page paths, and the
// problem 404 that API clients rely on for everything under /api.

function serverFor(dist: string) {
  const http = createHttpServer({ logger: pino({ level: "silent" }), bodyLimit: 1 << 20, fallback: webApp(dist).serve });
  http.get("/api/v1/thing", async () => ({ ok: true }));
  return http;
}

describe("portal static files", () => {
  let dist: string;
  beforeAll(() => {
    dist = mkdtempSync(join(tmpdir(), "plinth-dist-"));
    mkdirSync(join(dist, "assets"));
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>Plinth</title><div id=root></div>");
    writeFileSync(join(dist, "assets", "index-abc123.js"), `console.log(${JSON.stringify("x".repeat(4000))});`);
    writeFileSync(join(dist, "favicon.svg"), "<svg/>");
  });
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it("answers page paths with the app and keeps API 404s as problems", async () => {
    const http = serverFor(dist);
    for (const url of ["/", "/jobs", "/jobs/job_123", "/guides/how-to/use-the-portal"]) {
      const r = await http.inject({ url, headers: { accept: "text/html" } });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/html/);
      expect(r.headers["cache-control"]).toBe("no-cache");
      expect(r.body).toContain("<div id=root>");
    }
    for (const url of ["/api/v1/nope", "/api/nope", "/api"]) {
      const r = await http.inject({ url, headers: { accept: "text/html" } });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(r.json().title).toBe("No such API route");
    }
    expect((await http.inject({ url: "/api/v1/thing" })).json()).toEqual({ ok: true });
    const post = await http.inject({ method: "POST", url: "/jobs" });
    expect(post.statusCode).toBe(404);
    await http.close();
  });

  it("serves hashed assets gzip-compressed and cached for good, and 404s missing ones", async () => {
    const http = serverFor(dist);
    const js = await http.inject({ url: "/assets/index-abc123.js", headers: { "accept-encoding": "gzip, br" } });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(js.headers["content-encoding"]).toBe("gzip");
    expect(js.headers["cache-control"]).toContain("immutable");
    expect(gunzipSync(js.rawPayload).toString()).toContain("console.log");
    const plain = await http.inject({ url: "/assets/index-abc123.js" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toContain("console.log");
    expect((await http.inject({ url: "/favicon.svg" })).headers["content-type"]).toBe("image/svg+xml");
    const missing = await http.inject({ url: "/assets/index-old.js", headers: { accept: "*/*" } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/problem\+json/);
    const outside = await http.inject({ url: "/..%2f..%2fetc%2fpasswd", headers: { accept: "text/html" } });
    expect(outside.body).not.toContain("root:");
    await http.close();
  });

  it("explains how to build the portal when it is missing", async () => {
    const http = serverFor(join(dist, "not-there"));
    const page = await http.inject({ url: "/jobs", headers: { accept: "text/html" } });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain("npm run build:web");
    const api = await http.inject({ url: "/api/v1/nope" });
    expect(api.statusCode).toBe(404);
    expect(api.json().title).toBe("No such API route");
    await http.close();
  });
});
