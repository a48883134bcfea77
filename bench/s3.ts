// s3: boto3 through Plinth's /s3 endpoint (local store) against a real S3 server on the same
// machine in the same run: a 1 GiB object up and down (boto3's upload_file / download_file with
// their defaults: 8 MiB parts, 10 threads) and 10,000 small objects (4 KiB) put and got by 16
// threads. Target: Plinth at least as fast as the server both ways.
// The server is SeaweedFS when scripts/peers/seaweedfs.sh has built it (or can: about 10
// minutes); otherwise s3s-fs, and the figures say so. Runs alternate Plinth and the server.
//   BENCH_S3_MIB (1024), BENCH_S3_OBJECTS (10000), BENCH_S3_RUNS (2),
//   BENCH_S3_PEER=seaweedfs|s3s-fs (default: SeaweedFS if it can be had)
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOk } from "../test/helpers/python-clients.ts";
import { type S3Server, s3sFsBinary, seaweedFsBinary, startS3Server, startSeaweedFs } from "../test/helpers/s3-server.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { median, REPO, round, startBenchServer } from "./lib/server.ts";

const SIZE_MIB = Number(process.env.BENCH_S3_MIB ?? 1024);
const OBJECTS = Number(process.env.BENCH_S3_OBJECTS ?? 10_000);
const RUNS = Number(process.env.BENCH_S3_RUNS ?? 2);
const SCRIPT = join(import.meta.dirname, "py", "s3_boto3.py");

/** Runs a program (argv, never a shell); fails with what it printed unless it exits 0. */
const run = async (command: string, args: string[], env: Record<string, string> = {}) => (await runOk(command, args, { env, timeoutMs: 3_600_000 })).stdout.trim();

interface Phases {
  bigPut: number;
  bigGet: number;
  smallPut: number;
  smallGet: number;
}


/** The peer server: SeaweedFS if built (or buildable), else s3s-fs; says which and why. */
async function startPeer(): Promise<{ name: string; note: string; server: S3Server }> {
  const wanted = process.env.BENCH_S3_PEER;
  let note = "";
  if (wanted !== "s3s-fs") {
    let weed = seaweedFsBinary();
    const script = join(REPO, "scripts/peers/seaweedfs.sh");
    if (!weed && existsSync(script)) {
      console.log("  building SeaweedFS once (scripts/peers/seaweedfs.sh, about 10 minutes)…");
      try {
        await run("bash", [script]);
        weed = seaweedFsBinary();
      } catch (err) {
        note = `SeaweedFS could not be built (${(err as Error).message.split("\n")[0]}); `;
      }
    } else if (!weed) note = "scripts/peers/seaweedfs.sh is not there; ";
    if (weed) return { name: "SeaweedFS", note: "", server: await startSeaweedFs({ bucket: "bench" }) };
    if (wanted === "seaweedfs") throw new Error(`${note}BENCH_S3_PEER=seaweedfs asked for it`);
  }
  if (!s3sFsBinary()) await run("bash", [join(REPO, "scripts/peers/s3s-fs.sh")]);
  return { name: "s3s-fs", note: `${note}measured against s3s-fs 0.14.1 instead of SeaweedFS`, server: await startS3Server({ bucket: "bench" }) };
}

async function boto3(python: string, endpoint: string, bucket: string, key: { accessKeyId: string; secretAccessKey: string }): Promise<Phases> {
  const dir = mkdtempSync(join(tmpdir(), "plinth-bench-s3-"));
  try {
    const out = await run(python, [SCRIPT, endpoint, bucket, dir, String(SIZE_MIB), String(OBJECTS)], {
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_CONFIG_FILE: join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    return JSON.parse(out.split("\n").at(-1)!) as Phases;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function figures(runs: Phases[]) {
  const m = (k: keyof Phases) => median(runs.map((r) => r[k]));
  return {
    bigPutMibPerSecond: round(SIZE_MIB / m("bigPut"), 0),
    bigGetMibPerSecond: round(SIZE_MIB / m("bigGet"), 0),
    smallPutPerSecond: round(OBJECTS / m("smallPut"), 0),
    smallGetPerSecond: round(OBJECTS / m("smallGet"), 0),
    runs: runs.map((r) => ({ bigPut: round(SIZE_MIB / r.bigPut, 0), bigGet: round(SIZE_MIB / r.bigGet, 0), smallPut: round(OBJECTS / r.smallPut, 0), smallGet: round(OBJECTS / r.smallGet, 0) })),
  };
}

export async function benchS3(): Promise<Record<string, unknown>> {
  const venv = await run("bash", [join(REPO, "scripts/peers/python-clients.sh")]);
  const python = join(venv, "bin", "python");
  const plinth = await startBenchServer();
  const peer = await startPeer().catch(async (err) => {
    await plinth.stop();
    throw err;
  });
  try {
    const machine = describeMachine(plinth.dataDir);
    console.log(`machine: ${machineLine(machine)}; against ${peer.name}${peer.note ? ` (${peer.note})` : ""}`);
    const key = await plinth.api<{ accessKeyId: string; secretAccessKey: string }>("POST", "/api/v1/access-keys", { name: "bench" });
    const ours: Phases[] = [];
    const theirs: Phases[] = [];
    for (let i = 1; i <= RUNS; i++) {
      ours.push(await boto3(python, `${plinth.url}/s3`, "default", key));
      theirs.push(await boto3(python, peer.server.endpoint, peer.server.bucket, peer.server));
      const [a, b] = [figures([ours.at(-1)!]).runs[0]!, figures([theirs.at(-1)!]).runs[0]!];
      console.log(`  run ${i}: Plinth ${a.bigPut}/${a.bigGet} MiB/s, ${a.smallPut}/${a.smallGet} objects/s; ${peer.name} ${b.bigPut}/${b.bigGet} MiB/s, ${b.smallPut}/${b.smallGet} objects/s (put/get)`);
    }
    const p = figures(ours);
    const q = figures(theirs);
    const ratios = {
      bigPut: round(p.bigPutMibPerSecond / q.bigPutMibPerSecond, 2),
      bigGet: round(p.bigGetMibPerSecond / q.bigGetMibPerSecond, 2),
      smallPut: round(p.smallPutPerSecond / q.smallPutPerSecond, 2),
      smallGet: round(p.smallGetPerSecond / q.smallGetPerSecond, 2),
    };
    return { bench: "s3", machine, peer: peer.name, peerNote: peer.note, sizeMiB: SIZE_MIB, objects: OBJECTS, runs: RUNS, plinth: p, [peer.name]: q, ratios, met: Object.values(ratios).every((r) => r >= 1) };
  } finally {
    await peer.server.stop();
    await plinth.stop();
  }
}

if (import.meta.main) {
  const r = (await benchS3()) as any;
  const p = r.plinth;
  const q = r[r.peer];
  console.log(`s3: boto3, ${r.sizeMiB} MiB object and ${r.objects} objects of 4 KiB, median of ${r.runs} runs each (Plinth / ${r.peer} = ratio)`);
  console.log(`  large put ${p.bigPutMibPerSecond} / ${q.bigPutMibPerSecond} MiB/s = ${r.ratios.bigPut}`);
  console.log(`  large get ${p.bigGetMibPerSecond} / ${q.bigGetMibPerSecond} MiB/s = ${r.ratios.bigGet}`);
  console.log(`  small put ${p.smallPutPerSecond} / ${q.smallPutPerSecond} objects/s = ${r.ratios.smallPut}`);
  console.log(`  small get ${p.smallGetPerSecond} / ${q.smallGetPerSecond} objects/s = ${r.ratios.smallGet}`);
  console.log(`  Plinth at least as fast as ${r.peer} both ways: ${r.met ? "met" : "NOT met"}${r.peerNote ? ` (${r.peerNote})` : ""}`);
  console.log(JSON.stringify(r));
}
