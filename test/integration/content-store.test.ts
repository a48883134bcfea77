import { createHash, randomBytes } from "node:crypto";
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobCache } from "../../src/storage/blob-cache.ts";
import { BlobMismatchError, BlobTooLargeError } from "../../src/storage/blob-store.ts";
import { blobKey, ContentStore, UploadIncompleteError } from "../../src/storage/content-store.ts";
import { FsObjectStore } from "../../src/storage/fs-store.ts";
import type { ObjectStore } from "../../src/storage/object-store.ts";
import { S3ObjectStore } from "../../src/storage/s3-store.ts";
import { reportSkippedS3Tests, type S3Server, s3sFsBinary, startS3Server } from "../helpers/s3-server.ts";

// The content-addressed store on both backends: identical bytes kept once, nothing visible
// under a hash unless it was verified, nothing left behind by a refused or broken write,
// resumable multipart sessions, and on S3 a node cache that fetches each blob once.

reportSkippedS3Tests();

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const chunked = (b: Buffer, size = 64 * 1024) => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
const bytesOf = async (r: Readable) => Buffer.concat((await collect(r)) as Buffer[]);

/** A real store that counts the reads it serves, to see how often the cache goes to it. */
function countingReads(store: ObjectStore): { store: ObjectStore; gets: () => number } {
  let gets = 0;
  const counted = new Proxy(store, {
    get(target, prop) {
      if (prop === "get") {
        return (...args: Parameters<ObjectStore["get"]>) => {
          gets++;
          return target.get(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: counted, gets: () => gets };
}

interface Backend {
  name: string;
  skip: boolean;
  open(dir: string): Promise<{ objects: ObjectStore; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "local folder",
    skip: false,
    open: async (dir) => ({ objects: new FsObjectStore(join(dir, "objects")), close: async () => undefined }),
  },
  {
    name: "S3 (s3s-fs)",
    skip: !s3sFsBinary(),
    async open() {
      const server: S3Server = await startS3Server();
      const objects = new S3ObjectStore({
        endpoint: server.endpoint,
        bucket: server.bucket,
        region: server.region,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      });
      return {
        objects,
        close: async () => {
          objects.close();
          await server.stop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`content store: ${backend.name}`, () => {
    let dir: string;
    let objects: ObjectStore;
    let blobs: ContentStore;
    let close: () => Promise<void>;
    const under = async (prefix: string) => (await collect(objects.list(prefix))).map((o) => o.key);
    /** What a failed write must not leave: no staging object, no blob. */
    const expectNothingLeft = async () => {
      expect(await under("staging/")).toEqual([]);
      expect(await under("blobs/")).toEqual([]);
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "plinth-content-"));
      ({ objects, close } = await backend.open(dir));
      blobs = new ContentStore(objects, { cache: new BlobCache(join(dir, "cache", "blobs"), 64 * MiB) });
    });
    afterAll(async () => {
      await close?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it("refuses bytes that do not match their hash or size, and leaves nothing", async () => {
      const body = randomBytes(300_000);
      await expect(blobs.ingest(chunked(body), { expectedSha256: sha(Buffer.from("other")) })).rejects.toBeInstanceOf(BlobMismatchError);
      await expectNothingLeft();
      await expect(blobs.ingest(chunked(body), { expectedSize: body.length + 1 })).rejects.toBeInstanceOf(BlobMismatchError);
      await expect(blobs.ingest(chunked(body), { expectedSize: body.length - 1 })).rejects.toBeInstanceOf(BlobMismatchError);
      await expectNothingLeft();
      const err = await blobs.ingest(chunked(body), { maxBytes: 100_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlobTooLargeError);
      expect((err as BlobTooLargeError).maxBytes).toBe(100_000);
      await expectNothingLeft();
    });

    it("a request stream that breaks off leaves nothing", async () => {
      const broken = new Readable({ read() {} }).on("error", () => undefined); // as a request body has
      broken.push(randomBytes(500_000));
      setTimeout(() => broken.destroy(new Error("aborted")), 20);
      await expect(blobs.ingest(broken)).rejects.toThrow(/aborted/);
      const brokenSized = new Readable({ read() {} });
      brokenSized.push(randomBytes(500_000));
      setTimeout(() => brokenSized.destroy(new Error("aborted")), 20);
      await expect(blobs.ingest(brokenSized, { expectedSize: 2_000_000 })).rejects.toThrow();
      await expectNothingLeft();
    });

    it("keeps identical content once, under its hash, and reads it back whole or by range", async () => {
      const body = randomBytes(2 * MiB + 5);
      const first = await blobs.ingest(chunked(body), { expectedSha256: sha(body), expectedSize: body.length });
      expect(first).toEqual({ sha256: sha(body), size: body.length, created: true });
      const again = await blobs.ingest(chunked(body));
      expect(again).toEqual({ sha256: sha(body), size: body.length, created: false });
      expect(await under("blobs/")).toEqual([blobKey(sha(body))]);
      expect(await under("staging/")).toEqual([]);
      expect(await blobs.size(sha(body))).toBe(body.length);
      expect(await blobs.size(sha(Buffer.from("absent")))).toBeNull();
      expect((await bytesOf(await blobs.open(sha(body)))).equals(body)).toBe(true);
      expect((await bytesOf(await blobs.open(sha(body), { start: 10, end: 19 }))).equals(body.subarray(10, 20))).toBe(true);
      const listed = await collect(blobs.list());
      expect(listed.map((b) => [b.sha256, b.size])).toEqual([[sha(body), body.length]]);
      const empty = await blobs.ingest(Readable.from([]));
      expect(empty).toMatchObject({ sha256: sha(Buffer.alloc(0)), size: 0 });
      await blobs.delete(empty.sha256);
      expect(await blobs.size(empty.sha256)).toBeNull();
    });

    it("multipart with sizes not known ahead (S3's): the first part sets the slots; a larger part, one sent again, a gap and a subset all join right", async () => {
      const slot = 5 * MiB;
      const parts = new Map<number, Buffer>([
        [2, randomBytes(slot)], // arrives first: sets the slot size
        [1, randomBytes(slot)],
        [3, randomBytes(slot + 4321)], // larger than its slot: kept apart
        [4, randomBytes(777)],
        [9, randomBytes(123)], // uploaded, never listed
      ]);
      const id = await blobs.multipart.start({ partSize: "first" });
      for (const [n, b] of parts) await blobs.multipart.putPart(id, n, chunked(b), b.length);
      // Part 1 sent again with other bytes while a write of it is recorded: the last one counts.
      const resent = randomBytes(slot);
      await blobs.multipart.putPart(id, 1, chunked(resent), resent.length);
      parts.set(1, resent);
      // A part that breaks off is not recorded and spoils nothing of its slot's neighbours.
      const broken = new Readable({ read() {} }).on("error", () => undefined); // as a request body has
      broken.push(randomBytes(1000));
      setImmediate(() => broken.destroy(new Error("connection reset")));
      await expect(blobs.multipart.putPart(id, 5, broken, slot)).rejects.toThrow();
      // Gaps are S3's to allow, and s3s-fs refuses them: on the local store parts 5 to 8 are left out.
      const listed = objects.kind === "fs" ? [1, 2, 3, 4, 9] : [1, 2, 3, 4];
      const whole = Buffer.concat(listed.map((n) => parts.get(n)!));
      const done = await blobs.multipart.completeParts(id, listed);
      expect(done).toEqual({ sha256: sha(whole), size: whole.length, created: true });
      expect((await bytesOf(await blobs.open(done.sha256))).equals(whole)).toBe(true);
      if (objects.kind === "fs") expect(statSync(objects.localPath(blobKey(done.sha256))!).mode & 0o777).toBe(0o444);
      await expect(blobs.multipart.parts(id)).rejects.toThrow(/no upload session/);

      // Equal parts in order: on the local store the shared file becomes the blob as it is.
      const equal = [randomBytes(slot), randomBytes(slot), randomBytes(99)];
      const quick = await blobs.multipart.start({ partSize: "first" });
      for (const n of [3, 1, 2]) await blobs.multipart.putPart(quick, n, chunked(equal[n - 1]!), equal[n - 1]!.length);
      const joined = Buffer.concat(equal);
      expect(await blobs.multipart.completeParts(quick, [1, 2, 3])).toEqual({ sha256: sha(joined), size: joined.length, created: true });
      expect((await bytesOf(await blobs.open(sha(joined)))).equals(joined)).toBe(true);

      const unfinished = await blobs.multipart.start({ partSize: "first" });
      await blobs.multipart.putPart(unfinished, 1, chunked(equal[0]!), slot);
      await expect(blobs.multipart.completeParts(unfinished, [1, 2])).rejects.toBeInstanceOf(UploadIncompleteError);
      await blobs.multipart.abort(unfinished);
      expect(await under("staging/")).toEqual([]);
      await blobs.delete(done.sha256);
      await blobs.delete(sha(joined));
    });

    it("gives a read-only local path to a blob", async () => {
      const body = randomBytes(1000);
      await blobs.ingest(chunked(body));
      const path = await blobs.localPath(sha(body));
      expect(readFileSync(path).equals(body)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o444);
      if (objects.kind === "fs") expect(path).toBe(objects.localPath(blobKey(sha(body))));
      else expect(path).toBe(join(dir, "cache", "blobs", "sha256", sha(body).slice(0, 2), sha(body)));
      await expect(blobs.localPath(sha(Buffer.from("never stored")))).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("multipart: parts out of order and sent again, resumed by a restarted server, verified once whole", async () => {
      const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(777)];
      const whole = Buffer.concat(parts);
      const id = await blobs.multipart.start({ partSize: 5 * MiB });
      await blobs.multipart.putPart(id, 3, chunked(parts[2]!), parts[2]!.length);
      await blobs.multipart.putPart(id, 1, chunked(parts[0]!), parts[0]!.length);
      // A new store over the same objects, as after a restart: the session is found again.
      const restarted = new ContentStore(objects);
      expect(await restarted.multipart.parts(id)).toEqual([
        { number: 1, size: 5 * MiB },
        { number: 3, size: 777 },
      ]);
      const early = await restarted.multipart.complete(id, { sha256: sha(whole), size: whole.length }).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(UploadIncompleteError);
      expect((early as UploadIncompleteError).missing).toEqual([2]);
      await restarted.multipart.putPart(id, 2, chunked(randomBytes(5 * MiB)), 5 * MiB); // wrong bytes…
      await restarted.multipart.putPart(id, 2, chunked(parts[1]!), parts[1]!.length); // …sent again
      const done = await restarted.multipart.complete(id, { sha256: sha(whole), size: whole.length });
      expect(done).toEqual({ sha256: sha(whole), size: whole.length, created: true });
      expect((await bytesOf(await blobs.open(sha(whole)))).equals(whole)).toBe(true);
      expect(await under("uploads/")).toEqual([]);
      await expect(blobs.multipart.parts(id)).rejects.toThrow(/no upload session/);
    });

    it("multipart: joined bytes that do not match are refused and the session is gone", async () => {
      const part = randomBytes(3000);
      const id = await blobs.multipart.start();
      await blobs.multipart.putPart(id, 1, chunked(part), part.length);
      const wrong = sha(Buffer.from("something else"));
      await expect(blobs.multipart.complete(id, { sha256: wrong, size: part.length })).rejects.toBeInstanceOf(BlobMismatchError);
      expect(await under("uploads/")).toEqual([]);
      expect(await blobs.size(sha(part))).toBeNull();
      expect(await blobs.size(wrong)).toBeNull();
      const aborted = await blobs.multipart.start();
      await blobs.multipart.putPart(aborted, 1, chunked(part), part.length);
      await blobs.multipart.abort(aborted);
      expect(await under("uploads/")).toEqual([]);
      await expect(blobs.multipart.putPart("not-a-session", 1, chunked(part), part.length)).rejects.toThrow(/no upload session/);
    });

    it("sweeps writes and sessions abandoned before a given time", async () => {
      await objects.put("staging/left-by-a-crash", "x");
      const id = await blobs.multipart.start();
      await blobs.multipart.putPart(id, 1, chunked(Buffer.from("abc")), 3);
      expect(await blobs.sweep(Date.now() - 3_600_000)).toEqual({ staging: 0, uploads: 0 });
      // At start-up only writes are swept: upload sessions belong to whoever tracks them.
      expect(await blobs.sweep(Date.now() + 60_000, { uploads: false })).toEqual({ staging: 1, uploads: 0 });
      expect(await blobs.multipart.parts(id)).toEqual([{ number: 1, size: 3 }]);
      await objects.put("staging/left-by-a-crash", "x");
      expect(await blobs.sweep(Date.now() + 60_000)).toEqual({ staging: 1, uploads: 1 });
      expect(await under("staging/")).toEqual([]);
      expect(await under("uploads/")).toEqual([]);
      if (objects instanceof FsObjectStore) {
        const temp = join(objects.root, ".tmp", "cut-short");
        writeFileSync(temp, "half");
        expect(await objects.sweepTemp(Date.now() - 60_000)).toBe(0);
        expect(await objects.sweepTemp(Date.now() + 60_000)).toBe(1);
        expect(existsSync(temp)).toBe(false);
      }
    });
  });
}

describe.skipIf(!s3sFsBinary())("content store on S3: the node cache", () => {
  let server: S3Server;
  let s3: S3ObjectStore;
  let dir: string;
  beforeAll(async () => {
    server = await startS3Server();
    s3 = new S3ObjectStore({ endpoint: server.endpoint, bucket: server.bucket, region: server.region, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
    dir = mkdtempSync(join(tmpdir(), "plinth-cache-"));
  });
  afterAll(async () => {
    s3?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fetches a blob once, however many ask at the same time, and serves it from disk after", async () => {
    const { store, gets } = countingReads(s3);
    const blobs = new ContentStore(store, { cache: new BlobCache(join(dir, "once"), 64 * MiB) });
    const body = randomBytes(3 * MiB);
    await blobs.ingest(chunked(body));
    const before = gets();
    const paths = await Promise.all(Array.from({ length: 5 }, () => blobs.localPath(sha(body))));
    expect(new Set(paths).size).toBe(1);
    expect(gets() - before).toBe(1);
    expect(readFileSync(paths[0]!).equals(body)).toBe(true);
    await blobs.localPath(sha(body));
    expect((await bytesOf(await blobs.open(sha(body), { start: 5, end: 9 }))).equals(body.subarray(5, 10))).toBe(true);
    expect(gets() - before).toBe(1);
    // A new process finds what an earlier one fetched.
    const later = new ContentStore(store, { cache: new BlobCache(join(dir, "once"), 64 * MiB) });
    await later.localPath(sha(body));
    expect(gets() - before).toBe(1);
  });

  it("refuses a remote copy that does not hash to its name and keeps nothing of it", async () => {
    const blobs = new ContentStore(s3, { cache: new BlobCache(join(dir, "verify"), 64 * MiB) });
    const claimed = sha(Buffer.from("the real content"));
    await s3.put(blobKey(claimed), "tampered content");
    await expect(blobs.localPath(claimed)).rejects.toBeInstanceOf(BlobMismatchError);
    expect(existsSync(join(dir, "verify", "sha256", claimed.slice(0, 2), claimed))).toBe(false);
  });

  it("evicts the least recently used blobs past its size", async () => {
    const cache = new BlobCache(join(dir, "lru"), 5 * MiB);
    const blobs = new ContentStore(s3, { cache });
    const [a, b, c] = [randomBytes(2 * MiB), randomBytes(2 * MiB), randomBytes(2 * MiB)];
    for (const body of [a, b, c]) await blobs.ingest(chunked(body));
    const pa = await blobs.localPath(sha(a));
    const pb = await blobs.localPath(sha(b));
    await blobs.localPath(sha(a)); // a is used again: b is now the oldest
    const pc = await blobs.localPath(sha(c));
    expect([existsSync(pa), existsSync(pb), existsSync(pc)]).toEqual([true, false, true]);
    expect(cache.bytes).toBe(4 * MiB);
  });
});

describe("content store: a blob over 5 GiB through the local folder's multipart path", () => {
  it("joins a sparse file's parts without writing its holes, and verifies it", { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "plinth-sparse-"));
    try {
      // A sparse source: 5 GiB + 5 MiB + 7 bytes, with random bytes at the start, in the middle and at the end.
      const size = 5 * 1024 * MiB + 5 * MiB + 7;
      const source = join(dir, "big.bin");
      truncateSync(openAndClose(source), size);
      const fd = openSync(source, "r+");
      for (const at of [0, 3 * 1024 * MiB + 123, size - MiB]) writeSync(fd, randomBytes(MiB), 0, MiB, at);
      closeSync(fd);
      const objects = new FsObjectStore(join(dir, "objects"));
      const blobs = new ContentStore(objects);
      const partSize = 1024 * MiB;
      const count = Math.ceil(size / partSize);
      const id = await blobs.multipart.start({ partSize });
      // The parts go in order so the test hashes the source on the same pass (5 GiB is slow to
      // read twice); parts out of order are the other multipart tests' business.
      const hash = createHash("sha256");
      for (let n = 1; n <= count; n++) {
        const start = (n - 1) * partSize;
        const end = Math.min(start + partSize, size) - 1;
        const hashing = new Transform({
          highWaterMark: 4 * MiB,
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        });
        const part = createReadStream(source, { start, end, highWaterMark: 4 * MiB }).pipe(hashing);
        await blobs.multipart.putPart(id, n, part, end - start + 1);
      }
      const expected = { sha256: hash.digest("hex"), size };
      expect((await blobs.multipart.parts(id)).length).toBe(count);
      expect(await blobs.multipart.complete(id, expected)).toEqual({ ...expected, created: true });
      const stored = statSync(objects.localPath(blobKey(expected.sha256)));
      expect(stored.size).toBe(size);
      // Its holes stayed holes: a few MiB on disk, not 5 GiB.
      expect(stored.blocks * 512).toBeLessThan(64 * MiB);
      const tail = await bytesOf(await blobs.open(expected.sha256, { start: size - MiB, end: size - 1 }));
      const sourceTail = Buffer.alloc(MiB);
      const sfd = openSync(source, "r");
      expect(readSync(sfd, sourceTail, 0, MiB, size - MiB)).toBe(MiB);
      closeSync(sfd);
      expect(tail.equals(sourceTail)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function openAndClose(path: string): string {
  closeSync(openSync(path, "w"));
  return path;
}
