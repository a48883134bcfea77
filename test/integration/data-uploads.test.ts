import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { push, putBlob, sha256 } from "../helpers/data.ts";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";

// Moving bytes in and out on a real server and both databases: one-request uploads checked
// against their hash and length (nothing kept when they do not match or stop short), resumable
// uploads in parts sent in any order and resumed without local state, the team's byte quota,
// downloads by range, and presigned links that expire and cannot be altered.

const MiB = 1024 ** 2;

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

async function raw(t: TestPlatform, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}, token = TOKEN) {
  const res = await fetch(t.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body && { "content-type": "application/octet-stream" }), ...headers }, ...(body && { body }) });
  const type = res.headers.get("content-type") ?? "";
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, body: /json/.test(type) && bytes.length ? JSON.parse(bytes.toString()) : null };
}

for (const db of testDatabases()) {
  describe(`data uploads and downloads (${db.name})`, () => {
    let t: TestPlatform;
    const tokens: Record<string, string> = {};
    const objects = () => join(t.dataDir, "objects");
    const storedBlobs = () => filesUnder(join(objects(), "blobs"));

    beforeAll(async () => {
      t = await startTestPlatform(db, "data-uploads");
      for (const team of ["vision", "small"]) expect((await t.api("POST", "/api/v1/teams", { name: team })).status).toBe(201);
      for (const [name, team] of [
        ["alice", "vision"],
        ["sam", "small"],
        ["olga", "vision"],
      ] as const) {
        const r = await t.api("POST", "/api/v1/users", { name, team });
        tokens[name] = r.body.token;
      }
    });
    afterAll(async () => {
      await t?.close();
    });

    it("stores a file sent whole once its hash and length check out, and keeps nothing when they do not", async () => {
      const bytes = randomBytes(100_000);
      const first = await putBlob(t, bytes, tokens.alice);
      expect(first).toEqual({ status: 201, body: { sha256: sha256(bytes), size: 100_000, created: true } });
      expect((await putBlob(t, bytes, tokens.alice)).body.created).toBe(false);
      const before = storedBlobs();

      // The URL names other bytes.
      const other = randomBytes(5000);
      const wrong = await raw(t, "PUT", `/api/v1/data/blobs/${sha256("something else")}`, other, {}, tokens.alice);
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ title: "Content does not match" });
      expect(wrong.body.detail).toContain(sha256(other));
      expect(wrong.body.hint).toBeTruthy();
      // No length declared (a chunked body): refused before a byte is stored.
      const chunked = await fetch(`${t.url}/api/v1/data/blobs/${sha256(other)}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${tokens.alice}`, "content-type": "application/octet-stream" },
        body: new ReadableStream({
          start(c) {
            c.enqueue(other);
            c.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(chunked.status).toBe(411);
      expect(((await chunked.json()) as any).hint).toContain("Content-Length");

      // A client that stops halfway: the connection closes, nothing stays behind.
      const big = randomBytes(2 * MiB);
      await new Promise<void>((resolve) => {
        const req = request(`${t.url}/api/v1/data/blobs/${sha256(big)}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${tokens.alice}`, "content-type": "application/octet-stream", "content-length": String(big.length) },
        });
        req.on("error", () => resolve());
        req.on("close", () => resolve());
        req.write(big.subarray(0, MiB), () => setTimeout(() => req.destroy(), 100));
      });
      await waitFor(async () => filesUnder(join(objects(), "staging")).length === 0);
      expect(storedBlobs()).toEqual(before);
      expect((await t.api("POST", "/api/v1/data/blobs/missing", { sha256: [sha256(big), sha256(other), sha256(bytes)] }, tokens.alice)).body.missing).toEqual([sha256(big), sha256(other)]);
    });

    it("takes a large file in parts, in any order, resumed without local state, and checks the whole", async () => {
      const file = randomBytes(12 * MiB);
      const hash = sha256(file);
      const start = { sha256: hash, size: file.length, partSize: 5 * MiB };
      const session = await t.api("POST", "/api/v1/data/uploads", start, tokens.alice);
      expect(session.status, JSON.stringify(session.body)).toBe(200);
      expect(session.body).toMatchObject({ sha256: hash, size: file.length, partSize: 5 * MiB, partCount: 3, parts: [] });
      const id = session.body.id as string;
      const part = (n: number) => file.subarray((n - 1) * 5 * MiB, Math.min(n * 5 * MiB, file.length));
      const sendPart = (n: number, bytes = part(n), token = tokens.alice) => raw(t, "PUT", `/api/v1/data/uploads/${id}/parts/${n}`, bytes, {}, token);

      expect((await sendPart(2)).body).toEqual({ number: 2, size: 5 * MiB });
      // The client forgot where it was: asking again answers the same session with what arrived.
      const resumed = await t.api("POST", "/api/v1/data/uploads", start, tokens.alice);
      expect(resumed.body).toMatchObject({ id, parts: [{ number: 2, size: 5 * MiB }] });
      // Someone else's upload is not there for them.
      expect((await t.api("GET", `/api/v1/data/uploads/${id}`, undefined, tokens.olga)).status).toBe(404);
      expect((await sendPart(1, part(1), tokens.olga)).status).toBe(404);
      // Parts have the sizes the session says; part numbers stay within it.
      expect((await sendPart(3, part(3).subarray(1))).status).toBe(400);
      expect((await sendPart(4, part(3))).status).toBe(400);
      expect((await sendPart(3)).status).toBe(200);
      const early = await t.api("POST", `/api/v1/data/uploads/${id}/complete`, undefined, tokens.alice);
      expect(early.status).toBe(409);
      expect(early.body).toMatchObject({ title: "Upload incomplete", missingParts: [1] });
      expect((await sendPart(1)).status).toBe(200);
      const done = await t.api("POST", `/api/v1/data/uploads/${id}/complete`, undefined, tokens.alice);
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body).toEqual({ sha256: hash, size: file.length, created: true });
      expect((await t.api("GET", `/api/v1/data/uploads/${id}`, undefined, tokens.alice)).status).toBe(404);
      expect(filesUnder(join(objects(), "uploads"))).toEqual([]);

      const pushed = await push(t, "big", { "big.bin": file }, { token: tokens.alice });
      expect(pushed.body).toMatchObject({ created: true, version: { totalBytes: 12 * MiB } });
      const whole = await raw(t, "GET", "/api/v1/datasets/big/versions/v1/files/big.bin", undefined, {}, tokens.alice);
      expect(whole.status).toBe(200);
      expect(sha256(whole.bytes)).toBe(hash);

      // Parts that do not add up to the file's hash: refused whole, and the session is gone.
      const liar = await t.api("POST", "/api/v1/data/uploads", { sha256: sha256("not these"), size: 6 * MiB, partSize: 5 * MiB }, tokens.alice);
      await raw(t, "PUT", `/api/v1/data/uploads/${liar.body.id}/parts/1`, file.subarray(0, 5 * MiB), {}, tokens.alice);
      await raw(t, "PUT", `/api/v1/data/uploads/${liar.body.id}/parts/2`, file.subarray(0, MiB), {}, tokens.alice);
      const refused = await t.api("POST", `/api/v1/data/uploads/${liar.body.id}/complete`, undefined, tokens.alice);
      expect(refused.status).toBe(400);
      expect(refused.body.title).toBe("Content does not match");
      expect((await t.api("GET", `/api/v1/data/uploads/${liar.body.id}`, undefined, tokens.alice)).status).toBe(404);
      // And an abandoned one can be dropped.
      const dropped = await t.api("POST", "/api/v1/data/uploads", { sha256: sha256("x"), size: 1 }, tokens.alice);
      expect((await t.api("DELETE", `/api/v1/data/uploads/${dropped.body.id}`, undefined, tokens.alice)).body).toEqual({ removed: true });
      expect(filesUnder(join(objects(), "uploads"))).toEqual([]);
    });

    it("sends ranges of a file, and answers 304 to a client that has it", async () => {
      const bytes = Buffer.from("0123456789".repeat(10));
      await push(t, "digits", { "d/digits.txt": bytes }, { token: tokens.alice });
      const path = "/api/v1/datasets/digits/versions/latest/files/d/digits.txt";
      const whole = await raw(t, "GET", path, undefined, {}, tokens.alice);
      expect(whole.headers.get("etag")).toBe(`"${sha256(bytes)}"`);
      expect(whole.headers.get("accept-ranges")).toBe("bytes");
      expect(whole.headers.get("content-length")).toBe("100");
      expect(whole.headers.get("content-disposition")).toContain('filename="digits.txt"');
      const part = await raw(t, "GET", path, undefined, { range: "bytes=10-19" }, tokens.alice);
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe("bytes 10-19/100");
      expect(part.bytes.toString()).toBe("0123456789");
      const tail = await raw(t, "GET", path, undefined, { range: "bytes=-3" }, tokens.alice);
      expect(tail.bytes.toString()).toBe("789");
      const beyond = await raw(t, "GET", path, undefined, { range: "bytes=100-" }, tokens.alice);
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get("content-range")).toBe("bytes */100");
      expect(beyond.body.title).toBe("Range not satisfiable");
      expect((await raw(t, "GET", path, undefined, { "if-none-match": `"${sha256(bytes)}"` }, tokens.alice)).status).toBe(304);
      // If-Range with another version's tag: the whole file.
      expect((await raw(t, "GET", path, undefined, { range: "bytes=0-1", "if-range": '"other"' }, tokens.alice)).status).toBe(200);
      expect((await raw(t, "GET", "/api/v1/datasets/digits/versions/latest/files/d/nope.txt", undefined, {}, tokens.alice)).status).toBe(404);
    });

    it("hands out download links that need no token, expire, and cannot be altered", async () => {
      const bytes = Buffer.from("shared with a collaborator\n");
      await push(t, "linked", { "notes/readme.txt": bytes, "other.txt": "other" }, { token: tokens.alice, body: { visibility: "private" } });
      const made = await t.api("POST", "/api/v1/datasets/linked/versions/v1/url", { path: "notes/readme.txt", expiresIn: "10m" }, tokens.alice);
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      const expiresIn = Date.parse(made.body.expiresAt) - Date.now();
      expect(expiresIn).toBeGreaterThan(9 * 60_000);
      expect(expiresIn).toBeLessThanOrEqual(10 * 60_000);
      const opened = await fetch(made.body.url);
      expect(opened.status).toBe(200);
      expect(Buffer.from(await opened.arrayBuffer())).toEqual(bytes);
      const ranged = await fetch(made.body.url, { headers: { range: "bytes=0-5" } });
      expect(await ranged.text()).toBe("shared");

      // Another file, a later expiry, no signature: each is refused with a clear 403.
      const url = new URL(made.body.url);
      for (const change of [(u: URL) => u.searchParams.set("path", "other.txt"), (u: URL) => u.searchParams.set("expires", String(Number(u.searchParams.get("expires")) + 3600)), (u: URL) => u.searchParams.delete("signature")]) {
        const altered = new URL(url);
        change(altered);
        const r = await fetch(altered);
        expect(r.status).toBe(403);
        expect((await r.json()) as any).toMatchObject({ title: "Invalid link", hint: expect.stringContaining("plinth data url") });
      }
      expect((await t.api("POST", "/api/v1/datasets/linked/versions/v1/url", { path: "notes/readme.txt", expiresIn: "8d" }, tokens.alice)).status).toBe(400);
      // Someone who cannot read the dataset cannot make a link to it.
      expect((await t.api("POST", "/api/v1/datasets/linked/versions/v1/url?team=vision", { path: "other.txt" }, tokens.olga)).status).toBe(404);

      const short = await t.api("POST", "/api/v1/datasets/linked/versions/v1/url", { path: "other.txt", expiresIn: "1s" }, tokens.alice);
      await new Promise((r) => setTimeout(r, 1100));
      const expired = await fetch(short.body.url);
      expect(expired.status).toBe(403);
      expect(((await expired.json()) as any).title).toBe("Link expired");
      // Once the version is gone, so is the link.
      expect((await t.api("DELETE", "/api/v1/datasets/linked/versions/v1", undefined, tokens.alice)).status).toBe(200);
      const gone = await fetch(made.body.url);
      expect(gone.status).toBe(403);
      expect(((await gone.json()) as any).title).toBe("Link no longer valid");
    });

    it("keeps a team within its byte quota, naming the usage, the need and who can raise it", async () => {
      const set = await runCli(["quotas", "set", "team", "small", "--storage", "1MiB"], { url: t.url });
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toBe("team small: 1.0 MiB of storage\n");
      const first = randomBytes(600 * 1024);
      expect((await push(t, "first", { "a.bin": first }, { token: tokens.sam })).body.created).toBe(true);
      // The same bytes again in another version cost nothing more.
      expect((await push(t, "first", { "a.bin": first, "copy.bin": first }, { token: tokens.sam })).body.created).toBe(true);

      const second = randomBytes(600 * 1024);
      const over = await putBlob(t, second, tokens.sam);
      expect(over.status).toBe(413);
      expect(over.body.detail).toBe("Team small uses 600 KiB of 1.0 MiB; this upload needs 600 KiB.");
      expect(over.body.hint).toContain("Ask a Keeper (admin) to raise it");
      expect(over.body.hint).toContain("plinth quotas set team small --storage");
      expect(over.body.hint).toContain("remove old versions");
      expect((await t.api("POST", "/api/v1/data/uploads", { sha256: sha256(second), size: second.length }, tokens.sam)).status).toBe(413);
      expect((await t.api("POST", "/api/v1/data/blobs/missing", { sha256: [sha256(second)] }, tokens.sam)).body.missing).toHaveLength(1);

      const quota = await t.api("GET", "/api/v1/quotas/team/small", undefined, tokens.sam);
      expect(quota.body).toMatchObject({ limits: { storageBytes: MiB }, usage: { storageBytes: 600 * 1024 } });
      const ls = await runCli(["quotas", "ls"], { url: t.url, token: tokens.sam });
      expect(ls.stdout).toMatch(/team small .*600 KiB of 1\.0 MiB/);
      // A bigger quota lets it in.
      expect((await t.api("PUT", "/api/v1/quotas/team/small", { storageBytes: 2 * MiB })).status).toBe(200);
      expect((await push(t, "second", { "b.bin": second }, { token: tokens.sam })).body.created).toBe(true);
      expect((await t.api("PUT", "/api/v1/quotas/user/sam", { storageBytes: MiB })).status).toBe(400);
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}
