import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, expect } from "vitest";
import { push } from "../helpers/data.ts";
import { startTestPlatform, type TestPlatform, TOKEN } from "../helpers/platform.ts";
import { describeWithClients, runOk, runProgram } from "../helpers/python-clients.ts";
import { accessKey } from "../helpers/s3-endpoint.ts";

// The real clients from PyPI (boto3, the AWS CLI, DVC, pyarrow, pandas through s3fs), at the
// versions pinned in scripts/peers/python-clients.txt, against a real Plinth's /s3 endpoint
// with an access key made through the API. The Python scripts are in test/clients/py; each
// prints what it saw as JSON and the checks are made here.

const PY = join(import.meta.dirname, "py");
/** The admin's team: its bucket. */
const BUCKET = "default";
const IRIS_CSV = "sepal_length,species\n5.1,setosa\n6.3,virginica\n5.8,virginica\n";

let t: TestPlatform;
let work: string;
let key: { accessKeyId: string; secretAccessKey: string };
let endpoint: string;

/** The environment of a client: only the variables given here among AWS_* and PLINTH_*, and a home of its own. */
function clientEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(AWS_|PLINTH_|DVC_|GIT_)/.test(name)) env[name] = value;
  }
  const home = join(work, "home");
  mkdirSync(home, { recursive: true });
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_CONFIG_FILE: join(home, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    PLINTH_S3_ENDPOINT: endpoint,
    PYTHONDONTWRITEBYTECODE: "1",
    ...extra,
  };
}

function sha(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every file under a folder, by relative path, with the hash of its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(dir, full)] = sha(readFileSync(full));
    }
  };
  walk(dir);
  return out;
}

function writeTree(dir: string, files: Record<string, Buffer | string>): void {
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
}

/**
 * A TLS front for the test Plinth, as a reverse proxy would be: bytes are passed through
 * unchanged, so the signature boto3 makes for the proxy's host still holds. Over https boto3
 * sends uploads in aws-chunked encoding with a trailing checksum, its default there.
 */
async function startTlsFront(target: string, dir: string): Promise<{ url: string; ca: string; seen: { trailingChecksums: number }; close: () => Promise<void> }> {
  const keyFile = join(dir, "tls.key");
  const certFile = join(dir, "tls.crt");
  await runOk("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]);
  const upstream = new URL(target);
  const seen = { trailingChecksums: 0 };
  const server = createTlsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (socket) => {
    const up = createConnection(Number(upstream.port), upstream.hostname);
    socket.on("data", (chunk: Buffer) => {
      // Request heads that announce an aws-chunked body with a checksum after the last chunk.
      seen.trailingChecksums += chunk.toString("latin1").match(/\r\nx-amz-trailer: *x-amz-checksum-/gi)?.length ?? 0;
    });
    socket.pipe(up).pipe(socket);
    socket.on("error", () => up.destroy());
    up.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as import("node:net").AddressInfo;
  return { url: `https://127.0.0.1:${port}`, ca: certFile, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describeWithClients("real S3 clients against Plinth's /s3 (SQLite)", ({ clients, test }) => {
  /** Runs one of the scripts in test/clients/py with the clients' Python; returns what it reported. */
  async function script<T = any>(name: string, args: string[], extra: Record<string, string> = {}): Promise<T> {
    const ran = await runOk(clients.python, [join(PY, name), ...args], { env: clientEnv(extra), cwd: work, timeoutMs: 240_000 });
    return JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "") as T;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "plinth-s3-clients-"));
    t = await startTestPlatform({ name: "sqlite", url: undefined }, "s3-clients");
    endpoint = `${t.url}/s3`;
    const made = await accessKey(t, TOKEN);
    key = { accessKeyId: made.accessKeyId, secretAccessKey: made.secretAccessKey };
    const pushed = await push(t, "iris", { "train.csv": IRIS_CSV });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("boto3: buckets, put, get, head, a range, copy, presigned links (Signature V2 and V4) opened with urllib, deletes", async () => {
    const seen = await script("boto3_objects.py", [BUCKET, "objects/"]);
    expect(seen.buckets).toEqual([BUCKET]);
    expect(seen.get).toEqual({ body: "hello from boto3\n", contentType: "text/plain", eTag: seen.putETag });
    expect(seen.head).toEqual({ size: 17, eTag: seen.putETag });
    expect(seen.range).toEqual({ body: "from", contentRange: "bytes 6-9/17", status: 206 });
    expect(seen.copy).toBe("hello from boto3\n");
    for (const version of ["v2", "v4"]) {
      expect(seen[`presigned${version}`], version).toEqual({ status: 200, body: "hello from boto3\n" });
      expect(seen[`tampered${version}`].status, version).toBe(403);
      expect(seen[`tampered${version}`].body, version).toContain("<Code>SignatureDoesNotMatch</Code>");
    }
    expect(seen.afterDelete).toMatchObject({ status: 404 });
    expect(seen.getAfterDelete).toMatchObject({ code: "NoSuchKey", status: 404 });
    // Deleting a key that is not there succeeds, as on S3.
    expect(seen.deleteObjects).toEqual({ deleted: ["objects/copy.txt", "objects/never-there.txt"], errors: [] });
    expect(seen.left).toBe(0);
    expect(seen.otherBucket).toMatchObject({ code: "NoSuchBucket", status: 404 });
  });

  for (const over of ["http", "https through a TLS front (aws-chunked with a trailing checksum)"] as const) {
    test(`boto3 upload_file and download_file of 20 MB with their defaults (multipart in 8 MiB parts) over ${over}`, async () => {
      const dir = mkdtempSync(join(work, "transfer-"));
      const front = over === "http" ? undefined : await startTlsFront(t.url, dir);
      try {
        const size = 20 * 1024 * 1024;
        const extra: Record<string, string> = front ? { PLINTH_S3_ENDPOINT: `${front.url}/s3`, PLINTH_S3_CA: front.ca } : {};
        const seen = await script("boto3_transfer.py", [BUCKET, `transfer/${front ? "https" : "http"}.bin`, dir, String(size)], extra);
        expect(seen.size).toBe(size);
        expect(seen.downloadedSize).toBe(size);
        expect(seen.downloaded).toBe(seen.uploaded);
        // A multipart upload's ETag ends in the number of parts: 8 + 8 + 4 MiB.
        expect(seen.eTag).toMatch(/-3"$/);
        expect(seen.openUploads).toBe(0);
        // Over https boto3 sends each part aws-chunked with its checksum in a trailer.
        if (front) expect(front.seen.trailingChecksums).toBeGreaterThanOrEqual(3);
      } finally {
        await front?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("boto3: 1,200 keys listed in pages (ListObjectsV2 and V1, a delimiter, StartAfter), removed with DeleteObjects", async () => {
    const seen = await script("boto3_listing.py", [BUCKET, "many/", "1200"]);
    expect(seen.put).toBe(1200);
    expect(seen.pageSizes).toEqual([1000, 200]);
    expect(seen.smallPageSizes).toEqual([500, 500, 200]);
    expect(seen.listedAll).toBe(true);
    expect(seen.listedInOrder).toBe(true);
    expect(seen.startAfter).toEqual([seen.lastKey]);
    expect(seen.folders).toEqual(["many/even/", "many/odd/"]);
    expect(seen.v1).toEqual({ count: 1000, truncated: true });
    expect(seen.deleteErrors).toEqual([]);
    expect(seen.leftAfterDelete).toBe(0);
  });

  test("AWS CLI: cp, ls, sync up and down (a second sync sends nothing), rm --recursive", async () => {
    const aws = clients.aws;
    const dir = mkdtempSync(join(work, "aws-"));
    const env = clientEnv();
    writeFileSync(env.AWS_CONFIG_FILE!, "[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n");
    const run = (...args: string[]) => runOk(aws, ["--endpoint-url", endpoint, ...args], { env, cwd: dir, timeoutMs: 120_000 });

    writeFileSync(join(dir, "metrics.csv"), "step,loss\n1,0.9\n2,0.4\n");
    await run("s3", "cp", "--no-progress", join(dir, "metrics.csv"), `s3://${BUCKET}/cli/run-1/metrics.csv`);
    await run("s3", "cp", "--no-progress", `s3://${BUCKET}/cli/run-1/metrics.csv`, join(dir, "metrics-back.csv"));
    expect(readFileSync(join(dir, "metrics-back.csv"), "utf8")).toBe("step,loss\n1,0.9\n2,0.4\n");
    expect((await run("s3", "ls")).stdout).toMatch(new RegExp(` ${BUCKET}\\n`));
    expect((await run("s3", "ls", `s3://${BUCKET}/cli/run-1/`)).stdout).toMatch(/ 22 metrics\.csv\n/);

    const outputs: Record<string, Buffer | string> = { "a.txt": "alpha\n", "b/c.txt": "gamma\n", "b/d/e.bin": randomBytes(300_000), "weights.bin": randomBytes(9 * 1024 * 1024) };
    const up = join(dir, "outputs");
    writeTree(up, outputs);
    // Files older than the upload, as made by an earlier step: sync compares times and sizes.
    const past = new Date(Date.now() - 3600_000);
    for (const path of Object.keys(outputs)) utimesSync(join(up, path), past, past);
    const first = await run("s3", "sync", "--no-progress", up, `s3://${BUCKET}/cli/outputs/`);
    expect(first.stdout.match(/^upload: /gm)?.length, first.stdout).toBe(4);
    const again = await run("s3", "sync", "--no-progress", up, `s3://${BUCKET}/cli/outputs/`);
    expect(again.stdout.trim(), "a second sync up of an unchanged folder").toBe("");

    const down = join(dir, "restored");
    const fetched = await run("s3", "sync", "--no-progress", `s3://${BUCKET}/cli/outputs/`, down);
    expect(fetched.stdout.match(/^download: /gm)?.length, fetched.stdout).toBe(4);
    expect(tree(down)).toEqual(tree(up));
    const againDown = await run("s3", "sync", "--no-progress", `s3://${BUCKET}/cli/outputs/`, down);
    expect(againDown.stdout.trim(), "a second sync down into an unchanged folder").toBe("");

    const listed = await run("s3", "ls", "--recursive", `s3://${BUCKET}/cli/`);
    expect(listed.stdout.trim().split("\n")).toHaveLength(5);
    const removed = await run("s3", "rm", "--recursive", `s3://${BUCKET}/cli/`);
    expect(removed.stdout.match(/^delete: /gm)?.length, removed.stdout).toBe(5);
    const empty = await runProgram(aws, ["--endpoint-url", endpoint, "s3", "ls", "--recursive", `s3://${BUCKET}/cli/`], { env, cwd: dir });
    expect(empty.stdout.trim()).toBe("");
  });

  test("DVC: dvc push to an S3 remote on Plinth, then dvc pull into an empty cache restores identical bytes", async () => {
    const { dvc, aws } = clients;
    const repo = mkdtempSync(join(work, "dvc-"));
    const env = clientEnv({ DVC_NO_ANALYTICS: "1", DVC_SITE_CACHE_DIR: join(repo, ".site-cache"), GIT_CONFIG_NOSYSTEM: "1" });
    const run = (command: string, ...args: string[]) => runOk(command, args, { env, cwd: repo, timeoutMs: 180_000 });

    await run("git", "init", "-q");
    await run(dvc, "init", "-q");
    await run(dvc, "remote", "add", "-d", "plinth", `s3://${BUCKET}/dvcstore`);
    await run(dvc, "remote", "modify", "plinth", "endpointurl", endpoint);
    await run(dvc, "remote", "modify", "--local", "plinth", "access_key_id", key.accessKeyId);
    await run(dvc, "remote", "modify", "--local", "plinth", "secret_access_key", key.secretAccessKey);
    // The secret stays out of the config git tracks.
    expect(readFileSync(join(repo, ".dvc/config"), "utf8")).not.toContain(key.secretAccessKey);

    const files = { "train.csv": IRIS_CSV, "images/0001.png": randomBytes(70_000), "images/0002.png": randomBytes(120_000), "model/weights.bin": randomBytes(6 * 1024 * 1024) };
    writeTree(join(repo, "data"), files);
    const before = tree(join(repo, "data"));
    await run(dvc, "add", "data");
    const pushed = await run(dvc, "push");
    expect(pushed.stdout + pushed.stderr).toMatch(/5 files pushed/);
    // The four files and the folder's listing are now objects in the team's bucket.
    const stored = await runOk(aws, ["--endpoint-url", endpoint, "s3", "ls", "--recursive", `s3://${BUCKET}/dvcstore/`], { env });
    expect(stored.stdout.trim().split("\n")).toHaveLength(5);

    rmSync(join(repo, "data"), { recursive: true });
    rmSync(join(repo, ".dvc/cache"), { recursive: true, force: true });
    const pulled = await run(dvc, "pull");
    expect(pulled.stdout + pulled.stderr).toMatch(/5 files fetched/);
    expect(tree(join(repo, "data"))).toEqual(before);
    const status = await run(dvc, "status", "--cloud");
    expect(status.stdout).toMatch(/Cache and remote 'plinth' are in sync/);
  });

  test("pyarrow writes and reads Parquet with its own S3 file system; pandas reads it and a dataset's CSV from s3:// through s3fs", async () => {
    const seen = await script("tables.py", [BUCKET, "tables/flowers.parquet", "datasets/iris/latest/train.csv"]);
    expect(seen.pyarrow).toMatchObject({ schema: ["sepal_length:double", "species:string", "count:int64"], rows: 4, equal: true });
    expect(seen.pyarrow.size).toBeGreaterThan(0);
    expect(seen.pandas).toEqual({ columns: ["sepal_length", "species", "count"], species: ["setosa", "setosa", "virginica", "virginica"], nulls: 1 });
    expect(seen.csv).toEqual({ columns: ["sepal_length", "species"], rows: 3 });
  });

  test("boto3: a dataset version is listed and read under datasets/<name>/, and writes there are refused", async () => {
    const seen = await script("boto3_datasets.py", [BUCKET, "iris", "train.csv"]);
    expect(seen.datasets).toEqual(["datasets/iris/"]);
    expect(seen.versions).toEqual(expect.arrayContaining(["datasets/iris/v1/", "datasets/iris/latest/"]));
    expect(seen.files).toEqual([{ key: "datasets/iris/v1/train.csv", size: Buffer.byteLength(IRIS_CSV) }]);
    expect(seen.v1).toBe(IRIS_CSV);
    expect(seen.latest).toBe(IRIS_CSV);
    for (const refused of [seen.put, seen.putNew, seen.delete]) {
      expect(refused).toMatchObject({ code: "AccessDenied", status: 403 });
      expect(refused.message).toMatch(/datasets\//);
    }
    expect(seen.afterwards).toBe(IRIS_CSV);
  });
});
