import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/jobs/executors/kubernetes/kube-client.ts";
import { PodLogFollower, timestampKey } from "../../src/jobs/executors/kubernetes/pod-logs.ts";

// A pod's log followed into the job's log, from an API server played here over plain HTTP
// (as `kubectl proxy` serves it): lines cut across chunks, a stream ended and opened again from
// the last timestamp, a restart that writes nothing twice, and a log Kubernetes does not have.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a pod's log followed into the job's log", () => {
  const dir = mkdtempSync(join(tmpdir(), "pod-logs-"));
  const requests: string[] = [];
  let answer: (url: URL, res: ServerResponse) => void = (_url, res) => res.end();
  const server = createServer((req, res) => {
    requests.push(req.url!);
    answer(new URL(req.url!, "http://x"), res);
  });
  let client: KubeClient;
  const logPath = join(dir, "output.log");
  const positionPath = join(dir, "log-position");
  const warnings: string[] = [];
  const follower = () => new PodLogFollower({ client, namespace: "ns", pod: "p-1", logPath, positionPath, logger: { warn: (m) => warnings.push(m) } });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    client = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("makes timestamps comparable as text", () => {
    expect(timestampKey("2026-01-01T00:00:02.5Z")).toBe("2026-01-01T00:00:02.500000000");
    expect(timestampKey("2026-01-01T00:00:02Z")).toBe("2026-01-01T00:00:02.000000000");
    expect(timestampKey("2026-01-01T00:00:02.5Z") > timestampKey("2026-01-01T00:00:02.000000001Z")).toBe(true);
    expect(timestampKey("nonsense")).toBe("");
  });

  it("writes whole lines without their timestamps, and opens a stream that ended again from the last one", async () => {
    answer = (url, res) => {
      expect(url.pathname).toBe("/api/v1/namespaces/ns/pods/p-1/log");
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ container: "main", follow: "true", timestamps: "true" });
      if (requests.length === 1) {
        expect(url.searchParams.has("sinceTime")).toBe(false);
        res.write("2026-01-01T00:00:01.5Z one\n2026-01-01T00:00:02.000000001Z tw");
        setTimeout(() => res.end("o\n"), 50);
      } else {
        expect(url.searchParams.get("sinceTime")).toBe("2026-01-01T00:00:02Z");
        res.write("2026-01-01T00:00:02.000000001Z two\n2026-01-01T00:00:03Z three\n");
      }
    };
    const f = follower();
    f.start();
    for (const deadline = Date.now() + 10_000; !readFileSync(logPath, { encoding: "utf8", flag: "a+" }).includes("three"); await sleep(20)) {
      if (Date.now() > deadline) throw new Error(`log so far: ${readFileSync(logPath, "utf8")}`);
    }
    await f.stop();
    expect(readFileSync(logPath, "utf8")).toBe("one\ntwo\nthree\n");
    expect(readFileSync(positionPath, "utf8").trim()).toBe("2026-01-01T00:00:03.000000000");
  });

  it("after a restart, writes only what came after the kept position, then stops once the pod has ended", async () => {
    requests.length = 0;
    answer = (url, res) => {
      expect(url.searchParams.get("sinceTime")).toBe("2026-01-01T00:00:03Z");
      res.end("2026-01-01T00:00:03Z three\n2026-01-01T00:00:04Z four\nlast words without a newline");
    };
    const f = follower();
    f.start();
    await f.finish();
    expect(readFileSync(logPath, "utf8")).toBe("one\ntwo\nthree\nfour\nlast words without a newline\n");
    expect(requests).toHaveLength(1);
  });

  it("says once, and quietly, that Kubernetes has no log for the pod", async () => {
    requests.length = 0;
    answer = (_url, res) => res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", reason: "BadRequest", message: 'no logs found for container "main"' }));
    const f = follower();
    f.start();
    await f.finish();
    expect(requests).toHaveLength(1);
    expect(warnings).toEqual(['the log of pod p-1 is not available from Kubernetes: no logs found for container "main"']);
  });
});
