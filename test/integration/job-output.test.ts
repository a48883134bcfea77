import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { runCli, startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";

// A job's output read the way people read it: the end of a huge log without its beginning
// (HTTP ranges, last lines), following on from there, and failures explained in the
// person's own file names. Logs live in files, not the database, so SQLite is enough here.

const MiB = 1024 * 1024;
const BIG = 150 * MiB;

describe("job output", () => {
  let t: TestPlatform;
  let scratch: string;
  beforeAll(async () => {
    t = await startTestPlatform(testDatabases()[0]!, "job_output", { cpus: 4, memory: "4G" });
    scratch = mkdtempSync(join(tmpdir(), "plinth-job-output-"));
    // Jobs may run as another user: let them see the files the tests create here.
    chmodSync(scratch, 0o755);
  });
  afterAll(async () => {
    await t?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const logs = (jobId: string, query = "", headers: Record<string, string> = {}) =>
    fetch(`${t.url}/api/v1/jobs/${jobId}/logs${query}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
  /** Reads a body chunk by chunk, keeping only its size and its end: what went over the wire, without holding it. */
  const drain = async (res: Response) => {
    let bytes = 0;
    let end = Buffer.alloc(0);
    for await (const chunk of res.body!) {
      bytes += chunk.byteLength;
      end = Buffer.concat([end, chunk]).subarray(-4096);
    }
    return { bytes, end: end.toString() };
  };

  describe("a 150 MiB log", () => {
    let jobId: string;
    let size: number;
    beforeAll(async () => {
      // Random base64 lines: nothing along the way could make them smaller.
      const { body: job } = await t.api("POST", "/api/v1/jobs", { name: "big-log", script: `base64 /dev/urandom | head -c ${BIG}; echo; echo "the last line"` });
      expect((await t.waitFor(job.id, undefined, 120_000)).state).toBe("succeeded");
      jobId = job.id;
      size = BIG + "\nthe last line\n".length;
    }, 150_000);

    it("answers a Range for its last 4 MiB with those bytes only", async () => {
      const res = await logs(jobId, "", { range: `bytes=-${4 * MiB}` });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${size - 4 * MiB}-${size - 1}/${size}`);
      expect(res.headers.get("content-length")).toBe(String(4 * MiB));
      const { bytes, end } = await drain(res);
      expect(bytes).toBe(4 * MiB);
      expect(end.endsWith("\nthe last line\n")).toBe(true);
    });

    it("resumes a download from a byte, and serves a range from the middle", async () => {
      const resumed = await logs(jobId, "", { range: `bytes=${size - 14}-` });
      expect(resumed.status).toBe(206);
      expect(await resumed.text()).toBe("the last line\n");
      const middle = await logs(jobId, "", { range: `bytes=${size - 14}-${size - 10}` });
      expect(middle.headers.get("content-range")).toBe(`bytes ${size - 14}-${size - 10}/${size}`);
      expect(await middle.text()).toBe("the l");
    });

    it("refuses a range past the end with 416, saying how big the log is", async () => {
      const res = await logs(jobId, "", { range: `bytes=${size}-` });
      expect(res.status).toBe(416);
      expect(res.headers.get("content-range")).toBe(`bytes */${size}`);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const problem = (await res.json()) as { title: string; hint: string };
      expect(problem.title).toBe("Range not satisfiable");
      expect(problem.hint).toContain("bytes=-4194304");
    });

    it("gives its last lines with ?tail=N, reading only those", async () => {
      const res = await logs(jobId, "?tail=1");
      expect(await res.text()).toBe("the last line\n");
    });

    it("follows on from the end of a range without sending anything twice", async () => {
      const res = await logs(jobId, `?follow=true&offset=${size}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
    });

    it("still streams the whole log to a download, and says ranges are accepted", async () => {
      const res = await logs(jobId);
      expect(res.status).toBe(200);
      expect(res.headers.get("accept-ranges")).toBe("bytes");
      // Streamed, not buffered: the server does not know the length up front.
      expect(res.headers.get("content-length")).toBeNull();
      const { bytes, end } = await drain(res);
      expect(bytes).toBe(size);
      expect(end.endsWith("\nthe last line\n")).toBe(true);
    });

    it("refuses a Range together with follow, offset or tail, saying what to do instead", async () => {
      for (const query of ["?follow=true", "?offset=10", "?tail=5"]) {
        const res = await logs(jobId, query, { range: "bytes=-100" });
        expect(res.status, query).toBe(400);
        expect(((await res.json()) as { hint: string }).hint).toContain("follow=true&offset=");
      }
    });
  });

  it("follows a running job from its last lines", async () => {
    const go = join(scratch, "go");
    const { body: job } = await t.api("POST", "/api/v1/jobs", { name: "tail-follow", script: `echo one; echo two; while [ ! -e '${go}' ]; do sleep 0.05; done; echo three` });
    try {
      await t.waitFor(job.id, ["running"]);
      await expect.poll(async () => (await t.api("GET", `/api/v1/jobs/${job.id}/logs`)).body, { timeout: 10_000 }).toBe("one\ntwo\n");
      const res = await logs(job.id, "?tail=1&follow=true");
      const reader = res.body!.getReader();
      expect(Buffer.from((await reader.read()).value!).toString()).toBe("two\n");
      // The job is still running, waiting for this file: what it writes next arrives on the same response.
      writeFileSync(go, "");
      let rest = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
      expect(rest).toBe("three\n");
      expect((await t.waitFor(job.id)).state).toBe("succeeded");
    } finally {
      // Never leave the job waiting, whatever failed above.
      writeFileSync(go, "");
    }
  });

  it("rejects tail together with offset", async () => {
    const { body: job } = await t.api("POST", "/api/v1/jobs", { command: ["true"] });
    const res = await t.api("GET", `/api/v1/jobs/${job.id}/logs?tail=3&offset=10`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe("query.tail");
  });

  it("plinth jobs logs --tail prints the last lines", async () => {
    const { body: job } = await t.api("POST", "/api/v1/jobs", { script: "for i in 1 2 3 4 5; do echo line $i; done" });
    await t.waitFor(job.id);
    const r = await runCli(["jobs", "logs", job.id, "--tail", "2"], { url: t.url });
    expect(r.stdout).toBe("line 4\nline 5\n");
  });

  it("explains a Python failure with the person's file names, not the server's copy", async () => {
    const project = join(scratch, "project");
    mkdirSync(project);
    writeFileSync(join(project, "train.py"), "import model\nmodel.fit()\n");
    writeFileSync(join(project, "model.py"), "def fit():\n    raise ValueError('learning rate must be positive')\n");
    const r = await runCli(["run", "--", "python3", "train.py"], { url: t.url, cwd: project });
    expect(r.code).not.toBe(0);
    const [, jobId] = /(job_\w+)/.exec(r.stderr + r.stdout) ?? [];
    const job = (await t.api("GET", `/api/v1/jobs/${jobId}`)).body;
    expect(job.failure.reason).toBe("python_exception");
    expect(job.failure.hint).toBe("See the traceback in the log (raised in model.py, line 2, in fit).");
    expect(job.failure.logTail).toContain(`File "train.py", line 2, in <module>`);
    expect(job.failure.logTail).not.toContain(t.dataDir);
    expect(r.stderr).toContain("model.py, line 2");
    expect(r.stderr).not.toContain(t.dataDir);
    // The log itself is the job's own output, left as Python printed it.
    const raw = (await t.api("GET", `/api/v1/jobs/${jobId}/logs`)).body as string;
    expect(raw).toContain(`${t.dataDir}/runs/${jobId}/work/train.py", line 2`);
    expect(existsSync(join(t.dataDir, "runs", jobId!, "work", "train.py"))).toBe(true);
  });
});
