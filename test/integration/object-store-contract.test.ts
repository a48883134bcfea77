import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../src/storage/fs-store.ts";
import type { ObjectStore } from "../../src/storage/object-store.ts";
import { S3ObjectStore } from "../../src/storage/s3-store.ts";
import { reportSkippedS3Tests, type S3Server, s3sFsBinary, seaweedFsBinary, startS3Server, startSeaweedFs } from "../helpers/s3-server.ts";

// One contract, every backend: the local folder and real S3-compatible servers on loopback —
// s3s-fs always (CI builds it), SeaweedFS too where scripts/peers/seaweedfs.sh has built it (a
// second implementation keeps Plinth to the plain S3 API). Whatever Plinth builds on the
// ObjectStore interface behaves the same on all of them.

reportSkippedS3Tests();
if (!seaweedFsBinary()) console.warn("The object store contract on SeaweedFS is skipped: run scripts/peers/seaweedfs.sh (about 10 minutes) to include it.");

interface Backend {
  name: string;
  skip: boolean;
  open(): Promise<{ store: ObjectStore; close(): Promise<void> }>;
}

const MiB = 1024 * 1024;

const backends: Backend[] = [
  {
    name: "local folder",
    skip: false,
    async open() {
      const root = mkdtempSync(join(tmpdir(), "plinth-objects-"));
      return { store: new FsObjectStore(root), close: async () => rmSync(root, { recursive: true, force: true }) };
    },
  },
  ...[
    { name: "S3 (s3s-fs)", skip: !s3sFsBinary(), start: startS3Server },
    { name: "S3 (SeaweedFS)", skip: !seaweedFsBinary(), start: startSeaweedFs },
  ].map(({ name, skip, start }) => ({
    name,
    skip,
    async open() {
      const server: S3Server = await start();
      // A key prefix, and pages of two keys so listing has to follow continuation tokens.
      const store = new S3ObjectStore({
        endpoint: server.endpoint,
        bucket: server.bucket,
        region: server.region,
        prefix: "plinth/",
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        listPageSize: 2,
      });
      return {
        store,
        close: async () => {
          store.close();
          await server.stop();
        },
      };
    },
  })),
];

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
const bytesOf = async (r: Readable) => Buffer.concat((await collect(r)) as Buffer[]);
const text = async (r: Readable) => (await bytesOf(r)).toString();
const keys = async (store: ObjectStore, prefix: string) => (await collect(store.list(prefix))).map((o) => o.key);
/** A stream in small chunks, as a request body arrives. */
const chunked = (b: Buffer, size = 64 * 1024) => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

for (const backend of backends) {
  describe.skipIf(backend.skip)(`object store contract: ${backend.name}`, () => {
    let store: ObjectStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await backend.open());
    });
    afterAll(async () => {
      await close?.();
    });

    it("puts strings, buffers and streams and reads them back whole or by range", async () => {
      const big = randomBytes(3 * MiB + 17);
      expect((await store.put("put/a.txt", "hello")).size).toBe(5);
      expect((await store.put("put/b.bin", Buffer.from([0, 1, 2]))).size).toBe(3);
      expect((await store.put("put/c.bin", chunked(big))).size).toBe(big.length);
      expect((await store.put("put/d.bin", chunked(big), { size: big.length })).size).toBe(big.length);
      expect(await text(await store.get("put/a.txt"))).toBe("hello");
      expect((await bytesOf(await store.get("put/c.bin"))).equals(big)).toBe(true);
      expect((await bytesOf(await store.get("put/d.bin"))).equals(big)).toBe(true);
      expect((await bytesOf(await store.get("put/d.bin", { start: 1000, end: 1999 }))).equals(big.subarray(1000, 2000))).toBe(true);
      expect((await bytesOf(await store.get("put/d.bin", { start: big.length - 10 }))).equals(big.subarray(big.length - 10))).toBe(true);
      const head = await store.head("put/c.bin");
      expect(head).toMatchObject({ key: "put/c.bin", size: big.length });
      expect(head!.modifiedAt).toBeGreaterThan(Date.now() - 600_000);
      expect(await store.put("put/a.txt", "replaced")).toMatchObject({ size: 8 });
      expect(await text(await store.get("put/a.txt"))).toBe("replaced");
    });

    it("answers null or ENOENT for what is not there, and deleting it is no error", async () => {
      expect(await store.head("missing/x")).toBeNull();
      await expect(store.get("missing/x")).rejects.toMatchObject({ code: "ENOENT" });
      await expect(store.copy("missing/x", "missing/y")).rejects.toMatchObject({ code: "ENOENT" });
      await store.delete("missing/x");
      await store.put("del/x", "x");
      await store.delete("del/x");
      expect(await store.head("del/x")).toBeNull();
    });

    it("refuses a stream of another length than announced and leaves nothing", async () => {
      await expect(store.put("short/x", chunked(Buffer.alloc(1000)), { size: 2000 })).rejects.toThrow();
      await expect(store.put("long/x", chunked(Buffer.alloc(3000)), { size: 2000 })).rejects.toThrow();
      expect(await store.head("short/x")).toBeNull();
      expect(await store.head("long/x")).toBeNull();
    });

    it("a body that fails half way leaves nothing under its key", async () => {
      const failing = new Readable({ read() {} });
      failing.push(Buffer.alloc(100_000, 1));
      setTimeout(() => failing.destroy(new Error("client went away")), 20);
      await expect(store.put("broken/x", failing)).rejects.toThrow(/client went away/);
      const failingSized = new Readable({ read() {} });
      failingSized.push(Buffer.alloc(100_000, 1));
      setTimeout(() => failingSized.destroy(new Error("client went away")), 20);
      await expect(store.put("broken/y", failingSized, { size: 1_000_000 })).rejects.toThrow();
      expect(await keys(store, "broken/")).toEqual([]);
    });

    it("lists by plain string prefix, in byte order, across pages", async () => {
      // "-" and "." sort before "/", which sorts before letters: a folder walk must still match S3.
      for (const k of ["l/b", "l/a-c", "l/a/x", "l/a/y/z", "l/ab", "l/a.txt", "m/other"]) await store.put(k, k);
      expect(await keys(store, "l/")).toEqual(["l/a-c", "l/a.txt", "l/a/x", "l/a/y/z", "l/ab", "l/b"]);
      expect(await keys(store, "l/a")).toEqual(["l/a-c", "l/a.txt", "l/a/x", "l/a/y/z", "l/ab"]);
      expect(await keys(store, "l/a/")).toEqual(["l/a/x", "l/a/y/z"]);
      expect(await keys(store, "l/zz")).toEqual([]);
      const all = await collect(store.list("l/"));
      expect(all.find((o) => o.key === "l/a-c")).toMatchObject({ size: 5 });
    });

    it("copies and moves objects", async () => {
      await store.put("cp/src", "content");
      expect(await store.copy("cp/src", "cp/dst")).toMatchObject({ key: "cp/dst", size: 7 });
      expect(await text(await store.get("cp/dst"))).toBe("content");
      // The copy is its own object: replacing the source leaves it as it was.
      await store.put("cp/src", "changed");
      expect(await text(await store.get("cp/dst"))).toBe("content");
      expect(await store.move("cp/src", "cp/moved/deeper")).toMatchObject({ key: "cp/moved/deeper", size: 7 });
      expect(await store.head("cp/src")).toBeNull();
      expect(await text(await store.get("cp/moved/deeper"))).toBe("changed");
      // Onto an existing key: replaced.
      await store.put("cp/a", "aaa");
      await store.copy("cp/moved/deeper", "cp/a");
      expect(await text(await store.get("cp/a"))).toBe("changed");
    });

    it("multipart: parts in any order, sent again, invisible until complete", async () => {
      const p1 = randomBytes(5 * MiB);
      const p2 = randomBytes(5 * MiB);
      const p3 = randomBytes(1234);
      const id = await store.startMultipart("mp/obj", { partSize: 5 * MiB });
      await store.putPart("mp/obj", id, 3, chunked(p3), p3.length);
      await store.putPart("mp/obj", id, 2, chunked(randomBytes(5 * MiB)), 5 * MiB);
      await store.putPart("mp/obj", id, 1, chunked(p1), p1.length);
      await store.putPart("mp/obj", id, 2, chunked(p2), p2.length); // sent again: replaces
      expect(await store.head("mp/obj")).toBeNull();
      const parts = await store.listParts("mp/obj", id);
      expect(parts.map((p) => [p.number, p.size])).toEqual([
        [1, 5 * MiB],
        [2, 5 * MiB],
        [3, 1234],
      ]);
      const info = await store.completeMultipart("mp/obj", id, parts);
      expect(info.size).toBe(10 * MiB + 1234);
      expect((await bytesOf(await store.get("mp/obj"))).equals(Buffer.concat([p1, p2, p3]))).toBe(true);
    });

    it("multipart without a part size joins parts of any size", async () => {
      const p1 = randomBytes(6 * MiB);
      const p2 = randomBytes(5 * MiB + 3);
      const id = await store.startMultipart("mp/free");
      const second = await store.putPart("mp/free", id, 2, chunked(p2), p2.length);
      const first = await store.putPart("mp/free", id, 1, chunked(p1), p1.length);
      await store.completeMultipart("mp/free", id, [first, second]);
      expect((await bytesOf(await store.get("mp/free"))).equals(Buffer.concat([p1, p2]))).toBe(true);
    });

    it("multipart: a part shorter than announced is refused; abort leaves nothing", async () => {
      const id = await store.startMultipart("mp/aborted", { partSize: 5 * MiB });
      await expect(store.putPart("mp/aborted", id, 1, chunked(Buffer.alloc(100)), 200)).rejects.toThrow();
      await store.putPart("mp/aborted", id, 1, chunked(Buffer.alloc(5 * MiB)), 5 * MiB);
      await store.abortMultipart("mp/aborted", id);
      expect(await store.head("mp/aborted")).toBeNull();
      // AWS answers NoSuchUpload, some services an empty list: either way no part is left.
      expect(await store.listParts("mp/aborted", id).catch(() => [])).toEqual([]);
      if (store instanceof FsObjectStore) {
        const uploads = join(store.root, ".uploads");
        expect(existsSync(uploads) ? readdirSync(uploads) : []).toEqual([]);
      }
    });

    it("presigns a download that needs no credentials (S3) or says it cannot (local folder)", async () => {
      await store.put("ps/report.csv", "a,b\n1,2\n");
      const url = await store.presignGet("ps/report.csv", 60, "report (final).csv");
      if (store.kind === "fs") {
        expect(url).toBeNull();
        return;
      }
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const res = await fetch(url!);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("a,b\n1,2\n");
      expect(res.headers.get("content-disposition")).toContain("report (final).csv");
      const tampered = url!.replace("ps%2Freport.csv", "ps%2Fother.csv").replace("ps/report.csv", "ps/other.csv");
      expect(tampered).not.toBe(url);
      expect((await fetch(tampered)).status).toBe(403);
    });

    it("gives a local path only for the local folder", async () => {
      await store.put("lp/x", "x");
      const path = store.localPath("lp/x");
      if (store.kind === "fs") expect(existsSync(path!)).toBe(true);
      else expect(path).toBeNull();
    });

    it("refuses keys that could escape the store or hide in it", async () => {
      const bad = ["", "../x", "/abs", "a//b", "a/../b", "a/./b", ".hidden", "a/.tmp/x", "a\0b", "a\nb", "a b", "a\\b", "x".repeat(1025)];
      for (const key of bad) {
        await expect(store.put(key, "x"), JSON.stringify(key)).rejects.toThrow(/invalid object key/);
        await expect(store.get(key), JSON.stringify(key)).rejects.toThrow(/invalid object key/);
        await expect(store.head(key), JSON.stringify(key)).rejects.toThrow(/invalid object key/);
        await expect(store.delete(key), JSON.stringify(key)).rejects.toThrow(/invalid object key/);
      }
      await expect(store.copy("ps/report.csv", "../out")).rejects.toThrow(/invalid object key/);
      await expect(store.startMultipart("a/../b")).rejects.toThrow(/invalid object key/);
    });
  });
}
