import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { extname, resolve, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";

// Serves the built portal (web/dist): files as they are, gzip-compressed (by the build, or
// here once) and kept in memory (the whole build is a few MB), content-hashed assets cached for a year, and
// index.html for every other page path so the single-page app can route in the browser.
// /api and /healthz are never answered here, so unknown API routes keep their problem 404.

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt", ".map"]);

interface Cached {
  mtimeMs: number;
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  immutable: boolean;
}

export interface WebApp {
  /** False when the portal has not been built; pages then explain how to build it. */
  readonly built: boolean;
  readonly distDir: string;
  /** Answers a GET/HEAD that matched no route; returns false to leave it to the 404 handler. */
  serve(request: FastifyRequest, reply: FastifyReply): boolean;
}

export function webApp(distDir: string): WebApp {
  const root = resolve(distDir);
  const built = existsSync(resolve(root, "index.html"));
  const cache = new Map<string, Cached | null>();

  const load = (path: string): Cached | null => {
    const hit = cache.get(path);
    const full = resolve(root, `.${path}`);
    // Hashed assets never change; other files (index.html) are re-read after a rebuild.
    if (hit !== undefined && (hit === null || hit.immutable || statSync(full, { throwIfNoEntry: false })?.mtimeMs === hit.mtimeMs)) return hit;
    let entry: Cached | null = null;
    if (full.startsWith(root + sep) && existsSync(full) && statSync(full).isFile() && realpathSync(full).startsWith(realpathSync(root) + sep)) {
      const ext = extname(full).toLowerCase();
      const body = readFileSync(full);
      entry = {
        mtimeMs: statSync(full).mtimeMs,
        body,
        // The build writes .gz files beside its assets; anything else is compressed here once.
        gzip: !COMPRESSIBLE.has(ext) || body.length <= 512 ? null : existsSync(`${full}.gz`) ? readFileSync(`${full}.gz`) : gzipSync(body, { level: 9 }),
        type: TYPES[ext] ?? "application/octet-stream",
        immutable: path.startsWith("/assets/"),
      };
    }
    if (cache.size < 5_000) cache.set(path, entry);
    return entry;
  };

  const send = (request: FastifyRequest, reply: FastifyReply, file: Cached, status = 200) => {
    const gzip = file.gzip !== null && /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    void reply
      .code(status)
      .type(file.type)
      .header("cache-control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .header("x-content-type-options", "nosniff")
      .header("vary", "accept-encoding");
    if (file.type.startsWith("text/html")) {
      void reply.header("content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'");
      void reply.header("x-frame-options", "DENY");
    }
    if (gzip) void reply.header("content-encoding", "gzip");
    void reply.send(gzip ? file.gzip : file.body);
  };

  return {
    built,
    distDir: root,
    serve(request, reply) {
      if (request.method !== "GET" && request.method !== "HEAD") return false;
      let path: string;
      try {
        path = decodeURIComponent(request.url.split("?")[0]!);
      } catch {
        return false;
      }
      if (path === "/api" || path.startsWith("/api/") || path === "/healthz") return false;
      if (!built) {
        if (!wantsHtml(request)) return false;
        void reply.code(503).type("text/html; charset=utf-8").header("cache-control", "no-store").send(NOT_BUILT);
        return true;
      }
      if (path !== "/" && !path.includes("\0")) {
        const file = load(path);
        if (file) {
          send(request, reply, file);
          return true;
        }
        // A missing asset is a 404, not the app: a stale page asking for an old bundle must fail loudly.
        if (path.startsWith("/assets/") || !wantsHtml(request)) return false;
      }
      send(request, reply, load("/index.html")!);
      return true;
    },
  };
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? "");
  return accept === "" || accept.includes("text/html") || accept.includes("*/*");
}

export const BUILD_HINT = "Build it with `npm run build:web` (npm ci and npm start do this for you), then reload.";

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plinth — portal not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1>The portal has not been built yet</h1>
<p>The Plinth server and its API are running, but the web portal's files (web/dist) are missing.</p>
<p>${BUILD_HINT.replace(/`([^`]+)`/g, "<code>$1</code>")}</p>
<p>The API works meanwhile: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>`;
