import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll } from "vitest";
import { freePort } from "./platform.ts";

// Real S3-compatible servers on loopback for the tests of Plinth's S3 backend (s3s-fs, which
// `scripts/peers/s3s-fs.sh` builds and `.ci/run` provides) and for benchmarks (SeaweedFS,
// `scripts/peers/seaweedfs.sh`). A missing s3s-fs fails the run in CI; elsewhere the S3 tests
// are skipped and the file says how many and why.

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  region: string;
  /** Where the server keeps its files (s3s-fs: `<dir>/<bucket>/<key>`). */
  dir: string;
  stop(): Promise<void>;
}

const S3S_FS_VERSION = "0.14.1";
/** The SeaweedFS version scripts/peers/seaweedfs.sh builds (the wrapper module's pin). */
export const SEAWEEDFS_VERSION = "0.0.0-20261109003541-7506e5f91cd6";

const peersCache = () => process.env.PLINTH_PEERS_CACHE || join(homedir(), ".cache", "plinth-peers");

/** The s3s-fs binary, or null when it is not built (an error in CI, where it must be). */
export function s3sFsBinary(): string | null {
  const bin = process.env.PLINTH_S3S_FS_BIN || join(peersCache(), `s3s-fs-${S3S_FS_VERSION}`, "bin", "s3s-fs");
  if (existsSync(bin)) return bin;
  if (process.env.CI === "true") {
    throw new Error(`s3s-fs is required in CI and is not at ${bin}: .ci/run builds it with scripts/peers/s3s-fs.sh and sets PLINTH_S3S_FS_BIN.`);
  }
  return null;
}

/**
 * Call once at the top of a test file whose S3 suites use `describe.skipIf(!s3sFsBinary())`:
 * when s3s-fs is missing, prints how many of the file's tests were skipped and how to run them.
 */
export function reportSkippedS3Tests(): void {
  if (s3sFsBinary() !== null) return;
  afterAll((file) => {
    const skipped = countSkipped(file as unknown as Task);
    console.warn(`${skipped} S3 backend test(s) skipped: s3s-fs is not built. Run scripts/peers/s3s-fs.sh (about 2 minutes) to run them.`);
  });
}

interface Task {
  type?: string;
  mode?: string;
  tasks?: Task[];
}

function countSkipped(task: Task): number {
  if (task.tasks) return task.tasks.reduce((n, t) => n + countSkipped(t), 0);
  return task.type === "test" && task.mode === "skip" ? 1 : 0;
}

/** Starts s3s-fs on a free loopback port in a temporary folder, with one bucket made. */
export async function startS3Server(opts: { bucket?: string } = {}): Promise<S3Server> {
  const bin = s3sFsBinary();
  if (!bin) throw new Error("s3s-fs is not built: run scripts/peers/s3s-fs.sh");
  const dir = mkdtempSync(join(tmpdir(), "plinth-s3s-"));
  const accessKeyId = `AK${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString("base64url");
  const bucket = opts.bucket ?? "plinth";
  // Port 0: the server picks a free port and logs it, so no two tests race for one.
  // `--name=value`: a base64url secret may begin with "-", which would otherwise read as a flag.
  const child = spawn(bin, ["--host", "127.0.0.1", "--port", "0", `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`, "--", dir], {
    env: { ...process.env, RUST_LOG: "s3s_fs=info", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`s3s-fs did not start in 15 s:\n${out}`)), 15_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /server is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(m[1]!);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => fail(new Error(`s3s-fs exited with ${code} before it was up:\n${out}`)));
    child.once("error", fail);
  });
  const region = "us-east-1";
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return { endpoint, accessKeyId, secretAccessKey, bucket, region, dir, stop: () => stopServer(child, dir) };
}

/** The SeaweedFS `weed` binary, or null when scripts/peers/seaweedfs.sh has not built it. */
export function seaweedFsBinary(): string | null {
  const bin = process.env.PLINTH_SEAWEEDFS_BIN || join(peersCache(), `seaweedfs-${SEAWEEDFS_VERSION}`, "weed");
  return existsSync(bin) ? bin : null;
}

/** Starts SeaweedFS (master, volume, filer and S3 gateway in one process) on loopback, for benchmarks. */
export async function startSeaweedFs(opts: { bucket?: string } = {}): Promise<S3Server> {
  const bin = seaweedFsBinary();
  if (!bin) throw new Error("SeaweedFS is not built: run scripts/peers/seaweedfs.sh (about 10 minutes)");
  const dir = mkdtempSync(join(tmpdir(), "plinth-seaweedfs-"));
  const accessKeyId = `AK${randomBytes(8).toString("hex").toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString("base64url");
  const bucket = opts.bucket ?? "plinth";
  const identities = { identities: [{ name: "plinth", credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ["Admin", "Read", "List", "Tagging", "Write"] }] };
  writeFileSync(join(dir, "s3.json"), JSON.stringify(identities));
  mkdirSync(join(dir, "data"));
  const [s3Port, masterPort, volumePort, filerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const args = [
    "server",
    "-ip=127.0.0.1",
    "-ip.bind=127.0.0.1",
    `-dir=${join(dir, "data")}`,
    `-master.port=${masterPort}`,
    `-volume.port=${volumePort}`,
    `-filer.port=${filerPort}`,
    "-s3",
    `-s3.port=${s3Port}`,
    `-s3.config=${join(dir, "s3.json")}`,
    "-s3.ip.bind=127.0.0.1",
    "-metricsPort=0",
  ];
  const child = spawn(bin, args, { stdio: ["ignore", "ignore", "ignore"] });
  const endpoint = `http://127.0.0.1:${s3Port}`;
  const region = "us-east-1";
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > until) {
        client.destroy();
        await stopServer(child, dir);
        throw new Error(`SeaweedFS did not answer on ${endpoint}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  client.destroy();
  return { endpoint, accessKeyId, secretAccessKey, bucket, region, dir, stop: () => stopServer(child, dir) };
}

async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}
