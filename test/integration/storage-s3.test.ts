import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { freePort, runCli, spawnServer, startTestPlatform, type TestPlatform } from "../helpers/platform.ts";
import { reportSkippedS3Tests, type S3Server, s3sFsBinary, startS3Server } from "../helpers/s3-server.ts";

// A whole Plinth keeping everything in a bucket of a real S3-compatible server, driven by the
// real CLI: code bundles, datasets, job inputs fetched into the node's cache and outputs
// committed back, native presigned links; and `plinth up` refusing a bucket it cannot use,
// saying what to fix without echoing the secret.

reportSkippedS3Tests();

function s3Env(s3: S3Server, over: Record<string, string> = {}): Record<string, string> {
  return {
    PLINTH_STORAGE_S3_ENDPOINT: s3.endpoint,
    PLINTH_STORAGE_S3_BUCKET: s3.bucket,
    PLINTH_STORAGE_S3_PREFIX: "plinth/",
    PLINTH_STORAGE_S3_ACCESS_KEY_ID: s3.accessKeyId,
    PLINTH_STORAGE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    ...over,
  };
}

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe.skipIf(!s3sFsBinary())("a Plinth whose objects are in S3", () => {
  let s3: S3Server;
  let t: TestPlatform;
  let url: string;
  let dataDir: string;
  let project: string;
  beforeAll(async () => {
    s3 = await startS3Server();
    project = mkdtempSync(join(tmpdir(), "plinth-s3-project-"));
    writeFileSync(join(project, "train.py"), "import os\nrows = open(os.path.join(os.environ['PLINTH_INPUT_TRAIN'], 'iris.csv')).read().splitlines()\nos.makedirs('out', exist_ok=True)\nopen('out/count.txt', 'w').write(str(len(rows) - 1))\nprint('rows', len(rows) - 1)\n");
    mkdirSync(join(project, "iris"));
    writeFileSync(join(project, "iris", "iris.csv"), "sepal,species\n5.1,setosa\n6.2,virginica\n");
    const storage = {
      s3: {
        endpoint: s3.endpoint,
        bucket: s3.bucket,
        prefix: "plinth/",
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      },
    };
    t = await startTestPlatform(testDatabases()[0]!, "storage-s3", { extra: { storage } });
    url = t.url;
    dataDir = t.dataDir;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await s3?.stop();
    rmSync(project, { recursive: true, force: true });
  });

  it("runs a job with code, reads a dataset as input and stores its output, all in the bucket", { timeout: 180_000 }, async () => {
    const push = await runCli(["data", "push", "iris", "--name", "iris"], { url, cwd: project });
    expect(push.code, push.stderr).toBe(0);
    const run = await runCli(["run", "--input", "train=iris@v1", "--output", "counts=out/", "--", "python3", "train.py"], { url, cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("rows 2");
    const pulled = join(project, "pulled");
    const pull = await runCli(["data", "pull", "counts", pulled], { url, cwd: project });
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(join(pulled, "count.txt"), "utf8")).toBe("2");

    // Code, datasets and outputs are objects in the bucket, under the configured prefix…
    const inBucket = filesUnder(join(s3.dir, s3.bucket));
    expect(inBucket.some((k) => k.startsWith("plinth/code/blobs/"))).toBe(true);
    expect(inBucket.filter((k) => k.startsWith("plinth/blobs/sha256/")).length).toBeGreaterThanOrEqual(2);
    expect(inBucket.filter((k) => k.startsWith("plinth/staging/") || k.startsWith("plinth/uploads/"))).toEqual([]);
    // …nothing is kept in the data directory's objects folder, and the input blob was fetched
    // into this node's cache.
    expect(filesUnder(join(dataDir, "objects"))).toEqual([]);
    expect(filesUnder(join(dataDir, "cache", "blobs")).length).toBeGreaterThanOrEqual(1);
  });

  it("hands out the service's own presigned link for a file", async () => {
    const link = await runCli(["data", "url", "iris@v1", "iris.csv"], { url, cwd: project });
    expect(link.code, link.stderr).toBe(0);
    const href = link.stdout.trim().split(/\s+/).find((w) => w.startsWith("http"))!;
    expect(href.startsWith(s3.endpoint)).toBe(true);
    const res = await fetch(href);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("sepal,species\n5.1,setosa\n6.2,virginica\n");
  });
});

describe.skipIf(!s3sFsBinary())("starting with a bucket Plinth cannot use", () => {
  let s3: S3Server;
  const dirs: string[] = [];
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const dataDir = mkdtempSync(join(tmpdir(), "plinth-bad-s3-"));
    dirs.push(dataDir);
    const err = await spawnServer({ dataDir, port: await freePort(), env }).then(
      (child) => {
        child.kill("SIGKILL");
        return null;
      },
      (e: Error) => e,
    );
    expect(err).not.toBeNull();
    return err!.message;
  };

  // Three starts, each failing after the S3 client's own retries.
  it("says which setting to fix, and never prints the secret", { timeout: 240_000 }, async () => {
    const noBucket = await start(s3Env(s3, { PLINTH_STORAGE_S3_BUCKET: "no-such-bucket" }));
    expect(noBucket).toMatch(/Cannot use the object store/);
    expect(noBucket).toMatch(/Create the bucket 'no-such-bucket'/);
    const wrongSecret = "wrong-secret-0123456789abcdef";
    const badKey = await start(s3Env(s3, { PLINTH_STORAGE_S3_SECRET_ACCESS_KEY: wrongSecret }));
    expect(badKey).toMatch(/storage\.s3\.credentials/);
    expect(badKey).not.toContain(wrongSecret);
    expect(badKey).not.toContain(s3.secretAccessKey);
    const closedPort = await freePort();
    const unreachable = await start(s3Env(s3, { PLINTH_STORAGE_S3_ENDPOINT: `http://127.0.0.1:${closedPort}` }));
    expect(unreachable).toMatch(/storage\.s3\.endpoint/);
  });
});
