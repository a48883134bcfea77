import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

// A tracking server that stores nothing and answers every call the MLflow benchmark's driver
// makes at once, with answers shaped as a real server's: what the client alone costs (building,
// sending and reading its requests), the floor under any server's figures on the same machine.
// A search answers the same full page every time: 100 runs of 20 metrics, ordered as asked.

const API = "/api/2.0/mlflow";

function runInfo(id: string, experimentId: string, now: number) {
  return { run_id: id, run_uuid: id, run_name: `run-${id.slice(0, 6)}`, experiment_id: experimentId, user_id: "bench", status: "RUNNING", start_time: now, artifact_uri: "", lifecycle_stage: "active" };
}

function searchPage(): string {
  const now = Date.now();
  const runs = Array.from({ length: 100 }, (_, i) => {
    const id = randomBytes(16).toString("hex");
    const metrics = Array.from({ length: 20 }, (_, k) => ({ key: `m${k}`, value: k === 3 ? 0.75 : k === 7 ? 1 - i / 100 : Math.random(), timestamp: now, step: 0 }));
    return { info: runInfo(id, "1", now), data: { metrics, params: [], tags: [{ key: "mlflow.runName", value: `run-${id.slice(0, 6)}` }] }, inputs: {}, outputs: {} };
  });
  return JSON.stringify({ runs, next_page_token: "stub" });
}

const SEARCH_PAGE = searchPage();

function answer(path: string, body: Record<string, any>): string {
  const experimentId = String(body.experiment_id ?? body.experiment_ids?.[0] ?? "1");
  switch (path) {
    case `${API}/experiments/create`:
      return JSON.stringify({ experiment_id: "1" });
    case `${API}/runs/create`:
      return JSON.stringify({ run: { info: runInfo(randomBytes(16).toString("hex"), experimentId, Date.now()), data: {} } });
    case `${API}/runs/update`:
      return JSON.stringify({ run_info: { ...runInfo(String(body.run_id), "1", Date.now()), status: body.status ?? "FINISHED" } });
    case `${API}/runs/search`:
      return SEARCH_PAGE;
    default:
      return "{}";
  }
}

export async function startMlflowStub(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const path = (req.url ?? "").split("?")[0]!;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer(path, text ? JSON.parse(text) : {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
