// data: moving bytes through Plinth on the local store, against `cp` on the same disk in the
// same run.
//  (a) a 1 GiB file up and down: `plinth data push` / `plinth data pull`, and a raw HTTP PUT of
//      the blob / GET of the version's file, beside `cp` of the same file. Targets: at least
//      80% of cp's throughput both ways; the server's resident memory growing by < 64 MB.
//      Beside them, as references: the same PUT and GET sent by curl (a client that costs
//      little, so the server's own speed shows), and curl against a bare Node HTTP server that
//      neither stores nor hashes (the most any server on Node moves here).
//  (b) a 10,000-file folder: the first push, then an unchanged second push. Target: < 2 s and
//      0 bytes sent.
// The server runs as its own process, so its memory is its own (read from /proc).
//   BENCH_DATA_MIB (1024), BENCH_DATA_FILES (10000), BENCH_DATA_RUNS (3)
import { createHash, randomBytes } from "node:crypto";
import { closeSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { runOk } from "../test/helpers/python-clients.ts";
import { curl, curlAvailable, httpCeiling } from "./lib/http-ceiling.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { cpuSeconds, MiB, mib, type RssFigures, watchRss } from "./lib/rss.ts";
import { type BenchServer, median, REPO, round, startBenchServer } from "./lib/server.ts";

const SIZE = Number(process.env.BENCH_DATA_MIB ?? 1024) * MiB;
const FILES = Number(process.env.BENCH_DATA_FILES ?? 10_000);
const RUNS = Number(process.env.BENCH_DATA_RUNS ?? 3);
const RSS_LIMIT = 64 * 1000 * 1000;

interface Timed {
  seconds: number;
  /** CPU seconds of the client side: this process and the programs it ran (cp, the CLI). */
  clientCpu: number;
  rss?: RssFigures;
}

/** Runs a program (argv, never a shell); fails with what it printed unless it exits 0. */
const run = async (command: string, args: string[], env: Record<string, string> = {}) => (await runOk(command, args, { env, timeoutMs: 3_600_000 })).stdout;

const mibPerSecond = (bytes: number, seconds: number) => round(bytes / MiB / seconds, 0);


async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; clientCpu: number }> {
  const cpu0 = process.cpuUsage();
  const children0 = cpuSeconds("self", "children");
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(cpu0);
  return { result, seconds, clientCpu: (own.user + own.system) / 1e6 + cpuSeconds("self", "children") - children0 };
}

/** Flushes dirty pages first, so one step's writeback does not land in the next one's time. */
const flush = () => run("sync", []);

function writeRandomFile(path: string, size: number): void {
  const fd = openSync(path, "w");
  try {
    const block = randomBytes(16 * MiB);
    for (let at = 0; at < size; at += block.length) {
      writeSync(fd, block, 0, Math.min(block.length, size - at));
      // Each block differs from the last, so no two blocks of the file are the same.
      block.writeUInt32LE(at / block.length + 1, 0);
    }
  } finally {
    closeSync(fd);
  }
}

/** Gives the file new content (its first bytes), so each upload is of bytes the server lacks. */
function renewContent(path: string): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, randomBytes(32), 0, 32, 0);
  } finally {
    closeSync(fd);
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk);
  return hash.digest("hex");
}

function request(server: BenchServer, method: string, path: string, headers: Record<string, string | number>, body?: NodeJS.ReadableStream): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(server.url + path, { method, headers: { authorization: `Bearer ${server.token}`, ...headers } }, resolve);
    req.on("error", reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

async function rawPut(server: BenchServer, file: string, sha256: string): Promise<void> {
  const res = await request(server, "PUT", `/api/v1/data/blobs/${sha256}`, { "content-type": "application/octet-stream", "content-length": statSync(file).size }, createReadStream(file, { highWaterMark: MiB }));
  let text = "";
  for await (const chunk of res) text += chunk;
  if (res.statusCode !== 201) throw new Error(`PUT blob: ${res.statusCode} ${text}`);
}

async function rawGet(server: BenchServer, path: string, target: string): Promise<void> {
  const res = await request(server, "GET", path, {});
  if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode}`);
  await pipeline(res, createWriteStream(target));
}

/** The real CLI as its own process; answers its --json output. */
async function cli(server: BenchServer, home: string, args: string[]): Promise<any> {
  const out = await run(process.execPath, [join(REPO, "src/main.ts"), ...args, "--json"], {
    PLINTH_URL: server.url,
    PLINTH_TOKEN: server.token,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
  });
  return JSON.parse(out);
}

function summary(times: Timed[], bytes: number) {
  const seconds = median(times.map((t) => t.seconds));
  const growth = times.flatMap((t) => (t.rss ? [t.rss.growthBytes] : []));
  const perGiB = (cpu: number) => round(cpu / (bytes / 1024 ** 3), 2);
  return {
    medianSeconds: round(seconds, 2),
    mibPerSecond: mibPerSecond(bytes, seconds),
    runsMibPerSecond: times.map((t) => mibPerSecond(bytes, t.seconds)),
    clientCpuSecondsPerGiB: perGiB(median(times.map((t) => t.clientCpu))),
    ...(growth.length > 0 && {
      serverCpuSecondsPerGiB: perGiB(median(times.map((t) => t.rss!.cpuSeconds))),
      rssGrowthMiB: growth.map(mib),
      rssGrowthMaxMiB: mib(Math.max(...growth)),
      rssAfterMiB: times.map((t) => mib(t.rss!.afterBytes)),
    }),
  };
}

async function bigFile(server: BenchServer, dir: string) {
  const source = join(dir, "big.bin");
  writeRandomFile(source, SIZE);
  const home = join(dir, "cli-home");
  const times: Record<"cp" | "rawPut" | "rawGet" | "curlPut" | "curlGet" | "push" | "pull" | "hash", Timed[]> = { cp: [], rawPut: [], rawGet: [], curlPut: [], curlGet: [], push: [], pull: [], hash: [] };
  const withCurl = await curlAvailable();
  if (!withCurl) console.log("  curl is not installed: the curl references are left out");
  const ceilings: Array<{ putMibPerSecond: number; getMibPerSecond: number }> = [];
  for (let i = 1; i <= RUNS; i++) {
    renewContent(source);
    await flush();
    const copy = join(dir, "copy.bin");
    times.cp.push(await timed(() => run("cp", [source, copy])));
    rmSync(copy);

    // Raw HTTP: the hash is the client's to know beforehand (timed apart, for reference).
    const hashed = await timed(() => sha256Of(source));
    times.hash.push(hashed);
    await flush();
    const put = await watchRss(server.pid, () => timed(() => rawPut(server, source, hashed.result)));
    times.rawPut.push({ ...put.result, rss: put.rss });
    await server.api("POST", `/api/v1/datasets/raw-${i}/versions`, { files: [{ path: "big.bin", sha256: hashed.result, size: SIZE }] });
    await flush();
    const fetched = join(dir, "fetched.bin");
    const get = await watchRss(server.pid, () => timed(() => rawGet(server, `/api/v1/datasets/raw-${i}/versions/v1/files/big.bin`, fetched)));
    times.rawGet.push({ ...get.result, rss: get.rss });
    if (statSync(fetched).size !== SIZE) throw new Error("the raw GET brought back a file of the wrong size");
    rmSync(fetched);

    if (withCurl) {
      // The same through curl: seconds from curl's own rate, so its start-up is not counted.
      renewContent(source);
      const sha256 = await sha256Of(source);
      await flush();
      const auth = `authorization: Bearer ${server.token}`;
      const put = await watchRss(server.pid, () => timed(() => curl(["-w", "%{speed_upload}", "-T", source, "-H", auth, "-H", "content-type: application/octet-stream", `${server.url}/api/v1/data/blobs/${sha256}`])));
      times.curlPut.push({ seconds: SIZE / put.result.result, clientCpu: put.result.clientCpu, rss: put.rss });
      await server.api("POST", `/api/v1/datasets/curl-${i}/versions`, { files: [{ path: "big.bin", sha256, size: SIZE }] });
      await flush();
      const get = await watchRss(server.pid, () => timed(() => curl(["-w", "%{speed_download}", "-H", auth, `${server.url}/api/v1/datasets/curl-${i}/versions/v1/files/big.bin`])));
      times.curlGet.push({ seconds: SIZE / get.result.result, clientCpu: get.result.clientCpu, rss: get.rss });
      ceilings.push(await httpCeiling(source, SIZE));
    }

    // The CLI: hashing, asking what is missing, a resumable upload in parts, the version.
    renewContent(source);
    await flush();
    const pushed = await watchRss(server.pid, () => timed(() => cli(server, home, ["data", "push", source, "--name", `cli-${i}`, "-q"])));
    if (pushed.result.result.uploadedBytes !== SIZE) throw new Error(`push sent ${pushed.result.result.uploadedBytes} bytes, not ${SIZE}`);
    times.push.push({ ...pushed.result, rss: pushed.rss });
    await flush();
    const into = join(dir, `pulled-${i}`);
    const pulled = await watchRss(server.pid, () => timed(() => cli(server, home, ["data", "pull", `cli-${i}@v1`, into, "-q"])));
    if (pulled.result.result.downloadedBytes !== SIZE) throw new Error(`pull received ${pulled.result.result.downloadedBytes} bytes, not ${SIZE}`);
    times.pull.push({ ...pulled.result, rss: pulled.rss });
    rmSync(into, { recursive: true });
    console.log(
      `  run ${i}: cp ${mibPerSecond(SIZE, times.cp.at(-1)!.seconds)} MiB/s; raw PUT ${mibPerSecond(SIZE, put.result.seconds)}, GET ${mibPerSecond(SIZE, get.result.seconds)}; ` +
        `push ${mibPerSecond(SIZE, pushed.result.seconds)}, pull ${mibPerSecond(SIZE, pulled.result.seconds)} MiB/s; server RSS +${mib(Math.max(put.rss.growthBytes, get.rss.growthBytes, pushed.rss.growthBytes, pulled.rss.growthBytes))} MiB at most`,
    );
  }
  rmSync(source);
  const cp = summary(times.cp, SIZE);
  const figures = { cp, hash: summary(times.hash, SIZE), rawPut: summary(times.rawPut, SIZE), rawGet: summary(times.rawGet, SIZE), push: summary(times.push, SIZE), pull: summary(times.pull, SIZE) };
  const references = withCurl
    ? {
        curlPut: summary(times.curlPut, SIZE),
        curlGet: summary(times.curlGet, SIZE),
        bareNodeHttp: { putMibPerSecond: median(ceilings.map((c) => c.putMibPerSecond)), getMibPerSecond: median(ceilings.map((c) => c.getMibPerSecond)), runs: ceilings },
      }
    : null;
  const ratio = (x: { mibPerSecond: number }) => round(x.mibPerSecond / cp.mibPerSecond, 2);
  const ratios = { rawPut: ratio(figures.rawPut), rawGet: ratio(figures.rawGet), push: ratio(figures.push), pull: ratio(figures.pull) };
  const rssMax = Math.max(
    ...[figures.rawPut, figures.rawGet, figures.push, figures.pull, ...(references ? [references.curlPut, references.curlGet] : [])].map((f) => f.rssGrowthMaxMiB!),
  );
  return { ...figures, references, ratioToCp: ratios, throughputMet: Object.values(ratios).every((r) => r >= 0.8), rssGrowthMaxMiB: rssMax, rssMet: rssMax * MiB < RSS_LIMIT };
}

async function manyFiles(server: BenchServer, dir: string) {
  const folder = join(dir, "many");
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const sub = join(folder, `part-${String(Math.floor(i / 100)).padStart(3, "0")}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    const content = randomBytes(1024 + ((i * 7919) % 3072));
    bytes += content.length;
    const fd = openSync(join(sub, `item-${i}.bin`), "w");
    writeSync(fd, content);
    closeSync(fd);
  }
  const home = join(dir, "many-home");
  await flush();
  const first = await timed(() => cli(server, home, ["data", "push", folder, "--name", "many", "-q"]));
  const again: Array<{ seconds: number; clientCpu: number; serverCpu: number; sent: number; created: boolean }> = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await watchRss(server.pid, () => timed(() => cli(server, home, ["data", "push", folder, "--name", "many", "-q"])));
    again.push({ seconds: r.result.seconds, clientCpu: r.result.clientCpu, serverCpu: r.rss.cpuSeconds, sent: r.result.result.uploadedBytes, created: r.result.result.created });
  }
  rmSync(folder, { recursive: true });
  const secondMedian = median(again.map((a) => a.seconds));
  return {
    files: FILES,
    bytes,
    first: { seconds: round(first.seconds, 2), clientCpuSeconds: round(first.clientCpu, 2), sentBytes: first.result.uploadedBytes, filesPerSecond: round(FILES / first.seconds, 0) },
    unchanged: {
      medianSeconds: round(secondMedian, 2),
      runsSeconds: again.map((a) => round(a.seconds, 2)),
      clientCpuSeconds: round(median(again.map((a) => a.clientCpu)), 2),
      serverCpuSeconds: round(median(again.map((a) => a.serverCpu)), 2),
      sentBytes: Math.max(...again.map((a) => a.sent)),
      newVersion: again.some((a) => a.created),
    },
    met: secondMedian < 2 && again.every((a) => a.sent === 0 && !a.created),
  };
}

export async function benchData(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "plinth-bench-data-"));
  const server = await startBenchServer();
  try {
    const machine = describeMachine(server.dataDir);
    console.log(`machine: ${machineLine(machine)}`);
    console.log(`(a) a ${mib(SIZE)} MiB file, ${RUNS} runs`);
    const big = await bigFile(server, dir);
    console.log(`(b) a folder of ${FILES} files`);
    const many = await manyFiles(server, dir);
    return { bench: "data", machine, sizeMiB: mib(SIZE), runs: RUNS, big, many };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const r = (await benchData()) as any;
  const b = r.big;
  const line = (name: string, x: any, ratio?: number) =>
    `  ${name.padEnd(22)} ${String(x.mibPerSecond).padStart(6)} MiB/s (median of ${r.runs}: ${x.runsMibPerSecond.join(", ")})${ratio !== undefined ? `  ${ratio}× cp` : ""}; CPU s/GiB: client ${x.clientCpuSecondsPerGiB}${x.serverCpuSecondsPerGiB !== undefined ? `, server ${x.serverCpuSecondsPerGiB}; server RSS +${x.rssGrowthMaxMiB} MiB` : ""}`;
  console.log(`data: ${r.sizeMiB} MiB on the local store`);
  console.log(line("cp (same disk)", b.cp));
  console.log(line("sha256 (client)", b.hash));
  console.log(line("raw HTTP PUT", b.rawPut, b.ratioToCp.rawPut));
  console.log(line("raw HTTP GET", b.rawGet, b.ratioToCp.rawGet));
  console.log(line("plinth data push", b.push, b.ratioToCp.push));
  console.log(line("plinth data pull", b.pull, b.ratioToCp.pull));
  if (b.references) {
    const cp = b.cp.mibPerSecond;
    console.log(line("curl PUT to Plinth", b.references.curlPut, round(b.references.curlPut.mibPerSecond / cp, 2)));
    console.log(line("curl GET from Plinth", b.references.curlGet, round(b.references.curlGet.mibPerSecond / cp, 2)));
    const bare = b.references.bareNodeHttp;
    console.log(`  bare Node HTTP (curl)  PUT ${bare.putMibPerSecond} MiB/s (${round(bare.putMibPerSecond / cp, 2)}× cp), GET ${bare.getMibPerSecond} MiB/s (${round(bare.getMibPerSecond / cp, 2)}× cp): no disk, no hash, the most a Node server moves here`);
  }
  console.log(`  ≥ 0.8× cp both ways: ${b.throughputMet ? "met" : "NOT met"}; server RSS growth ${b.rssGrowthMaxMiB} MiB (< 64 MB): ${b.rssMet ? "met" : "NOT met"}`);
  const m = r.many;
  console.log(`data: ${m.files} files (${mib(m.bytes)} MiB): first push ${m.first.seconds} s (${m.first.filesPerSecond} files/s, ${mib(m.first.sentBytes)} MiB sent); unchanged push ${m.unchanged.medianSeconds} s (runs ${m.unchanged.runsSeconds.join(", ")}; CPU: CLI ${m.unchanged.clientCpuSeconds} s, server ${m.unchanged.serverCpuSeconds} s), ${m.unchanged.sentBytes} bytes sent (target < 2 s, 0 bytes: ${m.met ? "met" : "NOT met"})`);
  console.log(JSON.stringify(r));
}
