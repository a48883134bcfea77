import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../helpers/databases.ts";
import { startTestPlatform, TOKEN, type TestPlatform } from "../helpers/platform.ts";

// What the portal reads besides the jobs API: live events, the job spec's JSON Schema, the
// Start-here journey and sorted job lists.

/** Reads server-sent events until `until` returns true for one of them. */
async function readEvents(url: string, headers: Record<string, string>, until: (e: { event: string; data: any }) => boolean, timeoutMs = 20_000) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  const res = await fetch(url, { headers, signal: ctrl.signal });
  const seen: Array<{ event: string; data: any }> = [];
  const ready = { contentType: res.headers.get("content-type") ?? "" };
  const done = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) {
            const e = { event, data: JSON.parse(data) };
            seen.push(e);
            if (until(e)) return seen;
          }
          i = buf.indexOf("\n\n");
        }
      }
    } finally {
      clearTimeout(timer);
      ctrl.abort();
    }
    return seen;
  })();
  return { ready, done };
}

for (const db of testDatabases()) {
  describe(`portal live data (${db.name})`, () => {
    let t: TestPlatform;
    beforeAll(async () => {
      t = await startTestPlatform(db, "portal_live", { fakeGpus: 1 });
    });
    afterAll(async () => {
      await t?.close();
    });

    it("streams job state changes as server-sent events", async () => {
      const { ready, done } = await readEvents(`${t.url}/api/v1/events`, { authorization: `Bearer ${TOKEN}` }, (e) => e.data.state === "succeeded");
      expect(ready.contentType).toMatch(/^text\/event-stream/);
      const { body: job } = await t.api("POST", "/api/v1/jobs", { command: ["true"] });
      const events = (await done).filter((e) => e.data.jobId === job.id);
      expect(events.map((e) => e.event)).toEqual(["job.changed", "job.changed", "job.changed", "job.changed"]);
      expect(events.map((e) => e.data.state)).toEqual(["queued", "starting", "running", "succeeded"]);
    });

    it("needs a signed-in client for events", async () => {
      const res = await fetch(`${t.url}/api/v1/events`);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    });

    it("serves the job spec as JSON Schema for forms", async () => {
      const res = await fetch(`${t.url}/api/v1/schemas/job-spec.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      const schema: any = await res.json();
      expect(schema.type).toBe("object");
      expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["name", "command", "script", "resources", "timeout", "priority", "env", "labels"]));
      expect(schema.properties.resources.properties.gpus.type).toBe("integer");
      expect(schema.properties.priority.minimum).toBe(-100);
      expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["inputs", "outputs"]));
      // Every reference left (to Expectations…) resolves inside the document.
      const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)].map((m) => m[1]!);
      for (const ref of refs) expect(schema.$defs?.[ref], ref).toBeDefined();
    });

    it("checks off the Start-here journey from what a person really did", async () => {
      const { body: created } = await t.api("POST", "/api/v1/users", { name: "newcomer" });
      const token = created.token as string;
      const signIn = await fetch(`${t.url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0]!;
      const journey = async () => (await (await fetch(`${t.url}/api/v1/portal/start`, { headers: { cookie } })).json()) as any;

      let j = await journey();
      expect([j.signedIn.done, j.cli.done, j.firstJob.done, j.watched.done, j.read.done]).toEqual([true, false, false, false, false]);

      // Signing in to the portal is not the CLI; the CLI signs in with a Bearer token.
      expect(j.cli.done).toBe(false);
      expect((await t.api("GET", "/api/v1/me", undefined, token)).body.name).toBe("newcomer");
      j = await journey();
      expect(j.cli.done).toBe(true);
      expect(j.firstJob.done).toBe(false);

      // Someone else's job does not count.
      const { body: other } = await t.api("POST", "/api/v1/jobs", { command: ["true"] });
      await t.waitFor(other.id);
      await fetch(`${t.url}/api/v1/jobs/${other.id}/logs?follow=true`, { headers: { cookie } }).then((r) => r.text());
      j = await journey();
      expect([j.firstJob.done, j.watched.done, j.read.done]).toEqual([false, false, false]);

      const { body: job } = await t.api("POST", "/api/v1/jobs", { command: ["echo", "hello"] }, token);
      j = await journey();
      expect(j.firstJob).toMatchObject({ done: true, jobId: job.id });
      expect(j.latestJobId).toBe(job.id);

      // Following the log to its end is watching the job and reading its result.
      const logs = await fetch(`${t.url}/api/v1/jobs/${job.id}/logs?follow=true`, { headers: { authorization: `Bearer ${token}` } });
      expect(await logs.text()).toBe("hello\n");
      await new Promise((r) => setTimeout(r, 100));
      j = await journey();
      expect([j.watched.done, j.read.done]).toEqual([true, true]);
    });

    it("sorts job lists by name and state with complete keyset pages", async () => {
      const names = ["delta", "alpha", "charlie", "bravo", "alpha", "echo"];
      const label = `sort-${Date.now()}`;
      for (const name of names) await t.api("POST", "/api/v1/jobs", { name, command: ["true"], labels: { run: label } });
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const q: string = `/api/v1/jobs?label=run=${label}&sort=name&order=asc&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
        const { body } = await t.api("GET", q);
        all.push(...body.items);
        cursor = body.nextCursor;
      } while (cursor);
      expect(all.map((j) => j.name)).toEqual([...names].sort());
      expect(new Set(all.map((j) => j.id)).size).toBe(names.length);
      const alphas = all.filter((j) => j.name === "alpha").map((j) => j.id);
      expect(alphas).toEqual([...alphas].sort());

      const desc = await t.api("GET", `/api/v1/jobs?label=run=${label}&sort=name&order=desc&limit=3`);
      expect(desc.body.items.map((j: any) => j.name)).toEqual(["echo", "delta", "charlie"]);
      const next = await t.api("GET", `/api/v1/jobs?label=run=${label}&sort=name&order=desc&limit=3&cursor=${desc.body.nextCursor}`);
      expect(next.body.items.map((j: any) => j.name)).toEqual(["bravo", "alpha", "alpha"]);

      const byState = await t.api("GET", `/api/v1/jobs?sort=state&order=asc&limit=500`);
      const states = byState.body.items.map((j: any) => j.state);
      expect(states).toEqual([...states].sort());

      const bad = await t.api("GET", "/api/v1/jobs?sort=size");
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe("query.sort");
    });
  });
}
