import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";

// The most any HTTP server written on Node can move on this machine: a bare node:http server
// in its own process that throws away what is PUT and answers a GET from one buffer in memory
// (no disk, no hash, no database), driven by curl (C, so the client costs little). Plinth
// cannot beat it; it tells how much of the gap to `cp` is the transport itself.

const SERVER = `
import http from "node:http";
const block = Buffer.alloc(1024 * 1024, 7);
const server = http.createServer((req, res) => {
  if (req.method === "PUT") { req.on("data", () => {}); req.on("end", () => res.end("ok")); return; }
  const size = Number(new URL(req.url, "http://x").searchParams.get("size"));
  res.writeHead(200, { "content-length": size });
  let left = size;
  const more = () => {
    while (left > 0) {
      const n = Math.min(left, block.length);
      left -= n;
      if (!res.write(n === block.length ? block : block.subarray(0, n))) return void res.once("drain", more);
    }
    res.end();
  };
  more();
});
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
`;

export interface CeilingFigures {
  putMibPerSecond: number;
  getMibPerSecond: number;
}

/** curl's own figure for one transfer: bytes per second, as it printed it. */
export function curl(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "--fail", "-o", "/dev/null", ...args], { maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(Number(stdout))));
  });
}

export async function curlAvailable(): Promise<boolean> {
  return new Promise((resolve) => execFile("curl", ["--version"], (err) => resolve(!err)));
}

/** PUTs `file` and GETs as many bytes back from a bare Node server; medians are the caller's. */
export async function httpCeiling(file: string, size: number): Promise<CeilingFigures> {
  const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [line] = (await once(child.stdout!, "data")) as [Buffer];
    const url = `http://127.0.0.1:${line.toString().trim()}/`;
    const put = await curl(["-w", "%{speed_upload}", "-T", file, url]);
    const get = await curl(["-w", "%{speed_download}", `${url}?size=${size}`]);
    return { putMibPerSecond: Math.round(put / 1024 ** 2), getMibPerSecond: Math.round(get / 1024 ** 2) };
  } finally {
    child.kill();
  }
}
