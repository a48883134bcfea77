import { createHash } from "node:crypto";
import { expect } from "vitest";
import { type TestPlatform, TOKEN } from "./platform.ts";

// Pushing datasets over the HTTP API the way a client does: upload the blobs the server says
// are missing, then post the manifest.

export const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

export type Files = Record<string, Buffer | string>;

export function manifest(files: Files) {
  return Object.entries(files).map(([path, content]) => ({ path, sha256: sha256(content), size: Buffer.byteLength(content) }));
}

export async function putBlob(t: TestPlatform, bytes: Buffer | string, token = TOKEN, query = ""): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/api/v1/data/blobs/${sha256(bytes)}${query}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: typeof bytes === "string" ? Buffer.from(bytes) : bytes,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Posts the manifest, uploads what is missing, posts it again; returns the second answer. */
export async function push(t: TestPlatform, name: string, files: Files, opts: { token?: string; team?: string; body?: Record<string, unknown> } = {}) {
  const token = opts.token ?? TOKEN;
  const path = `/api/v1/datasets/${name}/versions${opts.team ? `?team=${opts.team}` : ""}`;
  const body = { files: manifest(files), ...opts.body };
  const first = await t.api("POST", path, body, token);
  if (first.status !== 200 || first.body.missing.length === 0) return first;
  const byHash = new Map(Object.values(files).map((c) => [sha256(c), c]));
  for (const hash of first.body.missing as string[]) {
    const r = await putBlob(t, byHash.get(hash)!, token, opts.team ? `?team=${opts.team}` : "");
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  return t.api("POST", path, body, token);
}
