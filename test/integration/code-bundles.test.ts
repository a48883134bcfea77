import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemError } from "../../src/core/errors.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { CodeBundles } from "../../src/jobs/code-bundles.ts";
import { CodeGrants } from "../../src/jobs/code-grants.ts";
import { FsObjectStore } from "../../src/storage/fs-store.ts";

// Uploads a member could abuse to fill the server's disk: one huge file, or a manifest that
// declares small sizes for big files to slip under the bundle's cap. Real files on disk.

const root = mkdtempSync(join(tmpdir(), "plinth-bundles-"));
let database: Database;
let bundles: CodeBundles;
beforeAll(async () => {
  database = openDatabase(undefined, root);
  await migrate(database);
  bundles = new CodeBundles(new FsObjectStore(join(root, "objects")), new CodeGrants(database.db), 64 * 1024);
});
afterAll(async () => {
  await database.close();
  rmSync(root, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Bytes sent in chunks as a request body would arrive. */
function stream(bytes: Buffer): Readable {
  return Readable.from(Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => bytes.subarray(i * 4096, (i + 1) * 4096)));
}

async function problemOf(p: Promise<unknown>): Promise<ProblemError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProblemError);
  return err as ProblemError;
}

describe("code bundle uploads", () => {
  it("caps each blob upload: a file over the cap is refused with 413 and nothing is kept", async () => {
    const big = Buffer.alloc(200 * 1024, 7);
    const err = await problemOf(bundles.putBlob("usr_a", sha(big), stream(big)));
    expect(err.status).toBe(413);
    expect(err.problem.hint).toMatch(/\.plinthignore/);
    // Nothing under the blob's name, and no write left in flight in the store's temporary folder.
    const objects = join(root, "objects");
    const kept = readdirSync(objects, { recursive: true }).filter((f) => String(f).endsWith(sha(big)) || String(f).startsWith(".tmp/"));
    expect(kept).toEqual([]);
    const small = Buffer.from("print('hi')\n");
    expect(await bundles.putBlob("usr_a", sha(small), stream(small))).toEqual({ size: small.length });
  });

  it("checks each declared size against the blob it names", async () => {
    const file = Buffer.alloc(10_000, 1);
    await bundles.putBlob("usr_a", sha(file), stream(file));
    const err = await problemOf(bundles.register("usr_a", { files: [{ path: "data.bin", sha256: sha(file), size: 1, executable: false }] }));
    expect(err.status).toBe(422);
    expect(err.problem.errors?.[0]).toEqual({ path: "body.files[0].size", message: "is 10000 bytes, not 1" });
    const ok = await bundles.register("usr_a", { files: [{ path: "data.bin", sha256: sha(file), size: file.length, executable: false }] });
    expect(ok.bundle).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a hash alone opens nobody else's code: the bytes must be sent again, and a bundle is usable by who registered it", async () => {
    const secret = Buffer.from("API_KEY = 'alice-only'\n");
    await bundles.putBlob("usr_alice", sha(secret), stream(secret));
    const manifest = { files: [{ path: "train.py", sha256: sha(secret), size: secret.length, executable: false }] };
    const alice = await bundles.register("usr_alice", manifest);
    expect(alice.bundle).toMatch(/^[0-9a-f]{64}$/);
    expect(await bundles.mayUse("usr_alice", alice.bundle!)).toBe(true);
    // Mallory knows the hashes (from a shared log, say) but not the bytes.
    expect(await bundles.register("usr_mallory", manifest)).toEqual({ bundle: null, missing: [sha(secret)] });
    expect(await bundles.mayUse("usr_mallory", alice.bundle!)).toBe(false);
    // Bytes that do not match the hash prove nothing and grant nothing.
    const fake = Buffer.from("not the file");
    const err = await problemOf(bundles.putBlob("usr_mallory", sha(secret), stream(fake)));
    expect(err.status).toBe(400);
    expect(await bundles.register("usr_mallory", manifest)).toEqual({ bundle: null, missing: [sha(secret)] });
    // Someone who really has the file sends it, and may then use the same bundle.
    await bundles.putBlob("usr_bob", sha(secret), stream(secret));
    expect((await bundles.register("usr_bob", manifest)).bundle).toBe(alice.bundle);
    expect(await bundles.mayUse("usr_bob", alice.bundle!)).toBe(true);
  });
});
